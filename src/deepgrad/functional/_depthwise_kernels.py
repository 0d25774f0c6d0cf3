"""Compiled depthwise-convolution kernels (private; the equations are in ``depthwise.py``).

All arrays are channels-last (NHWC, C-contiguous), the layout the other convolutions produce:
the innermost loop runs over the channels, unit stride, and vectorizes. Padding is not
materialized: taps that fall outside the image are skipped. One output row (sample s, line i)
per parallel iteration; the weight gradient sums per-block partials (no write conflicts).

    forward       out[s, i, j, ch]  = b[ch] + sum_{a, q} x[s, i*sh + a - pt, j*sw + q - pl, ch] w[a, q, ch]
    input grad    dx[s, h, v, ch]   = sum over (a, q) with h = i*sh + a - pt, v = j*sw + q - pl
                                      of delta[s, i, j, ch] w[a, q, ch]  (gathered, not scattered)
    weight grad   dw[a, q, ch]      = sum_{s, i, j} delta[s, i, j, ch] x[s, i*sh + a - pt, j*sw + q - pl, ch]
"""  # noqa: E501

from __future__ import annotations

import numpy as np

from .._jit import serial_and_parallel

__all__ = ["forward", "input_grad", "weight_grad", "BLOCKS", "PARALLEL", "PARALLEL_MIN"]

# partial sums of the weight gradient (merged in the array's dtype; few enough to be cheap)
BLOCKS = 8
# Threads. The threaded kernels (prange over output rows) lost everywhere measured here (2
# cores, load average ~17 from other jobs): batch 1, 96 channels 112x112 -> 56x56, 3x3: 0.27 ms
# serial, 24 ms threaded (a descheduled worker costs a time slice); batch 16, 144 channels
# 56x56 3x3: 12.9 ms serial, 27.9 ms threaded. Off; PARALLEL_MIN is the fewest output elements
# they take when switched on (tests switch them on to check them).
PARALLEL = False
PARALLEL_MIN = 1 << 15

prange = range  # numba.prange once the first kernel runs (importing this needs no numba)
_READY = False


def _ready() -> None:
    global _READY
    if not _READY:
        import numba

        globals()["prange"] = numba.prange
        _READY = True


def _dw_forward(x, w, b, out, sh, sw, pt, pl):
    n, h, wd, c = x.shape
    kh, kw = w.shape[0], w.shape[1]
    ho, wo = out.shape[1], out.shape[2]
    for t in prange(n * ho):
        s = t // ho
        i = t - s * ho
        for j in range(wo):
            o = out[s, i, j]
            for ch in range(c):
                o[ch] = b[ch]
            for a in range(kh):
                hh = i * sh + a - pt
                if hh < 0 or hh >= h:
                    continue
                for q in range(kw):
                    vv = j * sw + q - pl
                    if vv < 0 or vv >= wd:
                        continue
                    xr = x[s, hh, vv]
                    wr = w[a, q]
                    for ch in range(c):
                        o[ch] += xr[ch] * wr[ch]


def _dw_input_grad(d, w, dx, sh, sw, pt, pl):
    n, ho, wo, c = d.shape
    h, wd = dx.shape[1], dx.shape[2]
    kh, kw = w.shape[0], w.shape[1]
    for t in prange(n * h):
        s = t // h
        hh = t - s * h
        for vv in range(wd):
            g = dx[s, hh, vv]
            for ch in range(c):
                g[ch] = 0
            for a in range(kh):
                num = hh + pt - a
                if num < 0 or num % sh != 0:
                    continue
                i = num // sh
                if i >= ho:
                    continue
                for q in range(kw):
                    numw = vv + pl - q
                    if numw < 0 or numw % sw != 0:
                        continue
                    j = numw // sw
                    if j >= wo:
                        continue
                    dr = d[s, i, j]
                    wr = w[a, q]
                    for ch in range(c):
                        g[ch] += dr[ch] * wr[ch]


def _dw_weight_grad(x, d, part, sh, sw, pt, pl):
    n, h, wd, c = x.shape
    ho, wo = d.shape[1], d.shape[2]
    nb, kh, kw = part.shape[0], part.shape[1], part.shape[2]
    rows = n * ho
    for blk in prange(nb):
        acc = part[blk]
        for t in range(rows * blk // nb, rows * (blk + 1) // nb):
            s = t // ho
            i = t - s * ho
            for a in range(kh):
                hh = i * sh + a - pt
                if hh < 0 or hh >= h:
                    continue
                for j in range(wo):
                    dr = d[s, i, j]
                    for q in range(kw):
                        vv = j * sw + q - pl
                        if vv < 0 or vv >= wd:
                            continue
                        xr = x[s, hh, vv]
                        ar = acc[a, q]
                        for ch in range(c):
                            ar[ch] += dr[ch] * xr[ch]


_FORWARD = serial_and_parallel(_dw_forward)
_INPUT_GRAD = serial_and_parallel(_dw_input_grad)
_WEIGHT_GRAD = serial_and_parallel(_dw_weight_grad)


def _pick(pair, size: int):
    _ready()
    return pair[1] if PARALLEL and size >= PARALLEL_MIN else pair[0]


def forward(x: np.ndarray, w: np.ndarray, b: np.ndarray, ho: int, wo: int,
            stride: tuple[int, int], pads: tuple[int, int]) -> np.ndarray:
    """x (n, h, w, c) NHWC, w (kh, kw, c), b (c,) -> out (n, ho, wo, c)."""
    out = np.empty((x.shape[0], ho, wo, x.shape[3]), dtype=x.dtype)
    _pick(_FORWARD, out.size)(x, w, b, out, stride[0], stride[1], pads[0], pads[1])
    return out


def input_grad(d: np.ndarray, w: np.ndarray, h: int, wd: int, stride: tuple[int, int],
               pads: tuple[int, int]) -> np.ndarray:
    """delta (n, ho, wo, c) NHWC -> dC/dx (n, h, w, c)."""
    dx = np.empty((d.shape[0], h, wd, d.shape[3]), dtype=d.dtype)
    _pick(_INPUT_GRAD, dx.size)(d, w, dx, stride[0], stride[1], pads[0], pads[1])
    return dx


def weight_grad(x: np.ndarray, d: np.ndarray, kh: int, kw: int, stride: tuple[int, int],
                pads: tuple[int, int]) -> np.ndarray:
    """x (n, h, w, c), delta (n, ho, wo, c) -> dC/dw (kh, kw, c)."""
    par = PARALLEL and d.size >= PARALLEL_MIN
    nb = min(BLOCKS, d.shape[0] * d.shape[1]) if par else 1
    part = np.zeros((nb, kh, kw, x.shape[3]), dtype=x.dtype)
    _pick(_WEIGHT_GRAD, d.size)(x, d, part, stride[0], stride[1], pads[0], pads[1])
    return part.sum(axis=0) if nb > 1 else part[0]
