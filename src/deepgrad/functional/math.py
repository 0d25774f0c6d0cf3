"""Elementwise arithmetic and matrix multiplication, each with its backward beside it.

Notation: ``delta`` is dC/d(out), the gradient flowing back from the cost C. Broadcasting is
undone by the engine (``unbroadcast``), so each backward returns full-shape gradients.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor, make_result
from ._promote import float_dtype, result_type

__all__ = [
    "add",
    "sub",
    "mul",
    "div",
    "neg",
    "pow",
    "matmul",
    "mm",
    "bmm",
    "exp",
    "log",
    "sqrt",
    "abs",
    "where",
    "maximum",
    "minimum",
    "cast",
    "square",
    "sin",
    "cos",
    "reciprocal",
    "sign",
    "lift",
]


def lift(x: Any, like: Tensor | None = None) -> Tensor:
    """``x`` as a Tensor; a Python or NumPy number takes the dtype of ``like`` (no promotion)."""
    if isinstance(x, Tensor):
        return x
    if like is not None and like.data.dtype.kind == "f":
        arr = np.asarray(x)
        if arr.dtype.kind in "biuf":
            return Tensor(arr, dtype=like.data.dtype)
    return Tensor(x)


def _floating(t: Tensor) -> np.ndarray:
    """The data of an op that computes in floating point: integers become the default float
    (float32), as PyTorch."""
    x = t.data
    return x if x.dtype.kind in "fc" else x.astype(float_dtype(x.dtype))


def _pair(a: Any, b: Any) -> tuple[Tensor, Tensor]:
    if isinstance(a, Tensor):
        return a, lift(b, a)
    return lift(a, b), b


def _binary(op: str, fn: Any, a: Tensor, b: Tensor, dt: np.dtype | None = None) -> np.ndarray:
    """fn(a, b) on the arrays, both in ``dt`` (PyTorch's result type, see ``_promote``), with an
    error naming the op and both shapes."""
    x, y = a.data, b.data
    if dt is not None:
        x = x if x.dtype == dt else x.astype(dt)
        y = y if y.dtype == dt else y.astype(dt)
    try:
        return fn(x, y)
    except ValueError:
        raise ValueError(
            f"{op}: shapes {a.shape} (first argument) and {b.shape} (second argument) "
            "cannot be broadcast together"
        ) from None


def add(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """out = a + alpha b (torch.add);  dC/da = delta,  dC/db = alpha delta."""
    dt = result_type(input, other)
    a, b = _pair(input, other)
    if alpha is not None and not (isinstance(alpha, int | float) and alpha == 1):
        return _scaled("add", a, b, alpha, 1, dt)

    def backward(delta: np.ndarray) -> tuple:
        return delta, delta

    return make_result(_binary("add", np.add, a, b, dt), (a, b), backward, "add")


def sub(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """out = a - alpha b (torch.sub);  dC/da = delta,  dC/db = -alpha delta."""
    dt = result_type(input, other)
    a, b = _pair(input, other)
    if a.dtype == bool or b.dtype == bool:
        raise TypeError(
            "sub: subtraction with a bool tensor is not supported (as PyTorch); to invert a "
            "mask use ~mask or logical_not"
        )
    if alpha is not None and not (isinstance(alpha, int | float) and alpha == 1):
        return _scaled("sub", a, b, alpha, -1, dt)

    def backward(delta: np.ndarray) -> tuple:
        return delta, (-delta if b.requires_grad else None)

    return make_result(_binary("sub", np.subtract, a, b, dt), (a, b), backward, "sub")


def _scaled(op: str, a: Tensor, b: Tensor, alpha: Any, sign: int, dt: np.dtype) -> Tensor:
    """out = a + sign alpha b, alpha a number (a Python or NumPy scalar, as torch's alpha)."""
    if isinstance(alpha, Tensor) or np.ndim(alpha) != 0 or isinstance(alpha, bool | str):
        raise TypeError(f"{op}: alpha must be a number, got {alpha!r}")
    kind = np.asarray(alpha).dtype.kind
    if kind == "f" and a.dtype.kind in "biu" and b.dtype.kind in "biu":
        raise TypeError(f"{op}: for integer tensors alpha must be an integer, got {alpha!r}")
    k = dt.type(alpha) * sign if dt.kind in "fc" else sign * alpha
    out = _binary(op, lambda x, y: x + k * y, a, b, dt)

    def backward(delta: np.ndarray) -> tuple:
        return delta, (delta * delta.dtype.type(k) if b.requires_grad else None)

    return make_result(np.asarray(out), (a, b), backward, op)


def mul(input: Any, other: Any) -> Tensor:
    """out = a * b;  dC/da = delta * b,  dC/db = delta * a."""
    dt = result_type(input, other)
    a, b = _pair(input, other)

    def backward(delta: np.ndarray) -> tuple:
        return (
            delta * b.data if a.requires_grad else None,
            delta * a.data if b.requires_grad else None,
        )

    return make_result(_binary("mul", np.multiply, a, b, dt), (a, b), backward, "mul")


def div(input: Any, other: Any, *, rounding_mode: str | None = None) -> Tensor:
    """out = a / b;  dC/da = delta / b,  dC/db = -delta * a / b^2.

    ``rounding_mode`` 'trunc' or 'floor' rounds the quotient (torch.div): piecewise constant, so
    both gradients are 0 (as PyTorch).
    """
    dt = result_type(input, other)
    a, b = _pair(input, other)
    if rounding_mode is not None:
        rnd = {"trunc": np.trunc, "floor": np.floor}.get(rounding_mode)
        if rnd is None:
            raise ValueError(
                f"div: rounding_mode must be None, 'trunc' or 'floor', got {rounding_mode!r}"
            )
        if a.dtype.kind in "biu" and b.dtype.kind in "biu":
            q = np.floor_divide(a.data, b.data) if rounding_mode == "floor" else np.trunc(
                np.true_divide(a.data, b.data)).astype(np.result_type(a.data, b.data))
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                q = rnd(_binary("div", np.true_divide, a, b, dt))
        return make_result(np.asarray(q), (a, b), lambda d: (np.zeros_like(d), np.zeros_like(d)),
                           "div")
    out = _binary("div", np.true_divide, a, b, float_dtype(dt))

    def backward(delta: np.ndarray) -> tuple:
        ga = delta / b.data if a.requires_grad else None
        gb = -delta * out / b.data if b.requires_grad else None
        return ga, gb

    return make_result(out, (a, b), backward, "div")


def neg(input: Tensor) -> Tensor:
    """out = -a;  dC/da = -delta."""

    def backward(delta: np.ndarray) -> tuple:
        return (-delta,)

    return make_result(-input.data, (input,), backward, "neg")


def pow(input: Any, exponent: Any) -> Tensor:  # noqa: A001
    """out = a ** b;  dC/da = delta * b * a^(b-1),  dC/db = delta * out * log(a).

    As PyTorch: dC/da = 0 where b = 0 (also at a = 0), and dC/db = 0 where a = 0 and b >= 0
    (the limits, instead of 0 * inf).
    """
    a, b = input, exponent
    if isinstance(b, int | float) and not isinstance(b, bool) and isinstance(a, Tensor):
        x = a.data.astype(result_type(a, b), copy=False)
        p = b
        out = x**p

        def backward_scalar(delta: np.ndarray) -> tuple:
            if p == 0:
                return (np.zeros_like(delta),)
            if p == 2:
                return (delta * (2 * x),)
            if p == 1:
                return (delta,)
            return (delta * (p * x ** (p - 1)),)

        return make_result(out, (a,), backward_scalar, "pow")
    a, b = _pair(a, b)
    out = _binary("pow", np.power, a, b, result_type(input, exponent))

    def backward(delta: np.ndarray) -> tuple:
        ga = gb = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if a.requires_grad:
                ga = np.where(b.data == 0, 0, delta * b.data * a.data ** (b.data - 1))
            if b.requires_grad:
                gb = np.where((a.data == 0) & (b.data >= 0), 0, delta * out * np.log(a.data))
        return ga, gb

    return make_result(out, (a, b), backward, "pow")


def matmul(input: Any, other: Any) -> Tensor:
    """out = a @ b (batched, broadcasting);  dC/da = delta @ b^T,  dC/db = a^T @ delta."""
    a, b = _pair(input, other)
    x, w = a.data, b.data
    if x.ndim == 0 or w.ndim == 0:
        raise ValueError(
            f"matmul: both arguments need at least 1 dimension, got {x.shape} @ {w.shape}"
        )
    if x.shape[-1] != w.shape[-2 if w.ndim > 1 else 0]:
        raise ValueError(
            f"matmul: inner dimensions differ: a has shape {x.shape}, b has shape {w.shape}"
        )
    out = x @ w

    def backward(delta: np.ndarray) -> tuple:
        # treat 1-D operands as a row (x) or a column (w); the engine sums broadcast batch dims
        d = delta
        if w.ndim == 1:
            d = d[..., None]
        if x.ndim == 1:
            d = d[..., None, :]
        ga = gb = None
        if a.requires_grad:
            ww = w[:, None] if w.ndim == 1 else w
            ga = d @ np.swapaxes(ww, -1, -2)
            if x.ndim == 1:
                ga = ga[..., 0, :]
        if b.requires_grad:
            xx = x[None, :] if x.ndim == 1 else x
            gb = np.swapaxes(xx, -1, -2) @ d
            if w.ndim == 1:
                gb = gb[..., 0]
        return ga, gb

    return make_result(out, (a, b), backward, "matmul")


def mm(input: Any, mat2: Any) -> Tensor:  # noqa: A002  (PyTorch's names)
    """out = input @ mat2 for two matrices (2-D only, as ``torch.mm``; ``matmul`` broadcasts)."""
    for name, m in (("input", input), ("mat2", mat2)):
        shape = np.shape(m.data if isinstance(m, Tensor) else m)
        if len(shape) != 2:
            raise RuntimeError(f"mm: {name} must be a matrix (2-D), got shape {shape}")
    return matmul(input, mat2)


def bmm(input: Any, mat2: Any) -> Tensor:  # noqa: A002
    """out[b] = input[b] @ mat2[b] for two batches of matrices (3-D, same batch size)."""
    shapes = [np.shape(m.data if isinstance(m, Tensor) else m) for m in (input, mat2)]
    for name, shape in zip(("input", "mat2"), shapes, strict=True):
        if len(shape) != 3:
            raise RuntimeError(f"bmm: {name} must be a 3-D batch of matrices, got shape {shape}")
    if shapes[0][0] != shapes[1][0]:
        raise RuntimeError(f"bmm: batch sizes differ: input {shapes[0]}, mat2 {shapes[1]}")
    return matmul(input, mat2)


def exp(input: Tensor) -> Tensor:
    """out = e^a;  dC/da = delta * out."""
    out = np.exp(_floating(input))

    def backward(delta: np.ndarray) -> tuple:
        return (delta * out,)

    return make_result(out, (input,), backward, "exp")


def log(input: Tensor) -> Tensor:
    """out = ln a;  dC/da = delta / a."""

    def backward(delta: np.ndarray) -> tuple:
        return (delta / input.data,)

    return make_result(np.log(_floating(input)), (input,), backward, "log")


def sqrt(input: Tensor) -> Tensor:
    """out = sqrt(a);  dC/da = delta / (2 out)."""
    out = np.sqrt(_floating(input))

    def backward(delta: np.ndarray) -> tuple:
        return (delta / (2 * out),)

    return make_result(out, (input,), backward, "sqrt")


def square(input: Tensor) -> Tensor:
    """out = a^2;  dC/da = 2 a delta."""
    return pow(input, 2)


def reciprocal(input: Tensor) -> Tensor:
    """out = 1/a;  dC/da = -delta out^2."""
    out = 1 / _floating(input)

    def backward(delta: np.ndarray) -> tuple:
        return (-delta * out * out,)

    return make_result(out, (input,), backward, "reciprocal")


def sin(input: Tensor) -> Tensor:
    """out = sin a;  dC/da = delta cos a."""

    def backward(delta: np.ndarray) -> tuple:
        return (delta * np.cos(input.data),)

    return make_result(np.sin(_floating(input)), (input,), backward, "sin")


def cos(input: Tensor) -> Tensor:
    """out = cos a;  dC/da = -delta sin a."""

    def backward(delta: np.ndarray) -> tuple:
        return (-delta * np.sin(input.data),)

    return make_result(np.cos(_floating(input)), (input,), backward, "cos")


def abs(input: Tensor) -> Tensor:  # noqa: A001
    """out = |input|;  dC/da = delta * sign(input) (0 at a = 0, as in PyTorch)."""

    def backward(delta: np.ndarray) -> tuple:
        return (delta * np.sign(input.data),)

    return make_result(np.abs(input.data), (input,), backward, "abs")


def sign(input: Tensor) -> Tensor:
    """out = sign(a);  dC/da = 0 (zero almost everywhere; recorded, as PyTorch, so a graph
    through sign still backpropagates)."""

    def backward(delta: np.ndarray) -> tuple:
        return (np.zeros(input.data.shape, dtype=delta.dtype),)

    return make_result(np.sign(input.data), (input,), backward, "sign")




def where(condition: Any, input: Any, other: Any) -> Tensor:  # noqa: A002
    """out = a where condition else b;  dC/da = delta * cond,  dC/db = delta * (1 - cond)."""
    cond = np.asarray(condition.data if isinstance(condition, Tensor) else condition, dtype=bool)
    a, b = _pair(input, other)
    dt = result_type(input, other)
    out = np.where(cond, a.data.astype(dt, copy=False), b.data.astype(dt, copy=False))

    def backward(delta: np.ndarray) -> tuple:
        ga = delta * cond if a.requires_grad else None
        gb = delta * ~cond if b.requires_grad else None
        return ga, gb

    return make_result(out, (a, b), backward, "where")


def maximum(input: Any, other: Any) -> Tensor:
    """out = max(a, b) elementwise; ties split the gradient evenly (as PyTorch)."""
    a, b = _pair(input, other)
    out = _binary("maximum", np.maximum, a, b, result_type(input, other))

    def backward(delta: np.ndarray) -> tuple:
        wa = (a.data > b.data) + (a.data == b.data) * delta.dtype.type(0.5)
        return delta * wa, delta * (1 - wa)

    return make_result(out, (a, b), backward, "maximum")


def minimum(input: Any, other: Any) -> Tensor:
    """out = min(a, b) elementwise; ties split the gradient evenly (as PyTorch)."""
    a, b = _pair(input, other)
    out = _binary("minimum", np.minimum, a, b, result_type(input, other))

    def backward(delta: np.ndarray) -> tuple:
        wa = (a.data < b.data) + (a.data == b.data) * delta.dtype.type(0.5)
        return delta * wa, delta * (1 - wa)

    return make_result(out, (a, b), backward, "minimum")


def cast(input: Tensor, dtype: Any, copy: bool = False) -> Tensor:
    """out = a converted to ``dtype``;  dC/da = delta converted back."""
    dtype = np.dtype(dtype)
    src = input.data.dtype
    out = input.data.astype(dtype, copy=copy)

    def backward(delta: np.ndarray) -> tuple:
        return (delta.astype(src),)

    if dtype.kind not in "fc":
        return Tensor(out)
    return make_result(out, (input,), backward, "cast")
