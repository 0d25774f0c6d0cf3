"""ONNX for the ops a model's own ``forward`` applies between its layers.

Only ops whose meaning the autodiff graph fully records (the inputs, the output's shape) are
converted here: elementwise arithmetic and activations, matmul, ``linear``, concatenation (its
axis read off the shapes) and the reshapes (flatten, view, squeeze, unsqueeze). An op whose
arguments live only inside its backward closure (a softmax's dim, a transpose's axes) is
refused naming it and its module: wrap it in a layer (``nn.Softmax(dim)``) to export it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..tensor import Tensor

__all__ = ["OPS", "reshape_to"]


def reshape_to(ctx, x: str, in_shape: tuple, out_shape: tuple, hint: str = "reshape") -> str:
    """Reshape to ``out_shape``, keeping dim 0 free (ONNX's 0 = "as the input") when the traced
    shapes agree on it, so a batch of another size runs through."""
    target = list(out_shape)
    if target and in_shape and target[0] == in_shape[0] and 0 not in in_shape:
        target[0] = 0
    return ctx.g.op("Reshape", [x, ctx.g.const(target, np.int64, "shape")], name=hint)


def _cast_to(ctx, t: Tensor, parents: list[Tensor], names: list[str]) -> list[str]:
    out = []
    for p, n in zip(parents, names, strict=True):
        if p.dtype != t.dtype:
            if p._backward is None and not p.requires_grad:  # a constant: write it cast
                n = ctx.g.const(p.data.astype(t.dtype), hint="const")
            else:
                from onnx import helper

                n = ctx.g.op("Cast", [n], to=helper.np_dtype_to_tensor_dtype(t.dtype))
        out.append(n)
    return out


def _binary(op_type: str) -> Callable:
    def convert(ctx, t: Tensor, names: list[str]) -> str:
        return ctx.g.op(op_type, _cast_to(ctx, t, list(t._parents), names))

    return convert


def _unary(op_type: str) -> Callable:
    def convert(ctx, t: Tensor, names: list[str]) -> str:
        return ctx.g.op(op_type, names[:1])

    return convert


def _reshape(ctx, t: Tensor, names: list[str]) -> str:
    return reshape_to(ctx, names[0], tuple(t._parents[0].shape), tuple(t.shape))


def _linear(ctx, t: Tensor, names: list[str]) -> str:
    """F.linear(x, W, b) = x W^T + b."""
    w = ctx.g.op("Transpose", [names[1]], perm=[1, 0])
    y = ctx.g.op("MatMul", [names[0], w])
    return ctx.g.op("Add", [y, names[2]]) if len(names) > 2 else y


def _cat(ctx, t: Tensor, names: list[str]) -> str:
    shapes = [p.shape for p in t._parents]
    axes = [d for d in range(t.ndim)
            if sum(s[d] for s in shapes) == t.shape[d]
            and all(s[:d] + s[d + 1:] == t.shape[:d] + t.shape[d + 1:] for s in shapes)]
    if len(axes) != 1:
        from .trace import ExportError

        raise ExportError(f"cannot export a cat of shapes {shapes} into {tuple(t.shape)}: its "
                          "axis cannot be read off the shapes")
    return ctx.g.op("Concat", _cast_to(ctx, t, list(t._parents), names), axis=axes[0])


OPS: dict[str, Callable] = {
    "add": _binary("Add"), "sub": _binary("Sub"), "mul": _binary("Mul"), "div": _binary("Div"),
    "matmul": _binary("MatMul"), "maximum": _binary("Max"), "minimum": _binary("Min"),
    "neg": _unary("Neg"), "relu": _unary("Relu"), "sigmoid": _unary("Sigmoid"),
    "tanh": _unary("Tanh"), "exp": _unary("Exp"), "log": _unary("Log"), "sqrt": _unary("Sqrt"),
    "abs": _unary("Abs"), "reshape": _reshape, "unsqueeze": _reshape, "linear": _linear,
    "cat": _cat,
}
