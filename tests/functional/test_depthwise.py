"""Depthwise convolution (conv2d with groups = channels): plain == compiled == PyTorch in float64,
forward and gradients, finite differences; and the asymmetric 'same' padding of nn.Conv2d."""

import numpy as np
import pytest

import deepgrad as dg
import deepgrad.functional as F
from deepgrad import _jit, nn
from deepgrad.functional import _depthwise_kernels as DK
from deepgrad.functional.depthwise import depthwise_conv2d_plain

torch = pytest.importorskip("torch")
from parity.float64 import same  # noqa: E402

CASES = [  # (n, c, h, w, k, stride, padding)
    (2, 5, 9, 8, 3, 1, 1),
    (1, 4, 11, 10, 5, 2, 2),
    (3, 3, 7, 7, 3, 2, 0),
    (1, 6, 8, 12, 5, 1, 2),
    (2, 2, 6, 5, 3, (2, 1), (0, 1)),
]


@pytest.fixture(params=["compiled", "compiled-threaded", "numpy"])
def path(request, monkeypatch):
    if request.param == "numpy":
        monkeypatch.setattr(_jit, "ENABLED", False)
    else:
        if not _jit.enabled():
            pytest.skip("numba not available")
        threaded = request.param.endswith("threaded")
        monkeypatch.setattr(DK, "PARALLEL", threaded)
        monkeypatch.setattr(DK, "PARALLEL_MIN", 0)
    return request.param


@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize("bias", [True, False])
def test_matches_torch_float64(path, case, bias):
    n, c, h, w, k, stride, padding = case
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, c, h, w))
    wt = rng.standard_normal((c, 1, k, k))
    b = rng.standard_normal(c) if bias else None
    inputs = [x, wt] + ([b] if bias else [])
    same(lambda x, w, *b: F.conv2d(x, w, *b, stride=stride, padding=padding, groups=c),
         lambda x, w, *b: torch.nn.functional.conv2d(x, w, *b, stride=stride, padding=padding,
                                                     groups=c),
         inputs)


@pytest.mark.parametrize("layout", ["channels_last", "transposed"])
def test_memory_layouts(path, layout):
    rng = np.random.default_rng(1)
    x, wt = rng.standard_normal((2, 6, 9, 9)), rng.standard_normal((6, 1, 3, 3))
    same(lambda x, w: F.conv2d(x, w, stride=2, padding=1, groups=6),
         lambda x, w: torch.nn.functional.conv2d(x, w, stride=2, padding=1, groups=6),
         [x, wt], layout=layout)


def test_gradcheck_finite_differences(path):
    rng = np.random.default_rng(2)
    x, wt, b = rng.standard_normal((2, 3, 7, 6)), rng.standard_normal((3, 1, 3, 3)), \
        rng.standard_normal(3)
    assert dg.gradcheck(lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1, groups=3),
                        x, wt, b)


def test_plain_equals_compiled_with_asymmetric_padding():
    """TensorFlow 'same' with stride 2 pads (0, 1): the plain NumPy version and the kernels."""
    if not _jit.enabled():
        pytest.skip("numba not available")
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 4, 10, 10))
    wt = rng.standard_normal((4, 1, 5, 5))
    y0, back = depthwise_conv2d_plain(x, wt, None, (2, 2), (1, 2, 1, 2))
    xt = dg.tensor(x, requires_grad=True, dtype=x.dtype)
    wtt = dg.tensor(wt, requires_grad=True, dtype=wt.dtype)
    y = F.pad(xt, [1, 2, 1, 2])
    y = F.conv2d(y, wtt, groups=4, stride=2)
    np.testing.assert_allclose(y.data, y0, rtol=1e-12, atol=1e-12)
    delta = rng.standard_normal(y0.shape)
    y.backward(delta)
    dx, dw, _ = back(delta)
    np.testing.assert_allclose(xt.grad, dx, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(wtt.grad, dw, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("size", [(13, 13), (14, 9)])
def test_nn_conv2d_same_strided_matches_tensorflow_padding(path, size):
    """nn.Conv2d(padding='same', stride=2, groups=C) == PyTorch with TF's explicit (0,1)-style
    padding (what the EfficientNet reference does)."""
    conv = nn.Conv2d(4, 4, 3, stride=2, padding="same", groups=4, bias=False, dtype=np.float64)
    x = np.random.default_rng(4).standard_normal((1, 4, *size))
    h, w = size
    ph = max((-(-h // 2) - 1) * 2 + 3 - h, 0)
    pw = max((-(-w // 2) - 1) * 2 + 3 - w, 0)
    pads = [pw // 2, pw - pw // 2, ph // 2, ph - ph // 2]
    xt = torch.nn.functional.pad(torch.from_numpy(x), pads)
    ref = torch.nn.functional.conv2d(xt, torch.from_numpy(conv.weight.data), stride=2, groups=4)
    y = conv(dg.tensor(x, dtype=x.dtype)).data
    np.testing.assert_allclose(y, ref.numpy(), rtol=1e-12, atol=1e-12)


def test_float32_stays_float32(path):
    x = dg.tensor(np.ones((1, 3, 5, 5), np.float32), requires_grad=True)
    w = dg.tensor(np.ones((3, 1, 3, 3), np.float32), requires_grad=True)
    y = F.conv2d(x, w, padding=1, groups=3)
    y.sum().backward()
    assert y.dtype == np.float32 and x.grad.dtype == np.float32 and w.grad.dtype == np.float32
    assert y.data[0, 0, 2, 2] == 9 and y.data[0, 0, 0, 0] == 4
