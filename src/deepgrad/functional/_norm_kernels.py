"""Batch-normalization kernels (private): compiled passes over an (N, C, *) array.

batch_norm is memory-bound: per channel it needs two sums over the input (forward) and two sums
over delta and the input (backward), then one elementwise pass each way. NumPy spends one pass
per ufunc and reshapes channels-last memory into NCHW copies; these kernels make each step one
compiled pass that reads the arrays where they lie and accumulates in float64:

    stats:   s1_c = sum (x - k_c),  s2_c = sum (x - k_c)^2     (k_c = one value of channel c;
             mu = k + s1/m, sigma^2 = s2/m - (s1/m)^2: shifted sums, no cancellation)
    affine:  out = (x - mu_c) * scale_c + shift_c              (normalize + gamma/beta)
    reduce:  sd_c = sum delta,  sdx_c = sum delta * (x - mu_c)
    dx:      out = a_c * delta + b_c * (x - mu_c) + e_c        (the fused input gradient)

Layouts (a :class:`Layout` per input). *Channels-last*: channel stride 1, any other strides
(NHWC; the (H, N, W, C) memory of a convolution's output, gaps between lines included; (N, C)
rows): the kernels walk three outer indices in memory order and an inner run of C channels.
*Planes*: NCHW with contiguous spatial planes: one run of H*W values per (n, c). Each array is
handed over as a flat 1-D view from its first element to its last plus its element strides, so
the inner loops are unit-stride and vectorize. Outputs are new arrays in the input's memory
order (without gaps).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .._jit import serial_and_parallel

__all__ = ["Layout", "layout_of", "stats", "affine", "reduce", "dx"]

FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
# fewest elements for the compiled path: below, its ~0.1 ms of Python-side set-up per
# forward + backward loses to NumPy (measured break-even: (64, 1024) float32; tests lower it)
MIN_SIZE = 1 << 16
# Threads. The parallel kernels (prange over row blocks or channels) are ~1.5x faster alone
# (4 BN layers of the CNN benchmark, train forward+backward 8.2 -> 5.0 ms min), but inside the
# training step they slow it down (whole step 96 -> 138 ms min, 30 interleaved rounds: Numba's
# idle workers spin on the cores the convolution's threads need), and when the other core is
# busy each pass waits for a descheduled worker (4 BN layers: 4.8 -> 62 ms median). Off;
# PARALLEL_MIN is the smallest input they would take when switched on.
PARALLEL = False
PARALLEL_MIN = 1 << 20
BLOCKS = 8  # row blocks of the parallel reductions (partial sums merged in float64)


# ---------------------------------------------------------------------- layouts
def _flat(a: np.ndarray) -> np.ndarray:
    """A 1-D unit-stride view of the memory from ``a``'s first element to its last."""
    if a.flags.c_contiguous:
        return a.reshape(-1)
    span = 1 + sum((n - 1) * s for n, s in zip(a.shape, a.strides, strict=True)) // a.itemsize
    return as_strided(a, shape=(span,), strides=(a.itemsize,))


def _plain_strides(a: np.ndarray) -> bool:
    return all(s >= 0 and s % a.itemsize == 0 for s in a.strides)


@dataclass(frozen=True)
class Layout:
    """How the kernels walk (N, C, *) arrays shaped like the input.

    ``last``: channels-last (channel stride 1); ``order``: the non-channel axes, outermost
    first (memory order of the input); ``dims``: their sizes padded to three (planes: N, C, L).
    """

    shape: tuple[int, ...]
    last: bool
    order: tuple[int, ...]
    dims: tuple[int, int, int]

    @property
    def c(self) -> int:
        return self.shape[1]

    def strides(self, a: np.ndarray) -> tuple[int, int, int] | None:
        """Element strides of ``a`` for this walk, or None when ``a`` does not fit it."""
        if a.shape != self.shape or a.dtype not in FLOATS or not _plain_strides(a):
            return None
        e = a.itemsize
        if self.last:
            if a.strides[1] != e and self.c > 1:
                return None
            s = tuple(a.strides[ax] // e for ax in self.order)
            return (0,) * (3 - len(s)) + s  # type: ignore[return-value]
        if not _planes(a):
            return None
        return a.strides[0] // e, a.strides[1] // e, 1

    def conform(self, a: np.ndarray) -> np.ndarray:
        """``a`` itself when it fits this walk, else a copy of it in this layout."""
        if self.strides(a) is not None:
            return a
        b = self.empty(a.dtype)
        np.copyto(b, a)
        return b

    def args(self, a: np.ndarray) -> tuple[np.ndarray, tuple[int, int, int]]:
        """(flat view, strides) of ``a``, copied into this layout first when it does not fit."""
        a = self.conform(a)
        return _flat(a), self.strides(a)  # type: ignore[return-value]

    def empty(self, dtype: np.dtype) -> np.ndarray:
        """A new array of the input's shape in this layout, without gaps."""
        if not self.last:
            return np.empty(self.shape, dtype)
        mem = tuple(self.shape[ax] for ax in self.order) + (self.c,)
        perm = self.order + (1,)
        return np.empty(mem, dtype).transpose(np.argsort(perm))

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))


