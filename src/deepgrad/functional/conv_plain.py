"""The convolution as the notes compute it, in plain NumPy: im2col, one matrix product, col2im.

    y[n, o, i, j] = b[o] + sum_{c, a, b} x_pad[n, c, s_h i + d_h a, s_w j + d_w b] w[o, c, a, b]

im2col lays every receptive field (the C x kH x kW patch under output position (i, j)) out as
one column, so the whole convolution is one matrix product of the filters (O, C kH kW) with
the columns (C kH kW, N H_out W_out). Backward, in the same layout:

    dC/dw   = delta_mat @ cols^T          (each shared weight: the sum over all positions)
    dC/dcols = w_mat^T @ delta_mat        then col2im adds every column back onto the
                                          input positions it was read from (overlaps sum)
    dC/db   = the sum of delta over n, i, j

This is the readable reference of ``conv.conv2d``, which computes the same with fast kernels
(``_conv_kernels.py``) and no column matrix; tests check plain == fast == PyTorch. Groups:
the same, once per group of C/groups input and O/groups output channels.
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor, make_result
from .conv import IntPair, _pair

__all__ = ["conv2d_plain", "im2col", "col2im"]


def im2col(x: np.ndarray, kh: int, kw: int, stride: tuple[int, int], dilation: tuple[int, int]
           ) -> np.ndarray:
    """(N, C, H, W) padded input -> columns (C kH kW, N Ho Wo): one receptive field per column."""
    n, c, h, w = x.shape
    (sh, sw), (dh, dw) = stride, dilation
    ho, wo = (h - dh * (kh - 1) - 1) // sh + 1, (w - dw * (kw - 1) - 1) // sw + 1
    cols = np.empty((c, kh, kw, n, ho, wo), dtype=x.dtype)
    for a in range(kh):
        for b in range(kw):
            patch = x[:, :, a * dh: a * dh + sh * (ho - 1) + 1: sh,
                      b * dw: b * dw + sw * (wo - 1) + 1: sw]  # (N, C, Ho, Wo)
            cols[:, a, b] = patch.transpose(1, 0, 2, 3)
    return cols.reshape(c * kh * kw, n * ho * wo)


def col2im(cols: np.ndarray, shape: tuple[int, int, int, int], kh: int, kw: int,
           stride: tuple[int, int], dilation: tuple[int, int]) -> np.ndarray:
    """The adjoint of :func:`im2col`: add every column back where it was read from."""
    n, c, h, w = shape
    (sh, sw), (dh, dw) = stride, dilation
    ho, wo = (h - dh * (kh - 1) - 1) // sh + 1, (w - dw * (kw - 1) - 1) // sw + 1
    cols = cols.reshape(c, kh, kw, n, ho, wo)
    x = np.zeros(shape, dtype=cols.dtype)
    for a in range(kh):
        for b in range(kw):
            x[:, :, a * dh: a * dh + sh * (ho - 1) + 1: sh,
              b * dw: b * dw + sw * (wo - 1) + 1: sw] += cols[:, a, b].transpose(1, 0, 2, 3)
    return x


def conv2d_plain(input: Tensor, weight: Tensor, bias: Tensor | None = None,  # noqa: A002
                 stride: IntPair = 1, padding: IntPair = 0, dilation: IntPair = 1,
                 groups: int = 1) -> Tensor:
    """``conv2d`` by im2col and one matrix product per group (NCHW; int or pair padding)."""
    op = "conv2d_plain"
    s, p, d = _pair(stride, "stride", op), _pair(padding, "padding", op), _pair(dilation,
                                                                                 "dilation", op)
    x, w = input.data, weight.data
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    if c != cg * groups or o % groups:
        raise ValueError(f"{op}: weight {w.shape} does not fit input {x.shape} with "
                         f"groups={groups}")
    xp = np.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])))
    ho = (xp.shape[2] - d[0] * (kh - 1) - 1) // s[0] + 1
    wo = (xp.shape[3] - d[1] * (kw - 1) - 1) // s[1] + 1
    og = o // groups
    cols = [im2col(xp[:, k * cg:(k + 1) * cg], kh, kw, s, d) for k in range(groups)]
    wmat = [w[k * og:(k + 1) * og].reshape(og, -1) for k in range(groups)]
    y = np.concatenate([wm @ cm for wm, cm in zip(wmat, cols, strict=True)])  # (O, N Ho Wo)
    if bias is not None:
        y = y + bias.data[:, None]
    out = y.reshape(o, n, ho, wo).transpose(1, 0, 2, 3)

    def backward(delta: np.ndarray) -> tuple:
        dmat = delta.transpose(1, 0, 2, 3).reshape(o, -1)  # (O, N Ho Wo)
        dw = np.concatenate([dmat[k * og:(k + 1) * og] @ cols[k].T for k in range(groups)])
        dxp = np.concatenate(
            [col2im(wmat[k].T @ dmat[k * og:(k + 1) * og], (n, cg) + xp.shape[2:], kh, kw, s, d)
             for k in range(groups)], axis=1)
        dx = dxp[:, :, p[0]: p[0] + h, p[1]: p[1] + wd]
        grads = (dx, dw.reshape(w.shape))
        return grads if bias is None else grads + (dmat.sum(axis=1),)

    parents = (input, weight) if bias is None else (input, weight, bias)
    return make_result(np.ascontiguousarray(out), parents, backward, op)
