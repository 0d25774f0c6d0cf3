"""Max-pool kernels (private): one compiled pass forward, one backward.

NumPy's max_pool2d makes one pass per kernel tap forward and ~4 per tap backward (find the
first maximum again, mask, scatter). These kernels make one pass each way: the forward writes
the maximum of every window *and* ``tap``, the row-major position t = a*kW + b of the kernel
tap that holds it (uint8); the backward sends each delta to that tap:

    out[n, c, i, j] = x[n, c, s_h i + a*, s_w j + b*],   t* = a* kW + b*  (the recorded tap)
    dC/dx[n, c, s_h i + a, s_w j + b] += delta[n, c, i, j] * [a kW + b == t*]

The tap is PyTorch's: the first maximum in row-major order, except that a NaN in a window wins
(the last NaN, as PyTorch's ``val > max || isnan(val)`` scan). No padding, dilation 1.

Layouts. Every array is handed over as a flat 1-D view from its first element to its last plus
its four element strides (n, c, h, w), so any layout with non-negative strides works: NCHW,
channels-last (N, H, W, C), the (H, N, W, C) memory of a convolution's output with gaps between
lines. When the channel stride of the input and the output is 1 the kernels run the channels as
the unit-stride inner loop; otherwise they walk (n, c) planes. Outputs are new arrays in the
input's memory order (without gaps). One compiled signature per dtype (float32, float64).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .._jit import flat, jit

__all__ = ["FLOATS", "MAX_TAPS", "fits", "empty_like_order", "forward", "tap_view", "backward"]

FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
MAX_TAPS = 255  # the tap is stored as uint8


def fits(a: np.ndarray) -> bool:
    """True when ``a`` can be handed to a kernel: a float dtype, elements, plain strides."""
    return (
        a.dtype in FLOATS and a.size > 0 and all(s >= 0 and s % a.itemsize == 0 for s in a.strides)
    )


def strides(a: np.ndarray) -> tuple[int, ...]:
    """Element strides of ``a``."""
    return tuple(s // a.itemsize for s in a.strides)


def empty_like_order(x: np.ndarray, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """A new gap-free array of ``shape`` whose axes lie in ``x``'s memory order."""
    return np.empty_like(x, dtype=dtype, shape=shape)  # order="K" keeps the axis order


# ---------------------------------------------------------------------- kernels
# Indices are masked with NONNEG (a no-op on the non-negative offsets used here): it tells the
# compiler the index cannot be negative, which drops Numba's negative-index wraparound test from
# every access and lets the channel loops vectorize (0.5 ms instead of 5 ms forward on the CNN's
# first pooling).
NONNEG = 0x7FFFFFFFFFFFFFFF


