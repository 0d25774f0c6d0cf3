"""Forward and backward through time for whole sequences, on NumPy arrays (no graph).

``functional/rnn.py`` wraps these kernels as single graph nodes. Each kernel runs the time loop
in NumPy and returns the outputs with a ``backward`` closure (backpropagation through time,
BPTT) written right beside the forward. What makes them fast:

* the input-to-hidden product ``x W_ih^T + b`` is one GEMM over all T*N rows (forward), and its
  gradients ``dC/dx = dG W_ih``, ``dC/dW_ih = dG^T x`` are one GEMM each (backward);
* only ``h W_hh^T`` (forward) and ``dG W_hh`` (backward) stay inside the loop; the
  hidden-to-hidden weight gradient ``dC/dW_hh = sum_t dG_t^T h_{t-1}`` is one GEMM after it;
* ``sigmoid(a) = 0.5 tanh(a/2) + 0.5``: the sigmoid gates' weight rows are pre-scaled by 1/2 so
  a single ``tanh`` pass activates every gate of a step; the LSTM's gates are reordered inside
  the kernel to (i, f, o, g) so that the three sigmoid gates are one contiguous block;
* the gate activations are kept in preallocated buffers, updated in place (``out=``).

Shapes: ``x`` (T, N, F), states (N, H), ``w_ih`` (G*H, F), ``w_hh`` (G*H, H), biases (G*H,),
with PyTorch's gate order (LSTM i, f, g, o; GRU r, z, n). ``mask`` is None or (T, N, 1) of 0/1
in x's dtype: where it is 0 the step is skipped, the state carried over unchanged and the
output is 0 (PyTorch's packed sequences). ``reverse`` runs the loop from t = T-1 down to 0.

State buffers ``hs`` have T+1 slots indexed so that the state *before* step t is ``hs[t]``
(forward) or ``hs[t+1]`` (reverse): the previous states of all steps, in time order, are the
contiguous block ``hs[:T]`` or ``hs[1:]``, ready for the ``dW_hh`` GEMM.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["lstm_forward", "gru_forward", "rnn_forward"]

Backward = Callable[..., tuple]


def _steps(T: int, reverse: bool) -> tuple[range, int, int]:
    """Time order, and offsets so that prev state = hs[t + p], new state = hs[t + q]."""
    return (range(T - 1, -1, -1), 1, 0) if reverse else (range(T), 0, 1)


def _input_gemm(x: np.ndarray, w: np.ndarray, b: np.ndarray | None) -> np.ndarray:
    """x W^T + b for all T*N rows at once: (T, N, F) -> (T, N, G*H)."""
    T, N, F = x.shape
    out = x.reshape(T * N, F) @ w.T
    if b is not None:
        out += b
    return out.reshape(T, N, w.shape[0])


def _input_grads(
    x: np.ndarray, dg: np.ndarray, w: np.ndarray, need_dx: bool
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """dC/dx = dG W,  dC/dW = dG^T x,  dC/db = sum of dG over time and batch (one GEMM each)."""
    T, N, F = x.shape
    d2 = dg.reshape(T * N, dg.shape[-1])
    dx = (d2 @ w).reshape(T, N, F) if need_dx else None
    dw = d2.T @ x.reshape(T * N, F)
    db = np.ones(T * N, dtype=d2.dtype) @ d2
    return dx, dw, db


def _split_delta(
    dh: np.ndarray, dout_t: np.ndarray | None, m: np.ndarray, keep: np.ndarray, dhp: np.ndarray
) -> None:
    """Masked step: dC/dh' = m (dh + dout_t) enters the step, (1 - m) dh is carried past it."""
    if dout_t is None:
        np.multiply(dh, m, out=dhp)
    else:
        np.add(dh, dout_t, out=dhp)
        dhp *= m
    dh *= keep


def _hidden_weight_grad(dg: np.ndarray, hprev: np.ndarray) -> np.ndarray:
    """dC/dW_hh = sum_t dG_t^T h_{t-1}: one GEMM over all steps."""
    gh = dg.shape[-1]
    return dg.reshape(-1, gh).T @ hprev.reshape(-1, hprev.shape[-1])


