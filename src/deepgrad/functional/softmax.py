"""softmax and log_softmax (torch.nn.functional's), each with its backward beside it.

Re-exported by ``activation.py``. Zero-size inputs give empty results and 0-d inputs are one
element along dim 0 (= -1), as PyTorch.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..tensor import Tensor, make_result

__all__ = ["softmax", "log_softmax"]


def _softmax_dim(x: np.ndarray, dim: int | None, op: str) -> int:
    if dim is None:  # PyTorch's legacy implicit choice
        warnings.warn(
            f"{op}: implicit dimension choice is deprecated; pass dim= (using "
            f"{0 if x.ndim in (0, 1, 3) else 1})",
            stacklevel=3,
        )
        dim = 0 if x.ndim in (0, 1, 3) else 1
    n = max(x.ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"{op}: dim {dim} is out of range for an input of shape {x.shape}")
    return dim % n


def _shifted(x: np.ndarray, axis: int) -> np.ndarray:
    """x - max(x) along axis, in a fresh array (the only full-size temporary)."""
    m = np.max(x, axis=axis, keepdims=True)
    with np.errstate(over="ignore", invalid="ignore"):  # -3e38 - 3e38 = -inf: e^-inf = 0
        return np.subtract(x, m)


def _softmax_input(input: Tensor, dtype: Any) -> Tensor:  # noqa: A002
    if dtype is not None:
        from .math import cast

        input = cast(input, dtype)
    if input.dtype.kind not in "fc":
        raise TypeError(f"softmax: the input must be floating point, got dtype {input.dtype}")
    return input


def _empty_result(x: Tensor, op: str) -> Tensor:
    """softmax/log_softmax of a tensor with no elements: an empty result (PyTorch's)."""
    return make_result(np.empty(x.shape, x.dtype), (x,), lambda d: (np.zeros_like(d),), op)


def softmax(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:  # noqa: A002
    """out_i = e^(x_i - m) / sum_j e^(x_j - m), m = max_j x_j (stable for any finite logits).

    dC/dx_i = out_i (delta_i - sum_j delta_j out_j). ``dtype`` casts the input first.
    """
    input = _softmax_input(input, dtype)
    x = input.data
    axis = _softmax_dim(x, dim, "softmax")
    if x.size == 0:
        return _empty_result(input, "softmax")
    xs = x.reshape(1) if x.ndim == 0 else x
    out = _shifted(xs, axis)
    np.exp(out, out=out)
    out /= out.sum(axis=axis, keepdims=True)
    out = out.reshape(x.shape)

    def backward(delta: np.ndarray) -> tuple:
        d = delta.reshape(out.shape if out.ndim else 1)
        o = out.reshape(d.shape)
        g = d * o
        s = g.sum(axis=axis, keepdims=True)
        np.subtract(d, s, out=g)
        g *= o
        return (g.reshape(x.shape),)

    return make_result(out, (input,), backward, "softmax")


def log_softmax(input: Tensor, dim: int | None = None, dtype: Any = None) -> Tensor:  # noqa: A002
    """out_i = x_i - m - log sum_j e^(x_j - m), m = max_j x_j (finite for logits like +-1e30
    and for -inf entries next to finite ones).

    dC/dx_i = delta_i - softmax(x)_i sum_j delta_j, with softmax = e^out. ``dtype`` casts the
    input first.
    """
    input = _softmax_input(input, dtype)
    x = input.data
    axis = _softmax_dim(x, dim, "log_softmax")
    if x.size == 0:
        return _empty_result(input, "log_softmax")
    xs = x.reshape(1) if x.ndim == 0 else x
    out = _shifted(xs, axis)
    e = np.exp(out)  # kept: softmax = e / s in the backward
    s = e.sum(axis=axis, keepdims=True)
    out -= np.log(s)
    out = out.reshape(x.shape)

    def backward(delta: np.ndarray) -> tuple:
        d = delta.reshape(e.shape)
        p = d.sum(axis=axis, keepdims=True)
        p /= s
        p = e * p  # softmax * sum_j delta_j
        np.subtract(d, p, out=p)
        return (p.reshape(x.shape),)

    return make_result(out, (input,), backward, "log_softmax")
