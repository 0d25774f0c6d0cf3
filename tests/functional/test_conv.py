"""conv1d / conv2d / conv_transpose2d against PyTorch (forward, input/weight/bias gradients) and
float64 finite differences, on both kernel paths (tap GEMMs and im2col) and without cblas."""

import time

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import deepgrad as dg
import deepgrad.functional as F
from deepgrad.functional import _conv_kernels as K
from deepgrad.functional import _conv_taps as T
from deepgrad.functional import _gemm
from parity import check, randn


@pytest.fixture(params=["fast", "general"])
def path(request, monkeypatch):
    """Run a test on the tap-GEMM path (where the geometry allows it: stride 1, whatever the
    channel count) and on im2col."""
    monkeypatch.setattr(K, "FORCE_GENERAL", request.param == "general")
    monkeypatch.setattr(K, "FAST_MIN_CHANNELS", 1)
    monkeypatch.setattr(K, "FAST_MIN_POSITIONS", 0)
    return request.param


def _atol(x_shape, w_shape):
    """Sums over C*kH*kW products of unit normals: scale the absolute tolerance with them."""
    return 1e-6 * float(np.sqrt(np.prod(w_shape[1:]))) * 4


CONV2D = [
    ((2, 3, 8, 8), (4, 3, 3, 3), {}),
    ((2, 3, 8, 8), (4, 3, 3, 3), {"padding": 1}),
    ((2, 3, 7, 9), (4, 3, 3, 3), {"padding": "same"}),
    ((2, 3, 7, 9), (4, 3, 3, 3), {"padding": "valid"}),
    ((2, 3, 9, 8), (5, 3, 3, 3), {"stride": 2, "padding": (2, 1)}),
    ((2, 3, 9, 11), (4, 3, 3, 2), {"stride": (2, 3), "padding": (1, 0)}),
    ((2, 3, 9, 9), (4, 3, 3, 3), {"dilation": 2, "padding": 2}),
    ((2, 3, 7, 9), (4, 3, 3, 4), {"dilation": (2, 1), "padding": "same"}),  # asymmetric 'same'
    ((2, 4, 7, 9), (6, 2, 3, 3), {"groups": 2, "padding": 1}),
    ((2, 4, 6, 6), (8, 1, 3, 3), {"groups": 4, "padding": 1, "stride": 2}),  # depthwise
    ((1, 16, 4, 5), (16, 8, 3, 3), {"groups": 2, "padding": 1}),  # groups on the fast path
    ((1, 5, 4, 6), (7, 5, 1, 1), {}),  # batch 1, 1x1 kernel
    ((2, 3, 5, 11), (4, 3, 2, 5), {"padding": (1, 2)}),  # non-square input and kernel
    ((2, 3, 5, 5), (4, 3, 3, 3), {"padding": 3}),  # padding wider than the kernel reach
    ((2, 3, 4, 5), (6, 3, 4, 5), {}),  # kernel covers the whole input: 1x1 output
    ((2, 3, 8, 7), (4, 3, 2, 2), {"stride": 3}),  # stride larger than the kernel
    ((1, 1, 1, 1), (1, 1, 1, 1), {}),  # single element
    ((2, 3, 11, 10), (4, 3, 3, 3), {"stride": 2, "dilation": 2, "padding": 1}),
    ((2, 3, 9, 8), (4, 3, 2, 2), {"stride": 2}),  # the last input line is read by no window
    ((1, 16, 7, 7), (16, 8, 3, 3), {"groups": 2, "stride": 2, "padding": 1}),
]


@pytest.mark.parametrize("xs,ws,kw", CONV2D)
def test_conv2d_parity(path, xs, ws, kw):
    x, w, b = randn(*xs, seed=1), randn(*ws, seed=2), randn(ws[0], seed=3)
    check(
        lambda x, w, b: F.conv2d(x, w, b, **kw),
        lambda x, w, b: TF.conv2d(x, w, b, **kw),
        [x, w, b],
        atol=_atol(xs, ws),
    )


