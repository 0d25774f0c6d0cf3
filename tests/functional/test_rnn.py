"""Recurrent ops: parity with PyTorch (cells, fused sequences, reverse, packed variable lengths),
float64 finite differences, and the final-state / mask / dtype contracts.

Every test runs twice through the autouse ``jit`` fixture: with the compiled step kernels
(``rnn_kernels/_jit_gates.py``, when Numba is installed) and with the NumPy time loops."""

import numpy as np
import pytest
import torch
from torch.func import functional_call
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

import deepgrad as dg
import deepgrad.functional as F
from deepgrad import _jit
from deepgrad.functional.rnn_kernels._jit_gates import tanh as gate_tanh
from parity import check, randn


@pytest.fixture(autouse=True, params=[True, False], ids=["jit", "numpy"])
def jit(request, monkeypatch):
    """Run the test on the compiled path (skipped without Numba) and on the NumPy path."""
    if request.param and not _jit.enabled():
        pytest.skip("numba not installed or DEEPGRAD_NO_JIT set")
    monkeypatch.setattr(_jit, "ENABLED", request.param)
    return request.param


GATES = {"lstm": 4, "gru": 3, "rnn_tanh": 1, "rnn_relu": 1}
KINDS = list(GATES)


def _weights(kind, F_, H, seed=0, bias=True):
    g = GATES[kind]
    w = [randn(g * H, F_, seed=seed, scale=0.5), randn(g * H, H, seed=seed + 1, scale=0.5)]
    if bias:
        w += [randn(g * H, seed=seed + 2, scale=0.5), randn(g * H, seed=seed + 3, scale=0.5)]
    return w


def _torch_module(kind, F_, H, bias, bidirectional):
    if kind == "lstm":
        return torch.nn.LSTM(F_, H, bias=bias, bidirectional=bidirectional)
    if kind == "gru":
        return torch.nn.GRU(F_, H, bias=bias, bidirectional=bidirectional)
    return torch.nn.RNN(F_, H, nonlinearity=kind[4:], bias=bias, bidirectional=bidirectional)


def torch_sequence(kind, x, states, weights, mask=None, reverse=False):
    """The reference: torch.nn.{LSTM,GRU,RNN} run on the given weight tensors (functional_call);
    ``reverse`` takes the backward direction of a bidirectional module; ``mask`` packs."""
    T, N, F_ = x.shape
    H = weights[1].shape[1]
    bias = len(weights) == 4
    mod = _torch_module(kind, F_, H, bias, reverse).to(x.dtype)
    names = ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"][: len(weights)]
    params = {}
    for name, w in zip(names, weights, strict=True):
        if reverse:
            params[name] = w.detach().clone()  # the unused forward direction
            params[name + "_reverse"] = w
        else:
            params[name] = w
    st = [s[None] for s in states]
    if reverse:
        st = [torch.cat([torch.zeros_like(s), s]) for s in st]
    hx = tuple(st) if kind == "lstm" else st[0]
    inp = x
    if mask is not None:
        lengths = torch.as_tensor(np.asarray(mask).sum(0))
        inp = pack_padded_sequence(x, lengths, enforce_sorted=False)
    out, hn = functional_call(mod, params, (inp, hx))
    if mask is not None:
        out, _ = pad_packed_sequence(out, total_length=T)
    k = 1 if reverse else 0
    if reverse:
        out = out[..., H:]
    if kind == "lstm":
        return out, hn[0][k], hn[1][k]
    return out, hn[k]


def dg_sequence(kind, x, states, weights, mask=None, reverse=False):
    fn = getattr(F, kind)
    return fn(x, *states, *weights, mask=mask, reverse=reverse)


def _inputs(kind, T=4, N=3, F_=3, H=4, bias=True, seed=0):
    x = randn(T, N, F_, seed=seed + 10)
    states = [randn(N, H, seed=seed + 11)]
    if kind == "lstm":
        states.append(randn(N, H, seed=seed + 12))
    return x, states, _weights(kind, F_, H, seed, bias)


def _split(kind, args):
    n_states = 2 if kind == "lstm" else 1
    return args[0], list(args[1 : 1 + n_states]), list(args[1 + n_states :])


