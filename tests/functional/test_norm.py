"""batch_norm, layer_norm, group_norm: parity with torch.nn.functional, running statistics,
gradcheck in float64, memory layouts, edge cases and error messages."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import deepgrad as dg
import deepgrad.functional as F
from deepgrad import _jit
from deepgrad.functional import _norm_kernels as K
from deepgrad.functional.norm import batch_norm, group_norm, layer_norm
from deepgrad.tensor import make_result
from parity import check, randn

# (2, 3, 9, 9): 81-pixel planes, a full block of the plane kernels' lanes and a tail
BN_SHAPES = [(8, 3), (2, 3), (4, 5, 7), (1, 3, 6), (3, 4, 5, 6), (1, 2, 3, 3), (2, 3, 9, 9)]
BN_SHAPES += [(2, 3, 2, 2, 2)]
AFFINE = ["wb", "none", "w", "b"]


@pytest.fixture(params=[True, False], ids=["jit", "numpy"])
def jit(request, monkeypatch):
    """Run the test on batch_norm's compiled path and on its NumPy path."""
    if request.param and not _jit.enabled():
        pytest.skip("numba is not installed")
    monkeypatch.setattr(_jit, "ENABLED", request.param)
    monkeypatch.setattr(K, "MIN_SIZE", 0)  # the compiled path on the small test inputs too
    return request.param


@pytest.fixture
def compiled_calls(monkeypatch):
    """Counts the compiled forward passes (K.affine), to prove which path ran."""
    calls = []
    affine = K.affine

    def spy(*args, **kw):
        calls.append(args[1])
        return affine(*args, **kw)

    monkeypatch.setattr(K, "affine", spy)
    return calls


def _stats(c, seed=0):
    rm = randn(c, seed=seed + 10) * 0.5
    rv = np.abs(randn(c, seed=seed + 11)) + 0.5
    return rm, rv


def _bn_pair(shape, affine, training, momentum=0.1, eps=1e-5):
    """(dg_fn, torch_fn, inputs) for one batch_norm configuration (stats copied per call)."""
    c = shape[1]
    rm, rv = _stats(c)
    x = randn(*shape, seed=1, scale=2.0) + 0.5
    w, b = randn(c, seed=2), randn(c, seed=3)
    inputs = [x] + ([w] if "w" in affine else []) + ([b] if "b" in affine else [])

    def split(args):
        rest = list(args[1:])
        wt = rest.pop(0) if "w" in affine else None
        bt = rest.pop(0) if "b" in affine else None
        return args[0], wt, bt

    def dg_fn(*args):
        xt, wt, bt = split(args)
        return batch_norm(xt, rm.copy(), rv.copy(), wt, bt, training, momentum, eps)

    def torch_fn(*args):
        xt, wt, bt = split(args)
        return TF.batch_norm(
            xt, torch.from_numpy(rm.copy()), torch.from_numpy(rv.copy()), wt, bt, training,
            momentum, eps,
        )  # fmt: skip

    return dg_fn, torch_fn, inputs


@pytest.mark.parametrize("affine", AFFINE)
@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("shape", BN_SHAPES, ids=str)
def test_batch_norm_parity(shape, training, affine, jit):
    dg_fn, torch_fn, inputs = _bn_pair(shape, affine, training)
    check(dg_fn, torch_fn, inputs, rtol=2e-5, atol=2e-6)


def test_batch_norm_is_exported():
    # F's ops are the modules' functions, wrapped to accept NumPy arrays (functional/_arrays.py)
    assert F.batch_norm.__wrapped__ is batch_norm and F.layer_norm.__wrapped__ is layer_norm
    assert F.group_norm.__wrapped__ is group_norm


def test_batch_norm_eval_batch_of_one(jit):
    dg_fn, torch_fn, inputs = _bn_pair((1, 4), "wb", training=False)
    check(dg_fn, torch_fn, inputs)


