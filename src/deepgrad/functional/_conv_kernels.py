"""Convolution kernels on NumPy arrays (private): forward, input gradient, weight gradient.

Memory layout. The API is NCHW, but the kernels work on channels-last memory, where a 1x1
patch of all channels is one contiguous row and a convolution is a sum of GEMMs. The input is
copied once into a *gapped* buffer ``xq`` of shape (rows, C) in (H, N, W, C) order: pixel (h, w)
of sample n sits at row ``base + h*span + n*row + w``, with ``row = W + gw`` (a line of one
sample plus a gap of ``gw`` zero columns) and ``span = N * row`` (one image line of the whole
batch), followed by ``gh`` zero lines. One gap serves as the right padding of a line and the
left padding of the next, so reading the padded input at any kernel tap (a, b) is a fixed *row
shift* of the buffer, ``shift = dh*a*span + dw*b``. (Lines of the batch side by side, rather
than samples one after another, need the ``gh`` zero lines only once per batch: fewer wasted
grid rows, 6% instead of 13% on a 16x16 'same' convolution.)

Fast path (``_conv_taps.py``; a BLAS with beta, >= FAST_MIN_CHANNELS input channels per
group): the output is computed on the same grid, one GEMM per kernel tap, each accumulating into
the output (``out[r] += xq[r + shift] @ W_ab^T``): no im2col copy and, in backward, no col2im.
Grid rows that fall in a gap are computed and dropped (the output is returned as a strided
NCHW-shaped view of (H, N, W, C) memory); strided convolutions split the input into phases
side by side in a row first, and the taps that read one row shift of consecutive phases are
one GEMM (``ConvGeometry.tap_runs``). General path (few channels, or no BLAS with beta):
im2col through a single ``as_strided`` copy and one (batched) GEMM; col2im by one strided add
per tap.

Backward follows the notes' rule for shared weights: each output position's gradient is first
computed as if it had its own copy of the kernel, ``delta[n, o, i, j] * x_patch``; the gradients
of the copies are then summed over all positions that share the kernel (the GEMM's inner sum).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.lib.stride_tricks import as_strided

from . import _conv_taps as T
from ._gemm import HAVE_CBLAS, gemm, one_thread_if_small

__all__ = [
    "ConvGeometry",
    "prepare_input",
    "prepare_weight",
    "prepare_delta",
    "forward",
    "input_grad",
    "weight_grad",
    "weight_bias_grad",
    "bias_grad",
    "channel_sum",
]

# tests flip this to exercise the general path on shapes the fast path would take
FORCE_GENERAL = False
# fewest input channels (per group) for the fast path: a GEMM per tap with a tiny K loses to
# one im2col GEMM (measured: c=3 weight gradient 2.5x slower per tap); tests lower it
FAST_MIN_CHANNELS = 16
# fewest output positions for the fast path: below, one im2col GEMM with a long inner
# dimension beats kh*kw short ones (batch-1 16x16 maps; tests lower it)
FAST_MIN_POSITIONS = 512


@dataclass(frozen=True)
class ConvGeometry:
    """Every size of one convolution: input (n, c, h, w), weight (o, c/groups, kh, kw)."""

    n: int
    c: int
    h: int
    w: int
    o: int
    kh: int
    kw: int
    sh: int
    sw: int
    pt: int  # padding: top, bottom, left, right
    pb: int
    pl: int
    pr: int
    dh: int
    dw: int
    groups: int

    @cached_property
    def ho(self) -> int:
        return (self.h + self.pt + self.pb - self.dh * (self.kh - 1) - 1) // self.sh + 1

    @cached_property
    def wo(self) -> int:
        return (self.w + self.pl + self.pr - self.dw * (self.kw - 1) - 1) // self.sw + 1

    @cached_property
    def cg(self) -> int:
        return self.c // self.groups

    @cached_property
    def og(self) -> int:
        return self.o // self.groups

    # gapped layout -------------------------------------------------------------------------
    @cached_property
    def gh(self) -> int:
        return max(self.pt, self.pb, self.ho - self.h, 0)

    @cached_property
    def gw(self) -> int:
        return max(self.pl, self.pr, self.wo - self.w, 0)

    @cached_property
    def row(self) -> int:
        return self.w + self.gw

    @cached_property
    def span(self) -> int:
        return self.n * self.row

    @cached_property
    def lines(self) -> int:
        return self.h + self.gh

    @cached_property
    def base(self) -> int:
        return self.pt * self.span + self.pl

    @cached_property
    def rows(self) -> int:
        return self.base + self.lines * self.span

    @cached_property
    def shifts(self) -> list[tuple[int, int, int]]:
        """(a, b, row shift) of every kernel tap in the gapped buffer (general path)."""
        return [
            (a, b, self.dh * a * self.span + self.dw * b)
            for a in range(self.kh)
            for b in range(self.kw)
        ]

    @property
    def fast(self) -> bool:  # not cached: tests switch the module's settings (geometries are)
        return (
            HAVE_CBLAS
            and not FORCE_GENERAL
            and self.cg >= FAST_MIN_CHANNELS
            and (self.groups == 1 or self.og >= 8)
            and self.n * self.ho * self.wo >= FAST_MIN_POSITIONS
        )

    # fast path: the output grid and the phase buffers ---------------------------------
    @cached_property
    def phased(self) -> bool:
        return self.sh > 1 or self.sw > 1

    @cached_property
    def qh(self) -> int:
        """Lines of a phase image: enough for every window of the strided convolution."""
        return -(-((self.ho - 1) * self.sh + self.dh * (self.kh - 1) + 1) // self.sh)

    @cached_property
    def qw(self) -> int:
        return -(-((self.wo - 1) * self.sw + self.dw * (self.kw - 1) + 1) // self.sw)

    @cached_property
    def grid_lines(self) -> int:
        return self.qh if self.phased else self.lines

    @cached_property
    def grid_row(self) -> int:
        return self.qw if self.phased else self.row

    @cached_property
    def grid_span(self) -> int:
        return self.n * self.grid_row

    @cached_property
    def phase_rows(self) -> int:
        return self.grid_lines * self.grid_span if self.phased else self.rows

    @cached_property
    def m(self) -> int:
        """Rows of the fast path's output grid (the last valid output position + 1)."""
        return (self.ho - 1) * self.grid_span + (self.n - 1) * self.grid_row + self.wo

    @cached_property
    def phases(self) -> int:
        return self.sh * self.sw

    @cached_property
    def taps(self) -> list[tuple[int, int, int, int]]:
        """(a, b, phase, row shift) of every kernel tap on the fast path."""
        out = []
        for a in range(self.kh):
            for b in range(self.kw):
                oa, ob = self.dh * a, self.dw * b
                phase = (oa % self.sh) * self.sw + ob % self.sw
                out.append((a, b, phase, (oa // self.sh) * self.grid_span + ob // self.sw))
        return out

    @cached_property
    def tap_runs(self) -> list[tuple[int, list[int]]]:
        """The taps merged into one GEMM each: (row shift, taps of consecutive phases).

        The phase buffers sit side by side in a row, (rows, phases * c), so taps that read the
        same row shift from consecutive phases read one (rows, k * c) block: for a stride-2
        4x4 kernel, 4 GEMMs with an inner dimension of 4c instead of 16 with c. Taps of
        one shift cover every phase at most once. With groups each tap is its own run (a
        group's channels are not contiguous across phases)."""
        by_shift: dict[int, list[int]] = {}
        for t, (_, _, _, s) in enumerate(self.taps):
            by_shift.setdefault(s, []).append(t)
        runs = []
        for s in sorted(by_shift):
            ts = sorted(by_shift[s], key=lambda t: self.taps[t][2])
            run = [ts[0]]
            for t in ts[1:]:
                if self.groups == 1 and self.taps[t][2] == self.taps[run[-1]][2] + 1:
                    run.append(t)
                else:
                    runs.append((s, run))
                    run = [t]
            runs.append((s, run))
        return runs

    @cached_property
    def tap_order(self) -> list[int]:
        """The taps in run order: the order of the weight matrix's (tap, channel) columns."""
        return [t for _, run in self.tap_runs for t in run]

    @cached_property
    def tap_plan(self) -> list[tuple[bool, int, int, int, int, int, int]]:
        """Per (group, run) GEMM of the fast path, as buffer rows/columns: (first GEMM of the
        group, first, last + 1 column of the (rows, phases * c) input buffer, first, last + 1
        output channel, row shift, first column of the run in the (o, kh*kw*cg) weights)."""
        plan = []
        for gi in range(self.groups):
            c0, o0 = gi * self.cg, gi * self.og
            col = 0
            for k, (s, run) in enumerate(self.tap_runs):
                p0 = self.taps[run[0]][2]
                x0 = p0 * self.c + c0
                x1 = x0 + (len(run) - 1) * self.c + self.cg
                plan.append((k == 0, x0, x1, o0, o0 + self.og, s, col))
                col += len(run) * self.cg
        return plan


# ------------------------------------------------------------------------------ preparation
def prepare_input(x: np.ndarray, g: ConvGeometry) -> np.ndarray:
    """x (n, c, h, w), any memory order -> the buffer the chosen path reads (kept for dW)."""
    if g.fast:
        return T.prepare_input(x, g)
    if g.rows == g.n * g.h * g.w:  # no padding, no gaps: (H, N, W, C) memory is the buffer
        hnwc = x.transpose(2, 0, 3, 1)
        if hnwc.flags.c_contiguous:
            return hnwc.reshape(g.rows, g.c)
    xq = np.empty((g.rows, g.c), dtype=x.dtype)
    xq[: g.base] = 0
    body = xq[g.base :].reshape(g.lines, g.n, g.row, g.c)
    np.copyto(body[: g.h, :, : g.w], x.transpose(2, 0, 3, 1))
    if g.gw:
        body[: g.h, :, g.w :] = 0
    if g.gh:
        body[g.h :] = 0
    return xq


def prepare_weight(w: np.ndarray, g: ConvGeometry) -> np.ndarray:
    """Weights (o, cg, kh, kw) arranged for the GEMMs of the chosen path (a small copy)."""
    if g.fast:  # (o, kh*kw*cg): W_ab's columns side by side, the taps in run order
        taps = w.reshape(g.o, g.cg, g.kh * g.kw).transpose(0, 2, 1)
        return np.ascontiguousarray(taps[:, g.tap_order]).reshape(g.o, -1)
    # (groups, kh*kw*cg, og): one GEMM matrix per group, rows ordered (a, b, channel)
    k = g.kh * g.kw * g.cg
    wg = w.reshape(g.groups, g.og, g.cg, g.kh, g.kw).transpose(0, 3, 4, 2, 1)
    return np.ascontiguousarray(wg).reshape(g.groups, k, g.og)


def prepare_delta(delta: np.ndarray, g: ConvGeometry) -> np.ndarray:
    """delta = dC/dy (n, o, ho, wo) -> the layout the backward GEMMs read: the output grid
    (fast path) or compact NHWC rows (n*ho*wo, o) (general path)."""
    if g.fast:
        return T.prepare_delta(delta, g)
    return np.ascontiguousarray(delta.transpose(0, 2, 3, 1)).reshape(-1, g.o)


def _cols_view(xq: np.ndarray, g: ConvGeometry) -> np.ndarray:
    """im2col as a view: (n, ho, wo, groups, kh, kw, cg), element = padded x at that tap."""
    s = xq.itemsize
    c = g.c
    return as_strided(
        xq,
        shape=(g.n, g.ho, g.wo, g.groups, g.kh, g.kw, g.cg),
        strides=(
            g.row * c * s,
            g.sh * g.span * c * s,
            g.sw * c * s,
            g.cg * s,
            g.dh * g.span * c * s,
            g.dw * c * s,
            s,
        ),
        writeable=False,
    )


def _im2col(xq: np.ndarray, g: ConvGeometry) -> np.ndarray:
    """One strided copy: (n*ho*wo, groups, kh*kw*cg)."""
    cols = np.empty((g.n, g.ho, g.wo, g.groups, g.kh, g.kw, g.cg), dtype=xq.dtype)
    np.copyto(cols, _cols_view(xq, g))
    return cols.reshape(g.n * g.ho * g.wo, g.groups, g.kh * g.kw * g.cg)


# ------------------------------------------------------------------------------ forward
def forward(xq: np.ndarray, wp: np.ndarray, b: np.ndarray | None, g: ConvGeometry) -> np.ndarray:
    """y[n, o, i, j] = b[o] + sum_{c, a, b} x_pad[n, c, s*i + d*a, s*j + d*b] w[o, c, a, b].

    ``xq`` from :func:`prepare_input`, ``wp`` from :func:`prepare_weight`. Returns an
    NCHW-shaped array over channels-last memory (a strided view on the fast path).
    """
    if g.fast:
        return T.forward(xq, wp, b, g)
    cols = _im2col(xq, g)
    with one_thread_if_small(2.0 * cols.size * g.og):  # small maps (batch-1 inference)
        if g.groups == 1 and b is not None and HAVE_CBLAS:
            out = np.empty((cols.shape[0], g.o), dtype=cols.dtype)
            out[:] = b  # the bias as the GEMM's starting value: no extra pass over the output
            gemm(cols[:, 0], wp[0], out, beta=1.0)
            b = None
        elif g.groups == 1:
            out = cols[:, 0] @ wp[0]
        else:
            out = np.matmul(cols.transpose(1, 0, 2), wp).transpose(1, 0, 2).reshape(-1, g.o)
    if b is not None:
        out += b
    return out.reshape(g.n, g.ho, g.wo, g.o).transpose(0, 3, 1, 2)


# ------------------------------------------------------------------------------ backward
def input_grad(dp: np.ndarray, wp: np.ndarray, g: ConvGeometry) -> np.ndarray:
    """dC/dx[n, c, h, w] = sum over the (o, i, j, a, b) with s*i + d*a - p = h (likewise w) of
    delta[n, o, i, j] w[o, c, a, b]: each output's delta sent back through its own copy of the
    kernel, summed where receptive fields overlap (a transposed convolution).

    ``dp`` from :func:`prepare_delta`, ``wp`` from :func:`prepare_weight`. Returns NCHW shape.
    """
    if g.fast:
        return T.input_grad(dp, wp, g)
    with one_thread_if_small(2.0 * dp.shape[0] * g.og * wp.shape[1] * g.groups):
        if g.groups == 1:
            dcols = dp @ wp[0].T
        else:
            dgrp = dp.reshape(-1, g.groups, g.og).transpose(1, 0, 2)
            dcols = np.matmul(dgrp, wp.transpose(0, 2, 1)).transpose(1, 0, 2)
    dcols = dcols.reshape(g.n, g.ho, g.wo, g.groups, g.kh, g.kw, g.cg)
    dxq = np.zeros((g.rows, g.c), dtype=dp.dtype)
    isz = dxq.itemsize
    c = g.c
    for a, bb, s in g.shifts:  # col2im: one strided add per tap
        target = as_strided(
            dxq[s:],
            shape=(g.n, g.ho, g.wo, g.groups, g.cg),
            strides=(g.row * c * isz, g.sh * g.span * c * isz, g.sw * c * isz, g.cg * isz, isz),
        )
        target += dcols[:, :, :, :, a, bb, :]
    body = dxq[g.base :].reshape(g.lines, g.n, g.row, g.c)
    return body[: g.h, :, : g.w].transpose(1, 3, 0, 2)


def weight_grad(xq: np.ndarray, dp: np.ndarray, g: ConvGeometry) -> np.ndarray:
    """dC/dw[o, c, a, b] = sum_{n, i, j} delta[n, o, i, j] x_pad[n, c, s*i + d*a, s*j + d*b]:
    the gradient of each position's private copy of the kernel, summed over the positions that
    share it. Returns a contiguous (o, cg, kh, kw) array.
    """
    return weight_bias_grad(xq, dp, g, with_bias=False)[0]


def weight_bias_grad(
    xq: np.ndarray, dp: np.ndarray, g: ConvGeometry, with_bias: bool
) -> tuple[np.ndarray, np.ndarray | None]:
    """:func:`weight_grad` and, with ``with_bias``, :func:`bias_grad`, in one pass over delta."""
    if g.fast:
        return T.weight_grad(xq, dp, g, with_bias)
    return _weight_grad(xq, dp, g), (bias_grad(dp, g) if with_bias else None)


def _weight_grad(xq: np.ndarray, dp: np.ndarray, g: ConvGeometry) -> np.ndarray:
    cols = _im2col(xq, g)
    with one_thread_if_small(2.0 * cols.size * g.og):
        if g.groups == 1:
            gw = _long_inner_product(dp, cols[:, 0]).reshape(1, g.og, g.kh, g.kw, g.cg)
        else:
            dgrp = dp.reshape(-1, g.groups, g.og).transpose(1, 2, 0)  # (groups, og, rows)
            gw = np.matmul(dgrp, cols.transpose(1, 0, 2)).reshape(g.groups, g.og, g.kh, g.kw, g.cg)
    return np.ascontiguousarray(gw.transpose(0, 1, 4, 2, 3)).reshape(g.o, g.cg, g.kh, g.kw)


def _long_inner_product(d: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """d^T @ cols for a long inner dimension and a small result (the weight gradient of a
    layer with few channels): OpenBLAS threads such a product badly (measured 2.3x slower
    than 64 independent chunk products summed, for 65536 x (32, 27) at one thread)."""
    rows = d.shape[0]
    chunk = 1024
    if d.shape[1] * cols.shape[1] > 4096 or rows < 4 * chunk:
        return d.T @ cols
    nc = rows // chunk
    head = nc * chunk
    parts = np.matmul(
        d[:head].reshape(nc, chunk, -1).transpose(0, 2, 1), cols[:head].reshape(nc, chunk, -1)
    )
    out = parts.sum(axis=0)
    if head < rows:
        out += d[head:].T @ cols[head:]
    return out


def bias_grad(dp: np.ndarray, g: ConvGeometry) -> np.ndarray:
    """dC/db[o] = sum_{n, i, j} delta[n, o, i, j] (the bias is shared by every position)."""
    if g.fast:
        return T.bias_grad(dp, g)
    return np.ones(dp.shape[0], dtype=dp.dtype) @ dp


def channel_sum(a: np.ndarray) -> np.ndarray:
    """Sum of an (n, c, h, w) array over n, h, w, in its dtype (a GEMV when memory allows)."""
    nhwc = a.transpose(0, 2, 3, 1)
    if nhwc.flags.c_contiguous:
        flat = nhwc.reshape(-1, a.shape[1])
        return np.ones(flat.shape[0], dtype=a.dtype) @ flat
    if a.flags.c_contiguous:
        flat = a.reshape(a.shape[0], a.shape[1], -1)
        return (flat @ np.ones(flat.shape[2], dtype=a.dtype)).sum(0)
    return a.sum(axis=(0, 2, 3))
