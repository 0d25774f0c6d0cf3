"""One time step of LSTM, GRU and Elman cells, forward and backward, on NumPy arrays.

Unlike the sequence kernels these use the weights as given (PyTorch's gate order, no reordered
or pre-scaled copies): a cell runs once per call, often at batch 1 (greedy decoding), where
copying the weights would cost more than the step. Gates are computed as one (N, G*H) array,
``x W_ih^T + h W_hh^T + b``; sigmoid(a) = 0.5 tanh(a/2) + 0.5, in place.

At batch 1, with the JIT on, the elementwise part runs as one compiled kernel (the sequence ops'
step kernels, ``_jit_gates.py``) instead of ~15 tiny NumPy calls.

Each ``*_cell_forward`` returns the new state(s) and ``backward(dh', [dc',] need_dx, need_dh)``
giving ``(dx, dh, [dc,] dw_ih, dw_hh, db_ih, db_hh)``; any incoming delta may be None.
"""

from __future__ import annotations

import numpy as np

from ..._jit import enabled
from . import _jit_gates as J
from .common import Backward, bias_sum


def _sigmoid_(a: np.ndarray) -> None:
    """In place: a = 0.5 tanh(a / 2) + 0.5."""
    a *= 0.5
    np.tanh(a, out=a)
    a *= 0.5
    a += 0.5


def _gates(
    x: np.ndarray,
    h: np.ndarray,
    w_ih: np.ndarray,
    w_hh: np.ndarray,
    b_ih: np.ndarray | None,
    b_hh: np.ndarray | None,
) -> np.ndarray:
    g = w_ih @ x.T  # (G*H, N): W x^T is faster than x W^T here (no transposed operand)
    g += w_hh @ h.T
    g = g.T  # (N, G*H) view; each gate's block stays contiguous in memory
    if b_ih is not None:
        g += b_ih
    if b_hh is not None:
        g += b_hh
    return g


