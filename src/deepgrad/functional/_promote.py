"""PyTorch's type promotion (torch.result_type), for the ops that mix dtypes (private).

NumPy and PyTorch promote differently: NumPy makes int64 + float32 float64 and lets a 0-d
float64 array widen a float32 array; PyTorch keeps float32 in both, and a Python float next to
an integer tensor gives the default float dtype (float32). The rules (c10's ResultTypeState):

* operands fall in three groups, promoted within each: tensors with dims, 0-d tensors, and
  Python numbers ("wrapped numbers": a float counts as float32, an int as int64);
* the groups combine by category (bool < integer < floating < complex): a group of a higher
  category than the one before it decides (0-d tensors and numbers by their own promoted type),
  otherwise the earlier group's type stands: dims first, then 0-d tensors, then numbers;
* two dtypes of different categories promote to the one of the higher category (int64 +
  float32 = float32); within a category, to the wider.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import DEFAULT_FLOAT, Tensor

__all__ = ["result_type", "promote_types", "float_dtype"]


def _category(dt: np.dtype) -> int:
    return {"b": 0, "i": 1, "u": 1, "f": 2, "c": 3}.get(dt.kind, 1)


def promote_types(a: np.dtype, b: np.dtype) -> np.dtype:
    """torch.promote_types: the higher category wins, else the wider type."""
    ca, cb = _category(a), _category(b)
    if ca != cb and max(ca, cb) >= 2:
        return a if ca > cb else b
    return np.result_type(a, b)


def _promote_all(dts: list[np.dtype]) -> np.dtype | None:
    out = None
    for d in dts:
        out = d if out is None else promote_types(out, d)
    return out


def _combine(higher: np.dtype | None, lower: np.dtype | None) -> np.dtype | None:
    """c10's combine_categories: ``higher`` is the group with priority."""
    if higher is None:
        return lower
    if lower is None:
        return higher
    if _category(higher) >= 2 and _category(higher) >= _category(lower):
        return higher
    if _category(lower) > _category(higher):
        return promote_types(higher, lower) if _category(higher) else lower
    return higher


def _wrapped(x: Any) -> np.dtype:
    if isinstance(x, bool | np.bool_):
        return np.dtype(bool)
    if isinstance(x, int | np.integer):
        return np.dtype(np.int64)
    if isinstance(x, complex | np.complexfloating):
        return np.dtype(np.complex64)
    return DEFAULT_FLOAT


def _wrapped_array(a: np.ndarray) -> np.dtype:
    """A NumPy array next to tensors counts like a Python number of its kind (deepgrad's rule:
    it adopts the tensors' type, so float32 stays float32)."""
    return _wrapped({"b": True, "i": 0, "u": 0, "c": 0j}.get(a.dtype.kind, 0.0))


def result_type(*operands: Any) -> np.dtype:
    """The dtype PyTorch gives an elementwise op on ``operands``: Tensors (by their dims), dtypes
    (as tensors with dims), NumPy arrays and numbers (as numbers); None is skipped."""
    dims, zeros, wrapped = [], [], []
    for o in operands:
        if o is None:
            continue
        if isinstance(o, Tensor):
            (dims if o.ndim else zeros).append(o.dtype)
        elif isinstance(o, np.dtype):
            dims.append(o)
        elif isinstance(o, np.ndarray):
            wrapped.append(_wrapped_array(o))
        else:
            wrapped.append(_wrapped(o))
    out = _combine(_promote_all(dims), _combine(_promote_all(zeros), _promote_all(wrapped)))
    return np.dtype(DEFAULT_FLOAT) if out is None else out


def float_dtype(dt: np.dtype) -> np.dtype:
    """The dtype of an op that always computes in floating point (true division, exp...): an
    integer or bool dtype becomes the default float (float32), as PyTorch."""
    return dt if dt.kind in "fc" else np.dtype(DEFAULT_FLOAT)
