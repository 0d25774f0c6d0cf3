"""GRU over a whole sequence: forward time loop and backpropagation through time."""

from __future__ import annotations

import numpy as np

from ..._jit import enabled
from . import _jit_gates as J
from ._jit_layout import transposed
from .common import (
    Backward,
    blend,
    gate_blocks,
    incoming,
    input_gemm,
    input_grads,
    split_delta,
    state_views,
    step_rows,
    steps,
)


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

    Backward, per step (delta_h the gradient reaching h'):
    dn = delta_h (1 - z) (1 - n^2);  dz = delta_h (h - n) z (1 - z);
    dr = dn (W_hn h + b_hn) r (1 - r);  d(W_hn h + b_hn) = dn r;
    dh_prev = delta_h z + [dr, dz, dn r] W_hh.
    """
    if enabled() and x.dtype in J.DTYPES:
        return _gru_forward_jit(x, h0, w_ih, w_hh, b_ih, b_hh, mask, reverse)
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
    gates = input_gemm(x, w_ih * scale, b * scale[:, 0], 3)  # (3, T, N, H) -> (r, z, n)
    w_hh_blocks = gate_blocks(w_hh * scale, 3)  # (3, H, H)

    hs = np.empty((T + 1, N, H), dtype=dt)
    hns = np.empty((T, N, H), dtype=dt)  # W_hn h + b_hn of every step
    order, p, q = steps(T, reverse)
    hs[T if reverse else 0] = h0
    out = np.zeros((T, N, H), dtype=dt) if mask is not None else None
    hw = np.empty((3, N, H), dtype=dt)
    tmp = np.empty((N, H), dtype=dt)
    for t in order:
        a = gates[:, t]
        h = hs[t + p]
        np.matmul(h, w_hh_blocks, out=hw)
        rz = a[:2]
        rz += hw[:2]
        np.tanh(rz, out=rz)
        rz *= 0.5
        rz += 0.5
        r, z, n = a
        hn = hns[t]
        if b_hn is not None:
            np.add(hw[2], b_hn, out=hn)
        else:
            hn[...] = hw[2]
        np.multiply(r, hn, out=tmp)
        n += tmp
        np.tanh(n, out=n)
        h_new = hs[t + q]  # h' = n + z (h - n)
        np.subtract(h, n, out=h_new)
        h_new *= z
        h_new += n
        if mask is not None:
            np.multiply(h_new, mask[t], out=out[t])
            blend(hs, t + p, t + q, mask[t], tmp)
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
        dgx = np.empty((3, T, N, H), dtype=dt)  # dC/d(x-side pre-activations), gate-major
        dhn = np.empty((T, N, H), dtype=dt)  # dC/d(W_hn h + b_hn)
        w_hh_g = w_hh.reshape(3, H, H)
        dhp = np.empty((N, H), dtype=dt) if mask is not None else dh
        keep = None if mask is None else 1 - mask
        t1 = np.empty((N, H), dtype=dt)
        t2 = np.empty((N, H), dtype=dt)
        back = np.empty((3, N, H), dtype=dt)
        for t in reversed(order):
            if mask is None:
                if dout is not None:
                    dh += dout[t]
            else:
                split_delta(dh, None if dout is None else dout[t], mask[t], keep[t], dhp)
            r, z, n = gates[:, t]
            h = hprev[t]
            d = dgx[:, t]
            dar, daz, dan = d
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
            np.multiply(dan, r, out=dhn[t])
            # carry: dC/dh_prev = dh' z + [dar, daz, dan r] W_hh
            np.matmul(d[:2], w_hh_g[:2], out=back[:2])
            np.matmul(dhn[t], w_hh_g[2], out=back[2])
            if mask is None:
                dh *= z
                dh += back.sum(axis=0, out=t1)
            else:
                dhp *= z
                dh += dhp
                dh += back.sum(axis=0, out=t1)
        prev = hprev.reshape(T * N, H)
        d_rz = dgx[:2].reshape(2, T * N, H)
        dw_hh = np.concatenate(
            [
                np.matmul(d_rz.transpose(0, 2, 1), prev).reshape(2 * H, H),
                dhn.reshape(T * N, H).T @ prev,
            ]
        )
        ones = np.ones(T * N, dtype=dt)
        db_hh = np.concatenate([np.matmul(ones, d_rz).reshape(2 * H), ones @ dhn.reshape(-1, H)])
        dx, dw_ih, db_ih = input_grads(x, dgx, w_ih, need_dx)
        return dx, (dh if need_dh0 else None), dw_ih, dw_hh, db_ih, db_hh

    return out, h_n, backward


def _gru_forward_jit(
    x: np.ndarray,
    h0: np.ndarray,
    w_ih: np.ndarray,
    w_hh: np.ndarray,
    b_ih: np.ndarray | None,
    b_hh: np.ndarray | None,
    mask: np.ndarray | None,
    reverse: bool,
) -> tuple[np.ndarray, np.ndarray, Backward]:
    """:func:`gru_forward` with compiled step kernels (same equations, same results).

    Time-major (T, N, 3H) buffers in PyTorch's gate order; per step the GEMM ``h W_hh^T`` then
    ``_jit_gates.gru_step_forward``; backward ``gru_step_backward`` then the GEMM
    ``[dr, dz, dn r] W_hh``; weight gradients as 2-D GEMMs over all T*N rows after the loop.
    """
    J.ready()
    T, N, F = x.shape
    H = w_hh.shape[1]
    dt = x.dtype
    pre = np.matmul(x.reshape(T * N, F), w_ih.T).reshape(T, N, 3 * H)
    if b_ih is not None:
        pre += b_ih
    if b_hh is not None:
        pre[..., : 2 * H] += b_hh[: 2 * H]  # b_hn stays inside r * (W_hn h + b_hn)
    b_hn = np.zeros(H, dtype=dt) if b_hh is None else np.ascontiguousarray(b_hh[2 * H :])
    w_hh_t = transposed(w_hh)
    acts = np.empty((T, N, 3 * H), dtype=dt)  # (r, z, n)
    hns = np.empty((T, N, H), dtype=dt)  # W_hn h + b_hn of every step
    hs = np.empty((T + 1, N, H), dtype=dt)
    order, p, q = steps(T, reverse)
    hs[T if reverse else 0] = h0
    rows = step_rows(mask, T, N, dt)
    hw = np.empty((N, 3 * H), dtype=dt)
    for t in order:
        np.matmul(hs[t + p], w_hh_t, out=hw)
        J.gru_step_forward(pre[t], hw, b_hn, rows[t], hs[t + p], acts[t], hns[t], hs[t + q])
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
        dgx = np.empty((T, N, 3 * H), dtype=dt)  # dC/d(x-side pre-activations)
        dgh = np.empty((T, N, 3 * H), dtype=dt)  # dC/d(h W_hh^T + b_hh)
        tmp = np.empty((N, H), dtype=dt)
        for t in reversed(order):
            J.gru_step_backward(
                dh, douts[t if dout is not None else 0], rows[t], acts[t], hns[t], hs[t + p],
                dgx[t], dgh[t],
            )  # fmt: skip
            np.matmul(dgh[t], w_hh, out=tmp)  # dC/dh_prev = dh' z + dgh W_hh
            dh += tmp
        ones = np.ones(T * N, dtype=dt)
        gx, gh = dgx.reshape(T * N, 3 * H), dgh.reshape(T * N, 3 * H)
        dw_hh = np.matmul(gh.T, hprev.reshape(T * N, H))
        dx = np.matmul(gx, w_ih).reshape(T, N, F) if need_dx else None
        dw_ih = np.matmul(gx.T, x.reshape(T * N, F))
        return dx, (dh if need_dh0 else None), dw_ih, dw_hh, ones @ gx, ones @ gh

    return out, h_n, backward
