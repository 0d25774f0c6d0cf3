"""Activation functions: parity with torch.nn.functional (forward + gradients) and gradcheck."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import deepgrad as dg
import deepgrad.functional as F
from deepgrad import _jit
from deepgrad.functional import activation as A
from parity import away_from_kinks, check, randn

SHAPES = [(1,), (7,), (1, 5), (4, 6), (2, 3, 5), (2, 3, 4, 4)]

ELEMENTWISE = [
    ("relu", F.relu, TF.relu, True),
    ("leaky_relu", F.leaky_relu, TF.leaky_relu, True),
    ("leaky_relu_0.2", lambda x: F.leaky_relu(x, 0.2), lambda x: TF.leaky_relu(x, 0.2), True),
    ("leaky_relu_neg", lambda x: F.leaky_relu(x, -1.5), lambda x: TF.leaky_relu(x, -1.5), True),
    ("elu", F.elu, TF.elu, True),
    ("elu_alpha", lambda x: F.elu(x, alpha=0.3), lambda x: TF.elu(x, alpha=0.3), True),
    ("sigmoid", F.sigmoid, torch.sigmoid, False),
    ("tanh", F.tanh, torch.tanh, False),
    ("softplus", F.softplus, TF.softplus, False),
    (
        "softplus_beta",
        lambda x: F.softplus(x, beta=2.0, threshold=1.5),
        lambda x: TF.softplus(x, beta=2.0, threshold=1.5),
        True,  # kink at the threshold
    ),
    ("gelu", F.gelu, TF.gelu, False),
    (
        "gelu_tanh",
        lambda x: F.gelu(x, approximate="tanh"),
        lambda x: TF.gelu(x, approximate="tanh"),
        False,
    ),
    ("silu", F.silu, TF.silu, False),
]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name,dg_fn,th_fn,kink", ELEMENTWISE, ids=[e[0] for e in ELEMENTWISE])
def test_elementwise_parity(name, dg_fn, th_fn, kink, shape):
    x = away_from_kinks(*shape, seed=len(shape)) * 2
    if name == "softplus_beta":  # keep away from beta x = threshold
        x = np.where(np.abs(2 * x - 1.5) < 0.1, x + 0.2, x).astype(np.float32)
    check(dg_fn, th_fn, [x])


@pytest.mark.parametrize("name,dg_fn,th_fn,kink", ELEMENTWISE, ids=[e[0] for e in ELEMENTWISE])
def test_elementwise_noncontiguous_and_scalar(name, dg_fn, th_fn, kink):
    check(dg_fn, th_fn, [away_from_kinks(5, 4, seed=3)], noncontiguous=True)
    check(dg_fn, th_fn, [np.array(0.7, dtype=np.float32)])


@pytest.mark.parametrize("name,dg_fn,th_fn,kink", ELEMENTWISE, ids=[e[0] for e in ELEMENTWISE])
def test_elementwise_extreme_inputs(name, dg_fn, th_fn, kink):
    x = np.array([-1e4, -90.0, -30.0, -12.0, -3.0, 3.0, 12.0, 30.0, 90.0, 1e4], np.float32)
    check(dg_fn, th_fn, [x], gradcheck=False)


def test_kinks_match_torch():
    """At x = 0 exactly the subgradient is PyTorch's (relu 0, leaky_relu slope, elu 1... )."""
    x = np.array([-1.0, 0.0, 1.0], np.float32)
    for dg_fn, th_fn in [
        (F.relu, TF.relu),
        (lambda t: F.leaky_relu(t, 0.1), lambda t: TF.leaky_relu(t, 0.1)),
        (F.elu, TF.elu),
    ]:
        check(dg_fn, th_fn, [x], gradcheck=False)


def test_normal_cdf_float32_and_float64_paths():
    """Phi in float32 (own polynomial) and float64 (SciPy or the NumPy fallback) vs math.erfc."""
    import math

    x = np.concatenate([np.linspace(-13, 8, 4001), [0.0, -1e-6, 1e-6]])
    ref = np.array([0.5 * math.erfc(-v / math.sqrt(2)) for v in x])
    for use_scipy in (True, False):
        got, gauss = A._normal_cdf(x, use_scipy)
        np.testing.assert_allclose(got, ref, rtol=1e-9)
        np.testing.assert_allclose(gauss, np.exp(-x * x / 2), rtol=1e-12)
    x32 = x.astype(np.float32)
    ref32 = np.array([0.5 * math.erfc(-float(v) / math.sqrt(2)) for v in x32])
    got32, _ = A._normal_cdf(x32)
    assert got32.dtype == np.float32
    ok = x32 > -9  # below, Phi < 1e-19: e^(-x^2/2) in float32 carries x^2 ulps
    np.testing.assert_allclose(got32[ok], ref32[ok], rtol=3e-6)
    np.testing.assert_allclose(got32[~ok], ref32[~ok], rtol=1e-4)


