"""ONNX for deepgrad's layers, one converter per layer class: ``convert(ctx, call) -> names``.

Each converter reads the layer's settings (kernel sizes, strides, paddings, eps, ...) and its
parameters (written as initializers under their state-dict names, ``features.0.weight``), and
returns the names of the call's output tensors in order. Layers are exported as in eval mode:
batch norm with its running statistics, dropout as the identity.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import nn
from ..nn.conv import _same_pads
from .ops import reshape_to
from .trace import Call, ExportError, describe

__all__ = ["CONVERTERS", "activation"]


def _input(ctx, call: Call) -> tuple[str, Any]:
    x = call.args[0]
    return ctx.name(x), x


def _ints(v: Any, n: int) -> list[int]:
    return [int(v)] * n if isinstance(v, int | np.integer) else [int(a) for a in v]


def _scalar(ctx, value: float, dtype: np.dtype) -> str:
    return ctx.g.const(np.asarray(value, dtype=dtype), hint="scalar")


# ----------------------------------------------------------------------------- activations
def _gelu(ctx, m: Any, x: str, dtype: np.dtype) -> str:
    g = ctx.g
    half = g.op("Mul", [x, _scalar(ctx, 0.5, dtype)])
    if m.approximate == "tanh":  # 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))
        cube = g.op("Mul", [g.op("Mul", [x, x]), x])
        inner = g.op("Add", [x, g.op("Mul", [cube, _scalar(ctx, 0.044715, dtype)])])
        t = g.op("Tanh", [g.op("Mul", [inner, _scalar(ctx, math.sqrt(2 / math.pi), dtype)])])
    else:  # 0.5 x (1 + erf(x / sqrt 2))
        t = g.op("Erf", [g.op("Div", [x, _scalar(ctx, math.sqrt(2.0), dtype)])])
    return g.op("Mul", [half, g.op("Add", [t, _scalar(ctx, 1.0, dtype)])])


def _softplus(ctx, m: Any, x: str, dtype: np.dtype) -> str:
    """log(1 + exp(beta x)) / beta, and x itself where beta x > threshold (PyTorch's rule)."""
    g = ctx.g
    bx = g.op("Mul", [x, _scalar(ctx, m.beta, dtype)])
    soft = g.op("Div", [g.op("Softplus", [bx]), _scalar(ctx, m.beta, dtype)])
    above = g.op("Greater", [bx, _scalar(ctx, m.threshold, dtype)])
    return g.op("Where", [above, x, soft])


ACTIVATIONS: dict[type, Callable] = {
    nn.ReLU: lambda ctx, m, x, dt: ctx.g.op("Relu", [x]),
    nn.Sigmoid: lambda ctx, m, x, dt: ctx.g.op("Sigmoid", [x]),
    nn.Tanh: lambda ctx, m, x, dt: ctx.g.op("Tanh", [x]),
    nn.LeakyReLU: lambda ctx, m, x, dt: ctx.g.op("LeakyRelu", [x],
                                                 alpha=float(m.negative_slope)),
    nn.ELU: lambda ctx, m, x, dt: ctx.g.op("Elu", [x], alpha=float(m.alpha)),
    nn.SELU: lambda ctx, m, x, dt: ctx.g.op("Selu", [x], alpha=float(m.alpha),
                                            gamma=float(m.scale)),
    nn.ReLU6: lambda ctx, m, x, dt: ctx.g.op("Clip", [x, _scalar(ctx, 0.0, dt),
                                                      _scalar(ctx, 6.0, dt)]),
    nn.SiLU: lambda ctx, m, x, dt: ctx.g.op("Mul", [x, ctx.g.op("Sigmoid", [x])]),
    nn.Softmax: lambda ctx, m, x, dt: ctx.g.op("Softmax", [x], axis=int(m.dim)),
    nn.LogSoftmax: lambda ctx, m, x, dt: ctx.g.op("LogSoftmax", [x], axis=int(m.dim)),
    nn.GELU: _gelu,
    nn.Softplus: _softplus,
}


def activation(ctx, fn: Any, x: str, dtype: np.dtype, where: str) -> str:
    """A layer's ``activation=`` (a Module from ``get_activation``), or an error naming it."""
    if fn is None:
        return x
    convert = ACTIVATIONS.get(type(fn))
    if convert is None:
        raise ExportError(f"cannot export the activation {fn!r} of {where}: only activation "
                          f"layers convert ({', '.join(sorted(c.__name__ for c in ACTIVATIONS))})")
    return convert(ctx, fn, x, dtype)


def _activation_layer(ctx, call: Call) -> list[str]:
    x, xt = _input(ctx, call)
    return [ACTIVATIONS[type(call.module)](ctx, call.module, x, xt.dtype)]


# ----------------------------------------------------------------------------- dense
def _linear(ctx, call: Call) -> list[str]:
    """out = x W^T + b: Gemm for a batch of vectors, MatMul + Add for (*, in_features)."""
    m = call.module
    x, xt = _input(ctx, call)
    w = ctx.param(m, "weight")
    b = [ctx.param(m, "bias")] if m.bias is not None else []
    if xt.ndim == 2:
        y = ctx.g.op("Gemm", [x, w, *b], transB=1, name="gemm")
    else:
        y = ctx.g.op("MatMul", [x, ctx.g.op("Transpose", [w], perm=[1, 0])])
        if b:
            y = ctx.g.op("Add", [y, b[0]])
    return [activation(ctx, getattr(m, "activation", None), y, xt.dtype,
                       describe(call.path, m))]


def _identity(ctx, call: Call) -> list[str]:
    return [ctx.g.op("Identity", [ctx.name(call.args[0])])]


def _flatten(ctx, call: Call) -> list[str]:
    m = call.module
    x, xt = _input(ctx, call)
    end = m.end_dim % xt.ndim if xt.ndim else 0
    if m.start_dim == 1 and end == xt.ndim - 1 and xt.ndim >= 2:
        return [ctx.g.op("Flatten", [x], axis=1)]
    return [reshape_to(ctx, x, tuple(xt.shape), tuple(call.outputs[0].shape), "flatten")]


def _unflatten(ctx, call: Call) -> list[str]:
    x, xt = _input(ctx, call)
    return [reshape_to(ctx, x, tuple(xt.shape), tuple(call.outputs[0].shape), "unflatten")]


def _embedding(ctx, call: Call) -> list[str]:
    x, _ = _input(ctx, call)
    return [ctx.g.op("Gather", [ctx.param(call.module, "weight"), x], axis=0)]


# ----------------------------------------------------------------------------- convolutions
def _conv(ctx, call: Call) -> list[str]:
    """Conv1d/Conv2d: ONNX Conv; padding='same' as the explicit (possibly uneven) pads the
    layer computes for the traced input size."""
    m = call.module
    x, xt = _input(ctx, call)
    if m.padding_mode != "zeros" and (m.padding == "same" or any(m.padding)):
        raise ExportError(f"cannot export {describe(call.path, m)}: padding_mode="
                          f"{m.padding_mode!r} (only 'zeros' converts)")
    if m.padding == "same":
        pairs = [_same_pads(n, k, s, d) for n, k, s, d in
                 zip(xt.shape[2:], m.kernel_size, m.stride, m.dilation, strict=True)]
        pads = [a for a, _ in pairs] + [b for _, b in pairs]
    else:
        pads = list(m.padding) * 2
    b = [ctx.param(m, "bias")] if m.bias is not None else []
    y = ctx.g.op("Conv", [x, ctx.param(m, "weight"), *b], kernel_shape=list(m.kernel_size),
                 strides=list(m.stride), pads=pads, dilations=list(m.dilation), group=m.groups,
                 name="conv")
    return [activation(ctx, m.activation, y, xt.dtype, describe(call.path, m))]


def _conv_transpose(ctx, call: Call) -> list[str]:
    m = call.module
    x, xt = _input(ctx, call)
    size = call.kwargs.get("output_size", call.args[1] if len(call.args) > 1 else None)
    out_pad = list(m._output_padding(xt, size))
    b = [ctx.param(m, "bias")] if m.bias is not None else []
    y = ctx.g.op("ConvTranspose", [x, ctx.param(m, "weight"), *b],
                 kernel_shape=list(m.kernel_size), strides=list(m.stride),
                 pads=list(m.padding) * 2, dilations=list(m.dilation), group=m.groups,
                 output_padding=out_pad, name="conv_transpose")
    return [activation(ctx, m.activation, y, xt.dtype, describe(call.path, m))]


# ----------------------------------------------------------------------------- pooling
def _max_pool(ctx, call: Call) -> list[str]:
    m = call.module
    if m.return_indices:
        raise ExportError(f"cannot export {describe(call.path, m)} with return_indices=True")
    x, _ = _input(ctx, call)
    return [ctx.g.op("MaxPool", [x], kernel_shape=_ints(m.kernel_size, 2),
                     strides=_ints(m.stride, 2), pads=_ints(m.padding, 2) * 2,
                     dilations=_ints(m.dilation, 2), ceil_mode=int(bool(m.ceil_mode)))]


def _avg_pool(ctx, call: Call) -> list[str]:
    m = call.module
    x, _ = _input(ctx, call)
    return [ctx.g.op("AveragePool", [x], kernel_shape=_ints(m.kernel_size, 2),
                     strides=_ints(m.stride, 2), pads=_ints(m.padding, 2) * 2,
                     count_include_pad=int(bool(m.count_include_pad)),
                     ceil_mode=int(bool(m.ceil_mode)))]


def _adaptive_avg_pool(ctx, call: Call) -> list[str]:
    """Global average pooling for output size 1; windows of equal size when the input size is
    a multiple of the output size; anything else (overlapping windows) is refused."""
    m = call.module
    x, xt = _input(ctx, call)
    out = tuple(call.outputs[0].shape[2:])
    if out == (1, 1):
        return [ctx.g.op("GlobalAveragePool", [x])]
    h, w = xt.shape[2:]
    if h % out[0] or w % out[1]:
        raise ExportError(f"cannot export {describe(call.path, m)}: input {h}x{w} is not a "
                          f"multiple of the output size {out[0]}x{out[1]}")
    k = [h // out[0], w // out[1]]
    return [ctx.g.op("AveragePool", [x], kernel_shape=k, strides=k)]


def _global_pool(op_type: str) -> Callable:
    def convert(ctx, call: Call) -> list[str]:
        x, _ = _input(ctx, call)
        y = ctx.g.op(op_type, [x])
        return [y if call.module.keepdims else ctx.g.op("Flatten", [y], axis=1)]

    return convert


# ----------------------------------------------------------------------------- normalization
def _batch_norm(ctx, call: Call) -> list[str]:
    """out = gamma (x - running_mean) / sqrt(running_var + eps) + beta (inference)."""
    m = call.module
    if m.running_mean is None or m.running_var is None:
        raise ExportError(f"cannot export {describe(call.path, m)}: without running statistics "
                          "(track_running_stats=False) it normalizes by each batch's own")
    x, xt = _input(ctx, call)
    c = m.num_features
    dt = m.running_mean.dtype
    scale = ctx.param(m, "weight") if m.weight is not None else ctx.g.const(np.ones(c, dt))
    bias = ctx.param(m, "bias") if m.bias is not None else ctx.g.const(np.zeros(c, dt))
    return [ctx.g.op("BatchNormalization", [x, scale, bias, ctx.param(m, "running_mean"),
                                            ctx.param(m, "running_var")],
                     epsilon=float(m.eps), name="batch_norm")]


def _layer_norm(ctx, call: Call) -> list[str]:
    m = call.module
    x, xt = _input(ctx, call)
    shape = m.normalized_shape
    dt = xt.dtype
    scale = ctx.param(m, "weight") if m.weight is not None else ctx.g.const(np.ones(shape, dt))
    bias = (ctx.param(m, "bias") if getattr(m, "bias", None) is not None
            else ctx.g.const(np.zeros(shape, dt)))
    return [ctx.g.op("LayerNormalization", [x, scale, bias], axis=-len(shape),
                     epsilon=float(m.eps), name="layer_norm")]


def _converters() -> dict[type, Callable]:
    from .recurrent import RECURRENT

    table: dict[type, Callable] = {c: _activation_layer for c in ACTIVATIONS}
    table.update({
        nn.Linear: _linear, nn.LazyLinear: _linear, nn.Dense: _linear,
        nn.Identity: _identity, nn.Dropout: _identity, nn.Dropout2d: _identity,
        nn.Flatten: _flatten, nn.Unflatten: _unflatten, nn.Embedding: _embedding,
        nn.Conv1d: _conv, nn.Conv2d: _conv, nn.LazyConv2d: _conv,
        nn.ConvTranspose2d: _conv_transpose,
        nn.MaxPool2d: _max_pool, nn.AvgPool2d: _avg_pool,
        nn.AdaptiveAvgPool2d: _adaptive_avg_pool,
        nn.GlobalAvgPool2d: _global_pool("GlobalAveragePool"),
        nn.GlobalMaxPool2d: _global_pool("GlobalMaxPool"),
        nn.BatchNorm1d: _batch_norm, nn.BatchNorm2d: _batch_norm, nn.BatchNorm3d: _batch_norm,
        nn.LayerNorm: _layer_norm,
    })
    table.update(RECURRENT)
    return table


CONVERTERS = _converters()
