"""relu's compiled passes (private; see :mod:`deepgrad._jit`): one pass forward, one backward,
over any memory layout that is a grid of unit-stride runs (NCHW, channels-last, a
convolution's gapped (H, N, W, C) output)."""

from __future__ import annotations

import numpy as np

from .. import _jit

RELU_JIT_MIN = 1 << 16  # fewest elements for the compiled relu (below, NumPy is as fast)
_NONNEG = 0x7FFFFFFFFFFFFFFF  # index mask: no negative-index test, the loops vectorize


def _relu_runs(*arrays: np.ndarray) -> tuple[tuple[int, int, int], list] | None:
    """((r1, r2, run), [(s1, s2) per array]): every array (same shape, float32/float64) is an
    r1 x r2 grid of runs of ``run`` unit-stride elements, run (i, j) at i*s1 + j*s2, walked in
    the memory order of the first array -- NCHW, channels-last, a convolution's (H, N, W, C)
    output with gaps between lines, an NHWC output with a (H, N, W, C) delta. None otherwise
    (negative or odd strides, no common unit-stride run, more than two outer strides)."""
    a0 = arrays[0]
    if a0.dtype not in (np.float32, np.float64):
        return None
    for a in arrays:
        if a.dtype != a0.dtype or any(s < 0 or s % a.itemsize for s in a.strides):
            return None
    axes = sorted((k for k in range(a0.ndim) if a0.shape[k] > 1), key=lambda k: -a0.strides[k])
    dims = [a0.shape[k] for k in axes]
    st = [[a.strides[k] // a.itemsize for k in axes] for a in arrays]
    run, k = 1, len(dims) - 1
    while k >= 0 and all(s[k] == run for s in st):  # contiguous with the run: merge
        run *= dims[k]
        k -= 1
    outer: list[tuple[int, list[int]]] = []  # (size, strides) of merged outer axes, inner first
    while k >= 0:
        if outer and all(s[k] == o * outer[-1][0] for s, o in zip(st, outer[-1][1], strict=True)):
            outer[-1] = (outer[-1][0] * dims[k], outer[-1][1])
        else:
            outer.append((dims[k], [s[k] for s in st]))
        k -= 1
    if len(outer) > 2:
        return None
    outer += [(1, [0] * len(arrays))] * (2 - len(outer))
    (r2, s2), (r1, s1) = outer
    return (r1, r2, run), [(a, b) for a, b in zip(s1, s2, strict=True)]


@_jit.jit
def _relu_forward(x, sx, out, so, dims):
    """out = 0 where x < 0, else x (NaN stays NaN), run by run (serial: a parallel pass over
    (64, 32, 32, 32) float32 was no faster on 2 cores, and 10x slower at the median under load)."""
    r1, r2, run = dims
    for i in range(r1):
        for j in range(r2):
            a = (i * sx[0] + j * sx[1]) & _NONNEG
            b = (i * so[0] + j * so[1]) & _NONNEG
            xr = x[a : a + run]
            orow = out[b : b + run]
            for k in range(run):
                v = xr[k]
                orow[k] = 0.0 if v < 0 else v


@_jit.jit
def _leaky_forward(x, sx, out, so, dims, slope):
    """out = x where x > 0, else slope * x (NaN stays NaN), run by run, as relu's pass."""
    r1, r2, run = dims
    for i in range(r1):
        for j in range(r2):
            a = (i * sx[0] + j * sx[1]) & _NONNEG
            b = (i * so[0] + j * so[1]) & _NONNEG
            xr = x[a : a + run]
            orow = out[b : b + run]
            for k in range(run):
                v = xr[k]
                orow[k] = v if v > 0 else v * slope


@_jit.jit
def _leaky_backward(d, sd, out, so, g, sg, dims, slope):
    """g = delta where out > 0, else slope * delta (for slope > 0, out > 0 exactly where x > 0;
    slope 0 is relu's backward, see :func:`_relu_backward`)."""
    r1, r2, run = dims
    for i in range(r1):
        for j in range(r2):
            a = (i * sd[0] + j * sd[1]) & _NONNEG
            b = (i * so[0] + j * so[1]) & _NONNEG
            c = (i * sg[0] + j * sg[1]) & _NONNEG
            dr = d[a : a + run]
            orow = out[b : b + run]
            gr = g[c : c + run]
            for k in range(run):
                gr[k] = dr[k] if orow[k] > 0 else dr[k] * slope


def _relu_backward(d, sd, out, so, g, sg, dims):
    """g = delta * [out > 0]: the leaky pass with slope 0 (bit for bit NumPy's product: a NaN or
    inf delta at out <= 0 gives delta * 0 = NaN)."""
    _leaky_backward(d, sd, out, so, g, sg, dims, 0.0)
