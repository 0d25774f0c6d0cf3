"""Reductions: sum, mean, max, min, var, std, logsumexp, with their backward beside them.

Every reduction takes PyTorch's ``dim`` and ``keepdim`` (NumPy's ``axis``/``keepdims`` also work)
with PyTorch's rules: ``dim`` an int or a tuple of ints, negative dims count from the end,
``dim=()`` or None reduces everything, a 0-d tensor has the one dim 0 (= -1). Empty tensors
follow PyTorch too: a sum over nothing is 0, a mean or variance over nothing NaN, a logsumexp
-inf, and max/min/argmax over an empty dim raise. The p-norms (``norm``) are in pnorm.py.
"""

from __future__ import annotations

import builtins
import math
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
]

Dim = int | tuple[int, ...] | list[int] | None


def _axes(x: np.ndarray, dim: Dim, op: str) -> tuple[int, ...] | None:
    """The dims to reduce as non-negative axes; None for all. A 0-d tensor accepts dim 0 / -1
    (and reduces nothing), as PyTorch."""
    if dim is None:
        return None
    if isinstance(dim, bool) or not isinstance(dim, int | np.integer | tuple | list):
        raise TypeError(f"{op}: dim must be an int or a tuple of ints, got {dim!r}")
    dims = (dim,) if isinstance(dim, int | np.integer) else tuple(dim)
    if not dims:
        return None  # dim=(): every dim, as torch.sum(x, dim=())
    n = builtins.max(x.ndim, 1)
    out = []
    for d in dims:
        if isinstance(d, bool) or not isinstance(d, int | np.integer):
            raise TypeError(f"{op}: dim must be an int or a tuple of ints, got {dim!r}")
        if not -n <= d < n:
            raise IndexError(
                f"{op}: dim {d} is out of range for a tensor with {x.ndim} dimensions "
                f"(shape {x.shape}; expected a dim in [{-n}, {n - 1}])"
            )
        a = int(d) % n
        if a in out:
            raise RuntimeError(f"{op}: dim {a} appears multiple times in the list of dims")
        out.append(a)
    return tuple(out) if x.ndim else ()


def _opts(dim: Dim, keepdim: bool, kw: dict) -> tuple[Dim, bool]:
    if "axis" in kw:
        dim = kw.pop("axis")
    if "keepdims" in kw:
        keepdim = kw.pop("keepdims")
    if kw:
        raise TypeError(f"unexpected keyword arguments {sorted(kw)}")
    return dim, keepdim


def _count(x: np.ndarray, axes: tuple[int, ...] | None) -> int:
    """Number of elements each output of a reduction over ``axes`` combines."""
    if axes is None:
        return x.size
    return math.prod(x.shape[a] for a in axes)


def _expand(delta: np.ndarray, x: np.ndarray, axes: tuple[int, ...] | None, keepdim: bool):
    """Reshape a reduced gradient so it broadcasts against the input."""
    if axes is None:
        return delta.reshape((1,) * x.ndim)
    if keepdim:
        return delta
    return np.expand_dims(delta, axes)


def _squeeze(out_k: np.ndarray, axes: tuple[int, ...] | None, keepdim: bool) -> np.ndarray:
    """A result computed with keepdims=True, without the reduced dims unless ``keepdim``."""
    if keepdim:
        return out_k
    return out_k.reshape(()) if axes is None else np.squeeze(out_k, axes)


def _in_dtype(x: Tensor, dtype: Any) -> Tensor:
    if dtype is None:
        return x
    from .math import cast

    return cast(x, dtype)


def sum(  # noqa: A001
    input: Tensor, dim: Dim = None, keepdim: bool = False, *, dtype: Any = None, **kw: Any
) -> Tensor:
    """out = sum_i x_i over ``dim``;  dC/dx_i = delta (broadcast back). ``dtype`` casts first."""
    dim, keepdim = _opts(dim, keepdim, kw)
    input = _in_dtype(input, dtype)
    data = input.data
    axes = _axes(data, dim, "sum")
    out = data.sum(axis=axes, keepdims=keepdim)

    def backward(delta: np.ndarray) -> tuple:
        return (np.broadcast_to(_expand(delta, data, axes, keepdim), data.shape),)

    return make_result(np.asarray(out), (input,), backward, "sum")