def test_erfc_fallback_without_scipy_is_exact():
    """The pure-NumPy GELU CDF (used when SciPy is absent) agrees with math.erfc."""
    import math

    z = np.concatenate([np.linspace(0, 27, 2001), [1e-9, 1e-3, 0.5, 40.0]])
    ref = np.array([math.erfc(v) for v in z])
    got = A._erfc_nonneg(z, use_scipy=False)
    tiny = ref > 1e-300
    np.testing.assert_allclose(got[tiny], ref[tiny], rtol=1e-9)
    got32 = A._erfc_nonneg(z.astype(np.float32), use_scipy=False)
    assert got32.dtype == np.float32
    ok = ref > 1e-36
    np.testing.assert_allclose(
        got32[ok], np.array([math.erfc(v) for v in z.astype(np.float32)])[ok], rtol=1e-6
    )


SOFTMAX_CASES = [
    ((5,), 0),
    ((1, 1), 1),
    ((3, 7), 1),
    ((3, 7), 0),
    ((2, 3, 4), -1),
    ((2, 3, 4, 2), 1),
]


@pytest.mark.parametrize("shape,dim", SOFTMAX_CASES)
@pytest.mark.parametrize(
    "dg_fn,th_fn", [(F.softmax, TF.softmax), (F.log_softmax, TF.log_softmax)], ids=["sm", "lsm"]
)
def test_softmax_parity(dg_fn, th_fn, shape, dim):
    x = randn(*shape, seed=sum(shape), scale=3.0)
    check(lambda t: dg_fn(t, dim=dim), lambda t: th_fn(t, dim=dim), [x])


@pytest.mark.parametrize(
    "dg_fn,th_fn", [(F.softmax, TF.softmax), (F.log_softmax, TF.log_softmax)], ids=["sm", "lsm"]
)
def test_softmax_noncontiguous(dg_fn, th_fn):
    x = randn(6, 5, seed=2, scale=2.0)
    check(lambda t: dg_fn(t, dim=1), lambda t: th_fn(t, dim=1), [x], noncontiguous=True)
    check(lambda t: dg_fn(t, dim=0), lambda t: th_fn(t, dim=0), [x], noncontiguous=True)


@pytest.mark.parametrize(
    "dg_fn,th_fn", [(F.softmax, TF.softmax), (F.log_softmax, TF.log_softmax)], ids=["sm", "lsm"]
)
def test_softmax_extreme_logits(dg_fn, th_fn):
    inf = np.inf
    x = np.array(
        [
            [1e30, -1e30, 0.0, 5.0],
            [-1e30, -1e30, -1e30, -1e30],
            [-inf, 0.0, 1.0, -inf],
            [3e38, -3e38, 1.0, 2.0],
            [88.0, 89.0, 90.0, -200.0],
        ],
        np.float32,
    )
    dx = dg.Tensor(x, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    out_d, out_t = dg_fn(dx, dim=1), th_fn(tx, dim=1)
    np.testing.assert_allclose(out_d.data, out_t.detach().numpy(), rtol=1e-6)
    up = randn(*x.shape, seed=9)
    (out_d * dg.Tensor(up)).sum().backward()
    (out_t * torch.from_numpy(up)).sum().backward()
    assert np.all(np.isfinite(dx.grad))
    np.testing.assert_allclose(dx.grad, tx.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_softmax_all_masked_row_is_nan_like_torch():
    x = np.full((1, 3), -np.inf, np.float32)
    assert np.all(np.isnan(F.softmax(dg.Tensor(x), dim=1).data))
    assert np.all(np.isnan(TF.softmax(torch.from_numpy(x), dim=1).numpy()))


def test_softmax_rows_sum_to_one_and_dtype():
    x = dg.Tensor(randn(4, 9, scale=10), requires_grad=True)
    y = F.softmax(x, dim=1)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.data.sum(1), 1, rtol=1e-6)
    F.log_softmax(x, dim=-1).sum().backward()
    assert x.grad.dtype == np.float32


def test_softmax_bad_dim_and_implicit_dim():
    x = dg.Tensor(randn(2, 3))
    with pytest.raises(IndexError, match="softmax: dim 2"):
        F.softmax(x, dim=2)
    with pytest.warns(UserWarning, match="implicit dimension"):
        y = F.softmax(x)
    np.testing.assert_allclose(y.data.sum(1), 1, rtol=1e-6)


def test_gelu_bad_approximate():
    with pytest.raises(ValueError, match="gelu: approximate"):
        F.gelu(dg.Tensor(randn(3)), approximate="fast")


def test_float64_stays_float64():
    x = dg.Tensor(randn(3, 4).astype(np.float64), requires_grad=True)
    fns = [F.relu, F.elu, F.sigmoid, F.tanh, F.softplus, F.gelu, F.silu, F.leaky_relu]
    for fn in fns:
        assert fn(x).dtype == np.float64, fn.__name__
    assert F.softmax(x, 1).dtype == np.float64


# ------------------------------------------------------------- relu: compiled pass vs NumPy
@pytest.fixture(params=[True, False], ids=["jit", "numpy"])
def relu_jit(request, monkeypatch):
    """Run a relu test on the compiled passes (for every size: the threshold is lowered) and
    on NumPy; yields the list of compiled calls (forward and backward) to prove which ran."""
    if request.param and not _jit.enabled():
        pytest.skip("numba not installed or DEEPGRAD_NO_JIT set")
    monkeypatch.setattr(_jit, "ENABLED", request.param)
    monkeypatch.setattr(A, "RELU_JIT_MIN", 1)
    calls = []
    for name in ("_relu_forward", "_relu_backward"):
        kernel = getattr(A, name)
        monkeypatch.setattr(A, name, lambda *a, k=kernel, n=name: (calls.append(n), k(*a))[1])
    return calls


def _cl(x):
    return np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)


