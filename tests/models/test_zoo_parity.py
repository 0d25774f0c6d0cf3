"""The zoo against torchvision-style twins (tests/models/torch_zoo.py): a torch state_dict loads
into ours with strict=True and gives the same eval-mode logits (float32, 1e-4 relative), with
realistic weights (He-normal, batch-norm statistics measured on the batch, random gamma/beta);
and float64 gradients of every parameter and of the input equal torch's in train mode.

Full-size networks run on small images where that still goes through every layer (ResNets at
64x64, ResNet-34 at 32x32: the stride-32 path from stem to layer4 ends at 2x2 / 1x1; AlexNet
at 96x96: its 11x11/4 stem and three pools give 2x2, which AdaptiveAvgPool2d((6, 6)) spreads
over overlapping windows). The full-size VGGs (138M weights), the small-input ResNet-50 and
the 224x224 runs are in the slow tests.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch_zoo as tz

import deepgrad as dg
import deepgrad.functional as F
from deepgrad import models
from parity.zoo import eval_logits_agree, load_torch_into, realistic_weights

torch.set_num_threads(1)
RNG = np.random.default_rng(0)


def _image(n: int, size: int, channels: int = 3) -> np.ndarray:
    return RNG.standard_normal((n, channels, size, size)).astype(np.float32)


def _check(ours, theirs, x: np.ndarray) -> None:
    realistic_weights(theirs, torch.from_numpy(x))
    eval_logits_agree(ours, theirs, x)


CASES = [
    ("resnet18", lambda: models.resnet18(), lambda: tz.resnet18(), 64),
    ("resnet34", lambda: models.resnet34(), lambda: tz.resnet34(), 32),
    ("resnet50", lambda: models.resnet50(), lambda: tz.resnet50(), 64),
    ("resnet18_small", lambda: models.resnet18(10, small_input=True),
     lambda: tz.resnet18(num_classes=10, small_input=True), 32),
    ("alexnet", lambda: models.alexnet(), lambda: tz.AlexNet(), 96),
    ("alexnet_small", lambda: models.alexnet(10, small_input=True),
     lambda: tz.AlexNet(10, small_input=True), 32),
    ("vgg11_small", lambda: models.vgg11(10, small_input=True),
     lambda: tz.vgg11(num_classes=10, small_input=True), 32),
    ("vgg16_bn_small", lambda: models.vgg16(10, batch_norm=True, small_input=True),
     lambda: tz.vgg16(True, num_classes=10, small_input=True), 32),
    ("inception_net_small", lambda: models.inception_net(10, small_input=True),
     lambda: tz.InceptionNet(10, small_input=True), 32),
    ("inception_net", lambda: models.inception_net(), lambda: tz.InceptionNet(), 64),
]


@pytest.mark.parametrize("name,ours,theirs,size", CASES, ids=[c[0] for c in CASES])
def test_torch_state_dict_loads_strictly_and_gives_the_same_logits(name, ours, theirs, size):
    _check(ours(), theirs(), _image(2, size))


def test_lenet5_logits_on_28_and_32_pixel_digits():
    for size in (28, 32):
        _check(models.lenet5(input_size=size), tz.LeNet5(input_size=size), _image(3, size, 1))


def test_strict_load_names_what_does_not_match():
    ours = models.resnet18(num_classes=10)
    sd = tz.resnet18().state_dict()  # 1000 classes
    del sd["layer1.0.bn1.running_mean"]
    sd["extra.weight"] = torch.zeros(1)
    with pytest.raises(RuntimeError) as e:
        ours.load_state_dict(sd)
    msg = str(e.value)
    assert '"layer1.0.bn1.running_mean"' in msg and '"extra.weight"' in msg
    assert "size mismatch for fc.weight" in msg


def _float64_train_step_matches(ours, theirs, x: np.ndarray, n_classes: int = 0) -> None:
    """Train mode (batch statistics), float64: outputs, every parameter's gradient by name, the
    input gradient and the running statistics equal torch's. The cost is cross-entropy over
    ``n_classes`` logits, or (feature maps) the mean of out * r with r a fixed random array."""
    theirs.double()
    realistic_weights(theirs, torch.from_numpy(x))
    ours.double()
    load_torch_into(ours, theirs)
    ours.train()
    theirs.train()
    xd = dg.Tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    out_d, out_t = ours(xd), theirs(xt)
    np.testing.assert_allclose(out_d.data, out_t.detach().numpy(), rtol=1e-9, atol=1e-10)
    if n_classes:
        y = RNG.integers(0, n_classes, len(x))
        F.cross_entropy(out_d, dg.Tensor(y)).backward()
        torch.nn.functional.cross_entropy(out_t, torch.from_numpy(y)).backward()
    else:
        r = RNG.standard_normal(out_t.shape)
        (out_d * dg.Tensor(r)).mean().backward()
        (out_t * torch.from_numpy(r)).mean().backward()
    tp = dict(theirs.named_parameters())
    assert sorted(tp) == sorted(n for n, _ in ours.named_parameters())
    for name, p in ours.named_parameters():
        assert p.grad is not None and p.grad.dtype == np.float64, name
        g = tp[name].grad.numpy()
        np.testing.assert_allclose(p.grad, g, rtol=1e-7, atol=1e-9 * np.abs(g).max(),
                                   err_msg=name)
    np.testing.assert_allclose(xd.grad, xt.grad.numpy(), rtol=1e-7, atol=1e-12)
    tsd = theirs.state_dict()
    for k, v in ours.state_dict().items():
        np.testing.assert_allclose(np.asarray(v, np.float64), tsd[k].double().numpy(),
                                   rtol=1e-9, atol=1e-12, err_msg=k)


def test_resnet18_small_gradients_equal_torch_in_float64():
    x = RNG.standard_normal((4, 3, 8, 8))
    _float64_train_step_matches(models.resnet18(5, small_input=True),
                                tz.resnet18(num_classes=5, small_input=True), x, 5)


def test_bottleneck_and_inception_block_gradients_equal_torch_in_float64():
    x = RNG.standard_normal((3, 16, 6, 6))
    down = lambda lib: lib.Sequential(lib.Conv2d(16, 32, 1, stride=2, bias=False),  # noqa: E731
                                      lib.BatchNorm2d(32))
    _float64_train_step_matches(models.Bottleneck(16, 8, 2, down(dg.nn)),
                                tz.Bottleneck(16, 8, 2, down(torch.nn)), x)
    for n in (None, 3):
        _float64_train_step_matches(models.inception_block(16, 4, 6, 8, 2, 4, 4, factorize=n),
                                    tz.Inception(16, 4, 6, 8, 2, 4, 4, factorize=n), x)


def test_inception_net_train_mode_logits_equal_torch_in_float64():
    x = RNG.standard_normal((2, 3, 8, 8))
    ours, theirs = models.inception_net(4, small_input=True, dropout=0.0), tz.InceptionNet(
        4, small_input=True, dropout=0.0)
    theirs.double()
    realistic_weights(theirs, torch.from_numpy(x))
    load_torch_into(ours.double(), theirs)
    got, want = ours(dg.Tensor(x)).data, theirs(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-10)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["vgg11", "vgg16", "vgg16_bn"])
def test_full_size_vgg_logits(name):
    bn = name.endswith("_bn")
    ours = getattr(models, name.removesuffix("_bn"))(batch_norm=bn)
    theirs = getattr(tz, name.removesuffix("_bn"))(bn)
    _check(ours, theirs, _image(2, 64))


@pytest.mark.slow
def test_resnet50_small_logits():
    _check(models.resnet50(10, small_input=True), tz.resnet50(num_classes=10, small_input=True),
           _image(2, 32))


@pytest.mark.slow
@pytest.mark.parametrize("name", ["resnet50", "alexnet", "inception_net"])
def test_full_size_logits_at_224(name):
    ours = getattr(models, name)()
    theirs = {"resnet50": tz.resnet50, "alexnet": tz.AlexNet, "inception_net": tz.InceptionNet}
    _check(ours, theirs[name](), _image(1, 224))