@pytest.mark.parametrize("momentum", [0.1, 0.5, 1.0, 0.0])
@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (2, 3, 4, 4)], ids=str)
def test_running_stats_match_torch_over_steps(shape, momentum, jit):
    c = shape[1]
    rm, rv = _stats(c, seed=4)
    rm_t, rv_t = torch.from_numpy(rm.copy()), torch.from_numpy(rv.copy())
    ids = (id(rm), id(rv))
    for step in range(5):
        x = randn(*shape, seed=20 + step, scale=1.0 + step) + step
        out = batch_norm(dg.Tensor(x), rm, rv, training=True, momentum=momentum)
        ref = TF.batch_norm(torch.from_numpy(x), rm_t, rv_t, training=True, momentum=momentum)
        np.testing.assert_allclose(out.data, ref.numpy(), rtol=1e-5, atol=2e-6)
    assert (id(rm), id(rv)) == ids and rm.dtype == rv.dtype == np.float32
    np.testing.assert_allclose(rm, rm_t.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(rv, rv_t.numpy(), rtol=1e-5, atol=1e-6)
    # evaluation mode then uses exactly these statistics
    x = randn(*shape, seed=99)
    out = batch_norm(dg.Tensor(x), rm, rv, training=False)
    ref = TF.batch_norm(torch.from_numpy(x), rm_t, rv_t, training=False)
    np.testing.assert_allclose(out.data, ref.numpy(), rtol=1e-5, atol=2e-6)


def test_running_var_is_unbiased_and_eval_does_not_update(jit):
    x = np.array([[1.0, 10.0], [3.0, 10.0], [5.0, 16.0]], np.float32)
    rm, rv = np.zeros(2, np.float32), np.ones(2, np.float32)
    batch_norm(dg.Tensor(x), rm, rv, training=True, momentum=1.0)
    np.testing.assert_allclose(rm, [3.0, 12.0], rtol=1e-6)
    np.testing.assert_allclose(rv, [4.0, 12.0], rtol=1e-6)  # sum sq / (m - 1)
    before = rm.copy(), rv.copy()
    batch_norm(dg.Tensor(x + 7), rm, rv, training=False)
    np.testing.assert_array_equal(rm, before[0])
    np.testing.assert_array_equal(rv, before[1])


def test_running_stats_may_be_tensors(jit):
    rm, rv = dg.zeros(3), dg.ones(3)
    x = randn(5, 3, seed=7)
    batch_norm(dg.Tensor(x), rm, rv, training=True)
    np.testing.assert_allclose(rm.data, 0.1 * x.mean(0), rtol=1e-5, atol=1e-7)


def test_training_without_running_stats(jit):
    """track_running_stats=False: batch statistics, nothing to update."""
    x = randn(4, 3, 5, seed=2)
    check(
        lambda a, w: batch_norm(a, None, None, w, None, training=True),
        lambda a, w: TF.batch_norm(a, None, None, w, None, training=True),
        [x, randn(3, seed=5)],
    )


def test_large_mean_is_stable(jit):
    """Two-pass statistics: an offset of 1e3 does not eat the float32 mantissa of the var."""
    x = randn(16, 4, 5, 5, seed=3) * 0.1 + 1000.0
    dg_fn, torch_fn, _ = _bn_pair(x.shape, "wb", True)
    check(dg_fn, torch_fn, [x, randn(4, seed=2), randn(4, seed=3)], rtol=1e-3, atol=1e-3,
          gradcheck=False)  # fmt: skip
    out = batch_norm(dg.Tensor(x), None, None, training=True)
    assert abs(float(out.data.std()) - 1.0) < 1e-3


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
def test_channels_last_memory_is_kept(training, jit):
    """NCHW shape over NHWC memory (what a channels-last conv hands over)."""
    x = randn(3, 4, 5, 6, seed=8)
    x_cl = np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    rm, rv = _stats(4)
    w, b = randn(4, seed=2), randn(4, seed=3)
    xt = dg.Tensor(x_cl, requires_grad=True)
    out = batch_norm(xt, rm.copy(), rv.copy(), dg.Tensor(w), dg.Tensor(b), training)
    assert np.moveaxis(out.data, 1, -1).flags.c_contiguous
    up = randn(*x.shape, seed=9)
    (out * dg.Tensor(up)).sum().backward()
    tx = torch.from_numpy(x).requires_grad_()
    ref = TF.batch_norm(tx, torch.from_numpy(rm), torch.from_numpy(rv), torch.from_numpy(w),
                        torch.from_numpy(b), training)  # fmt: skip
    (ref * torch.from_numpy(up)).sum().backward()
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-5, atol=2e-6)
    np.testing.assert_allclose(xt.grad, tx.grad.numpy(), rtol=1e-5, atol=2e-5)


def test_noncontiguous_input(jit):
    dg_fn, torch_fn, inputs = _bn_pair((3, 4, 5, 6), "wb", True)
    check(dg_fn, torch_fn, inputs, noncontiguous=True, rtol=2e-5, atol=2e-6)