def mean(
    input: Tensor, dim: Dim = None, keepdim: bool = False, *, dtype: Any = None, **kw: Any
) -> Tensor:
    """out = (1/n) sum_i x_i over ``dim`` (NaN over no elements);  dC/dx_i = delta / n."""
    dim, keepdim = _opts(dim, keepdim, kw)
    input = _in_dtype(input, dtype)
    data = input.data
    if data.dtype.kind not in "fc":
        raise TypeError(
            f"mean: could not infer the output dtype; the input dtype must be floating point, "
            f"got {data.dtype} (pass dtype=)"
        )
    axes = _axes(data, dim, "mean")
    n = _count(data, axes)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = data.sum(axis=axes, keepdims=keepdim) / data.dtype.type(n)

    def backward(delta: np.ndarray) -> tuple:
        g = _expand(delta, data, axes, keepdim) * data.dtype.type(1.0 / builtins.max(n, 1))
        return (np.broadcast_to(g, data.shape),)

    return make_result(np.asarray(out, dtype=data.dtype), (input,), backward, "mean")


def _check_nonempty(data: np.ndarray, axes: tuple[int, ...] | None, name: str) -> None:
    """PyTorch refuses max/min/argmax over no elements (they have no identity)."""
    if data.size:
        return
    if axes is None:
        raise RuntimeError(
            f"{name}(): Expected reduction dim to be specified for input.numel() == 0 "
            f"(input shape {data.shape}). Specify the reduction dim with the 'dim' argument."
        )
    for a in axes:
        if data.shape[a] == 0:
            raise IndexError(
                f"{name}(): Expected reduction dim {a} to have non-zero size "
                f"(input shape {data.shape})"
            )


def _extreme(x: Tensor, dim: Dim, keepdim: bool, kw: dict, fn: Any, name: str) -> Tensor:
    dim, keepdim = _opts(dim, keepdim, kw)
    data = x.data
    axes = _axes(data, dim, name)
    _check_nonempty(data, axes, name)
    out = fn(data, axis=axes, keepdims=True)

    def backward(delta: np.ndarray) -> tuple:
        hit = data == out
        count = hit.sum(axis=axes, keepdims=True)
        g = _expand(delta, data, axes, keepdim) / count.astype(data.dtype)
        return (g * hit,)

    return make_result(np.asarray(_squeeze(out, axes, keepdim)), (x,), backward, name)


class MaxMin(NamedTuple):
    """What ``max``/``min`` with a ``dim`` return, as PyTorch's ``torch.return_types.max``."""

    values: Tensor
    indices: Tensor


def _one_dim(x: np.ndarray, dim: Any, name: str) -> int | None:
    """The one axis of max/min/argmax with a dim (None for a 0-d tensor)."""
    if isinstance(dim, bool) or not isinstance(dim, int | np.integer):
        raise TypeError(
            f"{name}: dim must be one int (got {dim!r}); use amax/amin to reduce several dims"
        )
    axes = _axes(x, int(dim), name)
    if x.ndim and x.shape[axes[0]] == 0:
        raise IndexError(
            f"{name}: cannot reduce over the empty dim {dim} of shape {x.shape} "
            "(Expected reduction dim to have non-zero size)"
        )
    return axes[0] if x.ndim else None


def _along(x: Tensor, dim: Any, keepdim: bool, kw: dict, name: str) -> MaxMin:
    """Values and int64 indices of the extreme along one ``dim``; the gradient goes to the
    returned index only (PyTorch's rule for max/min with a dim)."""
    dim, keepdim = _opts(dim, keepdim, kw)
    data = x.data
    axis = _one_dim(data, dim, name)
    if axis is None:
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
    out = make_result(np.array(values, order="C"), (x,), backward, name)
    return MaxMin(out, Tensor(np.asarray(idx, dtype=np.int64)))