def _planes(a: np.ndarray) -> bool:
    """Axes 2.. form one C-ordered contiguous run (NCHW with whole spatial planes)."""
    expect = a.itemsize
    for n, s in zip(a.shape[:1:-1], a.strides[:1:-1], strict=True):
        if n != 1 and s != expect:
            return False
        expect *= n
    return True


def layout_of(x: np.ndarray) -> Layout | None:
    """The layout the kernels use for input ``x`` (N, C, *), or None (NumPy path)."""
    if x.dtype not in FLOATS or x.ndim < 2 or x.size == 0 or not _plain_strides(x):
        return None
    shape = x.shape
    rest = [ax for ax in range(x.ndim) if ax != 1]
    if x.strides[1] == x.itemsize or shape[1] == 1:
        order = tuple(sorted(rest, key=lambda ax: -x.strides[ax]))  # stable: ties keep order
        if len(order) > 3:
            return None
        d = tuple(shape[ax] for ax in order)
        return Layout(shape, True, order, (1,) * (3 - len(d)) + d)  # type: ignore[arg-type]
    if _planes(x):
        lsize = int(np.prod(shape[2:], dtype=np.int64))
        return Layout(shape, False, tuple(rest), (shape[0], shape[1], lsize))
    return None


def _parallel(lay: Layout) -> bool:
    return PARALLEL and lay.size >= PARALLEL_MIN


# ---------------------------------------------------------------------- kernels
# Each kernel is compiled twice: serial, and parallel=True with prange over row blocks (or over
# channels). ``prange`` is Numba's once the first kernel runs (range until then, so importing
# this module does not import numba); a serial kernel treats it as range.
prange = range
_READY = False


def _ready() -> None:
    global _READY
    if not _READY:
        import numba

        globals()["prange"] = numba.prange
        _READY = True