def _weight_grads(
    dg_x: np.ndarray, dg_h: np.ndarray, x: np.ndarray, h: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """dC/dW_ih = dG_x^T x, dC/dW_hh = dG_h^T h, dC/db_ih = sum dG_x, dC/db_hh = sum dG_h."""
    ones = np.ones(dg_x.shape[0], dtype=dg_x.dtype)
    db_hh = ones @ dg_h if dg_h is not dg_x else None
    db_ih = ones @ dg_x
    return dg_x.T @ x, dg_h.T @ h, db_ih, db_ih.copy() if db_hh is None else db_hh


def lstm_cell_forward(
    x: np.ndarray,
    h: np.ndarray,
    c: np.ndarray,
    w_ih: np.ndarray,
    w_hh: np.ndarray,
    b_ih: np.ndarray | None,
    b_hh: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray, Backward]:
    """(i, f, g, o) = (sigma, sigma, tanh, sigma)(x W_ih^T + b_ih + h W_hh^T + b_hh);
    c' = f c + i g;  h' = o tanh(c')."""
    if x.shape[0] == 1 and enabled() and x.dtype in J.DTYPES:
        return _lstm_cell_jit(x, h, c, w_ih, w_hh, b_ih, b_hh)
    H = h.shape[1]
    a = _gates(x, h, w_ih, w_hh, b_ih, b_hh)
    _sigmoid_(a[:, : 2 * H])
    np.tanh(a[:, 2 * H : 3 * H], out=a[:, 2 * H : 3 * H])
    _sigmoid_(a[:, 3 * H :])
    i, f, g, o = a[:, :H], a[:, H : 2 * H], a[:, 2 * H : 3 * H], a[:, 3 * H :]
    c1 = f * c
    c1 += i * g
    tc = np.tanh(c1)
    h1 = o * tc

    def backward(
        dh: np.ndarray | None, dc: np.ndarray | None, need_dx: bool = True, need_dh: bool = True
    ) -> tuple:
        dc1 = np.zeros_like(c1) if dc is None else np.array(dc, dtype=c1.dtype)
        d = np.empty_like(a)
        di, df, dgg, do = d[:, :H], d[:, H : 2 * H], d[:, 2 * H : 3 * H], d[:, 3 * H :]
        if dh is not None:
            dc1 += dh * o * (1 - tc * tc)  # through h' = o tanh(c')
            np.multiply(dh, tc, out=do)
            do *= o * (1 - o)
        else:
            do[...] = 0
        np.multiply(dc1, g, out=di)
        di *= i * (1 - i)
        np.multiply(dc1, c, out=df)
        df *= f * (1 - f)
        np.multiply(dc1, i, out=dgg)
        dgg *= 1 - g * g
        dx = d @ w_ih if need_dx else None
        dh0 = d @ w_hh if need_dh else None
        return (dx, dh0, dc1 * f, *_weight_grads(d, d, x, h))

    return h1, c1, backward


def gru_cell_forward(
    x: np.ndarray,
    h: np.ndarray,
    w_ih: np.ndarray,
    w_hh: np.ndarray,
    b_ih: np.ndarray | None,
    b_hh: np.ndarray | None,
) -> tuple[np.ndarray, Backward]:
    """r, z = sigma(...);  n = tanh(W_in x + b_in + r (W_hn h + b_hn));  h' = (1 - z) n + z h."""
    if x.shape[0] == 1 and enabled() and x.dtype in J.DTYPES:
        return _gru_cell_jit(x, h, w_ih, w_hh, b_ih, b_hh)
    H = h.shape[1]
    gx = (w_ih @ x.T).T
    if b_ih is not None:
        gx += b_ih
    gh = (w_hh @ h.T).T
    if b_hh is not None:
        gh += b_hh
    rz = gx[:, : 2 * H]
    rz += gh[:, : 2 * H]
    _sigmoid_(rz)
    r, z = rz[:, :H], rz[:, H:]
    hn = gh[:, 2 * H :]
    n = gx[:, 2 * H :]
    n += r * hn
    np.tanh(n, out=n)
    h1 = n + z * (h - n)

    def backward(dh: np.ndarray | None, need_dx: bool = True, need_dh: bool = True) -> tuple:
        if dh is None:
            dh = np.zeros_like(h1)
        dgx = np.empty_like(gx)
        dgh = np.empty_like(gh)
        dr, dz, dn = dgx[:, :H], dgx[:, H : 2 * H], dgx[:, 2 * H :]
        np.multiply(dh * (1 - z), 1 - n * n, out=dn)
        np.multiply(dh * (h - n), z * (1 - z), out=dz)
        np.multiply(dn * hn, r * (1 - r), out=dr)
        dgh[:, : 2 * H] = dgx[:, : 2 * H]
        np.multiply(dn, r, out=dgh[:, 2 * H :])
        dx = dgx @ w_ih if need_dx else None
        dh0 = dh * z + dgh @ w_hh if need_dh else None
        return (dx, dh0, *_weight_grads(dgx, dgh, x, h))

    return h1, backward


def rnn_cell_forward(
    x: np.ndarray,
    h: np.ndarray,
    w_ih: np.ndarray,
    w_hh: np.ndarray,
    b_ih: np.ndarray | None,
    b_hh: np.ndarray | None,
    nonlinearity: str,
) -> tuple[np.ndarray, Backward]:
    """h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh), act = tanh or relu."""
    if x.shape[0] == 1 and enabled() and x.dtype in J.DTYPES:
        return _rnn_cell_jit(x, h, w_ih, w_hh, b_ih, b_hh, nonlinearity)
    a = _gates(x, h, w_ih, w_hh, b_ih, b_hh)
    relu = nonlinearity == "relu"
    if relu:
        np.maximum(a, 0, out=a)
    else:
        np.tanh(a, out=a)

    def backward(dh: np.ndarray | None, need_dx: bool = True, need_dh: bool = True) -> tuple:
        d = np.zeros_like(a) if dh is None else dh * ((a > 0) if relu else (1 - a * a))
        d = d.astype(a.dtype, copy=False)
        dx = d @ w_ih if need_dx else None
        dh0 = d @ w_hh if need_dh else None
        return (dx, dh0, *_weight_grads(d, d, x, h))

    return a, backward


# ---------------------------------------------------------------- compiled paths (deepgrad._jit)
# Batch 1 only (greedy decoding): one kernel call replaces ~15 tiny NumPy calls. At larger
# batches the NumPy path's W x^T orientation is the faster GEMM (LSTMCell 256->512, batch 64:
# 0.38 vs 0.54 ms) and its (G*H, N) result would have to be transposed for the row kernels.


def _product(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """x W^T for one row x (1, K): the GEMV W x, as a (1, G*H) row."""
    return np.matmul(w, x[0])[None]


def _lstm_cell_jit(
    x: np.ndarray,
    h: np.ndarray,
    c: np.ndarray,
    w_ih: np.ndarray,
    w_hh: np.ndarray,
    b_ih: np.ndarray | None,
    b_hh: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray, Backward]:
    """:func:`lstm_cell_forward` with the compiled step kernels of the LSTM sequence op."""
    J.ready()
    N, H = h.shape
    dt = x.dtype
    h, c = np.ascontiguousarray(h), np.ascontiguousarray(c)
    act = _product(x, w_ih)  # the kernel turns x W_ih^T into the activations in place
    hw = _product(h, w_hh)
    rows = np.ones(N, dtype=dt)
    h1, c1, tc = np.empty((3, N, H), dtype=dt)
    J.lstm_step_forward(act, hw, bias_sum(b_ih, b_hh, 4 * H, dt), rows, h, c, h1, c1, tc)

    def backward(
        dh: np.ndarray | None, dc: np.ndarray | None, need_dx: bool = True, need_dh: bool = True
    ) -> tuple:
        dh1 = np.zeros((N, H), dt) if dh is None else np.ascontiguousarray(dh, dtype=dt)
        dc1 = np.zeros((N, H), dt) if dc is None else np.array(dc, dtype=dt)  # -> dC/dc
        d = np.empty_like(act)
        J.lstm_step_backward(dh1, np.zeros_like(dh1), rows, act, tc, c, dc1, d)
        dx = d @ w_ih if need_dx else None
        dh0 = d @ w_hh if need_dh else None
        return (dx, dh0, dc1, *_weight_grads(d, d, x, h))

    return h1, c1, backward


def _gru_cell_jit(
    x: np.ndarray,
    h: np.ndarray,
    w_ih: np.ndarray,
    w_hh: np.ndarray,
    b_ih: np.ndarray | None,
    b_hh: np.ndarray | None,
) -> tuple[np.ndarray, Backward]:
    """:func:`gru_cell_forward` with the compiled step kernels of the GRU sequence op."""
    J.ready()
    N, H = h.shape
    dt = x.dtype
    h = np.ascontiguousarray(h)
    a = _product(x, w_ih)
    if b_ih is not None:
        a += b_ih
    if b_hh is not None:
        a[:, : 2 * H] += b_hh[: 2 * H]
    b_hn = np.zeros(H, dtype=dt) if b_hh is None else np.ascontiguousarray(b_hh[2 * H :])
    hw = _product(h, w_hh)
    rows = np.ones(N, dtype=dt)
    act = np.empty_like(a)
    hn, h1 = np.empty((2, N, H), dtype=dt)
    J.gru_step_forward(a, hw, b_hn, rows, h, act, hn, h1)

    def backward(dh: np.ndarray | None, need_dx: bool = True, need_dh: bool = True) -> tuple:
        dh1 = np.zeros((N, H), dt) if dh is None else np.array(dh, dtype=dt)  # -> dh' z
        dgx, dgh = np.empty((2, N, 3 * H), dtype=dt)
        J.gru_step_backward(dh1, np.zeros_like(dh1), rows, act, hn, h, dgx, dgh)
        dx = dgx @ w_ih if need_dx else None
        dh0 = dh1 + dgh @ w_hh if need_dh else None
        return (dx, dh0, *_weight_grads(dgx, dgh, x, h))

    return h1, backward


def _rnn_cell_jit(
    x: np.ndarray,
    h: np.ndarray,
    w_ih: np.ndarray,
    w_hh: np.ndarray,
    b_ih: np.ndarray | None,
    b_hh: np.ndarray | None,
    nonlinearity: str,
) -> tuple[np.ndarray, Backward]:
    """:func:`rnn_cell_forward` with the compiled step kernels of the Elman sequence op."""
    J.ready()
    N, H = h.shape
    dt = x.dtype
    relu = nonlinearity == "relu"
    h = np.ascontiguousarray(h)
    a = _product(x, w_ih)
    a += bias_sum(b_ih, b_hh, H, dt)
    hw = _product(h, w_hh)
    rows = np.ones(N, dtype=dt)
    h1 = np.empty((N, H), dtype=dt)
    J.rnn_step_forward(a, hw, rows, h, h1, relu)

    def backward(dh: np.ndarray | None, need_dx: bool = True, need_dh: bool = True) -> tuple:
        d = np.empty((N, H), dtype=dt)
        if dh is None:
            d[...] = 0
        else:
            dh1 = np.ascontiguousarray(dh, dtype=dt)
            J.rnn_step_backward(dh1, np.zeros_like(dh1), rows, h1, d, relu)
        dx = d @ w_ih if need_dx else None
        dh0 = d @ w_hh if need_dh else None
        return (dx, dh0, *_weight_grads(d, d, x, h))

    return h1, backward
