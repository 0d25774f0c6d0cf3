"""Convolutions (NCHW, PyTorch's names and arguments): conv1d, conv2d, conv_transpose2d.

A convolution slides one kernel over the image: every output position is the dot product of
the kernel with the patch of the input under it (its local receptive field), so the kernel's
weights are *shared* by all positions. Backward, as in the notes: the gradients are computed as
if every position had its own copy of the weights, then the gradients of the copies of each
shared weight are summed. The array kernels are in ``_conv_kernels.py``.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np

from ..tensor import Tensor, make_result
from . import _conv_kernels as K

__all__ = ["conv1d", "conv2d", "conv_transpose2d", "conv_transpose1d"]

IntPair = int | Sequence[int]


def _pair(v: IntPair, name: str, op: str, n: int = 2) -> tuple[int, ...]:
    if isinstance(v, int | np.integer) and not isinstance(v, bool):
        return (int(v),) * n
    try:
        t = tuple(int(e) for e in v)  # type: ignore[union-attr]
    except TypeError:
        raise TypeError(f"{op}: {name} must be an int or a tuple of {n} ints, got {v!r}") from None
    if len(t) == 1:
        t = t * n
    if len(t) != n:
        raise ValueError(f"{op}: {name} must be an int or a tuple of {n} ints, got {v!r}")
    return t


def _check_float(op: str, **arrays: np.ndarray | None) -> np.dtype:
    dtype = None
    for name, a in arrays.items():
        if a is None:
            continue
        if a.dtype.kind != "f":
            raise TypeError(f"{op}: {name} must be a floating point tensor, got dtype {a.dtype}")
        if dtype is None:
            dtype = a.dtype
        elif a.dtype != dtype:
            raise TypeError(
                f"{op}: {name} has dtype {a.dtype} but input has dtype {dtype} "
                "(cast one of them; deepgrad does not promote silently)"
            )
    assert dtype is not None
    return dtype


def _check_ranks(op: str, x_shape: tuple, w_shape: tuple, groups: object, w_layout: str) -> None:
    if len(x_shape) != 4:
        raise ValueError(f"{op}: input must be 4-D (N, C, H, W), got shape {x_shape}")
    if len(w_shape) != 4:
        raise ValueError(f"{op}: weight must be 4-D {w_layout}, got shape {w_shape}")
    if not isinstance(groups, int | np.integer) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")


def _geometry(
    op: str,
    x_shape: tuple[int, ...],
    w_shape: tuple[int, ...],
    stride: IntPair,
    padding: IntPair | str,
    dilation: IntPair,
    groups: int,
) -> K.ConvGeometry:
    """:func:`_new_geometry`, cached: a layer called again with the same shapes reuses its
    geometry and everything derived from it (Python work that batch-1 inference notices)."""
    try:
        return _cached_geometry(op, x_shape, w_shape, stride, padding, dilation, groups)
    except TypeError:  # unhashable arguments (lists): no caching
        return _new_geometry(op, x_shape, w_shape, stride, padding, dilation, groups)


def _new_geometry(
    op: str,
    x_shape: tuple[int, ...],
    w_shape: tuple[int, ...],
    stride: IntPair,
    padding: IntPair | str,
    dilation: IntPair,
    groups: int,
) -> K.ConvGeometry:
    """Validate a conv2d call on shapes (n, c, h, w) and (o, c/groups, kh, kw)."""
    _check_ranks(op, x_shape, w_shape, groups, "(out, in/groups, kH, kW)")
    n, c, h, w = x_shape
    o, cg, kh, kw = w_shape
    if c % groups or o % groups:
        raise ValueError(
            f"{op}: groups={groups} must divide both in_channels={c} (input shape {x_shape}) "
            f"and out_channels={o} (weight shape {w_shape})"
        )
    if cg * groups != c:
        raise ValueError(
            f"{op}: input has {c} channels (input shape {x_shape}) but weight expects "
            f"{cg * groups} = weight.shape[1] * groups (weight shape {w_shape}, groups={groups})"
        )
    sh, sw = _pair(stride, "stride", op)
    dh, dw = _pair(dilation, "dilation", op)
    if min(sh, sw, dh, dw) < 1:
        raise ValueError(f"{op}: stride and dilation must be >= 1, got {stride!r}, {dilation!r}")
    if isinstance(padding, str):
        if padding == "valid":
            pt = pb = pl = pr = 0
        elif padding == "same":
            if (sh, sw) != (1, 1):
                raise ValueError(f"{op}: padding='same' is not supported for strided convolutions")
            th, tw = dh * (kh - 1), dw * (kw - 1)  # total padding; the extra one goes last
            pt, pb, pl, pr = th // 2, th - th // 2, tw // 2, tw - tw // 2
        else:
            raise ValueError(
                f"{op}: padding must be 'same', 'valid', an int or a pair, got {padding!r}"
            )
    else:
        ph, pw = _pair(padding, "padding", op)
        if min(ph, pw) < 0:
            raise ValueError(f"{op}: padding must be >= 0, got {padding!r}")
        pt = pb = ph
        pl = pr = pw
    g = K.ConvGeometry(n, c, h, w, o, kh, kw, sh, sw, pt, pb, pl, pr, dh, dw, int(groups))
    if min(n, c, h, w, o, kh, kw) < 1:
        raise ValueError(
            f"{op}: empty tensors are not supported (input shape {x_shape}, weight shape {w_shape})"
        )
    if g.ho < 1 or g.wo < 1:
        raise ValueError(
            f"{op}: kernel size (dilated) ({dh * (kh - 1) + 1}, {dw * (kw - 1) + 1}) is larger "
            f"than the padded input ({h + pt + pb}, {w + pl + pr}) (input shape {x_shape}, weight "
            f"shape {w_shape}, padding {padding!r}, dilation {dilation!r})"
        )
    return g


_cached_geometry = functools.lru_cache(maxsize=512)(_new_geometry)


def _check_bias(op: str, bias: Tensor | None, channels: int) -> np.ndarray | None:
    if bias is None:
        return None
    if bias.data.shape != (channels,):
        raise ValueError(f"{op}: bias must have shape ({channels},), got {bias.data.shape}")
    return bias.data


def _conv(
    op: str,
    input: Tensor,  # noqa: A002
    weight: Tensor,
    bias: Tensor | None,
    g: K.ConvGeometry,
    out_shape: tuple[int, ...] | None,
) -> Tensor:
    x, w = input.data, weight.data
    b = _check_bias(op, bias, g.o)
    _check_float(op, input=x, weight=w, bias=b)
    x4 = x.reshape(g.n, g.c, g.h, g.w)
    xq = K.prepare_input(x4, g)
    wp = K.prepare_weight(w.reshape(g.o, g.cg, g.kh, g.kw), g)
    y = K.forward(xq, wp, b, g)
    if out_shape is not None:
        y = y.reshape(out_shape)

    def backward(delta: np.ndarray) -> tuple:
        dp = K.prepare_delta(delta.reshape(g.n, g.o, g.ho, g.wo), g)
        gx = K.input_grad(dp, wp, g).reshape(x.shape) if input.requires_grad else None
        want_b = bias is not None and bias.requires_grad
        gw = gb = None
        if weight.requires_grad:  # the bias gradient rides along the weight gradient's pass
            gw, gb = K.weight_bias_grad(xq, dp, g, want_b)
            gw = gw.reshape(w.shape)
        elif want_b:
            gb = K.bias_grad(dp, g)
        return (gx, gw) if bias is None else (gx, gw, gb)

    parents = (input, weight) if bias is None else (input, weight, bias)
    return make_result(y, parents, backward, op)


def conv2d(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    bias: Tensor | None = None,
    stride: IntPair = 1,
    padding: IntPair | str = 0,
    dilation: IntPair = 1,
    groups: int = 1,
) -> Tensor:
    """2-D convolution (cross-correlation, as in every DL library), NCHW.

    y[n, o, i, j] = b[o] + sum_{c, a, b} x_pad[n, c, s_h i + d_h a, s_w j + d_w b] w[o, c, a, b]
    (with groups, c runs over the input channels of o's group only).

    input (N, C, H, W), weight (O, C/groups, kH, kW), bias (O,). ``padding``: int, (pH, pW),
    'valid' (none) or 'same' (output size = input size, stride 1; an odd total pads one more
    at the bottom/right, like PyTorch). Output (N, O, H_out, W_out) with
    H_out = floor((H + 2 pH - d_h (kH - 1) - 1) / s_h) + 1.

    Backward (delta = dC/dy; every weight is shared by all output positions, so its gradient is
    the sum of the gradients its copies would get):
      dC/dw[o, c, a, b] = sum_{n, i, j} delta[n, o, i, j] x_pad[n, c, s_h i + d_h a, s_w j + d_w b]
      dC/dx_pad[n, c, h, w] = sum_{o, a, b, i, j: s_h i + d_h a = h, s_w j + d_w b = w}
                                  delta[n, o, i, j] w[o, c, a, b]   (a transposed convolution)
      dC/db[o] = sum_{n, i, j} delta[n, o, i, j]
    The output is an NCHW-shaped array whose memory is channels-last (NHWC).
    """
    g = _geometry("conv2d", input.data.shape, weight.data.shape, stride, padding, dilation, groups)
    return _conv("conv2d", input, weight, bias, g, None)


def conv1d(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] | str = 0,
    dilation: int | Sequence[int] = 1,
    groups: int = 1,
) -> Tensor:
    """1-D convolution over (N, C, L) with weight (O, C/groups, k), bias (O,).

    y[n, o, i] = b[o] + sum_{c, a} x_pad[n, c, s i + d a] w[o, c, a];  L_out =
    floor((L + 2p - d (k - 1) - 1) / s) + 1. Computed as conv2d over a height-1 image, so its
    backward is conv2d's: dC/dw[o, c, a] = sum_{n, i} delta[n, o, i] x_pad[n, c, s i + d a],
    dC/dx by the transposed convolution, dC/db[o] = sum_{n, i} delta[n, o, i].
    """
    x_shape, w_shape = input.data.shape, weight.data.shape
    if len(x_shape) != 3:
        raise ValueError(f"conv1d: input must be 3-D (N, C, L), got shape {x_shape}")
    if len(w_shape) != 3:
        raise ValueError(f"conv1d: weight must be 3-D (out, in/groups, k), got shape {w_shape}")
    s = _pair(stride, "stride", "conv1d", 1)[0]
    d = _pair(dilation, "dilation", "conv1d", 1)[0]
    p: tuple[int, int] | str = (
        padding if isinstance(padding, str) else (0, _pair(padding, "padding", "conv1d", 1)[0])
    )
    g = _geometry(
        "conv1d",
        (x_shape[0], x_shape[1], 1, x_shape[2]),
        (w_shape[0], w_shape[1], 1, w_shape[2]),
        (1, s),
        p,
        (1, d),
        groups,
    )
    return _conv("conv1d", input, weight, bias, g, (g.n, g.o, g.wo))


def _transpose_geometry(
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
    if min(n, c, h, w, og, kh, kw) < 1:
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
    g = K.ConvGeometry(
        n, og * groups, hout, wout, c, kh, kw, sh, sw, ph, ph, pw, pw, dh, dw, int(groups)
    )
    assert (g.ho, g.wo) == (h, w)
    return g


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
    """
    op = "conv_transpose2d"
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
    :func:`conv_transpose2d` (this is it over a height-1 image)."""
    op = "conv_transpose1d"
    x_shape, w_shape = input.data.shape, weight.data.shape
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
    b = _check_bias(op, bias, g.c)
    _check_float(op, input=x, weight=w, bias=b)
    w4 = w.reshape(g.o, g.cg, g.kh, g.kw)
    wp = K.prepare_weight(w4, g)
    xp = K.prepare_delta(x.reshape(g.n, g.o, g.ho, g.wo), g)  # x plays the conv's delta
    y = K.input_grad(xp, wp, g)
    if b is not None:
        y = y + b.reshape(1, -1, 1, 1)
    if out_shape is not None:
        y = y.reshape(out_shape)

    def backward(delta: np.ndarray) -> tuple:
        d4 = delta.reshape(g.n, g.c, g.h, g.w)
        dq = K.prepare_input(d4, g) if (input.requires_grad or weight.requires_grad) else None
        gx = K.forward(dq, wp, None, g).reshape(x.shape) if input.requires_grad else None
        gw = K.weight_grad(dq, xp, g).reshape(w.shape) if weight.requires_grad else None
        if bias is None:
            return gx, gw
        return gx, gw, (K.channel_sum(d4) if bias.requires_grad else None)

    parents = (input, weight) if bias is None else (input, weight, bias)
    return make_result(y, parents, backward, op)