# ---------------------------------------------------------------------------------------- LSTM


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

    Returns (out (T, N, H), h_n, c_n, backward) with
    ``backward(dout, dh_n, dc_n, need_dx, need_dh0) -> (dx, dh0, dc0, dw_ih, dw_hh, db_ih, db_hh)``
    (any of dout, dh_n, dc_n may be None; b_ih and b_hh get the same gradient).
    """
    T, N, _ = x.shape
    H = w_hh.shape[1]
    dt = x.dtype
    # internal gate order (i, f, o, g): blocks 2 and 3 swapped (the swap is its own inverse)
    perm = np.r_[0 : 2 * H, 3 * H : 4 * H, 2 * H : 3 * H]
    scale = np.ones((4 * H, 1), dtype=dt)
    scale[: 3 * H] = 0.5  # sigmoid(a) = 0.5 tanh(a/2) + 0.5
    w_ih_p, w_hh_p = w_ih[perm], w_hh[perm]
    b = None
    if b_ih is not None or b_hh is not None:
        b = (b_ih if b_ih is not None else 0) + (b_hh if b_hh is not None else 0)
        b = (b[perm] * scale[:, 0]).astype(dt, copy=False)
    gates = _input_gemm(x, w_ih_p * scale, b)  # becomes the activations (i, f, o, g) in place
    w_hh_sT = np.ascontiguousarray((w_hh_p * scale).T)  # (H, 4H)

    hs = np.empty((T + 1, N, H), dtype=dt)
    cs = np.empty((T + 1, N, H), dtype=dt)
    tcs = np.empty((T, N, H), dtype=dt)  # tanh(c') of every step
    order, p, q = _steps(T, reverse)
    hs[T if reverse else 0] = h0
    cs[T if reverse else 0] = c0
    out = np.zeros((T, N, H), dtype=dt) if mask is not None else None
    hw = np.empty((N, 4 * H), dtype=dt)
    tmp = np.empty((N, H), dtype=dt)
    for t in order:
        a = gates[t]
        np.matmul(hs[t + p], w_hh_sT, out=hw)
        a += hw
        np.tanh(a, out=a)
        sig = a[:, : 3 * H]
        sig *= 0.5
        sig += 0.5
        i, f, o, g = a[:, :H], a[:, H : 2 * H], a[:, 2 * H : 3 * H], a[:, 3 * H :]
        c_new, h_new, tc = cs[t + q], hs[t + q], tcs[t]
        np.multiply(f, cs[t + p], out=c_new)
        np.multiply(i, g, out=tmp)
        c_new += tmp
        np.tanh(c_new, out=tc)
        np.multiply(o, tc, out=h_new)
        if mask is not None:  # skipped steps carry (h, c) over; their output stays 0
            m = mask[t]
            np.multiply(h_new, m, out=out[t])
            for s in (hs, cs):  # s_new = s_prev + m (s' - s_prev)
                np.subtract(s[t + q], s[t + p], out=tmp)
                tmp *= m
                np.add(s[t + p], tmp, out=s[t + q])
    if out is None:
        out = hs[:T] if reverse else hs[1:]
    h_n, c_n = (hs[0], cs[0]) if reverse else (hs[T], cs[T])
    hprev = hs[1:] if reverse else hs[:T]
    cprev = cs[1:] if reverse else cs[:T]

    def backward(
        dout: np.ndarray | None,
        dh_n: np.ndarray | None,
        dc_n: np.ndarray | None,
        need_dx: bool = True,
        need_dh0: bool = True,
    ) -> tuple:
        dh = np.zeros((N, H), dtype=dt) if dh_n is None else np.array(dh_n, dtype=dt)
        dc = np.zeros((N, H), dtype=dt) if dc_n is None else np.array(dc_n, dtype=dt)
        dgates = np.empty((T, N, 4 * H), dtype=dt)  # dC/d(pre-activation), internal order
        w_hh_c = np.ascontiguousarray(w_hh_p)  # (4H, H)
        dhp = np.empty((N, H), dtype=dt) if mask is not None else dh
        keep = None if mask is None else 1 - mask
        dcp = np.empty((N, H), dtype=dt) if mask is not None else dc
        t1 = np.empty((N, H), dtype=dt)
        sd = np.empty((N, 3 * H), dtype=dt)
        for t in reversed(order):
            if mask is None:
                if dout is not None:
                    dh += dout[t]
            else:  # dC/d(h'), dC/d(c') exist only where the step ran
                _split_delta(dh, None if dout is None else dout[t], mask[t], keep[t], dhp)
                _split_delta(dc, None, mask[t], keep[t], dcp)
            a = gates[t]
            i, f, o, g = a[:, :H], a[:, H : 2 * H], a[:, 2 * H : 3 * H], a[:, 3 * H :]
            tc = tcs[t]
            # dC/dc' = dc + dh' o (1 - tanh(c')^2)
            np.multiply(tc, tc, out=t1)
            np.subtract(1, t1, out=t1)
            t1 *= o
            t1 *= dhp
            dcp += t1
            d = dgates[t]
            di, df, do, dgg = d[:, :H], d[:, H : 2 * H], d[:, 2 * H : 3 * H], d[:, 3 * H :]
            np.multiply(dcp, g, out=di)  # dC/di
            np.multiply(dcp, cprev[t], out=df)  # dC/df
            np.multiply(dhp, tc, out=do)  # dC/do
            sig = a[:, : 3 * H]  # sigma' = sigma (1 - sigma)
            np.subtract(1, sig, out=sd)
            sd *= sig
            d[:, : 3 * H] *= sd
            np.multiply(g, g, out=t1)  # tanh' = 1 - g^2
            np.subtract(1, t1, out=t1)
            np.multiply(dcp, i, out=dgg)
            dgg *= t1
            # carry to step t-1: dC/dc_prev = dc' f,  dC/dh_prev = dG W_hh
            if mask is None:
                dc *= f
                np.matmul(d, w_hh_c, out=dh)
            else:
                dcp *= f
                dc += dcp
                np.matmul(d, w_hh_c, out=t1)
                dh += t1
        dw_hh = _hidden_weight_grad(dgates, hprev)[perm]
        dx, dw_ih, db = _input_grads(x, dgates, w_ih_p, need_dx)
        db = db[perm]
        return dx, (dh if need_dh0 else None), dc, dw_ih[perm], dw_hh, db, db.copy()

    return out, h_n, c_n, backward


# ----------------------------------------------------------------------------------------- GRU


def gru_forward(
    x: np.ndarray,
    h0: np.ndarray,
    w_ih: np.ndarray,
    w_hh: np.ndarray,
    b_ih: np.ndarray | None,
    b_hh: np.ndarray | None,
    mask: np.ndarray | None,
    reverse: bool,
) -> tuple[np.ndarray, np.ndarray, Backward]:
    """GRU over a sequence (PyTorch's formulation, the reset gate applied after W_hn):

    r = sigma(W_ir x + b_ir + W_hr h + b_hr)    z = sigma(W_iz x + b_iz + W_hz h + b_hz)
    n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
    h' = (1 - z) * n + z * h

    Returns (out, h_n, backward) with
    ``backward(dout, dh_n, need_dx, need_dh0) -> (dx, dh0, dw_ih, dw_hh, db_ih, db_hh)``.
    """
    T, N, _ = x.shape
    H = w_hh.shape[1]
    dt = x.dtype
    scale = np.ones((3 * H, 1), dtype=dt)
    scale[: 2 * H] = 0.5  # sigmoid(a) = 0.5 tanh(a/2) + 0.5 for r and z
    b = np.zeros(3 * H, dtype=dt)
    if b_ih is not None:
        b += b_ih
    if b_hh is not None:
        b[: 2 * H] += b_hh[: 2 * H]  # b_hn stays inside r * (...)
    b_hn = b_hh[2 * H :] if b_hh is not None else None
    gates = _input_gemm(x, w_ih * scale, b * scale[:, 0])  # becomes (r, z, n) in place
    w_hh_sT = np.ascontiguousarray((w_hh * scale).T)  # (H, 3H)

    hs = np.empty((T + 1, N, H), dtype=dt)
    hns = np.empty((T, N, H), dtype=dt)  # W_hn h + b_hn of every step
    order, p, q = _steps(T, reverse)
    hs[T if reverse else 0] = h0
    out = np.zeros((T, N, H), dtype=dt) if mask is not None else None
    hw = np.empty((N, 3 * H), dtype=dt)
    tmp = np.empty((N, H), dtype=dt)
    for t in order:
        a = gates[t]
        h = hs[t + p]
        np.matmul(h, w_hh_sT, out=hw)
        rz = a[:, : 2 * H]
        rz += hw[:, : 2 * H]
        np.tanh(rz, out=rz)
        rz *= 0.5
        rz += 0.5
        r, z, n = a[:, :H], a[:, H : 2 * H], a[:, 2 * H :]
        hn = hns[t]
        if b_hn is not None:
            np.add(hw[:, 2 * H :], b_hn, out=hn)
        else:
            hn[...] = hw[:, 2 * H :]
        np.multiply(r, hn, out=tmp)
        n += tmp
        np.tanh(n, out=n)
        h_new = hs[t + q]  # h' = n + z (h - n)
        np.subtract(h, n, out=h_new)
        h_new *= z
        h_new += n
        if mask is not None:
            m = mask[t]
            np.multiply(h_new, m, out=out[t])
            np.subtract(h_new, h, out=tmp)
            tmp *= m
            np.add(h, tmp, out=h_new)
    if out is None:
        out = hs[:T] if reverse else hs[1:]
    h_n = hs[0] if reverse else hs[T]
    hprev = hs[1:] if reverse else hs[:T]

    def backward(
        dout: np.ndarray | None,
        dh_n: np.ndarray | None,
        need_dx: bool = True,
        need_dh0: bool = True,
    ) -> tuple:
        dh = np.zeros((N, H), dtype=dt) if dh_n is None else np.array(dh_n, dtype=dt)
        dgx = np.empty((T, N, 3 * H), dtype=dt)  # dC/d(x-side pre-activations)
        dgh = np.empty((T, N, 3 * H), dtype=dt)  # dC/d(h-side pre-activations)
        w_hh_c = np.ascontiguousarray(w_hh)
        dhp = np.empty((N, H), dtype=dt) if mask is not None else dh
        keep = None if mask is None else 1 - mask
        t1 = np.empty((N, H), dtype=dt)
        t2 = np.empty((N, H), dtype=dt)
        for t in reversed(order):
            if mask is None:
                if dout is not None:
                    dh += dout[t]
            else:
                _split_delta(dh, None if dout is None else dout[t], mask[t], keep[t], dhp)
            a = gates[t]
            r, z, n = a[:, :H], a[:, H : 2 * H], a[:, 2 * H :]
            h = hprev[t]
            dx_t, dh_t = dgx[t], dgh[t]
            dar, daz, dan = dh_t[:, :H], dh_t[:, H : 2 * H], dx_t[:, 2 * H :]
            # dC/dn = dh' (1 - z), through tanh: * (1 - n^2)
            np.subtract(1, z, out=t1)
            t1 *= dhp
            np.multiply(n, n, out=t2)
            np.subtract(1, t2, out=t2)
            np.multiply(t1, t2, out=dan)
            # dC/dz = dh' (h - n), through sigma: * z (1 - z)
            np.subtract(h, n, out=daz)
            daz *= dhp
            np.subtract(1, z, out=t1)
            t1 *= z
            daz *= t1
            # dC/dr = dan (W_hn h + b_hn), through sigma: * r (1 - r)
            np.multiply(dan, hns[t], out=dar)
            np.subtract(1, r, out=t1)
            t1 *= r
            dar *= t1
            np.multiply(dan, r, out=dh_t[:, 2 * H :])  # dC/d(W_hn h + b_hn) = dan r
            # carry: dC/dh_prev = dh' z + dG_h W_hh
            if mask is None:
                np.matmul(dh_t, w_hh_c, out=t1)
                dh *= z
                dh += t1
            else:
                np.matmul(dh_t, w_hh_c, out=t1)
                dhp *= z
                dh += dhp
                dh += t1
        dgx[..., : 2 * H] = dgh[..., : 2 * H]
        dw_hh = _hidden_weight_grad(dgh, hprev)
        db_hh = np.ones(T * N, dtype=dt) @ dgh.reshape(T * N, 3 * H)
        dx, dw_ih, db_ih = _input_grads(x, dgx, w_ih, need_dx)
        return dx, (dh if need_dh0 else None), dw_ih, dw_hh, db_ih, db_hh

    return out, h_n, backward


# --------------------------------------------------------------------------------- vanilla RNN


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
    """
    T, N, _ = x.shape
    H = w_hh.shape[1]
    dt = x.dtype
    relu = nonlinearity == "relu"
    b = None
    if b_ih is not None or b_hh is not None:
        b = (b_ih if b_ih is not None else 0) + (b_hh if b_hh is not None else 0)
    pre = _input_gemm(x, w_ih, b)  # becomes the new states' activations in place
    w_hh_T = np.ascontiguousarray(w_hh.T)
    hs = np.empty((T + 1, N, H), dtype=dt)
    order, p, q = _steps(T, reverse)
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
    if out is None:
        out = hs[:T] if reverse else hs[1:]
    h_n = hs[0] if reverse else hs[T]
    hprev = hs[1:] if reverse else hs[:T]

    def backward(
        dout: np.ndarray | None,
        dh_n: np.ndarray | None,
        need_dx: bool = True,
        need_dh0: bool = True,
    ) -> tuple:
        dh = np.zeros((N, H), dtype=dt) if dh_n is None else np.array(dh_n, dtype=dt)
        dpre = np.empty((T, N, H), dtype=dt)
        dhp = np.empty((N, H), dtype=dt) if mask is not None else dh
        keep = None if mask is None else 1 - mask
        t1 = np.empty((N, H), dtype=dt)
        for t in reversed(order):
            if mask is None:
                if dout is not None:
                    dh += dout[t]
            else:
                _split_delta(dh, None if dout is None else dout[t], mask[t], keep[t], dhp)
            a, d = pre[t], dpre[t]
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
        dw_hh = _hidden_weight_grad(dpre, hprev)
        dx, dw_ih, db = _input_grads(x, dpre, w_ih, need_dx)
        return dx, (dh if need_dh0 else None), dw_ih, dw_hh, db, db.copy()

    return out, h_n, backward