@jit
def _forward(x, xs, out, os, tap, dims, geo):
    """out and tap of every window (see the module docstring)."""
    n_, c_, ho, wo = dims
    kh, kw, sh, sw = geo
    xn, xc, xh, xw = xs
    on, oc, oh, ow = os
    if xc == 1 and oc == 1 and kh == 2 and kw == 2:  # the usual 2x2: maximum in registers
        for n in range(n_):
            for i in range(ho):
                for j in range(wo):
                    x0 = (n * xn + i * sh * xh + j * sw * xw) & NONNEG
                    oo = (n * on + i * oh + j * ow) & NONNEG
                    # slices: four read-only runs and two output runs of known length
                    r0 = x[x0 : x0 + c_]
                    r1 = x[x0 + xw : x0 + xw + c_]
                    r2 = x[x0 + xh : x0 + xh + c_]
                    r3 = x[x0 + xh + xw : x0 + xh + xw + c_]
                    ro = out[oo : oo + c_]
                    rt = tap[oo : oo + c_]
                    for c in range(c_):
                        m = r0[c]
                        k = np.uint8(0)
                        v = r1[c]
                        hit = (v > m) | (v != v)  # PyTorch: val > max || isnan(val)
                        m = v if hit else m
                        k = np.uint8(1) if hit else k
                        v = r2[c]
                        hit = (v > m) | (v != v)
                        m = v if hit else m
                        k = np.uint8(2) if hit else k
                        v = r3[c]
                        hit = (v > m) | (v != v)
                        m = v if hit else m
                        k = np.uint8(3) if hit else k
                        ro[c] = m
                        rt[c] = k
        return
    if xc == 1 and oc == 1:  # channels innermost: each tap is a unit-stride run of C values
        for n in range(n_):
            for i in range(ho):
                for j in range(wo):
                    xo = (n * xn + i * sh * xh + j * sw * xw) & NONNEG
                    oo = (n * on + i * oh + j * ow) & NONNEG
                    for c in range(c_):
                        out[oo + c] = x[xo + c]
                        tap[oo + c] = 0
                    t = 0
                    for a in range(kh):
                        for b in range(kw):
                            if t > 0:
                                xa = (xo + a * xh + b * xw) & NONNEG
                                tt = np.uint8(t)
                                for c in range(c_):
                                    v = x[xa + c]
                                    m = out[oo + c]
                                    hit = (v > m) | (v != v)
                                    out[oo + c] = v if hit else m
                                    tap[oo + c] = tt if hit else tap[oo + c]
                            t += 1
        return
    if kh == 2 and kw == 2 and xw == 1 and sw == 2 and ow == 1:  # NCHW 2x2 stride (., 2)
        for n in range(n_):
            for c in range(c_):
                for i in range(ho):
                    xo = (n * xn + c * xc + i * sh * xh) & NONNEG
                    oo = (n * on + c * oc + i * oh) & NONNEG
                    r0 = x[xo : xo + 2 * wo]
                    r1 = x[xo + xh : xo + xh + 2 * wo]
                    ro = out[oo : oo + wo]
                    rt = tap[oo : oo + wo]
                    for j in range(wo):
                        # each row's first maximum, then the rows: the same tap as the
                        # row-major scan (ties go to the earlier row, NaN to the last NaN)
                        v0 = r0[2 * j]
                        v = r0[2 * j + 1]
                        b0 = (v > v0) | (v != v)
                        m0 = v if b0 else v0
                        v1 = r1[2 * j]
                        v = r1[2 * j + 1]
                        b1 = (v > v1) | (v != v)
                        m1 = v if b1 else v1
                        a1 = (m1 > m0) | (m1 != m1)
                        ro[j] = m1 if a1 else m0
                        rt[j] = np.uint8(2 + b1) if a1 else np.uint8(b0)
        return
    # (n, c) planes: one output row at a time, in row buffers
    step = (sw * xw) & NONNEG
    mb = np.empty(wo, x.dtype)
    kb = np.empty(wo, np.uint8)
    for n in range(n_):
        for c in range(c_):
            for i in range(ho):
                xo = (n * xn + c * xc + i * sh * xh) & NONNEG
                oo = (n * on + c * oc + i * oh) & NONNEG
                for j in range(wo):
                    mb[j] = x[xo + j * step]
                    kb[j] = 0
                t = 0
                for a in range(kh):
                    for b in range(kw):
                        if t > 0:
                            xa = (xo + a * xh + b * xw) & NONNEG
                            tt = np.uint8(t)
                            if step == 2:  # the common stride as a constant: vector loads
                                for j in range(wo):
                                    v = x[xa + 2 * j]
                                    m = mb[j]
                                    hit = (v > m) | (v != v)
                                    mb[j] = v if hit else m
                                    kb[j] = tt if hit else kb[j]
                            else:
                                for j in range(wo):
                                    v = x[xa + j * step]
                                    m = mb[j]
                                    hit = (v > m) | (v != v)
                                    mb[j] = v if hit else m
                                    kb[j] = tt if hit else kb[j]
                        t += 1
                for j in range(wo):
                    out[(oo + j * ow) & NONNEG] = mb[j]
                    tap[(oo + j * ow) & NONNEG] = kb[j]


