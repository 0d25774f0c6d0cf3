"""Elman RNN (tanh or relu) over a whole sequence: forward loop and backpropagation through time."""

from __future__ import annotations

import numpy as np

from ..._jit import enabled
from . import _jit_gates as J
from ._jit_layout import transposed
from .common import (
    Backward,
    hidden_weight_grad,
    incoming,
    input_gemm,
    input_grads,
    split_delta,
    state_views,
    step_rows,
    steps,
)


def rnn_forward(
    x: np.ndarray,
    h0: np.ndarray,
    w_ih: np.ndarray,
    w_hh: np.ndarray,
    b_ih: np.ndarray | None,
    b_hh: np.ndarray | None,
    mask: np.ndarray | None,
    reverse: bool,
    nonlinearity: str = "tanh",
) -> tuple[np.ndarray, np.ndarray, Backward]:
    """Elman RNN over a sequence:  h' = act(W_ih x + b_ih + W_hh h + b_hh), act = tanh or relu.

    Returns (out, h_n, backward) with
    ``backward(dout, dh_n, need_dx, need_dh0) -> (dx, dh0, dw_ih, dw_hh, db_ih, db_hh)``.
    Backward, per step: da = delta_h act'(a) (tanh' = 1 - h'^2, relu' = [h' > 0]);
    dh_prev = da W_hh.
    """
    if enabled() and x.dtype in J.DTYPES:
        return _rnn_forward_jit(x, h0, w_ih, w_hh, b_ih, b_hh, mask, reverse, nonlinearity)
    T, N, _ = x.shape
    H = w_hh.shape[1]
    dt = x.dtype
    relu = nonlinearity == "relu"
    b = None
    if b_ih is not None or b_hh is not None:
        b = (b_ih if b_ih is not None else 0) + (b_hh if b_hh is not None else 0)
    pre = input_gemm(x, w_ih, b, 1)[0]  # (T, N, H): becomes the activations in place
    w_hh_T = np.ascontiguousarray(w_hh.T)
    hs = np.empty((T + 1, N, H), dtype=dt)
    order, p, q = steps(T, reverse)
    hs[T if reverse else 0] = h0
    out = np.zeros((T, N, H), dtype=dt) if mask is not None else None
    hw = np.empty((N, H), dtype=dt)
    for t in order:
        a = pre[t]
        np.matmul(hs[t + p], w_hh_T, out=hw)
        a += hw
        if relu:
            np.maximum(a, 0, out=a)
        else:
            np.tanh(a, out=a)
        if mask is None:
            hs[t + q] = a
        else:
            m = mask[t]
            np.multiply(a, m, out=out[t])
            np.subtract(a, hs[t + p], out=hw)
            hw *= m
            np.add(hs[t + p], hw, out=hs[t + q])
    outs, h_n, hprev = state_views(hs, reverse)
    if out is None:
        out = outs

    def backward(
        dout: np.ndarray | None,
        dh_n: np.ndarray | None,
        need_dx: bool = True,
        need_dh0: bool = True,
    ) -> tuple:
        dh = np.zeros((N, H), dtype=dt) if dh_n is None else np.array(dh_n, dtype=dt)
        dpre = np.empty((1, T, N, H), dtype=dt)
        dhp = np.empty((N, H), dtype=dt) if mask is not None else dh
        keep = None if mask is None else 1 - mask
        t1 = np.empty((N, H), dtype=dt)
        for t in reversed(order):
            if mask is None:
                if dout is not None:
                    dh += dout[t]
            else:
                split_delta(dh, None if dout is None else dout[t], mask[t], keep[t], dhp)
            a, d = pre[t], dpre[0, t]
            if relu:  # relu' = 1 where the output is positive
                np.greater(a, 0, out=d)
                d *= dhp
            else:  # tanh' = 1 - h'^2
                np.multiply(a, a, out=d)
                np.subtract(1, d, out=d)
                d *= dhp
            if mask is None:
                np.matmul(d, w_hh, out=dh)
            else:
                np.matmul(d, w_hh, out=t1)
                dh += t1
        dw_hh = hidden_weight_grad(dpre, hprev)
        dx, dw_ih, db = input_grads(x, dpre, w_ih, need_dx)
        return dx, (dh if need_dh0 else None), dw_ih, dw_hh, db, db.copy()

    return out, h_n, backward


def _rnn_forward_jit(
    x: np.ndarray,
    h0: np.ndarray,
    w_ih: np.ndarray,
    w_hh: np.ndarray,
    b_ih: np.ndarray | None,
    b_hh: np.ndarray | None,
    mask: np.ndarray | None,
    reverse: bool,
    nonlinearity: str,
) -> tuple[np.ndarray, np.ndarray, Backward]:
    """:func:`rnn_forward` with compiled step kernels (``_jit_gates.rnn_step_*``)."""
    J.ready()
    T, N, F = x.shape
    H = w_hh.shape[1]
    dt = x.dtype
    relu = nonlinearity == "relu"
    pre = np.matmul(x.reshape(T * N, F), w_ih.T).reshape(T, N, H)
    if b_ih is not None:
        pre += b_ih
    if b_hh is not None:
        pre += b_hh
    w_hh_t = transposed(w_hh)
    hs = np.empty((T + 1, N, H), dtype=dt)
    order, p, q = steps(T, reverse)
    hs[T if reverse else 0] = h0
    rows = step_rows(mask, T, N, dt)
    hw = np.empty((N, H), dtype=dt)
    for t in order:
        np.matmul(hs[t + p], w_hh_t, out=hw)
        J.rnn_step_forward(pre[t], hw, rows[t], hs[t + p], hs[t + q], relu)
    del pre
    outs, h_n, hprev = state_views(hs, reverse)
    out = outs if mask is None else outs * mask

    def backward(
        dout: np.ndarray | None,
        dh_n: np.ndarray | None,
        need_dx: bool = True,
        need_dh0: bool = True,
    ) -> tuple:
        douts, dh = incoming(dout, dh_n, N, H, dt)
        dpre = np.empty((1, T, N, H), dtype=dt)
        keep = None if mask is None else 1 - mask
        tmp = np.empty((N, H), dtype=dt) if mask is not None else None
        for t in reversed(order):
            d = dpre[0, t]
            J.rnn_step_backward(
                dh, douts[t if dout is not None else 0], rows[t], hs[t + q], d, relu
            )
            if mask is None:  # dC/dh_prev = dG W_hh (+ dh where the step was skipped)
                np.matmul(d, w_hh, out=dh)
            else:
                np.matmul(d, w_hh, out=tmp)
                dh *= keep[t]
                dh += tmp
        dw_hh = hidden_weight_grad(dpre, hprev)
        dx, dw_ih, db = input_grads(x, dpre, w_ih, need_dx)
        return dx, (dh if need_dh0 else None), dw_ih, dw_hh, db, db.copy()

    return out, h_n, backward