def max(input: Tensor, dim: Any = None, keepdim: bool = False, **kw: Any) -> Any:  # noqa: A001
    """As ``torch.max``: ``max(x)`` is the largest element (ties share the gradient evenly);
    ``max(x, dim)`` returns ``(values, indices)``; ``max(a, b)`` with a tensor is ``maximum``."""
    if isinstance(dim, Tensor):
        from .math import maximum

        return maximum(input, dim)
    if dim is None and "axis" not in kw:
        return amax(input, None, keepdim, **kw)
    return _along(input, dim, keepdim, kw, "max")


def min(input: Tensor, dim: Any = None, keepdim: bool = False, **kw: Any) -> Any:  # noqa: A001
    """As ``torch.min``: the smallest element, ``(values, indices)`` along ``dim``, or
    ``minimum`` with a tensor second argument."""
    if isinstance(dim, Tensor):
        from .math import minimum

        return minimum(input, dim)
    if dim is None and "axis" not in kw:
        return amin(input, None, keepdim, **kw)
    return _along(input, dim, keepdim, kw, "min")


def amax(input: Tensor, dim: Dim = None, keepdim: bool = False, **kw: Any) -> Tensor:
    """out = max_i x_i over ``dim`` (one or several dims; values only, as ``torch.amax``).
    Ties share the gradient evenly."""
    return _extreme(input, dim, keepdim, kw, np.max, "amax")


def amin(input: Tensor, dim: Dim = None, keepdim: bool = False, **kw: Any) -> Tensor:
    """out = min_i x_i over ``dim`` (values only, as ``torch.amin``). Ties share evenly."""
    return _extreme(input, dim, keepdim, kw, np.min, "amin")


def _arg(x: Tensor, dim: Any, keepdim: bool, name: str) -> Tensor:
    data = x.data
    pick = np.argmax if name == "argmax" else np.argmin
    if dim is None:
        _check_nonempty(data, None, name)
        out = pick(data, axis=None, keepdims=keepdim)
    else:
        axis = _one_dim(data, dim, name)
        if axis is None:
            return Tensor(np.zeros((), dtype=np.int64))
        out = pick(data, axis=axis, keepdims=keepdim)
    return Tensor(np.asarray(out, dtype=np.int64))