@jit
def _backward(d, ds, tap, os, dx, xs, dims, geo, scatter):
    """dx from delta and the recorded taps. ``scatter``: dx is zero and windows overlap or leave
    gaps (add into it); otherwise windows tile the input and every tap of every window is
    written (delta or 0) -- the rows/columns no window covers must already be zero."""
    n_, c_, ho, wo = dims
    kh, kw, sh, sw = geo
    dn, dc, dh, dw = ds
    on, oc, oh, ow = os
    xn, xc, xh, xw = xs
    if xc == 1 and oc == 1 and dc == 1:
        for n in range(n_):
            for i in range(ho):
                for j in range(wo):
                    xo = (n * xn + i * sh * xh + j * sw * xw) & NONNEG
                    oo = (n * on + i * oh + j * ow) & NONNEG
                    do = (n * dn + i * dh + j * dw) & NONNEG
                    if scatter:
                        for c in range(c_):
                            t = tap[oo + c]
                            a = t // kw
                            dx[(xo + a * xh + (t - a * kw) * xw + c) & NONNEG] += d[do + c]
                        continue
                    t = 0
                    for a in range(kh):
                        for b in range(kw):
                            xa = (xo + a * xh + b * xw) & NONNEG
                            tt = np.uint8(t)
                            for c in range(c_):
                                dx[xa + c] = d[do + c] if tap[oo + c] == tt else 0.0
                            t += 1
        return
    step = (sw * xw) & NONNEG
    for n in range(n_):
        for c in range(c_):
            for i in range(ho):
                xo = (n * xn + c * xc + i * sh * xh) & NONNEG
                oo = (n * on + c * oc + i * oh) & NONNEG
                do = (n * dn + c * dc + i * dh) & NONNEG
                if scatter:
                    for j in range(wo):
                        t = tap[oo + j * ow]
                        a = t // kw
                        dx[(xo + j * step + a * xh + (t - a * kw) * xw) & NONNEG] += d[do + j * dw]
                    continue
                t = 0
                for a in range(kh):
                    for b in range(kw):
                        xa = (xo + a * xh + b * xw) & NONNEG
                        tt = np.uint8(t)
                        for j in range(wo):
                            g = d[(do + j * dw) & NONNEG]
                            dx[xa + j * step] = g if tap[(oo + j * ow) & NONNEG] == tt else 0.0
                        t += 1


# ---------------------------------------------------------------------- drivers
def forward(
    x: np.ndarray, kh: int, kw: int, sh: int, sw: int, ho: int, wo: int
) -> tuple[np.ndarray, np.ndarray]:
    """(out, tap) for a 4-D ``x`` that :func:`fits`: ``out`` (N, C, Ho, Wo) in ``x``'s memory
    order, ``tap`` the flat uint8 record laid out like ``out`` (element strides of ``out``)."""
    n, c = x.shape[:2]
    out = empty_like_order(x, (n, c, ho, wo), x.dtype)
    tap = np.empty(out.size, np.uint8)
    _forward(
        flat(x), strides(x), flat(out, True), strides(out), tap, (n, c, ho, wo), (kh, kw, sh, sw)
    )
    return out, tap


def tap_view(tap: np.ndarray, out: np.ndarray) -> np.ndarray:
    """The record as an (N, C, Ho, Wo) array."""
    return as_strided(tap, shape=out.shape, strides=strides(out), writeable=False)


def backward(
    delta: np.ndarray, out: np.ndarray, tap: np.ndarray, x: np.ndarray, geo: tuple[int, ...]
) -> np.ndarray:
    """dC/dx, in ``x``'s memory order, from ``delta`` (shaped like ``out``, any layout that
    :func:`fits`) and the record of :func:`forward`; ``geo`` = (kh, kw, sh, sw)."""
    kh, kw, sh, sw = geo
    n, c, h, w = x.shape
    ho, wo = out.shape[2:]
    tiles = sh == kh and sw == kw
    if strides(delta)[1 if strides(out)[1] == 1 else 3] != 1:  # unit stride where the kernel
        d = empty_like_order(out, out.shape, delta.dtype)  # runs its inner loop (e.g. NCHW
        np.copyto(d, delta)  # delta from a flatten after channels-last pooling): a copy
        delta = d
    dx = empty_like_order(x, x.shape, delta.dtype)
    if not (tiles and ho * kh == h and wo * kw == w):  # some element in no window, or in two
        dx.fill(0)
    _backward(
        flat(delta),
        strides(delta),
        tap,
        strides(out),
        flat(dx, True),
        strides(dx),
        (n, c, ho, wo),
        geo,
        not tiles,
    )
    return dx
