"""max_pool2d / avg_pool2d / adaptive_avg_pool2d / max_unpool2d against PyTorch and float64
finite differences (max-pool inputs are kept away from ties, except in the tie tests).
max_pool2d's compiled fast path and its NumPy path are both tested (the ``jit`` fixture)."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import deepgrad as dg
import deepgrad.functional as F
from deepgrad import _jit
from deepgrad.functional import _pool_kernels as K
from parity import check, randn


def distinct(*shape, seed=0):
    """Values spaced 0.01 apart in random order: no two elements of a window are close, so
    max-pool's argmax is stable under gradcheck's perturbations."""
    n = int(np.prod(shape))
    v = np.random.default_rng(seed).permutation(n).astype(np.float32) * 0.01 - n * 0.005
    return v.reshape(shape)


def channels_last(x):
    return np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)


MAX_POOL = [
    ((2, 3, 8, 8), {"kernel_size": 2}),
    ((2, 3, 9, 7), {"kernel_size": 2}),  # floor drops the last row/column
    ((2, 3, 9, 7), {"kernel_size": 3, "stride": 2, "padding": 1}),
    ((2, 3, 9, 7), {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}),
    ((2, 3, 10, 7), {"kernel_size": 2, "ceil_mode": True}),
    ((2, 3, 9, 8), {"kernel_size": (3, 2), "stride": (2, 1), "padding": (1, 1)}),
    ((2, 2, 9, 9), {"kernel_size": 3, "stride": 1, "dilation": 2, "padding": 1}),
    ((1, 1, 5, 5), {"kernel_size": 5}),  # global max
    ((3, 6, 5), {"kernel_size": 2, "stride": 1}),  # unbatched (C, H, W), overlapping windows
]


@pytest.mark.parametrize("xs,kw", MAX_POOL)
def test_max_pool2d_parity(xs, kw):
    check(lambda x: F.max_pool2d(x, **kw), lambda x: TF.max_pool2d(x, **kw), [distinct(*xs)])


@pytest.mark.parametrize("xs,kw", MAX_POOL)
def test_max_pool2d_return_indices(xs, kw):
    check(
        lambda x: F.max_pool2d(x, return_indices=True, **kw),
        lambda x: TF.max_pool2d(x, return_indices=True, **kw),
        [distinct(*xs, seed=1)],
    )


@pytest.mark.parametrize("xs,kw", [MAX_POOL[0], MAX_POOL[3], MAX_POOL[6]])
def test_max_pool2d_channels_last_and_noncontiguous(xs, kw):
    x = distinct(*xs, seed=2)
    check(lambda x: F.max_pool2d(x, **kw), lambda x: TF.max_pool2d(x, **kw), [channels_last(x)])
    check(
        lambda x: F.max_pool2d(x, **kw),
        lambda x: TF.max_pool2d(x, **kw),
        [x],
        noncontiguous=True,
    )


@pytest.mark.parametrize("kw", [{"kernel_size": 2}, {"kernel_size": 3, "stride": 1, "padding": 1}])
def test_max_pool2d_ties_route_delta_to_the_first_maximum(kw):
    """All-equal windows: PyTorch gives the whole delta to the first maximum; so do we."""
    x = np.ones((1, 2, 4, 4), np.float32)
    x[0, 1, 1:3, 1:3] = 2.0
    check(
        lambda x: F.max_pool2d(x, return_indices=True, **kw),
        lambda x: TF.max_pool2d(x, return_indices=True, **kw),
        [x],
        gradcheck=False,
    )


AVG_POOL = [
    ((2, 3, 8, 8), {"kernel_size": 2}),
    ((2, 3, 9, 7), {"kernel_size": 3, "stride": 2, "padding": 1}),
    ((2, 3, 9, 7), {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}),
    ((2, 3, 9, 7), {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False}),
    (
        (2, 3, 10, 7),
        {
            "kernel_size": (3, 2),
            "stride": (2, 3),
            "padding": (1, 1),
            "ceil_mode": True,
            "count_include_pad": False,
        },
    ),
    ((2, 3, 10, 7), {"kernel_size": (3, 2), "divisor_override": 5}),
    ((3, 6, 5), {"kernel_size": 2, "stride": 1}),
]


@pytest.mark.parametrize("xs,kw", AVG_POOL)
def test_avg_pool2d_parity(xs, kw):
    check(lambda x: F.avg_pool2d(x, **kw), lambda x: TF.avg_pool2d(x, **kw), [randn(*xs)])


def test_avg_pool2d_channels_last_and_noncontiguous():
    x = randn(2, 4, 8, 6, seed=3)
    for _, kw in AVG_POOL[:3]:
        dg_fn = lambda x, kw=kw: F.avg_pool2d(x, **kw)
        th_fn = lambda x, kw=kw: TF.avg_pool2d(x, **kw)
        check(dg_fn, th_fn, [channels_last(x)])
        check(
            dg_fn,
            th_fn,
            [x],
            noncontiguous=True,
        )


@pytest.mark.parametrize(
    "xs,size",
    [
        ((2, 3, 8, 8), 1),
        ((2, 3, 8, 8), (2, 4)),
        ((2, 3, 10, 7), (3, 4)),  # windows of unequal size
        ((2, 3, 10, 7), (None, 5)),
        ((2, 3, 5, 4), (7, 6)),  # larger than the input: overlapping windows
        ((3, 10, 7), 3),  # unbatched
        ((3, 8, 6), (4, 3)),  # unbatched, equal windows
        ((2, 3, 6, 6), (3, 3)),  # equal windows (the avg_pool2d route)
    ],
)
def test_adaptive_avg_pool2d_parity(xs, size):
    check(
        lambda x: F.adaptive_avg_pool2d(x, size),
        lambda x: TF.adaptive_avg_pool2d(x, size),
        [randn(*xs)],
    )
    check(
        lambda x: F.adaptive_avg_pool2d(x, size),
        lambda x: TF.adaptive_avg_pool2d(x, size),
        [randn(*xs, seed=4)],
        noncontiguous=True,
        gradcheck=False,
    )


@pytest.mark.parametrize(
    "xs,kw,out",
    [
        ((2, 3, 8, 8), {"kernel_size": 2}, None),
        ((2, 3, 9, 7), {"kernel_size": 2}, (9, 7)),  # output_size restores the odd size
        ((2, 3, 9, 7), {"kernel_size": 3, "stride": 2, "padding": 1}, (2, 3, 9, 7)),
    ],
)
def test_max_unpool2d_round_trip(xs, kw, out):
    x = distinct(*xs, seed=5)
    y, idx = F.max_pool2d(dg.tensor(x), return_indices=True, **kw)
    ty, tidx = TF.max_pool2d(torch.from_numpy(x), return_indices=True, **kw)
    np.testing.assert_array_equal(idx.data, tidx.numpy())
    z = F.max_unpool2d(y, idx, output_size=out, **kw)
    # every kept maximum is back at its place, everything else is zero
    assert z.shape == x.shape
    planes = xs[0] * xs[1]
    back = np.zeros((planes, xs[2] * xs[3]), np.float32)
    np.put_along_axis(back, idx.data.reshape(planes, -1), y.data.reshape(planes, -1), axis=1)
    np.testing.assert_array_equal(z.data, back.reshape(x.shape))
    np.testing.assert_array_equal((z.data != 0), np.isin(x, y.data) & (x != 0))
    check(
        lambda v: F.max_unpool2d(v, idx, output_size=out, **kw),
        lambda v: TF.max_unpool2d(v, tidx, output_size=out, **kw),
        [y.data],
        # overlapping windows can pick one maximum twice: the scatter keeps one copy, and the
        # gather of backward feeds both (as PyTorch) -- not a derivative, so no gradcheck there
        gradcheck=kw.get("stride", kw["kernel_size"]) >= kw["kernel_size"],
    )


# ------------------------------------------------------------------------------ errors
def test_pool_errors():
    x = dg.tensor(randn(1, 2, 4, 4))
    with pytest.raises(ValueError, match="max_pool2d: padding .* at most half"):
        F.max_pool2d(x, 2, padding=2)
    with pytest.raises(ValueError, match=r"max_pool2d: kernel .*larger than the padded input"):
        F.max_pool2d(x, 5)
    with pytest.raises(ValueError, match="avg_pool2d: input must be 3-D .* or 4-D"):
        F.avg_pool2d(dg.tensor(randn(4, 4)), 2)
    with pytest.raises(TypeError, match="max_pool2d: input must be floating point"):
        F.max_pool2d(dg.Tensor(np.ones((1, 1, 4, 4), np.int64)), 2)
    y, idx = F.max_pool2d(x, 2, return_indices=True)
    with pytest.raises(ValueError, match=r"max_unpool2d: indices must lie in \[0, 4\)"):
        F.max_unpool2d(y, idx, 2, output_size=(2, 2))
    with pytest.raises(ValueError, match="max_unpool2d: indices shape"):
        F.max_unpool2d(y, idx.data[:, :1], 2)


# ------------------------------------------------------------- compiled fast path vs NumPy
@pytest.fixture(params=[True, False], ids=["jit", "numpy"])
def jit(request, monkeypatch):
    """Run a test on the compiled path and on the NumPy path; yields the list of calls of the
    compiled forward (empty on the NumPy path), to prove which path ran."""
    if request.param and not _jit.enabled():
        pytest.skip("numba not installed or DEEPGRAD_NO_JIT set")
    monkeypatch.setattr(_jit, "ENABLED", request.param)
    calls = []
    forward = K.forward

    def counted(*args):
        calls.append(args[1:])
        return forward(*args)

    monkeypatch.setattr(K, "forward", counted)
    return calls


def hnwc(x, gap=0):
    """x (N, C, H, W) over (H, N, W + gap, C) memory: the layout of a convolution's output,
    ``gap`` unused columns after every line."""
    n, c, h, w = x.shape
    buf = np.full((h, n, w + gap, c), np.nan, x.dtype)
    buf[:, :, :w] = x.transpose(2, 0, 3, 1)
    return buf[:, :, :w].transpose(1, 3, 0, 2)


LAYOUTS = {
    "nchw": lambda x: x,
    "channels_last": channels_last,
    "hnwc": hnwc,
    "w_outer": lambda x: np.ascontiguousarray(x.swapaxes(2, 3)).swapaxes(2, 3),
}

FAST = [
    ((2, 3, 8, 8), {"kernel_size": 2}),
    ((2, 3, 9, 7), {"kernel_size": 2}),  # odd sizes: the last row/column is in no window
    ((2, 3, 9, 7), {"kernel_size": 3, "stride": 2}),  # overlapping windows
    ((1, 4, 7, 6), {"kernel_size": (3, 2), "stride": (1, 2)}),  # batch 1, overlap along H
    ((2, 2, 8, 8), {"kernel_size": 2, "stride": 3}),  # gaps between windows
    ((2, 3, 8, 8), {"kernel_size": 2, "ceil_mode": True}),  # ceil_mode without a partial window
    ((3, 6, 5), {"kernel_size": 2, "stride": 1}),  # unbatched (C, H, W)
]


@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("xs,kw", FAST)
def test_max_pool2d_both_paths(jit, layout, xs, kw):
    """Forward, indices and gradient against PyTorch in float32, gradcheck in float64, in
    every layout, on the compiled path and on the NumPy path."""
    x = distinct(*xs, seed=7)
    if x.ndim == 4:
        x = LAYOUTS[layout](x)
    elif layout != "nchw":
        pytest.skip("one layout for unbatched input")
    check(
        lambda x: F.max_pool2d(x, return_indices=True, **kw),
        lambda x: TF.max_pool2d(x, return_indices=True, **kw),
        [x],
    )
    assert bool(jit) == _jit.ENABLED


@pytest.mark.parametrize("layout", ["nchw", "channels_last"])
def test_max_pool2d_keeps_memory_order_and_dtype(jit, layout):
    x = LAYOUTS[layout](distinct(2, 5, 6, 6, seed=8))
    for dtype in (np.float32, np.float64):
        t = dg.Tensor(x.astype(dtype), requires_grad=True)
        y = F.max_pool2d(t, 2)
        assert y.dtype == dtype
        assert y.data.transpose(0, 2, 3, 1).flags.c_contiguous == (layout == "channels_last")
        y.backward(np.ones(y.shape, dtype))
        assert t.grad.dtype == dtype
    assert bool(jit) == _jit.ENABLED


@pytest.mark.parametrize("layout", ["nchw", "channels_last"])
@pytest.mark.parametrize("kw", [{"kernel_size": 2}, {"kernel_size": 3, "stride": 2}])
def test_max_pool2d_ties_both_paths(jit, layout, kw):
    """Values from {0, 1, 2}: most windows tie; the delta and the index go to the first
    maximum in row-major order, as PyTorch."""
    x = np.random.default_rng(9).integers(0, 3, (2, 4, 9, 9)).astype(np.float32)
    check(
        lambda x: F.max_pool2d(x, return_indices=True, **kw),
        lambda x: TF.max_pool2d(x, return_indices=True, **kw),
        [LAYOUTS[layout](x)],
        gradcheck=False,
    )
    assert bool(jit) == _jit.ENABLED


@pytest.mark.parametrize("layout", ["nchw", "channels_last"])
@pytest.mark.parametrize("kw", [{"kernel_size": 2}, {"kernel_size": 3, "stride": 2}])
def test_max_pool2d_nan_and_inf_both_paths(jit, layout, kw):
    """A NaN in a window propagates and takes the delta (PyTorch routes it to the last NaN of
    the window); an all -inf window gives -inf at its first element."""
    x = distinct(1, 2, 7, 7, seed=10)
    x[0, 0, 0, 1] = np.nan  # one NaN, not the first tap
    x[0, 0, 2, 2] = x[0, 0, 3, 3] = np.nan  # two NaNs in one window
    x[0, 1, 0, 0] = np.nan  # NaN at the first tap
    x[0, 1, 2:5, 2:5] = -np.inf
    check(
        lambda x: F.max_pool2d(x, return_indices=True, **kw),
        lambda x: TF.max_pool2d(x, return_indices=True, **kw),
        [LAYOUTS[layout](x)],
        gradcheck=False,
    )
    assert bool(jit) == _jit.ENABLED


def test_max_pool2d_kernel_delta_in_any_layout():
    """The compiled backward reads delta in any layout with plain strides: NCHW after a
    channels-last pooling (as from a flatten), a convolution's gapped (H, N, W, C) memory,
    a broadcast."""
    if not _jit.enabled():
        pytest.skip("numba not installed or DEEPGRAD_NO_JIT set")
    x = hnwc(distinct(3, 4, 8, 6, seed=11), gap=1)
    tx = torch.from_numpy(np.array(x)).requires_grad_()
    ty = TF.max_pool2d(tx, 2)
    out, tap = K.forward(x, 2, 2, 2, 2, 4, 3)
    np.testing.assert_array_equal(out, ty.detach().numpy())
    d = randn(3, 4, 4, 3, seed=12)
    for delta in (d, hnwc(d, gap=2), channels_last(d), np.broadcast_to(d[:1], d.shape)):
        (g,) = torch.autograd.grad(ty, tx, torch.from_numpy(np.array(delta)), retain_graph=True)
        np.testing.assert_array_equal(K.backward(delta, out, tap, x, (2, 2, 2, 2)), g.numpy())


def test_max_pool2d_large_kernel_takes_numpy_path(jit):
    """More kernel taps than the uint8 record holds: the NumPy path, same answer."""
    check(
        lambda x: F.max_pool2d(x, 16, return_indices=True),
        lambda x: TF.max_pool2d(x, 16, return_indices=True),
        [distinct(1, 2, 17, 16, seed=13)],
    )
    assert not jit
