"""Transposed convolutions (NCHW, PyTorch's names and arguments): conv_transpose2d and
conv_transpose1d, the adjoints of conv2d/conv1d with respect to their input.

A transposed convolution scatters every input pixel's kernel-weighted copy into the output,
so it is computed as the input gradient of the convolution that maps the output's shape to
the input's (``_conv_kernels.input_grad``), and its own backward is that convolution's forward
and weight gradient.
"""

from __future__ import annotations

import functools

import numpy as np

from ..tensor import Tensor, make_result
from . import _conv_kernels as K
from .conv import IntPair, _check_ranks, _pair, checked_operands, unbatched

__all__ = ["conv_transpose2d", "conv_transpose1d"]


def _transpose_geometry(*args) -> K.ConvGeometry:
    """:func:`_new_transpose_geometry`, cached as conv2d's (a layer called again with the same
    shapes reuses the geometry and its tap plan)."""
    try:
        return _cached_transpose_geometry(*args)
    except TypeError:  # unhashable arguments (lists): no caching
        return _new_transpose_geometry(*args)


def _new_transpose_geometry(
    op: str,
    x_shape: tuple[int, ...],
    w_shape: tuple[int, ...],
    stride: IntPair,
    padding: IntPair,
    output_padding: IntPair,
    groups: int,
    dilation: IntPair,
) -> K.ConvGeometry:
    """The conv2d whose input gradient this transposed convolution is (y -> x adjoint)."""
    _check_ranks(op, x_shape, w_shape, groups, "(in, out/groups, kH, kW)")
    n, c, h, w = x_shape
    cin, og, kh, kw = w_shape
    if min(c, h, w, og, kh, kw) < 1:  # (an empty batch, n = 0, gives an empty output)
        raise ValueError(
            f"{op}: empty tensors are not supported (input shape {x_shape}, weight shape {w_shape})"
        )
    if cin != c:
        raise ValueError(
            f"{op}: input has {c} channels (input shape {x_shape}) but weight expects {cin} = "
            f"weight.shape[0] (weight shape {w_shape})"
        )
    if c % groups:
        raise ValueError(
            f"{op}: groups={groups} must divide in_channels={c} (input shape {x_shape})"
        )
    if isinstance(padding, str):
        raise ValueError(f"{op}: padding must be an int or a pair, got {padding!r}")
    sh, sw = _pair(stride, "stride", op)
    ph, pw = _pair(padding, "padding", op)
    oph, opw = _pair(output_padding, "output_padding", op)
    dh, dw = _pair(dilation, "dilation", op)
    if min(sh, sw, dh, dw) < 1 or min(ph, pw, oph, opw) < 0:
        raise ValueError(f"{op}: stride/dilation must be >= 1 and padding >= 0")
    if oph >= max(sh, dh) or opw >= max(sw, dw):
        raise ValueError(
            f"{op}: output_padding {(oph, opw)} must be smaller than stride {(sh, sw)} "
            f"or dilation {(dh, dw)}"
        )
    hout = (h - 1) * sh - 2 * ph + dh * (kh - 1) + oph + 1
    wout = (w - 1) * sw - 2 * pw + dw * (kw - 1) + opw + 1
    if hout < 1 or wout < 1:
        raise ValueError(
            f"{op}: output size ({hout}, {wout}) is too small (input shape {x_shape}, weight "
            f"shape {w_shape}, stride {stride!r}, padding {padding!r})"
        )
    # the conv's output (g.ho, g.wo) is (h, w), or larger by output_padding // stride when
    # output_padding >= stride (allowed below the dilation): x is then zero-padded to it
    return K.ConvGeometry(
        n, og * groups, hout, wout, c, kh, kw, sh, sw, ph, ph, pw, pw, dh, dw, int(groups)
    )


_cached_transpose_geometry = functools.lru_cache(maxsize=256)(_new_transpose_geometry)