@pytest.mark.parametrize("xs,ws,kw", [CONV2D[1], CONV2D[4], CONV2D[9], CONV2D[11]])
def test_conv2d_no_bias_noncontiguous(path, xs, ws, kw):
    check(
        lambda x, w: F.conv2d(x, w, **kw),
        lambda x, w: TF.conv2d(x, w, **kw),
        [randn(*xs, seed=4), randn(*ws, seed=5)],
        atol=_atol(xs, ws),
        noncontiguous=True,
    )


@pytest.mark.parametrize("kw", [{"padding": 1}, {}, {"stride": 2, "padding": 1}])
def test_conv2d_channels_last_input_and_chaining(path, kw):
    """NCHW-shaped arrays over NHWC memory (what conv2d itself returns) go in and through."""
    x = randn(2, 8, 6, 7, seed=6)
    x_nhwc = np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    w1, w2, b = randn(8, 8, 3, 3, seed=7), randn(5, 8, 1, 1, seed=8), randn(5, seed=9)

    def dg_fn(x, w1, w2, b):
        return F.conv2d(F.conv2d(x, w1, **kw), w2, b)

    def th_fn(x, w1, w2, b):
        return TF.conv2d(TF.conv2d(x, w1, **kw), w2, b)

    check(dg_fn, th_fn, [x_nhwc, w1, w2, b], atol=1e-4)


def test_conv2d_realistic_shape_fast_path():
    """A CNN-sized layer (the benchmark's shape, smaller batch) on the tap-GEMM path."""
    x, w, b = randn(4, 32, 16, 16, seed=1), randn(32, 32, 3, 3, seed=2, scale=0.1), randn(32)
    g = K.ConvGeometry(4, 32, 16, 16, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1)
    assert g.fast == _gemm.HAVE_CBLAS
    check(
        lambda x, w, b: F.conv2d(x, w, b, padding=1),
        lambda x, w, b: TF.conv2d(x, w, b, padding=1),
        [x, w, b],
        atol=2e-5,
        gradcheck=False,
    )


