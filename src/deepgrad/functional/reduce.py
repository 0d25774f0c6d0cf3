"""Reductions: sum, mean, max, min, var, std, logsumexp, with their backward beside them.

Every reduction takes PyTorch's ``dim`` and ``keepdim`` (NumPy's ``axis``/``keepdims`` also work).
"""

from __future__ import annotations

import builtins
from typing import Any, NamedTuple

import numpy as np

from ..tensor import Tensor, make_result

__all__ = [
    "sum",
    "mean",
    "max",
    "min",
    "amax",
    "amin",
    "var",
    "std",
    "logsumexp",
    "argmax",
    "argmin",
    "norm",
]

Dim = int | tuple[int, ...] | list[int] | None


def _axes(x: np.ndarray, dim: Dim, op: str) -> tuple[int, ...] | None:
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, int | np.integer) else tuple(dim)
    out = []
    for d in dims:
        if not -x.ndim <= d < builtins.max(x.ndim, 1):
            raise IndexError(
                f"{op}: dim {d} is out of range for a tensor with {x.ndim} dimensions "
                f"(shape {x.shape})"
            )
        out.append(int(d) % builtins.max(x.ndim, 1))
    return tuple(out)


def _opts(dim: Dim, keepdim: bool, kw: dict) -> tuple[Dim, bool]:
    if "axis" in kw:
        dim = kw.pop("axis")
    if "keepdims" in kw:
        keepdim = kw.pop("keepdims")
    if kw:
        raise TypeError(f"unexpected keyword arguments {sorted(kw)}")
    return dim, keepdim


def _expand(delta: np.ndarray, x: np.ndarray, axes: tuple[int, ...] | None, keepdim: bool):
    """Reshape a reduced gradient so it broadcasts against the input."""
    if axes is None:
        return delta.reshape((1,) * x.ndim)
    if keepdim:
        return delta
    return np.expand_dims(delta, axes)


def sum(x: Tensor, dim: Dim = None, keepdim: bool = False, **kw: Any) -> Tensor:  # noqa: A001
    """out = sum_i x_i over ``dim``;  dC/dx_i = delta (broadcast back)."""
    dim, keepdim = _opts(dim, keepdim, kw)
    data = x.data
    axes = _axes(data, dim, "sum")
    out = data.sum(axis=axes, keepdims=keepdim)

    def backward(delta: np.ndarray) -> tuple:
        return (np.broadcast_to(_expand(delta, data, axes, keepdim), data.shape),)

    return make_result(np.asarray(out), (x,), backward, "sum")


def mean(x: Tensor, dim: Dim = None, keepdim: bool = False, **kw: Any) -> Tensor:
    """out = (1/n) sum_i x_i over ``dim``;  dC/dx_i = delta / n."""
    dim, keepdim = _opts(dim, keepdim, kw)
    data = x.data
    axes = _axes(data, dim, "mean")
    out = data.mean(axis=axes, keepdims=keepdim)
    n = data.size // builtins.max(np.asarray(out).size, 1) if data.size else 1

    def backward(delta: np.ndarray) -> tuple:
        g = _expand(delta, data, axes, keepdim) * data.dtype.type(1.0 / n)
        return (np.broadcast_to(g, data.shape),)

    return make_result(np.asarray(out), (x,), backward, "mean")


def _extreme(x: Tensor, dim: Dim, keepdim: bool, kw: dict, fn: Any, name: str) -> Tensor:
    dim, keepdim = _opts(dim, keepdim, kw)
    data = x.data
    if data.size == 0:
        raise ValueError(f"{name}: the tensor is empty (shape {data.shape})")
    axes = _axes(data, dim, name)
    out = fn(data, axis=axes, keepdims=True)

    def backward(delta: np.ndarray) -> tuple:
        hit = data == out
        count = hit.sum(axis=axes, keepdims=True)
        g = _expand(delta, data, axes, keepdim) / count.astype(data.dtype)
        return (g * hit,)

    res = out if keepdim else (out.reshape(()) if axes is None else np.squeeze(out, axes))
    return make_result(np.asarray(res), (x,), backward, name)


class MaxMin(NamedTuple):
    """What ``max``/``min`` with a ``dim`` return, as PyTorch's ``torch.return_types.max``."""

    values: Tensor
    indices: Tensor


def _along(x: Tensor, dim: Any, keepdim: bool, kw: dict, name: str) -> MaxMin:
    """Values and int64 indices of the extreme along one ``dim``; the gradient goes to the
    returned index only (PyTorch's rule for max/min with a dim)."""
    dim, keepdim = _opts(dim, keepdim, kw)
    if not isinstance(dim, int | np.integer):
        raise TypeError(
            f"{name}: dim must be one int (got {dim!r}); use amax/amin to reduce several dims"
        )
    data = x.data
    (axis,) = _axes(data, int(dim), name)
    if data.ndim and data.shape[axis] == 0:
        raise IndexError(f"{name}: cannot reduce over the empty dim {dim} of shape {data.shape}")
    if data.ndim == 0:
        return MaxMin(make_result(data.copy(), (x,), lambda d: (d,), name),
                      Tensor(np.zeros((), dtype=np.int64)))
    pick = np.argmax if name == "max" else np.argmin
    kept = np.expand_dims(pick(data, axis=axis), axis)
    values, idx = np.take_along_axis(data, kept, axis), kept

    def backward(delta: np.ndarray) -> tuple:
        g = np.zeros_like(data)
        d = delta if keepdim else np.expand_dims(delta, axis)
        np.put_along_axis(g, kept, d, axis)
        return (g,)

    if not keepdim:
        values, idx = np.squeeze(values, axis), np.squeeze(idx, axis)
    out = make_result(np.ascontiguousarray(values), (x,), backward, name)
    return MaxMin(out, Tensor(np.asarray(idx, dtype=np.int64)))