def _gapped(x, gap=1):
    """(N, C, H, W) over (H, N, W + gap, C) memory, like a convolution's output."""
    n, c, h, w = x.shape
    buf = np.full((h, n, w + gap, c), np.nan, x.dtype)
    buf[:, :, :w] = x.transpose(2, 0, 3, 1)
    return buf[:, :, :w].transpose(1, 3, 0, 2)


@pytest.mark.parametrize("layout", ["nchw", "channels_last", "noncontiguous", "1d", "2d"])
def test_relu_both_paths(relu_jit, layout):
    """Parity with PyTorch (forward, gradient) and float64 gradcheck on both paths; the
    gradient's kink at 0 exactly is PyTorch's."""
    x = away_from_kinks(2, 3, 5, 4, seed=5)
    x[0, 0, 0, :2] = 0.0
    kwargs = {}
    if layout == "channels_last":
        x = _cl(x)
    elif layout == "noncontiguous":
        kwargs["noncontiguous"] = True
    elif layout == "1d":
        x = x.ravel()
    elif layout == "2d":
        x = x.reshape(6, 20)
    check(F.relu, TF.relu, [x], gradcheck=False)
    x64 = np.where(x == 0, 0.5, x)  # gradcheck away from the kink
    check(F.relu, TF.relu, [x64], **kwargs)
    assert bool(relu_jit) == _jit.ENABLED
    if _jit.ENABLED and layout in ("nchw", "1d", "2d"):  # the others get an NCHW delta from
        assert "_relu_backward" in relu_jit  # check(): no common unit-stride run, NumPy


@pytest.mark.parametrize(
    "x_layout,d_layout",
    [(_gapped, _gapped), (_gapped, _cl), (_cl, _gapped), (_cl, _cl), (_cl, lambda a: a)],
)
def test_relu_compiled_equals_numpy_bit_for_bit(x_layout, d_layout):
    """At the real threshold (65536 elements), in the layouts of the CNN (a convolution's
    gapped output, channels-last, and mixed with an NCHW delta): the compiled passes give
    NumPy's values (the gradient bit for bit: signs of zeros, NaN and inf deltas included) in
    the input's memory order."""
    if not _jit.enabled():
        pytest.skip("numba not installed or DEEPGRAD_NO_JIT set")
    shape = (2, 32, 32, 32)
    assert np.prod(shape) >= A.RELU_JIT_MIN
    rng = np.random.default_rng(6)
    x = rng.standard_normal(shape).astype(np.float32)
    x[0, 0, 0, :4] = [0.0, -0.0, np.nan, -1.0]
    d = rng.standard_normal(shape).astype(np.float32)
    d[0, 0, 0, 3:6] = [np.nan, np.inf, -np.inf]
    x, d = x_layout(x), d_layout(d)
    got = {}
    for on in (True, False):
        _jit.ENABLED = on
        try:
            t = dg.Tensor(x, requires_grad=True)
            y = F.relu(t)
            with np.errstate(invalid="ignore"):
                y.backward(d)
            got[on] = (y.data, t.grad)
        finally:
            _jit.ENABLED = True
    for a, b in zip(got[True], got[False], strict=True):
        np.testing.assert_array_equal(a, b)
    grads = got[True][1], got[False][1]
    np.testing.assert_array_equal(np.signbit(grads[0]), np.signbit(grads[1]))
    assert np.signbit(got[True][0][0, 0, 0, 1])  # relu(-0.0) = -0.0, as PyTorch (NumPy: +0.0)
    assert got[True][0].strides == np.empty_like(x).strides  # x's memory order, no gaps