def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the largest element (flattened when ``dim`` is None); no gradient."""
    return _arg(input, dim, keepdim, "argmax")


def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """Index of the smallest element (flattened when ``dim`` is None); no gradient."""
    return _arg(input, dim, keepdim, "argmin")


def _correction(dim: Any, unbiased: Any, correction: Any, op: str) -> tuple[Any, float]:
    """PyTorch's three forms: var(x, dim, *, correction=), var(x, dim, unbiased), var(x, unbiased).
    correction=None means 1 (Bessel's correction)."""
    if isinstance(dim, bool):  # var(x, True): the unbiased flag, no dim
        if unbiased is not None:
            raise TypeError(f"{op}: got the unbiased flag twice ({dim!r} and {unbiased!r})")
        dim, unbiased = None, dim
    if unbiased is not None:
        if not isinstance(unbiased, bool | np.bool_):
            raise TypeError(
                f"{op}: the argument after dim is PyTorch's `unbiased` (a bool), got "
                f"{unbiased!r}; pass correction={unbiased!r} as a keyword"
            )
        if correction is not None:
            raise TypeError(f"{op}: pass either unbiased or correction, not both")
        return dim, 1.0 if unbiased else 0.0
    if correction is None:
        return dim, 1.0
    if isinstance(correction, bool) or not isinstance(correction, int | float | np.number):
        raise TypeError(f"{op}: correction must be a number, got {correction!r}")
    return dim, float(correction)


def var(
    input: Tensor,
    dim: Dim | bool = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: float | None = None,
    **kw: Any,
) -> Tensor:
    """out = sum_i (x_i - mean)^2 / max(n - correction, 0);
    dC/dx_i = delta 2 (x_i - mean) / (n - correction) (clamped at 0 only for a full reduction,
    as PyTorch).

    PyTorch's signatures: ``var(x, dim, *, correction=1, keepdim)`` (``correction=None`` is 1,
    Bessel's unbiased estimate; 0 the population variance; any number), the legacy
    ``var(x, dim, unbiased, keepdim)`` and ``var(x, unbiased)``. n <= correction gives inf
    (or NaN for zero spread), as PyTorch.
    """
    dim, corr = _correction(dim, unbiased, correction, "var")
    dim, keepdim = _opts(dim, keepdim, kw)
    data = input.data
    if data.dtype.kind not in "fc":
        raise TypeError(f"var: the input must be floating point, got dtype {data.dtype}")
    axes = _axes(data, dim, "var")
    n = _count(data, axes)
    dt = data.dtype.type
    with np.errstate(invalid="ignore", divide="ignore"):
        mu = data.sum(axis=axes, keepdims=True) / dt(n)
        centered = data - mu
        denom = dt(builtins.max(n - corr, 0))
        out = (centered * centered).sum(axis=axes, keepdims=keepdim) / denom

    # PyTorch's backward divides by n - correction unclamped when dims are given, and by the
    # forward's max(n - correction, 0) for a full reduction (or a 0-d input)
    back_denom = denom if axes is None or data.ndim == 0 else dt(n - corr)

    def backward(delta: np.ndarray) -> tuple:
        with np.errstate(invalid="ignore", divide="ignore"):
            k = dt(2) / back_denom
            return (_expand(delta, data, axes, keepdim) * (centered * k),)

    return make_result(np.asarray(out, dtype=data.dtype), (input,), backward, "var")


def std(
    input: Tensor,
    dim: Dim | bool = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: float | None = None,
    **kw: Any,
) -> Tensor:
    """out = sqrt(var(x)) (var's arguments);  dC/dx_i = delta (x_i - mean) / ((n - c) out),
    and 0 where out = 0 (PyTorch's choice at the kink of sqrt)."""
    v = var(input, dim, unbiased, keepdim, correction=correction, **kw)
    out = np.sqrt(v.data)

    def backward(delta: np.ndarray) -> tuple:
        with np.errstate(invalid="ignore", divide="ignore"):
            g = np.where(out == 0, 0, delta / (2 * out))
        return (g.astype(delta.dtype, copy=False),)

    return make_result(out, (v,), backward, "std")


def logsumexp(input: Tensor, dim: Dim = None, keepdim: bool = False, **kw: Any) -> Tensor:
    """out = m + log sum_i exp(x_i - m), m = max x (stable; -inf over no elements);
    dC/dx_i = delta * softmax(x)_i."""
    dim, keepdim = _opts(dim, keepdim, kw)
    data = input.data
    axes = _axes(data, dim, "logsumexp")
    if data.size == 0:
        out_k = np.full(np.sum(data, axis=axes, keepdims=True).shape, -np.inf, data.dtype)
        return make_result(_squeeze(out_k, axes, keepdim), (input,),
                           lambda d: (np.zeros(data.shape, d.dtype),), "logsumexp")
    m = np.max(data, axis=axes, keepdims=True)
    m = np.where(np.isfinite(m), m, 0).astype(data.dtype)
    e = np.exp(data - m)
    s = e.sum(axis=axes, keepdims=True)
    with np.errstate(divide="ignore"):
        out_k = np.log(s) + m

    def backward(delta: np.ndarray) -> tuple:
        with np.errstate(invalid="ignore", divide="ignore"):
            return (_expand(delta, data, axes, keepdim) * (e / s),)

    out = np.asarray(_squeeze(out_k, axes, keepdim))
    return make_result(out, (input,), backward, "logsumexp")
