"""Sorting: sort, argsort and topk along one dim, as ``torch.sort``/``torch.topk``.

The values are a permutation (sort) or a selection (topk) of the input, so the backward pass
routes each output gradient to the element it came from, the index returned beside it:

    out_j = x_{idx_j}  =>  dC/dx_i = sum_{j: idx_j = i} delta_j   (each i appears at most once)

Ties: deepgrad always sorts stably, so equal elements keep their original order (the first
occurrence first, in ascending and in descending order alike). That is PyTorch's order with
``stable=True``; with ``stable=False`` PyTorch leaves the order of ties unspecified, and its
``topk`` may pick any of several equal elements, so only the values agree there, not
necessarily the indices. NaN sorts as the largest value (last ascending, first descending), as
in PyTorch.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..tensor import Tensor, make_result

__all__ = ["sort", "argsort", "topk", "SortResult", "TopKResult"]


class SortResult(NamedTuple):
    """What ``sort`` returns, as ``torch.return_types.sort``."""

    values: Tensor
    indices: Tensor


class TopKResult(NamedTuple):
    """What ``topk`` returns, as ``torch.return_types.topk``."""

    values: Tensor
    indices: Tensor


def _axis(x: Tensor, dim: int, op: str) -> int:
    if not isinstance(dim, int | np.integer):
        raise TypeError(f"{op}: dim must be an int, got {dim!r}")
    n = max(x.ndim, 1)
    if not -n <= dim < n:
        raise IndexError(
            f"{op}: dim {dim} is out of range for a tensor with {x.ndim} dimensions "
            f"(shape {x.shape})"
        )
    return int(dim) % n


def _order(data: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """Stable argsort along ``axis`` (int64); descending keeps ties in their original order."""
    if not descending:
        return np.argsort(data, axis=axis, kind="stable").astype(np.int64, copy=False)
    # sort the reversed array ascending (stable), reverse the result, map indices back:
    # equal elements then come out by increasing original index, and NaN comes first.
    n = data.shape[axis]
    rev = np.flip(data, axis)
    idx = np.flip(np.argsort(rev, axis=axis, kind="stable"), axis)
    return (n - 1 - idx).astype(np.int64)


def _pick(x: Tensor, idx: np.ndarray, axis: int, op: str) -> Tensor:
    """out = x[idx] along ``axis``;  dC/dx scatters delta back to the picked positions."""
    data = x.data
    out = np.take_along_axis(data, idx, axis)

    def backward(delta: np.ndarray) -> tuple:
        g = np.zeros_like(data)
        np.put_along_axis(g, idx, delta, axis)
        return (g,)

    return make_result(out, (x,), backward, op)


def sort(
    input: Tensor,  # noqa: A002  (PyTorch's name)
    dim: int = -1,
    descending: bool = False,
    stable: bool = False,
) -> SortResult:
    """Sort along ``dim``: ``values, indices = sort(x)`` with ``values = x.gather(dim, indices)``.

    ``stable`` is accepted for PyTorch's signature; the sort is always stable (see the module
    docstring). The gradient of ``values`` goes back to the positions ``indices`` name.
    """
    axis = _axis(input, dim, "sort")
    if input.ndim == 0:
        value = make_result(input.data.copy(), (input,), lambda delta: (delta,), "sort")
        return SortResult(value, Tensor(np.zeros((), np.int64)))
    idx = _order(input.data, axis, bool(descending))
    return SortResult(_pick(input, idx, axis, "sort"), Tensor(idx))


def argsort(
    input: Tensor,  # noqa: A002
    dim: int = -1,
    descending: bool = False,
    stable: bool = False,
) -> Tensor:
    """The int64 indices that sort ``input`` along ``dim`` (no gradient); ``sort(...).indices``."""
    axis = _axis(input, dim, "argsort")
    if input.ndim == 0:
        return Tensor(np.zeros((), np.int64))
    return Tensor(_order(input.data, axis, bool(descending)))


def topk(
    input: Tensor,  # noqa: A002
    k: int,
    dim: int = -1,
    largest: bool = True,
    sorted: bool = True,  # noqa: A002
) -> TopKResult:
    """The ``k`` largest (``largest=False``: smallest) elements along ``dim`` and their indices.

    ``values`` are in sorted order (largest first, or smallest first) whatever ``sorted`` says
    (PyTorch leaves the order unspecified with ``sorted=False``); ties are taken in index order.
    The gradient of ``values`` goes back to the positions ``indices`` name, zero elsewhere.
    """
    axis = _axis(input, dim, "topk")
    n = input.shape[axis] if input.ndim else 1
    if isinstance(k, bool) or not isinstance(k, int | np.integer):
        raise TypeError(f"topk: k must be an int, got {k!r}")
    if not 0 <= k <= n:
        raise RuntimeError(f"topk: selected index k={k} is out of range for dim {dim} of size {n} "
                         f"(shape {input.shape}); need 0 <= k <= {n}")
    if input.ndim == 0:  # PyTorch returns the element itself for k = 0 and k = 1
        return TopKResult(*sort(input))
    idx = _order(input.data, axis, bool(largest))
    idx = np.ascontiguousarray(np.take(idx, np.arange(int(k)), axis=axis))
    return TopKResult(_pick(input, idx, axis, "topk"), Tensor(idx))