def test_relu_small_arrays_take_numpy(monkeypatch):
    calls = []
    monkeypatch.setattr(A, "_relu_forward", lambda *a: calls.append(a))
    F.relu(dg.tensor(randn(4, 100)))
    assert not calls and 400 < A.RELU_JIT_MIN


# ------------------------------------------------------- leaky_relu: compiled pass vs NumPy
@pytest.mark.parametrize("slope", [0.2, 0.01])
@pytest.mark.parametrize("layout", ["nchw", "channels_last", "noncontiguous", "2d"])
def test_leaky_relu_both_paths(monkeypatch, slope, layout):
    """PyTorch parity (forward, gradient; float64 gradcheck) on the compiled passes (threshold
    lowered; the calls counted) and on NumPy."""
    for on in [True, False] if _jit.enabled() else [False]:
        monkeypatch.setattr(_jit, "ENABLED", on)
        monkeypatch.setattr(A, "RELU_JIT_MIN", 1)
        calls: list[str] = []
        for name in ("_leaky_forward", "_leaky_backward"):
            kernel = getattr(A, name)
            monkeypatch.setattr(
                A, name, lambda *a, k=kernel, n=name, c=calls: (c.append(n), k(*a))[1]
            )
        x = away_from_kinks(2, 3, 5, 4, seed=5)
        kwargs = {}
        if layout == "channels_last":
            x = _cl(x)
        elif layout == "noncontiguous":
            kwargs["noncontiguous"] = True
        elif layout == "2d":
            x = x.reshape(6, 20)
        check(lambda t: F.leaky_relu(t, slope), lambda t: TF.leaky_relu(t, slope), [x], **kwargs)
        assert ("_leaky_forward" in calls) == on
        if on and layout in ("nchw", "2d"):
            assert "_leaky_backward" in calls


@pytest.mark.parametrize(
    "x_layout,d_layout", [(_gapped, _gapped), (_gapped, _cl), (_cl, lambda a: a), (_cl, _cl)]
)
def test_leaky_relu_compiled_equals_numpy_bit_for_bit(x_layout, d_layout):
    """At the real threshold, in a convolution's layouts: the compiled passes give NumPy's
    values bit for bit (zeros' signs, NaN and inf inputs and deltas), in x's memory order; a
    non-positive slope takes NumPy (the output's sign would not tell where x > 0)."""
    if not _jit.enabled():
        pytest.skip("numba not installed or DEEPGRAD_NO_JIT set")
    shape = (2, 32, 32, 32)
    rng = np.random.default_rng(7)
    x = rng.standard_normal(shape).astype(np.float32)
    x[0, 0, 0, :6] = [0.0, -0.0, np.nan, -1.0, np.inf, -np.inf]
    d = rng.standard_normal(shape).astype(np.float32)
    d[0, 0, 0, 3:6] = [np.nan, np.inf, -np.inf]
    x, d = x_layout(x), d_layout(d)
    got = {}
    for on in (True, False):
        _jit.ENABLED = on
        try:
            t = dg.Tensor(x, requires_grad=True)
            y = F.leaky_relu(t, 0.2)
            with np.errstate(invalid="ignore"):
                y.backward(d)
            got[on] = (y.data, t.grad)
        finally:
            _jit.ENABLED = True
    for a, b in zip(got[True], got[False], strict=True):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(np.signbit(a), np.signbit(b))
    assert got[True][0].strides == np.empty_like(x).strides
    calls = []
    real = A._leaky_forward
    A._leaky_forward = lambda *a: calls.append(a) or real(*a)
    try:
        F.leaky_relu(dg.Tensor(x), -0.5)
    finally:
        A._leaky_forward = real
    assert not calls
