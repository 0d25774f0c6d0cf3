"""Pieces shared by the recurrent kernels: time order, state buffers, the hoisted GEMMs.

State buffers ``hs`` (T+1, N, H) are indexed so that the state *before* step t is ``hs[t]``
(forward) or ``hs[t+1]`` (reverse): the previous states of all steps, in time order, are then
the contiguous block ``hs[:T]`` or ``hs[1:]``, ready for the ``dW_hh`` products.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Backward = Callable[..., tuple]


def steps(T: int, reverse: bool) -> tuple[range, int, int]:
    """Time order, and offsets so that prev state = hs[t + p], new state = hs[t + q]."""
    return (range(T - 1, -1, -1), 1, 0) if reverse else (range(T), 0, 1)


def state_views(hs: np.ndarray, reverse: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(outputs in time order, final state, previous states in time order) of ``hs``."""
    T = hs.shape[0] - 1
    if reverse:
        return hs[:T], hs[0], hs[1:]
    return hs[1:], hs[T], hs[:T]


def gate_blocks(w: np.ndarray, G: int) -> np.ndarray:
    """(G*H, K) weight -> (G, K, H): the per-gate transposed blocks, for ``v @ blocks``."""
    H = w.shape[0] // G
    return np.ascontiguousarray(w.reshape(G, H, -1).transpose(0, 2, 1))


def input_gemm(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, G: int) -> np.ndarray:
    """x W^T + b for all T*N rows at once, gate-major: (T, N, F) -> (G, T, N, H)."""
    T, N, F = x.shape
    H = w.shape[0] // G
    out = np.matmul(x.reshape(T * N, F), gate_blocks(w, G))  # (G, T*N, H)
    if b is not None:
        out += b.reshape(G, 1, H)
    return out.reshape(G, T, N, H)


def input_grads(
    x: np.ndarray, dg: np.ndarray, w: np.ndarray, need_dx: bool
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """From gate-major dG (G, T, N, H): dC/dx = dG W, dC/dW = dG^T x, dC/db = sum of dG."""
    T, N, F = x.shape
    G, H = dg.shape[0], dg.shape[-1]
    d3 = dg.reshape(G, T * N, H)
    dx = None
    if need_dx:
        dx = np.matmul(d3, w.reshape(G, H, F)).sum(axis=0).reshape(T, N, F)
    dw = np.matmul(d3.transpose(0, 2, 1), x.reshape(T * N, F)).reshape(G * H, F)
    db = np.matmul(np.ones(T * N, dtype=dg.dtype), d3).reshape(G * H)
    return dx, dw, db


def hidden_weight_grad(dg: np.ndarray, hprev: np.ndarray) -> np.ndarray:
    """dC/dW_hh = sum_t dG_t^T h_{t-1} over all steps: (G, T, N, H) x (T, N, H) -> (G*H, H)."""
    G, T, N, H = dg.shape
    prev = hprev.reshape(T * N, hprev.shape[-1])
    return np.matmul(dg.reshape(G, T * N, H).transpose(0, 2, 1), prev).reshape(G * H, -1)


def split_delta(
    dh: np.ndarray, dout_t: np.ndarray | None, m: np.ndarray, keep: np.ndarray, dhp: np.ndarray
) -> None:
    """Masked step: dC/dh' = m (dh + dout_t) enters the step, (1 - m) dh is carried past it."""
    if dout_t is None:
        np.multiply(dh, m, out=dhp)
    else:
        np.add(dh, dout_t, out=dhp)
        dhp *= m
    dh *= keep


def blend(s: np.ndarray, prev: int, new: int, m: np.ndarray, tmp: np.ndarray) -> None:
    """Masked step: s[new] = s[prev] + m (s[new] - s[prev]) (carry the state where m = 0)."""
    np.subtract(s[new], s[prev], out=tmp)
    tmp *= m
    np.add(s[prev], tmp, out=s[new])


def bias_sum(b_ih: np.ndarray | None, b_hh: np.ndarray | None, size: int, dt: np.dtype):
    """b_ih + b_hh (zeros where absent), one (size,) vector."""
    b = np.zeros(size, dtype=dt)
    for bias in (b_ih, b_hh):
        if bias is not None:
            b += bias
    return b


def step_rows(mask: np.ndarray | None, T: int, N: int, dt: np.dtype) -> np.ndarray:
    """(T, N) per-step row weights for the compiled step kernels: 1, or the mask (0 = skipped)."""
    return np.ones((T, N), dtype=dt) if mask is None else np.ascontiguousarray(mask[:, :, 0])


def incoming(
    dout: np.ndarray | None, dh_n: np.ndarray | None, N: int, H: int, dt: np.dtype
) -> tuple[np.ndarray, np.ndarray]:
    """(douts, dh): the deltas arriving at the outputs ((1, N, H) zeros when None) and at the
    last hidden state (a private copy, updated in place by backpropagation through time)."""
    dh = np.zeros((N, H), dtype=dt) if dh_n is None else np.array(dh_n, dtype=dt)
    douts = np.zeros((1, N, H), dtype=dt) if dout is None else np.ascontiguousarray(dout, dt)
    return douts, dh