def max(x: Tensor, dim: Any = None, keepdim: bool = False, **kw: Any) -> Any:  # noqa: A001
    """As ``torch.max``: ``max(x)`` is the largest element (ties share the gradient evenly);
    ``max(x, dim)`` returns ``(values, indices)``; ``max(a, b)`` with a tensor is ``maximum``."""
    if isinstance(dim, Tensor):
        from .math import maximum

        return maximum(x, dim)
    if dim is None and "axis" not in kw:
        return amax(x, None, keepdim, **kw)
    return _along(x, dim, keepdim, kw, "max")


def min(x: Tensor, dim: Any = None, keepdim: bool = False, **kw: Any) -> Any:  # noqa: A001
    """As ``torch.min``: the smallest element, ``(values, indices)`` along ``dim``, or
    ``minimum`` with a tensor second argument."""
    if isinstance(dim, Tensor):
        from .math import minimum

        return minimum(x, dim)
    if dim is None and "axis" not in kw:
        return amin(x, None, keepdim, **kw)
    return _along(x, dim, keepdim, kw, "min")


def amax(x: Tensor, dim: Dim = None, keepdim: bool = False, **kw: Any) -> Tensor:
    """out = max_i x_i over ``dim`` (one or several dims; values only, as ``torch.amax``).
    Ties share the gradient evenly."""
    return _extreme(x, dim, keepdim, kw, np.max, "amax")


def amin(x: Tensor, dim: Dim = None, keepdim: bool = False, **kw: Any) -> Tensor:
    """out = min_i x_i over ``dim`` (values only, as ``torch.amin``). Ties share evenly."""
    return _extreme(x, dim, keepdim, kw, np.min, "amin")


def argmax(x: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the largest element (flattened when ``dim`` is None); no gradient."""
    out = np.argmax(x.data, axis=dim, keepdims=keepdim)
    return Tensor(np.asarray(out, dtype=np.int64))


def argmin(x: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the smallest element (flattened when ``dim`` is None); no gradient."""
    out = np.argmin(x.data, axis=dim, keepdims=keepdim)
    return Tensor(np.asarray(out, dtype=np.int64))


def var(
    x: Tensor, dim: Dim = None, correction: int = 1, keepdim: bool = False, **kw: Any
) -> Tensor:
    """out = sum_i (x_i - mean)^2 / (n - correction);  dC/dx_i = delta * 2 (x_i - mean) / (n - c).

    ``correction=1`` (the default, as PyTorch) is the unbiased estimate; ``unbiased=False`` or
    ``correction=0`` the population variance.
    """
    if "unbiased" in kw:
        correction = 1 if kw.pop("unbiased") else 0
    dim, keepdim = _opts(dim, keepdim, kw)
    data = x.data
    axes = _axes(data, dim, "var")
    mu = data.mean(axis=axes, keepdims=True)
    centered = data - mu
    n = data.size // mu.size
    denom = data.dtype.type(np.maximum(n - correction, 0))
    out = (centered * centered).sum(axis=axes, keepdims=keepdim) / denom

    def backward(delta: np.ndarray) -> tuple:
        return (_expand(delta, data, axes, keepdim) * (centered * (2 / denom)),)

    return make_result(np.asarray(out), (x,), backward, "var")


def std(
    x: Tensor, dim: Dim = None, correction: int = 1, keepdim: bool = False, **kw: Any
) -> Tensor:
    """out = sqrt(var(x));  dC/dx_i = delta * (x_i - mean) / ((n - c) * out)."""
    from .math import sqrt

    return sqrt(var(x, dim, correction, keepdim, **kw))


def logsumexp(x: Tensor, dim: Dim = None, keepdim: bool = False, **kw: Any) -> Tensor:
    """out = m + log sum_i exp(x_i - m), m = max x (stable);  dC/dx_i = delta * softmax(x)_i."""
    dim, keepdim = _opts(dim, keepdim, kw)
    data = x.data
    axes = _axes(data, dim, "logsumexp")
    m = np.max(data, axis=axes, keepdims=True)
    m = np.where(np.isfinite(m), m, 0).astype(data.dtype)
    e = np.exp(data - m)
    s = e.sum(axis=axes, keepdims=True)
    out_k = np.log(s) + m

    def backward(delta: np.ndarray) -> tuple:
        return (_expand(delta, data, axes, keepdim) * (e / s),)

    out = out_k if keepdim else (out_k.reshape(()) if axes is None else np.squeeze(out_k, axes))
    return make_result(np.asarray(out), (x,), backward, "logsumexp")


def norm(x: Tensor, dim: Dim = None, keepdim: bool = False) -> Tensor:
    """out = sqrt(sum_i x_i^2) (the 2-norm);  dC/dx_i = delta * x_i / out."""
    from .math import mul, sqrt

    return sqrt(sum(mul(x, x), dim, keepdim))
