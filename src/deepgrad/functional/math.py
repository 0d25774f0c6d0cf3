"""Elementwise arithmetic and matrix multiplication, each with its backward beside it.

Notation: ``delta`` is dC/d(out), the gradient flowing back from the cost C. Broadcasting is
undone by the engine (``unbroadcast``), so each backward returns full-shape gradients.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor, make_result

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
    "clip",
    "clamp",
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


def _pair(a: Any, b: Any) -> tuple[Tensor, Tensor]:
    if isinstance(a, Tensor):
        return a, lift(b, a)
    return lift(a, b), b


def _binary(op: str, fn: Any, a: Tensor, b: Tensor) -> np.ndarray:
    """fn(a, b) on the arrays, with an error naming the op and both shapes."""
    try:
        return fn(a.data, b.data)
    except ValueError:
        raise ValueError(
            f"{op}: shapes {a.shape} (first argument) and {b.shape} (second argument) "
            "cannot be broadcast together"
        ) from None


def add(a: Any, b: Any) -> Tensor:
    """out = a + b;  dC/da = delta,  dC/db = delta."""
    a, b = _pair(a, b)

    def backward(delta: np.ndarray) -> tuple:
        return delta, delta

    return make_result(_binary("add", np.add, a, b), (a, b), backward, "add")


def sub(a: Any, b: Any) -> Tensor:
    """out = a - b;  dC/da = delta,  dC/db = -delta."""
    a, b = _pair(a, b)

    def backward(delta: np.ndarray) -> tuple:
        return delta, (-delta if b.requires_grad else None)

    return make_result(_binary("sub", np.subtract, a, b), (a, b), backward, "sub")


def mul(a: Any, b: Any) -> Tensor:
    """out = a * b;  dC/da = delta * b,  dC/db = delta * a."""
    a, b = _pair(a, b)

    def backward(delta: np.ndarray) -> tuple:
        return (
            delta * b.data if a.requires_grad else None,
            delta * a.data if b.requires_grad else None,
        )

    return make_result(_binary("mul", np.multiply, a, b), (a, b), backward, "mul")


def div(a: Any, b: Any) -> Tensor:
    """out = a / b;  dC/da = delta / b,  dC/db = -delta * a / b^2."""
    a, b = _pair(a, b)
    out = _binary("div", np.true_divide, a, b)

    def backward(delta: np.ndarray) -> tuple:
        ga = delta / b.data if a.requires_grad else None
        gb = -delta * out / b.data if b.requires_grad else None
        return ga, gb

    return make_result(out, (a, b), backward, "div")


def neg(a: Tensor) -> Tensor:
    """out = -a;  dC/da = -delta."""

    def backward(delta: np.ndarray) -> tuple:
        return (-delta,)

    return make_result(-a.data, (a,), backward, "neg")


def pow(a: Any, b: Any) -> Tensor:  # noqa: A001
    """out = a ** b;  dC/da = delta * b * a^(b-1),  dC/db = delta * out * log(a)."""
    if isinstance(b, int | float) and not isinstance(b, bool) and isinstance(a, Tensor):
        x = a.data
        p = b
        out = x**p

        def backward_scalar(delta: np.ndarray) -> tuple:
            if p == 2:
                return (delta * (2 * x),)
            return (delta * (p * x ** (p - 1)),)

        return make_result(out, (a,), backward_scalar, "pow")
    a, b = _pair(a, b)
    out = a.data**b.data

    def backward(delta: np.ndarray) -> tuple:
        ga = delta * b.data * a.data ** (b.data - 1) if a.requires_grad else None
        gb = None
        if b.requires_grad:
            with np.errstate(divide="ignore", invalid="ignore"):
                gb = delta * out * np.log(a.data)
        return ga, gb

    return make_result(out, (a, b), backward, "pow")


def matmul(a: Any, b: Any) -> Tensor:
    """out = a @ b (batched, broadcasting);  dC/da = delta @ b^T,  dC/db = a^T @ delta."""
    a, b = _pair(a, b)
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


def exp(a: Tensor) -> Tensor:
    """out = e^a;  dC/da = delta * out."""
    out = np.exp(a.data)

    def backward(delta: np.ndarray) -> tuple:
        return (delta * out,)

    return make_result(out, (a,), backward, "exp")


def log(a: Tensor) -> Tensor:
    """out = ln a;  dC/da = delta / a."""

    def backward(delta: np.ndarray) -> tuple:
        return (delta / a.data,)

    return make_result(np.log(a.data), (a,), backward, "log")


def sqrt(a: Tensor) -> Tensor:
    """out = sqrt(a);  dC/da = delta / (2 out)."""
    out = np.sqrt(a.data)

    def backward(delta: np.ndarray) -> tuple:
        return (delta / (2 * out),)

    return make_result(out, (a,), backward, "sqrt")


def square(a: Tensor) -> Tensor:
    """out = a^2;  dC/da = 2 a delta."""
    return pow(a, 2)


def reciprocal(a: Tensor) -> Tensor:
    """out = 1/a;  dC/da = -delta out^2."""
    out = 1 / a.data

    def backward(delta: np.ndarray) -> tuple:
        return (-delta * out * out,)

    return make_result(out, (a,), backward, "reciprocal")


def sin(a: Tensor) -> Tensor:
    """out = sin a;  dC/da = delta cos a."""

    def backward(delta: np.ndarray) -> tuple:
        return (delta * np.cos(a.data),)

    return make_result(np.sin(a.data), (a,), backward, "sin")


def cos(a: Tensor) -> Tensor:
    """out = cos a;  dC/da = -delta sin a."""

    def backward(delta: np.ndarray) -> tuple:
        return (-delta * np.sin(a.data),)

    return make_result(np.cos(a.data), (a,), backward, "cos")


def abs(a: Tensor) -> Tensor:  # noqa: A001
    """out = |a|;  dC/da = delta * sign(a) (0 at a = 0, as in PyTorch)."""

    def backward(delta: np.ndarray) -> tuple:
        return (delta * np.sign(a.data),)

    return make_result(np.abs(a.data), (a,), backward, "abs")


def sign(a: Tensor) -> Tensor:
    """out = sign(a); no gradient (zero almost everywhere)."""
    return Tensor(np.sign(a.data))


def clip(a: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    """out = min(max(a, lo), hi);  dC/da = delta where lo <= a <= hi, else 0 (as PyTorch)."""
    if min is None and max is None:
        raise ValueError("clip: at least one of min and max must be given")
    x = a.data
    lo = None if min is None else np.asarray(min.data if isinstance(min, Tensor) else min, x.dtype)
    hi = None if max is None else np.asarray(max.data if isinstance(max, Tensor) else max, x.dtype)
    out = np.clip(x, lo, hi)

    def backward(delta: np.ndarray) -> tuple:
        keep = np.ones(x.shape, dtype=bool)
        if lo is not None:
            keep &= x >= lo
        if hi is not None:
            keep &= x <= hi
        return (delta * keep,)

    return make_result(out, (a,), backward, "clip")


clamp = clip


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """out = a where condition else b;  dC/da = delta * cond,  dC/db = delta * (1 - cond)."""
    cond = np.asarray(condition.data if isinstance(condition, Tensor) else condition, dtype=bool)
    a, b = _pair(a, b)
    out = np.where(cond, a.data, b.data)

    def backward(delta: np.ndarray) -> tuple:
        ga = delta * cond if a.requires_grad else None
        gb = delta * ~cond if b.requires_grad else None
        return ga, gb

    return make_result(out, (a, b), backward, "where")


def maximum(a: Any, b: Any) -> Tensor:
    """out = max(a, b) elementwise; ties split the gradient evenly (as PyTorch)."""
    a, b = _pair(a, b)
    out = np.maximum(a.data, b.data)

    def backward(delta: np.ndarray) -> tuple:
        wa = (a.data > b.data) + (a.data == b.data) * delta.dtype.type(0.5)
        return delta * wa, delta * (1 - wa)

    return make_result(out, (a, b), backward, "maximum")


def minimum(a: Any, b: Any) -> Tensor:
    """out = min(a, b) elementwise; ties split the gradient evenly (as PyTorch)."""
    a, b = _pair(a, b)
    out = np.minimum(a.data, b.data)

    def backward(delta: np.ndarray) -> tuple:
        wa = (a.data < b.data) + (a.data == b.data) * delta.dtype.type(0.5)
        return delta * wa, delta * (1 - wa)

    return make_result(out, (a, b), backward, "minimum")


def cast(a: Tensor, dtype: Any, copy: bool = False) -> Tensor:
    """out = a converted to ``dtype``;  dC/da = delta converted back."""
    dtype = np.dtype(dtype)
    src = a.data.dtype
    out = a.data.astype(dtype, copy=copy)

    def backward(delta: np.ndarray) -> tuple:
        return (delta.astype(src),)

    if dtype.kind not in "fc":
        return Tensor(out)
    return make_result(out, (a,), backward, "cast")
