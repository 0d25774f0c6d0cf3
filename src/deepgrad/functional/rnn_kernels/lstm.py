"""LSTM over a whole sequence: forward time loop and backpropagation through time."""

from __future__ import annotations

import numpy as np

from ..._jit import enabled
from . import _jit_gates as J
from ._jit_layout import transposed
from .common import (
    Backward,
    bias_sum,
    blend,
    gate_blocks,
    incoming,
    input_gemm,
    split_delta,
    state_views,
    step_rows,
    steps,
)

# internal gate order (i, f, o, g): PyTorch's blocks 2 and 3 swapped (the swap is its own inverse)
_ORDER = (0, 1, 3, 2)


def _reorder(w: np.ndarray, H: int) -> np.ndarray:
    return np.concatenate([w[k * H : (k + 1) * H] for k in _ORDER])


def lstm_forward(
    x: np.ndarray,
    h0: np.ndarray,
    c0: np.ndarray,
    w_ih: np.ndarray,
    w_hh: np.ndarray,
    b_ih: np.ndarray | None,
    b_hh: np.ndarray | None,
    mask: np.ndarray | None,
    reverse: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, Backward]:
    """LSTM over a sequence. Per step, with sigma the logistic sigmoid:

    i = sigma(W_ii x + b_ii + W_hi h + b_hi)    f = sigma(W_if x + b_if + W_hf h + b_hf)
    g = tanh(W_ig x + b_ig + W_hg h + b_hg)      o = sigma(W_io x + b_io + W_ho h + b_ho)
    c' = f * c + i * g                           h' = o * tanh(c')

    Returns (out (T, N, H), h_n, c_n, backward) with ``backward(dout, dh_n, dc_n, need_dx,
    need_dh0) -> (dx, dh0, dc0, dw_ih, dw_hh, db_ih, db_hh)`` (any of dout, dh_n, dc_n may be
    None; b_ih and b_hh get the same gradient).

    Backward, per step (delta_h, delta_c the gradients reaching h', c'):
    dc' = delta_c + delta_h o (1 - tanh(c')^2);  do = delta_h tanh(c');  di = dc' g;
    df = dc' c;  dg = dc' i;  through the activations: sigma' = s (1 - s), tanh' = 1 - g^2;
    then dc_prev = dc' f and dh_prev = dG W_hh.
    """
    if enabled() and x.dtype in J.DTYPES:
        return _lstm_forward_jit(x, h0, c0, w_ih, w_hh, b_ih, b_hh, mask, reverse)
    T, N, _ = x.shape
    H = w_hh.shape[1]
    dt = x.dtype
    scale = np.ones((4 * H, 1), dtype=dt)
    scale[: 3 * H] = 0.5  # sigmoid(a) = 0.5 tanh(a/2) + 0.5
    w_ih_p, w_hh_p = _reorder(w_ih, H), _reorder(w_hh, H)
    b = None
    if b_ih is not None or b_hh is not None:
        b = (b_ih if b_ih is not None else 0) + (b_hh if b_hh is not None else 0)
        b = (_reorder(b, H) * scale[:, 0]).astype(dt, copy=False)
    gates = input_gemm(x, w_ih_p * scale, b, 4)  # (4, T, N, H), becomes (i, f, o, g) in place
    w_hh_blocks = gate_blocks(w_hh_p * scale, 4)  # (4, H, H)

    hs = np.empty((T + 1, N, H), dtype=dt)
    cs = np.empty((T + 1, N, H), dtype=dt)
    tcs = np.empty((T, N, H), dtype=dt)  # tanh(c') of every step
    order, p, q = steps(T, reverse)
    hs[T if reverse else 0] = h0
    cs[T if reverse else 0] = c0
    out = np.zeros((T, N, H), dtype=dt) if mask is not None else None
    hw = np.empty((4, N, H), dtype=dt)
    tmp = np.empty((N, H), dtype=dt)
    for t in order:
        a = gates[:, t]
        np.matmul(hs[t + p], w_hh_blocks, out=hw)
        a += hw
        np.tanh(a, out=a)
        sig = a[:3]
        sig *= 0.5
        sig += 0.5
        i, f, o, g = a
        c_new, h_new, tc = cs[t + q], hs[t + q], tcs[t]
        np.multiply(f, cs[t + p], out=c_new)
        np.multiply(i, g, out=tmp)
        c_new += tmp
        np.tanh(c_new, out=tc)
        np.multiply(o, tc, out=h_new)
        if mask is not None:  # skipped steps carry (h, c) over; their output stays 0
            np.multiply(h_new, mask[t], out=out[t])
            blend(hs, t + p, t + q, mask[t], tmp)
            blend(cs, t + p, t + q, mask[t], tmp)
    outs, h_n, hprev = state_views(hs, reverse)
    _, c_n, cprev = state_views(cs, reverse)
    if out is None:
        out = outs

    def backward(
        dout: np.ndarray | None,
        dh_n: np.ndarray | None,
        dc_n: np.ndarray | None,
        need_dx: bool = True,
        need_dh0: bool = True,
    ) -> tuple:
        dh = np.zeros((N, H), dtype=dt) if dh_n is None else np.array(dh_n, dtype=dt)
        dc = np.zeros((N, H), dtype=dt) if dc_n is None else np.array(dc_n, dtype=dt)
        # dC/d(pre-activation), time-major (T, N, 4H): one GEMM per step for dG W_hh
        dgates = np.empty((T, N, 4 * H), dtype=dt)
        dhp = np.empty((N, H), dtype=dt) if mask is not None else dh
        dcp = np.empty((N, H), dtype=dt) if mask is not None else dc
        keep = None if mask is None else 1 - mask
        t1 = np.empty((N, H), dtype=dt)
        sd = np.empty((3, N, H), dtype=dt)
        s4 = np.empty((4, N, H), dtype=dt)
        for t in reversed(order):
            if mask is None:
                if dout is not None:
                    dh += dout[t]
            else:  # dC/d(h'), dC/d(c') exist only where the step ran
                split_delta(dh, None if dout is None else dout[t], mask[t], keep[t], dhp)
                split_delta(dc, None, mask[t], keep[t], dcp)
            a = gates[:, t]
            i, f, o, g = a
            tc = tcs[t]
            # dC/dc' = dc + dh' o (1 - tanh(c')^2)
            np.multiply(tc, tc, out=t1)
            np.subtract(1, t1, out=t1)
            t1 *= o
            t1 *= dhp
            dcp += t1
            d = dgates[t]
            d4 = d.reshape(N, 4, H).transpose(1, 0, 2)  # gate k = d[:, kH:(k+1)H]
            di, df, do, dgg = s4  # contiguous scratch; only the last product goes to d4
            np.multiply(dcp, g, out=di)
            np.multiply(dcp, cprev[t], out=df)
            np.multiply(dhp, tc, out=do)
            sig = a[:3]  # sigma' = sigma (1 - sigma)
            np.subtract(1, sig, out=sd)
            sd *= sig
            np.multiply(s4[:3], sd, out=d4[:3])
            np.multiply(g, g, out=t1)  # tanh' = 1 - g^2
            np.subtract(1, t1, out=t1)
            np.multiply(dcp, i, out=dgg)
            np.multiply(dgg, t1, out=d4[3])
            # carry to step t-1: dC/dc_prev = dc' f,  dC/dh_prev = dG W_hh
            if mask is None:
                dc *= f
                np.matmul(d, w_hh_p, out=dh)
            else:
                dcp *= f
                dc += dcp
                np.matmul(d, w_hh_p, out=t1)
                dh += t1
        d2 = dgates.reshape(T * N, 4 * H)
        dw_hh = _reorder(np.matmul(d2.T, hprev.reshape(T * N, H)), H)
        dx = np.matmul(d2, w_ih_p).reshape(T, N, x.shape[2]) if need_dx else None
        dw_ih = _reorder(np.matmul(d2.T, x.reshape(T * N, x.shape[2])), H)
        db = _reorder(np.matmul(np.ones(T * N, dtype=dt), d2), H)
        return dx, (dh if need_dh0 else None), dc, dw_ih, dw_hh, db, db.copy()

    return out, h_n, c_n, backward