def _cl_stats(x, xs, dims, c, k, nb, s1, s2):
    """s1[b, ch] = sum (x - k), s2[b, ch] = sum (x - k)^2 over row block b (channels-last)."""
    d0, d1, d2 = dims
    rows = d0 * d1
    for b in prange(nb):
        p1 = np.zeros(c)  # local accumulators and row slices: unit-stride loops that vectorize
        p2 = np.zeros(c)
        for r in range(rows * b // nb, rows * (b + 1) // nb):
            i, j = r // d1, r % d1
            for m in range(d2):
                o = i * xs[0] + j * xs[1] + m * xs[2]
                xr = x[o : o + c]
                for ch in range(c):
                    v = xr[ch] - k[ch]
                    p1[ch] += v
                    p2[ch] += v * v
        s1[b] = p1
        s2[b] = p2


def _cl_reduce(d, ds, x, xs, dims, c, mu, nb, s1, s2):
    """s1[b, ch] = sum delta, s2[b, ch] = sum delta * (x - mu) over row block b."""
    d0, d1, d2 = dims
    rows = d0 * d1
    for b in prange(nb):
        p1 = np.zeros(c)
        p2 = np.zeros(c)
        for r in range(rows * b // nb, rows * (b + 1) // nb):
            i, j = r // d1, r % d1
            for m in range(d2):
                od = i * ds[0] + j * ds[1] + m * ds[2]
                ox = i * xs[0] + j * xs[1] + m * xs[2]
                dr = d[od : od + c]
                xr = x[ox : ox + c]
                for ch in range(c):
                    g = dr[ch]
                    p1[ch] += g
                    p2[ch] += g * (xr[ch] - mu[ch])
        s1[b] = p1
        s2[b] = p2


def _cl_affine(x, xs, out, os, dims, c, mh, ml, a, e):
    """out = ((x - mh) - ml) * a + e per channel (channels-last)."""
    d0, d1, d2 = dims
    for r in prange(d0 * d1):
        i, j = r // d1, r % d1
        for m in range(d2):
            ox = i * xs[0] + j * xs[1] + m * xs[2]
            oo = i * os[0] + j * os[1] + m * os[2]
            xr = x[ox : ox + c]
            orow = out[oo : oo + c]
            for ch in range(c):
                orow[ch] = ((xr[ch] - mh[ch]) - ml[ch]) * a[ch] + e[ch]


def _cl_dx(d, ds, x, xs, out, os, dims, c, mh, ml, a, b, e):
    """out = a * delta + b * ((x - mh) - ml) + e per channel (channels-last)."""
    d0, d1, d2 = dims
    for r in prange(d0 * d1):
        i, j = r // d1, r % d1
        for m in range(d2):
            od = i * ds[0] + j * ds[1] + m * ds[2]
            ox = i * xs[0] + j * xs[1] + m * xs[2]
            oo = i * os[0] + j * os[1] + m * os[2]
            dr = d[od : od + c]
            xr = x[ox : ox + c]
            orow = out[oo : oo + c]
            for ch in range(c):
                orow[ch] = a[ch] * dr[ch] + b[ch] * ((xr[ch] - mh[ch]) - ml[ch]) + e[ch]


LANES = 64


def _pl_stats(x, xs, dims, k, s1, s2):
    """s1[ch] = sum (x - k), s2[ch] = sum (x - k)^2 (planes; parallel over channels)."""
    n, c, ln = dims
    full = ln - ln % LANES
    for ch in prange(c):
        t1 = np.zeros(LANES)  # LANES partial sums: a reduction the compiler can vectorize
        t2 = np.zeros(LANES)
        kc = k[ch]
        for i in range(n):
            o = i * xs[0] + ch * xs[1]
            xr = x[o : o + ln]
            for q in range(0, full, LANES):
                for u in range(LANES):
                    v = xr[q + u] - kc
                    t1[u] += v
                    t2[u] += v * v
            for u in range(ln - full):  # the tail (a whole 7x7 plane) on its own lanes too
                v = x[o + full + u] - kc
                t1[u] += v
                t2[u] += v * v
        s1[ch] = t1.sum()
        s2[ch] = t2.sum()


def _pl_reduce(d, ds, x, xs, dims, mu, s1, s2):
    """s1[ch] = sum delta, s2[ch] = sum delta * (x - mu) (planes; parallel over channels)."""
    n, c, ln = dims
    full = ln - ln % LANES
    for ch in prange(c):
        t1 = np.zeros(LANES)
        t2 = np.zeros(LANES)
        mc = mu[ch]
        for i in range(n):
            od = i * ds[0] + ch * ds[1]
            ox = i * xs[0] + ch * xs[1]
            dr = d[od : od + ln]
            xr = x[ox : ox + ln]
            for q in range(0, full, LANES):
                for u in range(LANES):
                    g = dr[q + u]
                    t1[u] += g
                    t2[u] += g * (xr[q + u] - mc)
            for u in range(ln - full):
                g = d[od + full + u]
                t1[u] += g
                t2[u] += g * (x[ox + full + u] - mc)
        s1[ch] = t1.sum()
        s2[ch] = t2.sum()


def _pl_affine(x, xs, out, os, dims, mh, ml, a, e):
    """out = ((x - mh) - ml) * a + e per channel (planes)."""
    n, c, ln = dims
    for p in prange(n * c):
        i, ch = p // c, p % c
        ox = i * xs[0] + ch * xs[1]
        oo = i * os[0] + ch * os[1]
        xr = x[ox : ox + ln]
        orow = out[oo : oo + ln]
        hc, lc, ac, ec = mh[ch], ml[ch], a[ch], e[ch]
        for q in range(ln):
            orow[q] = ((xr[q] - hc) - lc) * ac + ec


def _pl_dx(d, ds, x, xs, out, os, dims, mh, ml, a, b, e):
    """out = a * delta + b * ((x - mh) - ml) + e per channel (planes)."""
    n, c, ln = dims
    for p in prange(n * c):
        i, ch = p // c, p % c
        od = i * ds[0] + ch * ds[1]
        ox = i * xs[0] + ch * xs[1]
        oo = i * os[0] + ch * os[1]
        dr = d[od : od + ln]
        xr = x[ox : ox + ln]
        orow = out[oo : oo + ln]
        hc, lc, ac, bc, ec = mh[ch], ml[ch], a[ch], b[ch], e[ch]
        for q in range(ln):
            orow[q] = ac * dr[q] + bc * ((xr[q] - hc) - lc) + ec


_K = {
    name: serial_and_parallel(fn)
    for name, fn in [
        ("cl_stats", _cl_stats),
        ("cl_reduce", _cl_reduce),
        ("cl_affine", _cl_affine),
        ("cl_dx", _cl_dx),
        ("pl_stats", _pl_stats),
        ("pl_reduce", _pl_reduce),
        ("pl_affine", _pl_affine),
        ("pl_dx", _pl_dx),
    ]
}


# ---------------------------------------------------------------------- passes
def _kernel(name: str, parallel: bool):
    _ready()
    return _K[name][1 if parallel else 0]


def _shift(x: np.ndarray) -> np.ndarray:
    """One value of each channel (the first), the shift of the sums."""
    return x[(0, slice(None)) + (0,) * (x.ndim - 2)].astype(np.float64)


def _in_dtype(dt: np.dtype, mu: np.ndarray, *rest: np.ndarray) -> list[np.ndarray]:
    """Per-channel float64 constants for an elementwise pass in the array's dtype: mu as a
    sum mh + ml of two ``dt`` numbers (x - mh is exact near mu, so ``(x - mh) - ml`` keeps
    float32 outputs within a few ulp), the others rounded to ``dt``."""
    mh = mu.astype(dt)
    return [mh, (mu - mh).astype(dt)] + [r.astype(dt) for r in rest]


def stats(x: np.ndarray, lay: Layout, parallel: bool | None = None):
    """Per-channel mean and biased variance of ``x`` (float64), in one pass."""
    par = _parallel(lay) if parallel is None else parallel
    xf, xs = lay.args(x)
    c = lay.c
    k = _shift(x)
    if lay.last:
        nb = max(1, min(BLOCKS if par else 1, lay.dims[0] * lay.dims[1]))
        p1, p2 = np.zeros((nb, c)), np.zeros((nb, c))
        _kernel("cl_stats", par)(xf, xs, lay.dims, c, k, nb, p1, p2)
        s1, s2 = p1.sum(axis=0), p2.sum(axis=0)
    else:
        s1, s2 = np.empty(c), np.empty(c)
        _kernel("pl_stats", par)(xf, xs, lay.dims, k, s1, s2)
    d = s1 / (lay.size // c)
    return k + d, np.maximum(s2 / (lay.size // c) - d * d, 0.0)


def reduce(delta: np.ndarray, x: np.ndarray, lay: Layout, mu: np.ndarray,
           parallel: bool | None = None):  # fmt: skip
    """Per-channel sum(delta) and sum(delta * (x - mu)) (float64), in one pass."""
    par = _parallel(lay) if parallel is None else parallel
    df, ds = lay.args(delta)
    xf, xs = lay.args(x)
    c = lay.c
    if lay.last:
        nb = max(1, min(BLOCKS if par else 1, lay.dims[0] * lay.dims[1]))
        p1, p2 = np.zeros((nb, c)), np.zeros((nb, c))
        _kernel("cl_reduce", par)(df, ds, xf, xs, lay.dims, c, mu, nb, p1, p2)
        return p1.sum(axis=0), p2.sum(axis=0)
    s1, s2 = np.empty(c), np.empty(c)
    _kernel("pl_reduce", par)(df, ds, xf, xs, lay.dims, mu, s1, s2)
    return s1, s2


def affine(x: np.ndarray, lay: Layout, mu: np.ndarray, a: np.ndarray, e: np.ndarray,
           parallel: bool | None = None) -> np.ndarray:  # fmt: skip
    """out = (x - mu) * a + e per channel (float64 mu, a, e), a new array in ``lay``."""
    par = _parallel(lay) if parallel is None else parallel
    xf, xs = lay.args(x)
    out = lay.empty(x.dtype)
    of, os = lay.args(out)
    p = _in_dtype(x.dtype, mu, a, e)
    if lay.last:
        _kernel("cl_affine", par)(xf, xs, of, os, lay.dims, lay.c, *p)
    else:
        _kernel("pl_affine", par)(xf, xs, of, os, lay.dims, *p)
    return out


def dx(delta: np.ndarray, x: np.ndarray, lay: Layout, mu: np.ndarray, a: np.ndarray,
       b: np.ndarray, e: np.ndarray, parallel: bool | None = None) -> np.ndarray:  # fmt: skip
    """out = a * delta + b * (x - mu) + e per channel, a new array in ``lay``."""
    par = _parallel(lay) if parallel is None else parallel
    df, ds = lay.args(delta)
    xf, xs = lay.args(x)
    out = lay.empty(x.dtype)
    of, os = lay.args(out)
    p = _in_dtype(x.dtype, mu, a, b, e)
    if lay.last:
        _kernel("cl_dx", par)(df, ds, xf, xs, of, os, lay.dims, lay.c, *p)
    else:
        _kernel("pl_dx", par)(df, ds, xf, xs, of, os, lay.dims, *p)
    return out
