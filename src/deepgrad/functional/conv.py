"""Convolutions (NCHW, PyTorch's names and arguments): conv1d, conv2d, conv_transpose2d.

A convolution slides one kernel over the image: every output position is the dot product of
the kernel with the patch of the input under it (its local receptive field), so the kernel's
weights are *shared* by all positions. Backward, as in the notes: the gradients are computed as
if every position had its own copy of the weights, then the gradients of the copies of each
shared weight are summed.

Read ``conv_plain.py`` first: the same convolution as the notes compute it (im2col, one matrix
product, col2im for the backward). ``conv2d`` here computes the same numbers without the column
matrix, with the kernels of ``_conv_kernels.py`` (tests: plain == fast == PyTorch).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np

from ..tensor import Tensor, make_result
from . import _conv_kernels as K
from .depthwise import depthwise_conv2d, is_depthwise

__all__ = ["conv1d", "conv2d"]

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
        raise ValueError(
            f"{op}: input must be 4-D (N, C, H, W) or 3-D (C, H, W), got shape {x_shape}"
        )
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
    if min(c, h, w, o, kh, kw) < 1:  # (an empty batch, n = 0, gives an empty output)
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


def checked_operands(op: str, input: Tensor, weight: Tensor, bias: Tensor | None,  # noqa: A002
                     channels: int, empty_shape: tuple[int, ...], n: int,
                     out_shape: tuple[int, ...] | None
                     ) -> tuple[np.ndarray | None, tuple[Tensor, ...], Tensor | None]:
    """The checks every convolution makes: bias of ``channels`` values, one float dtype; its
    parents; and, for an empty batch (n = 0), the empty result with zero gradients (as PyTorch)
    that the caller returns as is."""
    b = _check_bias(op, bias, channels)
    _check_float(op, input=input.data, weight=weight.data, bias=b)
    parents = (input, weight) if bias is None else (input, weight, bias)
    if n:
        return b, parents, None
    shape = empty_shape if out_shape is None else (0,) + out_shape[1:]
    empty = make_result(np.zeros(shape, input.data.dtype), parents, _zero_grads(parents), op)
    return b, parents, empty


def _conv(
    op: str,
    input: Tensor,  # noqa: A002
    weight: Tensor,
    bias: Tensor | None,
    g: K.ConvGeometry,
    out_shape: tuple[int, ...] | None,
) -> Tensor:
    x, w = input.data, weight.data
    b, parents, empty = checked_operands(op, input, weight, bias, g.o, (0, g.o, g.ho, g.wo),
                                         g.n, out_shape)
    if empty is not None:
        return empty
    if out_shape is None and is_depthwise(g.c, g.o, g.groups, (g.dh, g.dw)):
        return depthwise_conv2d(input, weight, bias, (g.sh, g.sw), (g.pt, g.pb, g.pl, g.pr))
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

    return make_result(y, parents, backward, op)


def _zero_grads(parents: Sequence[Tensor]):
    def backward(delta: np.ndarray) -> tuple:
        return tuple(np.zeros(p.data.shape, p.data.dtype) for p in parents)

    return backward


def unbatched(op: str, fn, input: Tensor, weight: Tensor, *args, **kwargs) -> Tensor:  # noqa: A002
    """``fn`` on an input without its batch dim ((C, H, W) or (C, L), as PyTorch accepts):
    run it on a batch of one and drop that dim again (the gradient flows through both)."""
    from .shape import reshape

    if input.ndim != weight.ndim - 1:
        raise ValueError(f"{op}: unexpected input shape {input.shape}")
    out = fn(reshape(input, (1,) + input.shape), weight, *args, **kwargs)
    return reshape(out, out.shape[1:])


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
    The output is an NCHW-shaped array whose memory is channels-last (NHWC). An unbatched
    input (C, H, W) gives an unbatched output (O, H_out, W_out).
    """
    if input.ndim == 3 and weight.ndim == 4:
        return unbatched("conv2d", conv2d, input, weight, bias, stride, padding, dilation, groups)
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
    An unbatched input (C, L) gives an unbatched output (O, L_out).
    """
    x_shape, w_shape = input.data.shape, weight.data.shape
    if len(x_shape) == 2 and len(w_shape) == 3:
        return unbatched("conv1d", conv1d, input, weight, bias, stride, padding, dilation, groups)
    if len(x_shape) != 3:
        raise ValueError(
            f"conv1d: input must be 3-D (N, C, L) or 2-D (C, L), got shape {x_shape}"
        )
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