MASK = np.array([[1, 1, 1], [1, 0, 1], [1, 0, 1], [1, 0, 0]], dtype=bool)  # lengths 4, 1, 3


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("masked", [False, True])
def test_sequence_parity_and_gradcheck(kind, reverse, masked):
    x, states, weights = _inputs(kind)
    mask = MASK if masked else None

    def dg_fn(*args):
        a, s, w = _split(kind, args)
        return dg_sequence(kind, a, s, w, mask, reverse)

    def th_fn(*args):
        a, s, w = _split(kind, args)
        return torch_sequence(kind, a, s, w, mask, reverse)

    check(dg_fn, th_fn, [x, *states, *weights])


@pytest.mark.parametrize("kind", KINDS)
def test_sequence_without_bias(kind):
    x, states, weights = _inputs(kind, bias=False)

    def dg_fn(*args):
        a, s, w = _split(kind, args)
        return dg_sequence(kind, a, s, w)

    def th_fn(*args):
        a, s, w = _split(kind, args)
        return torch_sequence(kind, a, s, w)

    check(dg_fn, th_fn, [x, *states, *weights])


@pytest.mark.parametrize("kind", KINDS)
def test_sequence_float64_parity_is_tight(kind):
    x, states, weights = _inputs(kind, T=6, N=4, F_=5, H=7)
    mask = np.ones((6, 4), dtype=bool)
    mask[3:, 1] = False
    mask[5:, 3] = False
    for reverse in (False, True):
        arrs = [a.astype(np.float64) for a in [x, *states, *weights]]
        d_in = [dg.Tensor(a, requires_grad=True) for a in arrs]
        t_in = [torch.tensor(a, requires_grad=True) for a in arrs]
        d_out = dg_sequence(kind, *_split(kind, d_in), mask, reverse)
        t_out = torch_sequence(kind, *_split(kind, t_in), mask, reverse)
        rng = np.random.default_rng(1)
        ups = [rng.standard_normal(o.shape) for o in d_out]
        sum((o * dg.Tensor(u)).sum() for o, u in zip(d_out, ups, strict=True)).backward()
        sum((o * torch.tensor(u)).sum() for o, u in zip(t_out, ups, strict=True)).backward()
        for a, b in zip(d_out, t_out, strict=True):
            assert a.dtype == np.float64
            np.testing.assert_allclose(a.data, b.detach().numpy(), rtol=1e-10, atol=1e-12)
        for k, (a, b) in enumerate(zip(d_in, t_in, strict=True)):
            np.testing.assert_allclose(
                a.grad, b.grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=f"input {k}"
            )


