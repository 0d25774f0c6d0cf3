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


def add(a: Any, b: Any, *, alpha: Any = 1) -> Tensor:
    """out = a + alpha b (torch.add);  dC/da = delta,  dC/db = alpha delta."""
    a, b = _pair(a, b)
    if alpha is not None and not (isinstance(alpha, int | float) and alpha == 1):
        return _scaled("add", a, b, alpha, 1)

    def backward(delta: np.ndarray) -> tuple:
        return delta, delta

    return make_result(_binary("add", np.add, a, b), (a, b), backward, "add")


def sub(a: Any, b: Any, *, alpha: Any = 1) -> Tensor:
    """out = a - alpha b (torch.sub);  dC/da = delta,  dC/db = -alpha delta."""
    a, b = _pair(a, b)
    if alpha is not None and not (isinstance(alpha, int | float) and alpha == 1):
        return _scaled("sub", a, b, alpha, -1)

    def backward(delta: np.ndarray) -> tuple:
        return delta, (-delta if b.requires_grad else None)

    return make_result(_binary("sub", np.subtract, a, b), (a, b), backward, "sub")


def _scaled(op: str, a: Tensor, b: Tensor, alpha: Any, sign: int) -> Tensor:
    """out = a + sign alpha b, alpha a number (a Python or NumPy scalar, as torch's alpha)."""
    if isinstance(alpha, Tensor) or np.ndim(alpha) != 0 or isinstance(alpha, bool | str):
        raise TypeError(f"{op}: alpha must be a number, got {alpha!r}")
    kind = np.asarray(alpha).dtype.kind
    if kind == "f" and a.dtype.kind in "biu" and b.dtype.kind in "biu":
        raise TypeError(f"{op}: for integer tensors alpha must be an integer, got {alpha!r}")
    dt = np.result_type(a.data, b.data)
    k = dt.type(alpha) * sign if dt.kind in "fc" else sign * alpha
    out = _binary(op, lambda x, y: x + k * y, a, b)

    def backward(delta: np.ndarray) -> tuple:
        return delta, (delta * delta.dtype.type(k) if b.requires_grad else None)

    return make_result(np.asarray(out), (a, b), backward, op)


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
    """out = a ** b;  dC/da = delta * b * a^(b-1),  dC/db = delta * out * log(a).

    As PyTorch: dC/da = 0 where b = 0 (also at a = 0), and dC/db = 0 where a = 0 and b >= 0
    (the limits, instead of 0 * inf).
    """
    if isinstance(b, int | float) and not isinstance(b, bool) and isinstance(a, Tensor):
        x = a.data
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
    out = _binary("pow", np.power, a, b)

    def backward(delta: np.ndarray) -> tuple:
        ga = gb = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if a.requires_grad:
                ga = np.where(b.data == 0, 0, delta * b.data * a.data ** (b.data - 1))
            if b.requires_grad:
                gb = np.where((a.data == 0) & (b.data >= 0), 0, delta * out * np.log(a.data))
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
    """out = sign(a);  dC/da = 0 (zero almost everywhere; recorded, as PyTorch, so a graph
    through sign still backpropagates)."""

    def backward(delta: np.ndarray) -> tuple:
        return (np.zeros(a.data.shape, dtype=delta.dtype),)

    return make_result(np.sign(a.data), (a,), backward, "sign")


def clamp(input: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A001,A002
    """out = min(max(x, lo), hi) (torch.clamp; out = hi wherever lo > hi).

    dC/dx = delta where lo <= x <= hi, else 0. Tensor bounds broadcast with x and get their
    gradient as PyTorch routes it: dC/dlo = delta where x < lo (and lo < hi when both are
    given), dC/dhi = delta where x > hi (or hi < lo).
    """
    if min is None and max is None:
        raise ValueError("clamp: at least one of 'min' and 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        return _clamp_tensor(input, min, max)
    x = input.data
    lo = None if min is None else _bound(min, x)
    hi = None if max is None else _bound(max, x)
    out = x
    if lo is not None:
        out = np.maximum(out, lo)
    if hi is not None:
        out = np.minimum(out, hi)

    def backward(delta: np.ndarray) -> tuple:
        keep = np.ones(x.shape, dtype=bool)
        if lo is not None:
            keep = keep & (x >= lo)
        if hi is not None:
            keep = keep & (x <= hi)
        return (delta * keep,)

    return make_result(np.asarray(out), (input,), backward, "clamp")


def _bound(v: Any, x: np.ndarray) -> np.ndarray:
    """A constant clamp bound in x's dtype (a float bound on an integer tensor stays float)."""
    arr = np.asarray(v)
    if x.dtype.kind == "f" or arr.dtype.kind in "biu":
        return arr.astype(x.dtype) if arr.dtype.kind in "biuf" else arr
    return arr


def _clamp_tensor(input: Tensor, min: Any, max: Any) -> Tensor:  # noqa: A002
    x = input
    lo = None if min is None else lift(min, x)
    hi = None if max is None else lift(max, x)
    out = x.data
    try:
        if lo is not None:
            out = np.maximum(out, lo.data)
        if hi is not None:
            out = np.minimum(out, hi.data)
    except ValueError:
        shapes = [t.shape for t in (x, lo, hi) if t is not None]
        raise ValueError(f"clamp: shapes {shapes} (input, bounds) do not broadcast") from None
    xd = x.data

    def backward(delta: np.ndarray) -> tuple:
        z = delta.dtype.type(0)
        if lo is not None and hi is not None:
            gx = np.where((xd >= lo.data) & (xd <= hi.data), delta, z)
            glo = np.where((xd < lo.data) & (lo.data < hi.data), delta, z)
            ghi = np.where((xd > hi.data) | (hi.data < lo.data), delta, z)
        elif lo is not None:
            gx = np.where(xd >= lo.data, delta, z)
            glo, ghi = np.where(xd < lo.data, delta, z), None
        else:
            gx, glo = np.where(xd <= hi.data, delta, z), None
            ghi = np.where(xd > hi.data, delta, z)
        grads = (gx,) + tuple(g for g, t in ((glo, lo), (ghi, hi)) if t is not None)
        return grads

    parents = (x,) + tuple(t for t in (lo, hi) if t is not None)
    return make_result(np.asarray(out), parents, backward, "clamp")


clip = clamp


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