def test_conv2d_first_layer_shape():
    """Few input channels, many positions: im2col with the chunked weight-gradient product."""
    x, w, b = randn(8, 3, 32, 32, seed=1), randn(16, 3, 3, 3, seed=2), randn(16, seed=3)
    check(
        lambda x, w, b: F.conv2d(x, w, b, padding=1),
        lambda x, w, b: TF.conv2d(x, w, b, padding=1),
        [x, w, b],
        atol=1e-4,  # the bias and weight gradients are sums over 8192 positions
        gradcheck=False,
    )
    d, cols = randn(5000, 7, seed=4), randn(5000, 9, seed=5)
    np.testing.assert_allclose(K._long_inner_product(d, cols), d.T @ cols, rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("mode", ["numpy-gemm-on-fast-path", "no-cblas"])
def test_conv2d_without_cblas(monkeypatch, mode):
    """The NumPy fallbacks: gemm through np.matmul, and the im2col path chosen without cblas."""
    monkeypatch.setattr(_gemm, "_BLAS", None)
    monkeypatch.setattr(K, "FAST_MIN_CHANNELS", 1)
    monkeypatch.setattr(K, "FAST_MIN_POSITIONS", 0)
    if mode == "no-cblas":
        monkeypatch.setattr(K, "HAVE_CBLAS", False)
    else:
        monkeypatch.setattr(K, "HAVE_CBLAS", True)
    for xs, ws, kw in (CONV2D[1], CONV2D[10], CONV2D[7]):
        check(
            lambda x, w, b, kw=kw: F.conv2d(x, w, b, **kw),
            lambda x, w, b, kw=kw: TF.conv2d(x, w, b, **kw),
            [randn(*xs, seed=1), randn(*ws, seed=2), randn(ws[0], seed=3)],
            atol=_atol(xs, ws),
        )


def test_fixture_selects_the_path(path, monkeypatch):
    """The tap-GEMM path really runs under the "fast" fixture (and only there)."""
    calls = []
    real = T.gemm_blocks
    monkeypatch.setattr(T, "gemm_blocks", lambda *a, **k: calls.append(1) or real(*a, **k))
    x = dg.tensor(randn(1, 2, 4, 4), requires_grad=True)
    F.conv2d(x, dg.tensor(randn(3, 2, 3, 3)), padding=1).sum().backward()
    F.conv2d(x, dg.tensor(randn(3, 2, 3, 3)), padding=1, stride=2).sum().backward()
    # stride 1: 9 taps per pass; stride 2: the 9 taps in 5 runs (one GEMM per row shift and
    # consecutive phases); forward and input gradient
    assert len(calls) == (2 * 9 + 2 * 5 if path == "fast" and _gemm.HAVE_CBLAS else 0)


@pytest.mark.parametrize("k,runs", [(4, 4), (2, 1), (3, 5)])
def test_strided_taps_of_one_shift_share_a_gemm(monkeypatch, k, runs):
    """Stride 2: the taps that read the same row shift of consecutive phases are one GEMM (a
    4x4 kernel: 4 GEMMs per pass instead of 16; 2x2: the whole pass is one GEMM), and the
    result still agrees with the im2col path, forward and every gradient."""
    monkeypatch.setattr(K, "FAST_MIN_CHANNELS", 1)
    monkeypatch.setattr(K, "FAST_MIN_POSITIONS", 0)
    x_np, w_np, b_np = randn(2, 3, 9, 8, seed=1), randn(5, 3, k, k, seed=2), randn(5, seed=3)
    calls = []
    real = T.gemm_blocks
    monkeypatch.setattr(T, "gemm_blocks", lambda *a, **kw: calls.append(1) or real(*a, **kw))
    results = []
    for general in (False, True):
        monkeypatch.setattr(K, "FORCE_GENERAL", general)
        calls.clear()
        x, w, b = (dg.tensor(a, requires_grad=True) for a in (x_np, w_np, b_np))
        y = F.conv2d(x, w, b, stride=2, padding=1)
        (y * y).sum().backward()
        results.append([y.data, x.grad, w.grad, b.grad])
        if not general and _gemm.HAVE_CBLAS:
            assert len(calls) == 3 * runs  # forward, input and weight gradients
    for fast, plain in zip(*results, strict=True):
        np.testing.assert_allclose(fast, plain, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("workers", [2, 3])
def test_conv_row_blocks_on_worker_threads(monkeypatch, workers):
    """The fast path split into row blocks run on worker threads (tiny blocks, uneven splits,
    strided and transposed convolutions) gives the same answers."""
    if not (_gemm.HAVE_CBLAS and _gemm._BLAS.set_threads is not None):
        pytest.skip("no per-thread BLAS control")
    monkeypatch.setattr(_gemm, "MIN_SPLIT_ROWS", 1)
    monkeypatch.setattr(_gemm, "blas_threads", lambda: workers)
    monkeypatch.setattr(K, "FAST_MIN_CHANNELS", 1)
    monkeypatch.setattr(K, "FAST_MIN_POSITIONS", 0)
    calls = []
    real = T.split_rows
    monkeypatch.setattr(T, "split_rows", lambda fn, n: calls.append(n) or real(fn, n))
    for xs, ws, kw in (CONV2D[1], CONV2D[4], CONV2D[10], CONV2D[13]):
        check(
            lambda x, w, b, kw=kw: F.conv2d(x, w, b, **kw),
            lambda x, w, b, kw=kw: TF.conv2d(x, w, b, **kw),
            [randn(*xs, seed=1), randn(*ws, seed=2), randn(ws[0], seed=3)],
            atol=_atol(xs, ws),
            gradcheck=False,
        )
    xs, ws, kw = CONV_T2D[3]
    check(
        lambda x, w: F.conv_transpose2d(x, w, **kw),
        lambda x, w: TF.conv_transpose2d(x, w, **kw),
        [randn(*xs, seed=1), randn(*ws, seed=2)],
        atol=_atol(xs, ws),
        gradcheck=False,
    )
    assert calls  # the split really ran


@pytest.mark.parametrize("general", [True, False])
def test_conv_small_blocks_and_bias_in_the_weight_pass(monkeypatch, general):
    """Weight-gradient row blocks smaller than an image line on two worker threads (fast path),
    the bias gradient computed in the weight gradient's pass (both paths), and alone when the
    weight needs no gradient."""
    monkeypatch.setattr(_gemm, "MIN_SPLIT_ROWS", 1)
    monkeypatch.setattr(_gemm, "blas_threads", lambda: 2)
    monkeypatch.setattr(T, "WEIGHT_BLOCK", 7)
    monkeypatch.setattr(K, "FORCE_GENERAL", general)
    monkeypatch.setattr(K, "FAST_MIN_CHANNELS", 1)
    monkeypatch.setattr(K, "FAST_MIN_POSITIONS", 0)
    for xs, ws, kw in (CONV2D[1], CONV2D[4], CONV2D[10]):
        check(
            lambda x, w, b, kw=kw: F.conv2d(x, w, b, **kw),
            lambda x, w, b, kw=kw: TF.conv2d(x, w, b, **kw),
            [randn(*xs, seed=1), randn(*ws, seed=2), randn(ws[0], seed=3)],
            atol=_atol(xs, ws),
            gradcheck=False,
        )
    x = dg.tensor(randn(3, 4, 6, 6, seed=1))
    w = dg.tensor(randn(5, 4, 3, 3, seed=2))
    b = dg.tensor(randn(5, seed=3), requires_grad=True)
    F.conv2d(x, w, b, padding=1).sum().backward()
    assert w.grad is None
    np.testing.assert_allclose(b.grad, np.full(5, 3 * 36, dtype=np.float32))


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs fork")
def test_conv_in_a_forked_child_after_the_parent_used_worker_threads(monkeypatch):
    """Worker threads do not survive fork: a child (a data-loader worker) must not wait on them."""
    import multiprocessing as mp

    monkeypatch.setattr(_gemm, "MIN_SPLIT_ROWS", 1)
    monkeypatch.setattr(_gemm, "blas_threads", lambda: 2)
    x, w = dg.tensor(randn(2, 16, 6, 6)), dg.tensor(randn(8, 16, 3, 3))
    want = F.conv2d(x, w, padding=1).data  # the parent's pool now has live threads
    time.sleep(0.5)  # ... gone idle, so a stale pool in the child would spawn none
    ctx = mp.get_context("fork")
    with ctx.Pool(1) as pool:
        got = pool.apply_async(_conv_in_child, (x.data, w.data)).get(timeout=60)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def _conv_in_child(x, w):
    _gemm.MIN_SPLIT_ROWS = 1
    _gemm.blas_threads = lambda: 2
    return np.ascontiguousarray(F.conv2d(dg.tensor(x), dg.tensor(w), padding=1).data)


def test_gemm_wrapper_matches_numpy():
    rng = np.random.default_rng(0)
    for dtype in (np.float32, np.float64):
        buf = rng.standard_normal((9, 12)).astype(dtype)
        a = rng.standard_normal((6, 4)).astype(dtype)
        b = rng.standard_normal((5, 4)).astype(dtype)
        want = buf.copy()
        want[2:8, 3:8] = 0.5 * want[2:8, 3:8] + 2.0 * a @ b.T
        _gemm.gemm(a, b, buf[2:8, 3:8], alpha=2.0, beta=0.5, trans_b=True)
        np.testing.assert_allclose(buf, want, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="gemm: shapes"):
        _gemm.gemm(a, b, buf[:6, :5])


def test_conv2d_output_layout_and_dtype():
    x = dg.tensor(randn(2, 3, 6, 6), requires_grad=True)
    w = dg.tensor(randn(4, 3, 3, 3), requires_grad=True)
    y = F.conv2d(x, w, padding=1)
    assert y.dtype == np.float32 and y.shape == (2, 4, 6, 6)
    y.sum().backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float32
    assert x.grad.shape == x.shape and w.grad.shape == w.shape
    with dg.no_grad():
        assert not F.conv2d(x, w).requires_grad


CONV1D = [
    ((2, 3, 10), (4, 3, 3), {}),
    ((2, 3, 10), (4, 3, 3), {"padding": 1, "stride": 2}),
    ((2, 3, 10), (4, 3, 3), {"padding": "same", "dilation": 2}),
    ((1, 4, 9), (6, 2, 2), {"groups": 2, "padding": 1}),
    ((3, 2, 5), (3, 2, 1), {}),
]


@pytest.mark.parametrize("xs,ws,kw", CONV1D)
def test_conv1d_parity(path, xs, ws, kw):
    check(
        lambda x, w, b: F.conv1d(x, w, b, **kw),
        lambda x, w, b: TF.conv1d(x, w, b, **kw),
        [randn(*xs, seed=1), randn(*ws, seed=2), randn(ws[0], seed=3)],
        atol=_atol(xs, ws),
    )


CONV_T2D = [
    ((2, 4, 5, 5), (4, 3, 3, 3), {}),
    ((2, 4, 5, 5), (4, 3, 3, 3), {"padding": 1}),
    ((2, 4, 5, 6), (4, 3, 3, 3), {"stride": 2}),
    ((2, 4, 5, 6), (4, 3, 3, 3), {"stride": 2, "padding": 1, "output_padding": 1}),
    ((2, 4, 5, 6), (4, 2, 4, 4), {"stride": 2, "padding": 1}),  # DCGAN's upsampling layer
    ((2, 4, 4, 5), (4, 3, 2, 3), {"stride": (2, 1), "padding": (0, 1), "groups": 2}),
    ((2, 3, 4, 4), (3, 2, 3, 3), {"dilation": 2, "padding": 1}),
    ((1, 5, 3, 4), (5, 2, 1, 1), {}),  # batch 1, 1x1 kernel
    ((1, 16, 3, 3), (16, 8, 3, 3), {"groups": 2, "padding": 1}),  # groups on the fast path
]


@pytest.mark.parametrize("xs,ws,kw", CONV_T2D)
def test_conv_transpose2d_parity(path, xs, ws, kw):
    check(
        lambda x, w, b: F.conv_transpose2d(x, w, b, **kw),
        lambda x, w, b: TF.conv_transpose2d(x, w, b, **kw),
        [randn(*xs, seed=1), randn(*ws, seed=2), randn(ws[1] * kw.get("groups", 1), seed=3)],
        atol=_atol(xs, ws),
    )


def test_conv_transpose2d_no_bias_noncontiguous(path):
    check(
        lambda x, w: F.conv_transpose2d(x, w, stride=2, padding=1),
        lambda x, w: TF.conv_transpose2d(x, w, stride=2, padding=1),
        [randn(2, 3, 4, 5, seed=1), randn(3, 2, 3, 3, seed=2)],
        atol=2e-5,
        noncontiguous=True,
    )


def test_conv_transpose2d_is_the_adjoint_of_conv2d():
    """<conv2d(x, w), y> == <x, conv_transpose2d(y, w)> for the same stride/padding."""
    x, w, y = randn(2, 3, 9, 8, seed=1), randn(4, 3, 3, 3, seed=2), randn(2, 4, 5, 4, seed=3)
    cx = F.conv2d(dg.tensor(x), dg.tensor(w), stride=2, padding=1).data
    ty = F.conv_transpose2d(dg.tensor(y), dg.tensor(w), stride=2, padding=1, output_padding=(0, 1))
    assert ty.shape == x.shape
    np.testing.assert_allclose((cx * y).sum(), (x * ty.data).sum(), rtol=1e-4)


def test_conv_transpose1d_parity():
    check(
        lambda x, w, b: F.conv_transpose1d(x, w, b, stride=2, padding=1, output_padding=1),
        lambda x, w, b: TF.conv_transpose1d(x, w, b, stride=2, padding=1, output_padding=1),
        [randn(2, 3, 6, seed=1), randn(3, 4, 3, seed=2), randn(4, seed=3)],
        atol=2e-5,
    )


# ------------------------------------------------------------------------------ errors
def _t(*shape):
    return dg.tensor(randn(*shape))


def test_error_channel_mismatch_names_op_argument_and_shapes():
    with pytest.raises(
        ValueError, match=r"conv2d: input has 3 channels.*\(2, 3, 8, 8\).*\(4, 5, 3, 3\)"
    ):
        F.conv2d(_t(2, 3, 8, 8), _t(4, 5, 3, 3))
    with pytest.raises(ValueError, match=r"conv1d: input has 3 channels"):
        F.conv1d(_t(2, 3, 8), _t(4, 2, 3))
    with pytest.raises(ValueError, match=r"conv_transpose2d: input has 3 channels.*weight"):
        F.conv_transpose2d(_t(2, 3, 8, 8), _t(4, 3, 3, 3))


def test_error_kernel_larger_than_padded_input():
    with pytest.raises(ValueError, match=r"conv2d: kernel size.*\(5, 5\).*larger.*\(4, 4\)"):
        F.conv2d(_t(1, 2, 4, 4), _t(3, 2, 5, 5))
    F.conv2d(_t(1, 2, 4, 4), _t(3, 2, 5, 5), padding=1)  # fits once padded


def test_error_groups_must_divide_channels():
    with pytest.raises(ValueError, match=r"conv2d: groups=3 must divide.*in_channels=4"):
        F.conv2d(_t(1, 4, 5, 5), _t(6, 1, 3, 3), groups=3)
    with pytest.raises(ValueError, match=r"out_channels=5"):
        F.conv2d(_t(1, 4, 5, 5), _t(5, 2, 3, 3), groups=2)


def test_error_bad_arguments():
    with pytest.raises(ValueError, match="conv2d: input must be 4-D"):
        F.conv2d(_t(8, 8), _t(4, 3, 3, 3))
    with pytest.raises(ValueError, match="'same' is not supported for strided"):
        F.conv2d(_t(1, 3, 8, 8), _t(4, 3, 3, 3), stride=2, padding="same")
    with pytest.raises(ValueError, match="padding must be"):
        F.conv2d(_t(1, 3, 8, 8), _t(4, 3, 3, 3), padding="full")
    with pytest.raises(ValueError, match=r"bias must have shape \(4,\)"):
        F.conv2d(_t(1, 3, 8, 8), _t(4, 3, 3, 3), _t(3))
    with pytest.raises(TypeError, match="conv2d: weight has dtype float64"):
        F.conv2d(_t(1, 3, 8, 8), dg.Tensor(randn(4, 3, 3, 3).astype(np.float64)))
    with pytest.raises(ValueError, match="output_padding"):
        F.conv_transpose2d(_t(1, 3, 4, 4), _t(3, 2, 3, 3), stride=2, output_padding=2)


def test_error_empty_tensors():
    with pytest.raises(ValueError, match="conv2d: empty tensors are not supported"):
        F.conv2d(_t(1, 0, 8, 8), _t(4, 0, 3, 3))  # (an empty batch is fine: test_torch_semantics)
    with pytest.raises(ValueError, match="conv_transpose2d: empty tensors"):
        F.conv_transpose2d(_t(1, 3, 4, 4), _t(3, 0, 3, 3))


def test_torch_agrees_on_error_cases():
    """The shapes rejected above are rejected by PyTorch too (so the checks are not too strict)."""
    with pytest.raises(RuntimeError):
        TF.conv2d(torch.zeros(2, 3, 8, 8), torch.zeros(4, 5, 3, 3))
    with pytest.raises(RuntimeError):
        TF.conv2d(torch.zeros(1, 2, 4, 4), torch.zeros(3, 2, 5, 5))
    with pytest.raises(RuntimeError):
        TF.conv2d(torch.zeros(1, 4, 5, 5), torch.zeros(6, 1, 3, 3), groups=3)


def test_few_positions_take_one_im2col_gemm(monkeypatch):
    """Below FAST_MIN_POSITIONS output positions (a batch-1 16x16 map) the conv runs as one
    im2col GEMM; from there on, as tap GEMMs. Both agree with torch."""
    if not _gemm.HAVE_CBLAS:
        pytest.skip("no cblas: the fast path is off anyway")
    calls = []
    real = T.gemm_blocks
    monkeypatch.setattr(T, "gemm_blocks", lambda *a, **k: calls.append(1) or real(*a, **k))
    for side, taps in ((16, 0), (32, 9)):
        calls.clear()
        assert (side * side >= K.FAST_MIN_POSITIONS) == bool(taps)
        x, w = randn(1, 32, side, side, seed=1), randn(16, 32, 3, 3, seed=2)
        got = F.conv2d(dg.tensor(x), dg.tensor(w), padding=1).data
        want = TF.conv2d(torch.from_numpy(x), torch.from_numpy(w), padding=1).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
        assert len(calls) == taps