def test_float32_stays_float32_and_float64_stays_float64(jit):
    for dt in (np.float32, np.float64):
        x = dg.Tensor(randn(4, 3, 2).astype(dt), requires_grad=True)
        w = dg.Tensor(np.ones(3, dt), requires_grad=True)
        rm, rv = np.zeros(3, np.float32), np.ones(3, np.float32)
        out = batch_norm(x, rm, rv, w, None, training=True)
        (out * out).sum().backward()
        assert out.dtype == dt and x.grad.dtype == dt and w.grad.dtype == dt
        assert rm.dtype == np.float32
        out = batch_norm(x, rm, rv, w, None, training=False)
        assert out.dtype == dt


def test_backward_twice_with_retain_graph(jit):
    x = dg.Tensor(randn(4, 3, 5), requires_grad=True)
    out = batch_norm(x, None, None, training=True)
    loss = (out * dg.Tensor(randn(4, 3, 5, seed=1))).sum()
    loss.backward(retain_graph=True)
    g1 = x.grad.copy()
    loss.backward()
    np.testing.assert_allclose(x.grad, 2 * g1, rtol=1e-6)


def test_eval_weight_gradient_without_input_gradient(jit):
    x = randn(6, 3, 4, seed=1)
    rm, rv = _stats(3)
    w = dg.Tensor(randn(3, seed=2), requires_grad=True)
    b = dg.Tensor(randn(3, seed=3), requires_grad=True)
    batch_norm(dg.Tensor(x), rm, rv, w, b, training=False).sum().backward()
    xhat = (x - rm[:, None]) / np.sqrt(rv[:, None] + 1e-5)
    np.testing.assert_allclose(w.grad, xhat.sum(axis=(0, 2)), rtol=1e-5)
    np.testing.assert_allclose(b.grad, np.full(3, 24.0), rtol=1e-6)


def test_gradcheck_batch_norm_inside_a_network(jit):
    """float64 finite differences through linear -> batch_norm -> tanh -> sum of squares."""

    def net(x, w1, gamma, beta):
        h = F.linear(x, w1)
        h = batch_norm(h, None, None, gamma, beta, training=True)
        return (F.tanh(h) ** 2).sum()

    rng = np.random.default_rng(0)
    dg.gradcheck(net, rng.standard_normal((6, 4)), rng.standard_normal((5, 4)),
                 rng.standard_normal(5), rng.standard_normal(5))  # fmt: skip


def test_empty_batch(jit):
    x = dg.Tensor(np.zeros((0, 3), np.float32), requires_grad=True)
    rm, rv = np.zeros(3, np.float32), np.ones(3, np.float32)
    assert batch_norm(x, rm, rv, training=False).shape == (0, 3)
    out = batch_norm(x, rm, rv, training=True)
    assert out.shape == (0, 3)
    np.testing.assert_array_equal(rm, 0)
    np.testing.assert_array_equal(rv, 1)
    out.sum().backward()
    assert x.grad.shape == (0, 3)


# ---------------------------------------------------------------------- batch_norm memory layouts
def _arrange(a, layout):
    """A copy of an (N, C, *) array in the named memory layout (same shape and values).

    nchw: C-contiguous. nhwc: channels-last. hnwc_gaps: a convolution's output, (H, N, W, C)
    memory with a NaN gap after each line. nchw_gaps: whole planes, a NaN plane after each
    sample. other: (N, C, W, H) memory, which neither compiled layout walks (NumPy path).
    """
    if layout == "nchw":
        return np.ascontiguousarray(a)
    if layout == "nhwc":
        return np.moveaxis(np.ascontiguousarray(np.moveaxis(a, 1, -1)), -1, 1)
    if layout == "hnwc_gaps":
        n, c, h, w = a.shape
        buf = np.full((h, n, w + 1, c), np.nan, a.dtype)
        buf[:, :, :w] = a.transpose(2, 0, 3, 1)
        return buf[:, :, :w].transpose(1, 3, 0, 2)
    if layout == "nchw_gaps":
        n, c = a.shape[:2]
        buf = np.full((n, c + 1) + a.shape[2:], np.nan, a.dtype)
        buf[:, :c] = a
        return buf[:, :c]
    assert layout == "other"
    return np.ascontiguousarray(a.swapaxes(2, 3)).swapaxes(2, 3)