def _lstm_forward_jit(
    x: np.ndarray,
    h0: np.ndarray,
    c0: np.ndarray,
    w_ih: np.ndarray,
    w_hh: np.ndarray,
    b_ih: np.ndarray | None,
    b_hh: np.ndarray | None,
    mask: np.ndarray | None,
    reverse: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, Backward]:
    """:func:`lstm_forward` with compiled step kernels (same equations, same results).

    Time-major (T, N, 4H) gate buffers in PyTorch's gate order. Per step: the GEMM
    ``h W_hh^T`` in NumPy, then one kernel for the gates and the state update
    (``_jit_gates.lstm_step_forward``); backward: one kernel for dG and dc_prev, then the GEMM
    ``dG W_hh``. The weight gradients are 2-D GEMMs over all T*N rows after the loop.
    """
    J.ready()
    T, N, F = x.shape
    H = w_hh.shape[1]
    dt = x.dtype
    # x W_ih^T for all steps; the kernels turn it into the activations (i, f, g, o) in place
    acts = np.matmul(x.reshape(T * N, F), w_ih.T).reshape(T, N, 4 * H)
    b = bias_sum(b_ih, b_hh, 4 * H, dt)
    w_hh_t = transposed(w_hh)  # (H, 4H): h W_hh^T without a transposed operand
    hs = np.empty((T + 1, N, H), dtype=dt)
    cs = np.empty((T + 1, N, H), dtype=dt)
    tcs = np.empty((T, N, H), dtype=dt)  # tanh(c') of every step
    order, p, q = steps(T, reverse)
    hs[T if reverse else 0] = h0
    cs[T if reverse else 0] = c0
    rows = step_rows(mask, T, N, dt)
    hw = np.empty((N, 4 * H), dtype=dt)
    for t in order:
        np.matmul(hs[t + p], w_hh_t, out=hw)
        J.lstm_step_forward(acts[t], hw, b, rows[t], hs[t + p], cs[t + p], hs[t + q], cs[t + q],
                            tcs[t])  # fmt: skip
    outs, h_n, hprev = state_views(hs, reverse)
    _, c_n, _ = state_views(cs, reverse)
    out = outs if mask is None else outs * mask  # skipped steps output 0

    def backward(
        dout: np.ndarray | None,
        dh_n: np.ndarray | None,
        dc_n: np.ndarray | None,
        need_dx: bool = True,
        need_dh0: bool = True,
    ) -> tuple:
        douts, dh = incoming(dout, dh_n, N, H, dt)
        dc = np.zeros((N, H), dtype=dt) if dc_n is None else np.array(dc_n, dtype=dt)
        dgates = np.empty((T, N, 4 * H), dtype=dt)  # dC/d(pre-activation), time-major
        keep = None if mask is None else 1 - mask
        tmp = np.empty((N, H), dtype=dt) if mask is not None else None
        for t in reversed(order):
            d = dgates[t]
            J.lstm_step_backward(
                dh, douts[t if dout is not None else 0], rows[t], acts[t], tcs[t], cs[t + p], dc, d
            )
            # carry to step t-1: dC/dh_prev = dG W_hh (+ dh itself where the step was skipped)
            if mask is None:
                np.matmul(d, w_hh, out=dh)
            else:
                np.matmul(d, w_hh, out=tmp)
                dh *= keep[t]
                dh += tmp
        d2 = dgates.reshape(T * N, 4 * H)
        dw_hh = np.matmul(d2.T, hprev.reshape(T * N, H))
        dx = np.matmul(d2, w_ih).reshape(T, N, F) if need_dx else None
        dw_ih = np.matmul(d2.T, x.reshape(T * N, F))
        db = np.matmul(np.ones(T * N, dtype=dt), d2)
        return dx, (dh if need_dh0 else None), dc, dw_ih, dw_hh, db, db.copy()

    return out, h_n, c_n, backward
