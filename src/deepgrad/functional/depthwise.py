"""Depthwise convolution: one k x k filter per channel (conv2d with groups = in = out channels).

    y[n, c, i, j] = b[c] + sum_{a, q} x_pad[n, c, s_h i + a, s_w j + q] w[c, 0, a, q]

Channel c sees only channel c: k*k weights per channel instead of k*k*C, the cheap spatial
filter of MobileNet's and EfficientNet's blocks (the 1x1 convolutions around it mix channels).
Backward, with the notes' rule for shared weights (each position's copy, then summed):

    dC/dw[c, 0, a, q] = sum_{n, i, j} delta[n, c, i, j] x_pad[n, c, s_h i + a, s_w j + q]
    dC/dx_pad[n, c, s_h i + a, s_w j + q] += delta[n, c, i, j] w[c, 0, a, q]
    dC/db[c] = sum_{n, i, j} delta[n, c, i, j]

A GEMM-based convolution is at its weakest here: per group the "matrix product" is a single
row times a k*k column, so ``conv2d`` hands this case to :func:`depthwise_conv2d`. The readable
version is :func:`depthwise_conv2d_plain` (k*k shifted multiply-adds in NumPy, the fallback
without Numba); the compiled kernels of ``_depthwise_kernels.py`` compute the same sums on
channels-last memory in one pass each, without padding the input (tests: plain == fast ==
PyTorch, float64, and finite differences).
"""

from __future__ import annotations

import numpy as np

from .. import _jit
from ..tensor import Tensor, make_result
from . import _depthwise_kernels as K

__all__ = ["depthwise_conv2d", "depthwise_conv2d_plain", "is_depthwise"]

FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def is_depthwise(c: int, o: int, groups: int, dilation: tuple[int, int]) -> bool:
    """True for the convolutions this file computes: groups = in = out channels, no dilation."""
    return groups == c == o and groups > 1 and tuple(dilation) == (1, 1)


def depthwise_conv2d_plain(x: np.ndarray, w: np.ndarray, b: np.ndarray | None,
                           stride: tuple[int, int], pads: tuple[int, int, int, int]):
    """The equations above in NumPy, NCHW: returns (y, backward(delta) -> (dx, dw, db)).

    ``pads`` = (top, bottom, left, right); ``w`` is (C, 1, kH, kW).
    """
    n, c, h, wd = x.shape
    kh, kw = w.shape[2], w.shape[3]
    sh, sw = stride
    pt, pb, pl, pr = pads
    xp = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    ho = (h + pt + pb - kh) // sh + 1
    wo = (wd + pl + pr - kw) // sw + 1

    def tap(a: int, q: int) -> tuple[slice, slice, slice, slice]:  # x_pad[:, :, s i + a, s j + q]
        return (slice(None), slice(None), slice(a, a + sh * (ho - 1) + 1, sh),
                slice(q, q + sw * (wo - 1) + 1, sw))

    y = np.zeros((n, c, ho, wo), dtype=x.dtype)
    for a in range(kh):
        for q in range(kw):
            y += xp[tap(a, q)] * w[:, 0, a, q][None, :, None, None]
    if b is not None:
        y += b[None, :, None, None]

    def backward(delta: np.ndarray):
        dxp = np.zeros_like(xp)
        dw = np.zeros_like(w)
        for a in range(kh):
            for q in range(kw):
                dxp[tap(a, q)] += delta * w[:, 0, a, q][None, :, None, None]
                dw[:, 0, a, q] = (delta * xp[tap(a, q)]).sum(axis=(0, 2, 3))
        dx = dxp[:, :, pt:pt + h, pl:pl + wd]
        db = delta.sum(axis=(0, 2, 3))
        return dx, dw, db

    return y, backward


def _nhwc(a: np.ndarray) -> np.ndarray:
    """(n, c, h, w) -> C-contiguous (n, h, w, c): a view when the memory is channels-last."""
    t = a.transpose(0, 2, 3, 1)
    return t if t.flags.c_contiguous else np.ascontiguousarray(t)


def depthwise_conv2d(input: Tensor, weight: Tensor, bias: Tensor | None,  # noqa: A002
                     stride: tuple[int, int], pads: tuple[int, int, int, int]) -> Tensor:
    """The depthwise convolution as a Tensor op: compiled kernels for float32/float64 when
    Numba is on, else :func:`depthwise_conv2d_plain`. Output: NCHW shape, NHWC memory."""
    x, w = input.data, weight.data
    b = None if bias is None else bias.data
    parents = (input, weight) if bias is None else (input, weight, bias)
    fast = _jit.enabled() and x.dtype in FLOATS and w.dtype == x.dtype
    if not fast:
        y, plain_backward = depthwise_conv2d_plain(x, w, b, stride, pads)

        def backward(delta: np.ndarray) -> tuple:
            dx, dw, db = plain_backward(delta)
            return (dx, dw) if bias is None else (dx, dw, db)

        return make_result(y, parents, backward, "conv2d")

    n, c, h, wd = x.shape
    kh, kw = w.shape[2], w.shape[3]
    pt, pb, pl, pr = pads
    ho = (h + pt + pb - kh) // stride[0] + 1
    wo = (wd + pl + pr - kw) // stride[1] + 1
    xn = _nhwc(x)
    wt = np.ascontiguousarray(w[:, 0].transpose(1, 2, 0))  # (kh, kw, c)
    bb = np.zeros(c, x.dtype) if b is None else np.ascontiguousarray(b, dtype=x.dtype)
    out = K.forward(xn, wt, bb, ho, wo, stride, (pt, pl))

    def backward(delta: np.ndarray) -> tuple:
        d = _nhwc(delta.astype(x.dtype, copy=False))
        gx = gw = gb = None
        if input.requires_grad:
            gx = K.input_grad(d, wt, h, wd, stride, (pt, pl)).transpose(0, 3, 1, 2)
        if weight.requires_grad:
            gw = K.weight_grad(xn, d, kh, kw, stride, (pt, pl)).transpose(2, 0, 1)[:, None]
            gw = np.ascontiguousarray(gw)
        if bias is not None and bias.requires_grad:
            gb = d.reshape(-1, c).sum(axis=0)
        return (gx, gw) if bias is None else (gx, gw, gb)

    return make_result(out.transpose(0, 3, 1, 2), parents, backward, "conv2d")