def _relayout(t, layout):
    """Identity op whose output and input gradient both lie in ``layout`` (so batch_norm's
    backward receives its delta in that layout)."""
    return make_result(_arrange(t.data, layout), (t,), lambda d: (_arrange(d, layout),), "copy")


def _same_memory_order(a, b):
    """Axes sorted by stride (outermost first) agree, ignoring axes of length 1."""
    order = [sorted((ax for ax in range(t.ndim) if t.shape[ax] > 1), key=lambda ax: -t.strides[ax])
             for t in (a, b)]  # fmt: skip
    return order[0] == order[1]


LAYOUT_CASES = [((3, 4, 5, 6), lay) for lay in ("nchw", "nhwc", "hnwc_gaps", "nchw_gaps", "other")]
LAYOUT_CASES += [((6, 4), "nchw"), ((5, 4, 7), "nchw"), ((5, 4, 7), "nhwc"), ((4, 1, 3, 3), "nhwc"),
                 ((1, 3, 4, 4), "hnwc_gaps"), ((2, 3, 37, 35), "nchw"), ((5, 3, 1, 1), "nhwc"),
                 ((5, 3, 1, 1), "nchw")]  # fmt: skip


@pytest.mark.parametrize("delta_layout", ["same", "nchw"])
@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("shape,layout", LAYOUT_CASES, ids=str)
def test_batch_norm_layouts_match_torch(shape, layout, training, delta_layout, jit, compiled_calls):
    """Forward, all three gradients and the running statistics, the input and delta in the
    memory layouts the models produce; the output keeps the input's memory order."""
    c = shape[1]
    x = randn(*shape, seed=1, scale=2.0) + 0.5
    w, b, up = randn(c, seed=2), randn(c, seed=3), randn(*shape, seed=4)
    rm, rv = _stats(c)
    xt = dg.Tensor(_arrange(x, layout), requires_grad=True)
    wt, bt = dg.Tensor(w, requires_grad=True), dg.Tensor(b, requires_grad=True)
    rm_d, rv_d = rm.copy(), rv.copy()
    out = batch_norm(xt, rm_d, rv_d, wt, bt, training, 0.3)
    dl = layout if delta_layout == "same" else "nchw"
    (_relayout(out, dl) * dg.Tensor(up)).sum().backward()

    tx, tw, tb = (torch.from_numpy(a).requires_grad_() for a in (x, w, b))
    rm_t, rv_t = torch.from_numpy(rm.copy()), torch.from_numpy(rv.copy())
    ref = TF.batch_norm(tx, rm_t, rv_t, tw, tb, training, 0.3)
    (ref * torch.from_numpy(up)).sum().backward()
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-5, atol=2e-6)
    for got, want, name in [(xt.grad, tx, "x"), (wt.grad, tw, "gamma"), (bt.grad, tb, "beta")]:
        np.testing.assert_allclose(got, want.grad.numpy(), rtol=1e-5, atol=2e-5, err_msg=name)
        assert got.dtype == np.float32
    np.testing.assert_allclose(rm_d, rm_t.numpy(), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(rv_d, rv_t.numpy(), rtol=1e-6, atol=1e-7)
    assert out.dtype == np.float32 and rm_d.dtype == np.float32
    fast = jit and layout != "other"
    assert len(compiled_calls) == (2 if fast and not training else 1 if fast else 0)
    if fast:
        assert _same_memory_order(out.data, xt.data)
        assert _same_memory_order(xt.grad, xt.data) or dl != layout


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("shape,layout", LAYOUT_CASES[:7] + LAYOUT_CASES[8:10], ids=str)
def test_batch_norm_gradcheck_layouts(shape, layout, training, jit, compiled_calls):
    """float64 finite differences on every memory layout, delta in the same layout."""
    c = shape[1]
    rm, rv = _stats(c)

    def fn(x, w, b):
        xl = _relayout(x, layout)
        return _relayout(batch_norm(xl, rm.copy(), rv.copy(), w, b, training), layout)

    rng = np.random.default_rng(5)
    dg.gradcheck(fn, rng.standard_normal(shape) * 2 + 1, rng.standard_normal(c),
                 rng.standard_normal(c))  # fmt: skip
    assert bool(compiled_calls) == (jit and layout != "other")


def test_batch_norm_constant_channel(jit):
    """sigma^2 = 0: xhat = 0, out = beta; gradients as torch's (inv_std = 1/sqrt(eps))."""
    x = randn(4, 3, 5, 5, seed=1)
    x[:, 1] = 2.5
    dg_fn, torch_fn, _ = _bn_pair(x.shape, "wb", True)
    check(dg_fn, torch_fn, [_arrange(x, "nhwc"), randn(3, seed=2), randn(3, seed=3)],
          rtol=1e-4, atol=1e-4, gradcheck=False)  # fmt: skip


def test_compiled_backward_keeps_the_input_dtype(jit):
    """A float64 delta for a float32 input still gives float32 gradients."""
    x = dg.Tensor(_arrange(randn(4, 3, 5, 5, seed=1), "nhwc"), requires_grad=True)
    w = dg.Tensor(randn(3, seed=2), requires_grad=True)
    out = batch_norm(x, None, None, w, None, training=True)
    gx, gw = out._backward(randn(4, 3, 5, 5, seed=3).astype(np.float64))
    assert gx.dtype == gw.dtype == np.float32


@pytest.mark.parametrize("layout", ["nhwc", "nchw"])
def test_batch_norm_float32_statistics_over_65536_values(layout, jit):
    """65536 values per channel around 1000: the compiled path accumulates in float64, so its
    float32 output is the exact answer rounded once (the NumPy path, float32 sums: 1e-2)."""
    x = (randn(64, 3, 32, 32, seed=6) * 0.1 + 1000.0).astype(np.float32)
    rm, rv = np.zeros(3, np.float32), np.ones(3, np.float32)
    out = batch_norm(dg.Tensor(_arrange(x, layout)), rm, rv, training=True, momentum=1.0)
    x64 = x.astype(np.float64)
    mu, var = x64.mean(axis=(0, 2, 3)), x64.var(axis=(0, 2, 3))
    ref = (x64 - mu[:, None, None]) / np.sqrt(var[:, None, None] + 1e-5)
    tol = 1e-6 if jit else 1e-2
    np.testing.assert_allclose(out.data, ref, rtol=0, atol=tol)
    np.testing.assert_allclose(rm, mu, rtol=1e-7 if jit else 1e-6)
    np.testing.assert_allclose(rv, var * 65536 / 65535, rtol=1e-6 if jit else 1e-3)


@pytest.mark.parametrize("shape,layout", LAYOUT_CASES[:4] + LAYOUT_CASES[5:8], ids=str)
def test_parallel_kernels_agree_with_serial(shape, layout):
    """The parallel=True kernels (row blocks / channels on threads) give the serial results."""
    if not _jit.enabled():
        pytest.skip("numba is not installed")
    c = shape[1]
    x = _arrange(randn(*shape, seed=1) + 3.0, layout)
    d = _arrange(randn(*shape, seed=2), layout)
    lay = K.layout_of(x)
    assert lay is not None
    mu, a, e = randn(c, seed=3).astype(np.float64), randn(c, seed=4) + 0.0, randn(c, seed=5) + 0.0
    a, e = a.astype(np.float64), e.astype(np.float64)
    for fn, args in [(K.stats, (x, lay)), (K.reduce, (d, x, lay, mu)),
                     (K.affine, (x, lay, mu, a, e)), (K.dx, (d, x, lay, mu, a, e, a))]:  # fmt: skip
        serial, parallel = fn(*args, parallel=False), fn(*args, parallel=True)
        np.testing.assert_allclose(np.asarray(parallel), np.asarray(serial), rtol=1e-12, atol=1e-6)
    x64 = np.asarray(x, np.float64)
    np.testing.assert_allclose(K.stats(x, lay)[1], x64.var(axis=(0,) + tuple(range(2, x.ndim))),
                               rtol=1e-10)  # fmt: skip


# ---------------------------------------------------------------------- batch_norm errors
@pytest.mark.parametrize("shape", [(1, 3), (1, 3, 1), (1, 3, 1, 1)], ids=str)
def test_batch_of_one_value_per_channel_in_training(shape, jit):
    x = dg.Tensor(np.zeros(shape, np.float32))
    with pytest.raises(ValueError, match="more than 1 value per channel when training"):
        batch_norm(x, np.zeros(3, np.float32), np.ones(3, np.float32), training=True)
    with pytest.raises(ValueError):  # torch agrees
        TF.batch_norm(torch.zeros(shape), torch.zeros(3), torch.ones(3), training=True)
    # evaluation mode is fine with one sample
    assert batch_norm(x, np.zeros(3, np.float32), np.ones(3, np.float32)).shape == shape


@pytest.mark.parametrize(
    "arg,pattern",
    [
        ("running_mean", r"batch_norm: running_mean must have shape \(3,\).*got \(4,\)"),
        ("running_var", r"batch_norm: running_var must have shape \(3,\).*got \(4,\)"),
        ("weight", r"batch_norm: weight .*3 channels.* must have shape \(3,\), got \(4,\)"),
        ("bias", r"batch_norm: bias .*3 channels.* must have shape \(3,\), got \(4,\)"),
    ],
)
def test_wrong_channel_count_names_op_and_shapes(arg, pattern):
    kw = {
        "running_mean": np.zeros(3, np.float32),
        "running_var": np.ones(3, np.float32),
        "weight": dg.ones(3),
        "bias": dg.zeros(3),
    }
    kw[arg] = np.zeros(4, np.float32) if arg.startswith("running") else dg.ones(4)
    x = dg.Tensor(randn(2, 3, 5))
    with pytest.raises(ValueError, match=pattern):
        batch_norm(x, training=True, **kw)


def test_other_batch_norm_errors():
    with pytest.raises(ValueError, match="evaluation mode"):
        batch_norm(dg.Tensor(randn(4, 3)), None, None, training=False)
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        batch_norm(dg.Tensor(randn(4)), None, None, training=True)
    with pytest.raises(TypeError, match="floating point"):
        batch_norm(dg.Tensor(np.ones((4, 3), np.int64)), None, None, training=True)


# ---------------------------------------------------------------------- layer_norm
LN_CASES = [((4, 5), (5,)), ((2, 3, 4, 5), (4, 5)), ((2, 3, 4, 5), (3, 4, 5)), ((7, 1, 6), 6),
            ((3, 8), (8,))]  # fmt: skip


@pytest.mark.parametrize("affine", AFFINE)
@pytest.mark.parametrize("shape,ns", LN_CASES, ids=str)
def test_layer_norm_parity(shape, ns, affine):
    nshape = (ns,) if isinstance(ns, int) else ns
    x = randn(*shape, seed=1, scale=3.0) - 1.0
    inputs = [x] + ([randn(*nshape, seed=2)] if "w" in affine else [])
    inputs += [randn(*nshape, seed=3)] if "b" in affine else []

    def call(fn, shape_arg, args):
        rest = list(args[1:])
        w = rest.pop(0) if "w" in affine else None
        b = rest.pop(0) if "b" in affine else None
        return fn(args[0], shape_arg, w, b, 1e-5)

    check(lambda *a: call(layer_norm, ns, a), lambda *a: call(TF.layer_norm, nshape, a), inputs,
          rtol=2e-5, atol=2e-6)  # fmt: skip


def test_layer_norm_noncontiguous_and_eps():
    check(
        lambda x, w: layer_norm(x, (6,), w, None, eps=0.1),
        lambda x, w: TF.layer_norm(x, (6,), w, None, eps=0.1),
        [randn(4, 5, 6), randn(6, seed=4)],
        noncontiguous=True,
    )


def test_layer_norm_errors():
    with pytest.raises(ValueError, match=r"layer_norm: normalized_shape=\(4,\).*\(2, 3\)"):
        layer_norm(dg.Tensor(randn(2, 3)), (4,))
    with pytest.raises(ValueError, match=r"layer_norm: weight .* must have shape \(3,\)"):
        layer_norm(dg.Tensor(randn(2, 3)), 3, dg.ones(4))


# ---------------------------------------------------------------------- group_norm
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize(
    "shape,groups", [((2, 6, 5), 1), ((2, 6, 5), 3), ((3, 4, 3, 3), 4), ((1, 4, 2, 5), 2)], ids=str
)
def test_group_norm_parity(shape, groups, affine):
    c = shape[1]
    x = randn(*shape, seed=1, scale=2.0) + 0.3
    if affine:
        check(lambda a, w, b: group_norm(a, groups, w, b),
              lambda a, w, b: TF.group_norm(a, groups, w, b),
              [x, randn(c, seed=2), randn(c, seed=3)], rtol=2e-5, atol=2e-6)  # fmt: skip
    else:
        check(lambda a: group_norm(a, groups), lambda a: TF.group_norm(a, groups), [x],
              rtol=2e-5, atol=2e-6)  # fmt: skip


def test_group_norm_errors():
    with pytest.raises(ValueError, match=r"group_norm: the number of channels \(6"):
        group_norm(dg.Tensor(randn(2, 6, 3)), 4)
