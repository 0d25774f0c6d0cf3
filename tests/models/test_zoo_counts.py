"""The zoo at full size: parameter counts equal torchvision's published numbers, and every
state_dict name and shape equals the torchvision-style twin's (so torchvision checkpoints load)."""

from __future__ import annotations

import pytest
import torch
import torch_zoo as tz

from deepgrad import models
from parity.zoo import no_random_init, shapes

# torchvision's documented parameter counts (num_params in its weight tables)
FULL_SIZE = [
    ("resnet18", models.resnet18, lambda: tz.resnet18(), 11_689_512),
    ("resnet34", models.resnet34, lambda: tz.resnet34(), 21_797_672),
    ("resnet50", models.resnet50, lambda: tz.resnet50(), 25_557_032),
    ("vgg11", models.vgg11, lambda: tz.vgg11(), 132_863_336),
    ("vgg16", models.vgg16, lambda: tz.vgg16(), 138_357_544),
    ("vgg11_bn", lambda: models.vgg11(batch_norm=True), lambda: tz.vgg11(True), 132_868_840),
    ("vgg16_bn", lambda: models.vgg16(batch_norm=True), lambda: tz.vgg16(True), 138_365_992),
    ("alexnet", models.alexnet, lambda: tz.AlexNet(), 61_100_840),
]


@pytest.mark.parametrize("name,ours,theirs,count", FULL_SIZE, ids=[f[0] for f in FULL_SIZE])
def test_full_size_counts_and_names_equal_torchvision(name, ours, theirs, count):
    with no_random_init():
        model = ours()
    assert model.num_parameters() == count
    with torch.device("meta"):  # shapes only, no memory
        twin = theirs()
    assert sum(p.numel() for p in twin.parameters()) == count
    assert shapes(model.state_dict(keep_vars=True)) == shapes(twin.state_dict())
    assert list(model.state_dict(keep_vars=True)) == list(twin.state_dict())  # same order


def test_num_classes_changes_only_the_last_layer():
    with no_random_init():
        r = models.resnet50(num_classes=10)
        v = models.vgg11(num_classes=7)
    assert r.fc.weight.shape == (10, 2048) and r.num_parameters() == 25_557_032 - 990 * 2049
    assert v.classifier[6].weight.shape == (7, 4096)


def test_small_input_variants_have_their_documented_shapes():
    r = models.resnet18(num_classes=10, small_input=True)
    assert r.conv1.weight.shape == (64, 3, 3, 3) and type(r.maxpool).__name__ == "Identity"
    assert r.num_parameters() == 11_173_962  # the CIFAR ResNet-18's well-known count
    v = models.vgg16(num_classes=10, small_input=True)
    assert v.avgpool.output_size == (1, 1) and v.classifier[0].weight.shape == (512, 512)
    a = models.alexnet(num_classes=10, small_input=True)
    assert a.features[0].weight.shape == (64, 3, 3, 3) and a.classifier[1].weight.shape == (1024,
                                                                                              1024)
    assert models.lenet5().num_parameters() == 61_706  # 156 + 2,416 + 48,120 + 10,164 + 850


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="layers must be 4"):
        models.ResNet(models.BasicBlock, [2, 2, 2])
    with pytest.raises(ValueError, match="input_size must be 28 or 32"):
        models.lenet5(input_size=64)
    with pytest.raises(ValueError, match="activation must be one of"):
        models.lenet5(activation="gelu")
    with pytest.raises(ValueError, match="factorize must be an odd"):
        models.inception_block(8, 4, 4, 4, 4, 4, 4, factorize=4)


def test_inception_block_channels_and_torch_twin_names():
    b = models.inception_block(192, 64, 96, 128, 16, 32, 32)
    assert b.out_channels == 256
    t = tz.Inception(192, 64, 96, 128, 16, 32, 32)
    assert shapes(b.state_dict(keep_vars=True)) == shapes(t.state_dict())
    f = models.inception_block(192, 64, 96, 128, 16, 32, 32, factorize=7)
    assert f.branch2[1].conv.weight.shape == (128, 96, 1, 7)
    assert f.branch2[2].conv.weight.shape == (128, 128, 7, 1)
    assert len(f.branch3) == 5  # 1x1, then two factorized 7x7s (1x7, 7x1, 1x7, 7x1)
    net, twin = models.inception_net(10, small_input=True), tz.InceptionNet(10, small_input=True)
    assert shapes(net.state_dict(keep_vars=True)) == shapes(twin.state_dict())
    assert net.num_parameters() == sum(p.numel() for p in twin.parameters())


def test_benchmark_twin_is_our_small_resnet18():
    """benchmarks' torch ResNet-18 (small input) has our names and shapes, so the benchmark
    compares the same network."""
    from benchmarks.workloads.zoo import torch_resnet18_small

    ours, twin = models.resnet18(10, small_input=True), torch_resnet18_small(10)
    assert shapes(ours.state_dict(keep_vars=True)) == shapes(twin.state_dict())
    twin_ref = tz.resnet18(num_classes=10, small_input=True)
    assert shapes(twin_ref.state_dict()) == shapes(twin.state_dict())