def conv_transpose2d(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntPair = 1,
    padding: IntPair = 0,
    output_padding: IntPair = 0,
    groups: int = 1,
    dilation: IntPair = 1,
) -> Tensor:
    """Transposed convolution (the gradient of conv2d with respect to its input), NCHW.

    input (N, C_in, H, W), weight (C_in, C_out/groups, kH, kW) (PyTorch's layout), bias (C_out,).
    Every input pixel scatters its kernel-weighted copy into the output:
      y[n, co, s_h i + d_h a - p_h, s_w j + d_w b - p_w] += x[n, ci, i, j] w[ci, co, a, b]
    H_out = (H - 1) s_h - 2 p_h + d_h (kH - 1) + output_padding_h + 1.

    Backward (delta = dC/dy): the input gradient is an ordinary convolution of delta,
      dC/dx = conv2d(delta, w, stride, padding, dilation, groups);
    each shared weight sums the gradients of its copies,
      dC/dw[ci, co, a, b] = sum_{n, i, j} x[n, ci, i, j]
                                          * delta_pad[n, co, s_h i + d_h a, s_w j + d_w b];
      dC/db[co] = sum_{n, h, w} delta[n, co, h, w].
    An unbatched input (C_in, H, W) gives an unbatched output (C_out, H_out, W_out).
    """
    op = "conv_transpose2d"
    if input.ndim == 3 and weight.ndim == 4:
        return unbatched(op, conv_transpose2d, input, weight, bias, stride, padding,
                         output_padding, groups, dilation)
    x, w = input.data, weight.data
    g = _transpose_geometry(op, x.shape, w.shape, stride, padding, output_padding, groups, dilation)
    return _conv_transpose(op, input, weight, bias, g, None)


def conv_transpose1d(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int = 1,
    padding: int = 0,
    output_padding: int = 0,
    groups: int = 1,
    dilation: int = 1,
) -> Tensor:
    """Transposed 1-D convolution over (N, C_in, L), weight (C_in, C_out/groups, k); see
    :func:`conv_transpose2d` (this is it over a height-1 image); (C_in, L) is unbatched."""
    op = "conv_transpose1d"
    x_shape, w_shape = input.data.shape, weight.data.shape
    if len(x_shape) == 2 and len(w_shape) == 3:
        return unbatched(op, conv_transpose1d, input, weight, bias, stride, padding,
                         output_padding, groups, dilation)
    if len(x_shape) != 3 or len(w_shape) != 3:
        raise ValueError(f"{op}: input and weight must be 3-D, got {x_shape} and {w_shape}")
    one = lambda v, name: (1, _pair(v, name, op, 1)[0])  # noqa: E731
    g = _transpose_geometry(
        op,
        (x_shape[0], x_shape[1], 1, x_shape[2]),
        (w_shape[0], w_shape[1], 1, w_shape[2]),
        one(stride, "stride"),
        (0, _pair(padding, "padding", op, 1)[0]),
        (0, _pair(output_padding, "output_padding", op, 1)[0]),
        groups,
        one(dilation, "dilation"),
    )
    return _conv_transpose(op, input, weight, bias, g, (g.n, g.c, g.w))


def _conv_transpose(
    op: str,
    input: Tensor,  # noqa: A002
    weight: Tensor,
    bias: Tensor | None,
    g: K.ConvGeometry,
    out_shape: tuple[int, ...] | None,
) -> Tensor:
    x, w = input.data, weight.data
    b, parents, empty = checked_operands(op, input, weight, bias, g.c, (0, g.c, g.h, g.w), g.n,
                                         out_shape)
    if empty is not None:
        return empty
    w4 = w.reshape(g.o, g.cg, g.kh, g.kw)
    wp = K.prepare_weight(w4, g)
    x4 = x.reshape(x.shape[0], g.o, -1, x.shape[-1])
    h, wd = x4.shape[2:]
    if (g.ho, g.wo) != (h, wd):  # output_padding >= stride: zero rows/columns after x
        x4 = np.pad(x4, ((0, 0), (0, 0), (0, g.ho - h), (0, g.wo - wd)))
    xp = K.prepare_delta(x4, g)  # x plays the conv's delta
    y = K.input_grad(xp, wp, g)
    if b is not None:
        y = y + b.reshape(1, -1, 1, 1)
    if out_shape is not None:
        y = y.reshape(out_shape)

    def backward(delta: np.ndarray) -> tuple:
        d4 = delta.reshape(g.n, g.c, g.h, g.w)
        dq = K.prepare_input(d4, g) if (input.requires_grad or weight.requires_grad) else None
        gx = None
        if input.requires_grad:
            gx = K.forward(dq, wp, None, g)[:, :, :h, :wd].reshape(x.shape)
        gw = K.weight_grad(dq, xp, g).reshape(w.shape) if weight.requires_grad else None
        if bias is None:
            return gx, gw
        return gx, gw, (K.channel_sum(d4) if bias.requires_grad else None)

    return make_result(y, parents, backward, op)