CELLS = {
    "lstm": (F.lstm_cell, lambda x, h, c, *w: torch.lstm_cell(x, (h, c), *w)),
    "gru": (F.gru_cell, torch.gru_cell),
    "rnn_tanh": (F.rnn_tanh_cell, torch.rnn_tanh_cell),
    "rnn_relu": (F.rnn_relu_cell, torch.rnn_relu_cell),
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("N", [1, 3])  # batch 1: the compiled cell path
def test_cell_parity_and_gradcheck(kind, bias, N):
    x, states, weights = _inputs(kind, N=N, bias=bias)
    dg_fn, th_fn = CELLS[kind]
    check(dg_fn, th_fn, [x[0], *states, *weights])


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("N", [1, 3])
def test_cell_zero_initial_state(kind, N):
    x, states, weights = _inputs(kind, N=N)
    dg_fn, _ = CELLS[kind]
    xt = dg.Tensor(x[0])
    zeros = [dg.Tensor(np.zeros_like(s)) for s in states]
    a = dg_fn(xt, *([None] * len(states)), *[dg.Tensor(w) for w in weights])
    b = dg_fn(xt, *zeros, *[dg.Tensor(w) for w in weights])
    a, b = (a, b) if isinstance(a, tuple) else ((a,), (b,))
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(u.data, v.data)


def test_cell_loop_equals_fused_sequence():
    """A Python loop of lstm_cell and the fused lstm give the same outputs and gradients."""
    x, (h0, c0), weights = _inputs("lstm", T=5)
    ws = [dg.Tensor(w, requires_grad=True) for w in weights]
    xs = dg.Tensor(x, requires_grad=True)
    h, c = dg.Tensor(h0), dg.Tensor(c0)
    outs = []
    for t in range(5):
        h, c = F.lstm_cell(xs[t], h, c, *ws)
        outs.append(h)
    (dg.stack(outs) ** 2).sum().backward()
    grads = [xs.grad] + [w.grad for w in ws]
    ws2 = [dg.Tensor(w, requires_grad=True) for w in weights]
    xs2 = dg.Tensor(x, requires_grad=True)
    out, _, _ = F.lstm(xs2, dg.Tensor(h0), dg.Tensor(c0), *ws2)
    np.testing.assert_allclose(out.data, dg.stack(outs).data, rtol=1e-5, atol=1e-6)
    (out**2).sum().backward()
    for a, b in zip(grads, [xs2.grad] + [w.grad for w in ws2], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("which", ["h_n", "c_n"])
def test_gradient_from_final_state_only(kind, which):
    """Only the final state feeds the loss: the sequence node still runs its backward."""
    if which == "c_n" and kind != "lstm":
        pytest.skip("only the LSTM has a cell state")
    x, states, weights = _inputs(kind)
    k = 1 if which == "h_n" else 2
    d_in = [dg.Tensor(a, requires_grad=True) for a in [x, *states, *weights]]
    t_in = [torch.tensor(a, requires_grad=True) for a in [x, *states, *weights]]
    (dg_sequence(kind, *_split(kind, d_in), MASK)[k] ** 2).sum().backward()
    (torch_sequence(kind, *_split(kind, t_in), MASK)[k] ** 2).sum().backward()
    for a, b in zip(d_in, t_in, strict=True):
        np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_retain_graph_accumulates_and_states_reset():
    x, states, weights = _inputs("lstm")
    w = dg.Tensor(weights[1], requires_grad=True)
    out, h, c = F.lstm(dg.Tensor(x), *[dg.Tensor(s) for s in states], dg.Tensor(weights[0]), w)
    loss = out.sum() + (h * h).sum() + c.sum()
    loss.backward(retain_graph=True)
    g1 = w.grad.copy()
    loss.backward()
    np.testing.assert_allclose(w.grad, 2 * g1, rtol=1e-6)
    # after the graph is freed, a third backward fails clearly
    with pytest.raises(RuntimeError, match="second time"):
        loss.backward()


def test_zero_length_sequence_carries_initial_state():
    x, (h0, c0), weights = _inputs("lstm")
    mask = MASK.copy()
    mask[:, 1] = False  # sequence 1 is empty
    hs = dg.Tensor(h0, requires_grad=True)
    out, h, c = F.lstm(dg.Tensor(x), hs, dg.Tensor(c0), *[dg.Tensor(w) for w in weights], mask=mask)
    np.testing.assert_array_equal(out.data[:, 1], 0)
    np.testing.assert_array_equal(h.data[1], h0[1])
    np.testing.assert_array_equal(c.data[1], c0[1])
    (h * 3).sum().backward()
    np.testing.assert_array_equal(hs.grad[1], 3)


def test_padded_outputs_are_zero_and_ignore_their_gradient():
    x, states, weights = _inputs("gru")
    xs = dg.Tensor(x, requires_grad=True)
    out, _ = F.gru(xs, dg.Tensor(states[0]), *[dg.Tensor(w) for w in weights], mask=MASK)
    assert np.all(out.data[~MASK] == 0)
    up = np.zeros(out.shape, np.float32)
    up[~MASK] = 1.0  # gradient only where the outputs are padding
    out.backward(up)
    np.testing.assert_array_equal(xs.grad, 0)


@pytest.mark.parametrize("kind", KINDS)
def test_float32_stays_float32(kind):
    x, states, weights = _inputs(kind)
    d_in = [dg.Tensor(a, requires_grad=True) for a in [x, *states, *weights]]
    outs = dg_sequence(kind, *_split(kind, d_in), MASK, True)
    sum(o.sum() for o in outs).backward()
    assert all(o.dtype == np.float32 for o in outs)
    assert all(t.grad.dtype == np.float32 for t in d_in)


def test_no_grad_builds_no_graph():
    x, states, weights = _inputs("lstm")
    d_in = [dg.Tensor(a, requires_grad=True) for a in [x, *states, *weights]]
    with dg.no_grad():
        outs = F.lstm(*d_in)
    assert not any(o.requires_grad for o in outs)


def test_lengths_to_mask():
    m = F.lengths_to_mask([3, 1, 0])
    np.testing.assert_array_equal(m, [[1, 1, 0], [1, 0, 0], [1, 0, 0]])
    assert F.lengths_to_mask(np.array([2]), total_length=4).shape == (4, 1)
    with pytest.raises(ValueError, match="lengths_to_mask"):
        F.lengths_to_mask([5], total_length=3)
    with pytest.raises(ValueError, match="1-D integers"):
        F.lengths_to_mask([1.5])


def test_clear_errors():
    x, (h0, c0), weights = _inputs("lstm")
    t = [dg.Tensor(w) for w in weights]
    with pytest.raises(ValueError, match=r"lstm: input must have shape \(T, N, input_size\)"):
        F.lstm(dg.Tensor(x[0]), None, None, *t)
    with pytest.raises(ValueError, match="lstm: w_ih must have shape"):
        F.lstm(dg.Tensor(x[..., :2]), None, None, *t)
    with pytest.raises(ValueError, match=r"gru: w_hh must have shape \(3\*hidden_size"):
        F.gru(dg.Tensor(x), None, *t)
    with pytest.raises(ValueError, match="lstm: cx must have shape"):
        F.lstm(dg.Tensor(x), None, dg.Tensor(c0[:2]), *t)
    with pytest.raises(TypeError, match="lstm: w_hh has dtype float64"):
        F.lstm(dg.Tensor(x), None, None, t[0], dg.Tensor(weights[1].astype(np.float64)))
    with pytest.raises(ValueError, match=r"lstm: mask must have shape \(T, N\)"):
        F.lstm(dg.Tensor(x), None, None, *t, mask=MASK[:2])
    with pytest.raises(ValueError, match="lstm_cell: input must have shape"):
        F.lstm_cell(dg.Tensor(x), None, None, *t)


@pytest.mark.parametrize("which", [0, 1])
@pytest.mark.parametrize("N", [1, 3])
def test_lstm_cell_gradient_from_one_output_only(which, N):
    """Only h' (or only c') feeds the loss: the other delta is None inside the cell kernel."""
    x, states, weights = _inputs("lstm", N=N)
    d_in = [dg.Tensor(a, requires_grad=True) for a in [x[0], *states, *weights]]
    t_in = [torch.tensor(a, requires_grad=True) for a in [x[0], *states, *weights]]
    (F.lstm_cell(*d_in)[which] ** 2).sum().backward()
    (torch.lstm_cell(t_in[0], (t_in[1], t_in[2]), *t_in[3:])[which] ** 2).sum().backward()
    for a, b in zip(d_in, t_in, strict=True):
        g = a.grad if a.grad is not None else np.zeros(a.shape, np.float32)
        np.testing.assert_allclose(g, b.grad.numpy(), rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------------ compiled vs NumPy paths


@pytest.mark.parametrize("kind", KINDS)
def test_sequence_parity_noncontiguous_inputs(kind):
    """Transposed views for x, states and weights (as batch_first layers hand them over)."""
    x, states, weights = _inputs(kind)

    def dg_fn(*args):
        a, s, w = _split(kind, args)
        return dg_sequence(kind, a, s, w, MASK, True)

    def th_fn(*args):
        a, s, w = _split(kind, args)
        return torch_sequence(kind, a, s, w, MASK, True)

    check(dg_fn, th_fn, [x, *states, *weights], noncontiguous=True)


def _run_both(kind, arrs, mask, reverse, fn=None):
    """Outputs and input gradients of the same call on the compiled and the NumPy path."""
    results = []
    for flag in (True, False):
        _jit.ENABLED = flag
        d_in = [dg.Tensor(a, requires_grad=True) for a in arrs]
        outs = fn(*d_in) if fn else dg_sequence(kind, *_split(kind, d_in), mask, reverse)
        outs = outs if isinstance(outs, tuple) else (outs,)
        rng = np.random.default_rng(3)
        sum(
            (o * dg.Tensor(rng.standard_normal(o.shape).astype(o.dtype))).sum() for o in outs
        ).backward()
        results.append(([o.data for o in outs], [t.grad for t in d_in]))
    return results


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_compiled_path_equals_numpy_path(jit, kind, dtype):
    """Odd sizes (H = 37: the vector loops have a remainder), a mask with an empty sequence,
    both directions: the compiled and the NumPy path agree (float64: to rounding)."""
    if not jit:
        pytest.skip("compares the two paths; runs once")
    T, N, F_, H = 7, 5, 6, 37
    x, states, weights = _inputs(kind, T=T, N=N, F_=F_, H=H, seed=4)
    mask = F.lengths_to_mask([7, 3, 0, 6, 1])
    rtol, atol = (1e-4, 3e-6) if dtype == np.float32 else (1e-11, 1e-13)
    for reverse in (False, True):
        arrs = [a.astype(dtype) for a in [x, *states, *weights]]
        (o1, g1), (o2, g2) = _run_both(kind, arrs, mask, reverse)
        for a, b in zip(o1 + g1, o2 + g2, strict=True):
            assert a.dtype == dtype
            # float32: sums of ~100 terms of size ~10 in another order; atol relative to them
            np.testing.assert_allclose(a, b, rtol=rtol, atol=atol * max(1, np.abs(b).max()))


@pytest.mark.parametrize("kind", KINDS)
def test_cell_compiled_path_equals_numpy_path(jit, kind):
    """Batch 1 (the compiled cell path), H = 37."""
    if not jit:
        pytest.skip("compares the two paths; runs once")
    x, states, weights = _inputs(kind, T=1, N=1, F_=5, H=37, seed=6)
    fn = CELLS[kind][0]
    (o1, g1), (o2, g2) = _run_both(kind, [x[0], *states, *weights], None, False, fn)
    for a, b in zip(o1 + g1, o2 + g2, strict=True):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=2e-5)


def test_compiled_float32_tanh_is_accurate(jit):
    """The kernels' float32 tanh (a rational approximation) against float64 tanh."""
    if not jit:
        pytest.skip("compiled kernels only")
    from deepgrad.functional.rnn_kernels import _jit_gates

    _jit_gates.ready()  # registers gate_tanh's compiled dispatch
    x = np.concatenate(
        [
            np.linspace(-12, 12, 2000001, dtype=np.float32),
            np.array([0.0, -0.0, 1e-30, -1e-8, 7.9, 8.0, 50, -50, 1e30], dtype=np.float32),
        ]
    )
    got = _tanh_kernel_f32(x, np.empty_like(x))
    assert got.dtype == np.float32
    exact = np.tanh(x.astype(np.float64))
    err = np.abs(got - exact)
    assert err.max() <= 3.5e-7  # <= 6 ulp near +-1 (NumPy's float32 tanh: 1.4 ulp)
    small = np.abs(x) < 0.5
    assert np.all(err[small] <= 3e-7 * np.abs(exact[small]) + 1e-38)  # relative, near 0
    assert np.all(np.abs(got) <= 1)
    edge = _tanh_kernel_f32(
        np.array([np.inf, -np.inf, np.nan], np.float32), np.empty(3, np.float32)
    )
    assert edge[0] == 1 and edge[1] == -1 and np.isnan(edge[2])


@_jit.jit
def _tanh_kernel_f32(x, out):
    for k in range(x.shape[0]):
        out[k] = gate_tanh(x[k])
    return out


@pytest.mark.parametrize("shape", [(2048, 512), (37, 5), (1, 9)])
def test_compiled_transposed_copy(jit, shape):
    """The blocked transposing copy used for W_hh^T (row counts not a multiple of 8 too)."""
    if not jit:
        pytest.skip("compiled kernels only")
    from deepgrad.functional.rnn_kernels._jit_layout import transposed

    a = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    for src in (a, a[:, ::-1]):  # contiguous and a strided view
        t = transposed(src)
        assert t.flags.c_contiguous and t.dtype == np.float32
        np.testing.assert_array_equal(t, src.T)
