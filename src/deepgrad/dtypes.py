"""Data types by PyTorch's names: ``dg.float32``, ``dg.int64``, ``dg.bool`` ... (NumPy dtypes).

A deepgrad dtype *is* a ``numpy.dtype``, so ``x.dtype == dg.float32``, ``np.zeros(3, dg.int64)``
and ``dg.zeros(3, dtype=np.float64)`` all work. The aliases are PyTorch's: ``float`` is float32,
``double`` float64, ``half`` float16, ``long`` int64, ``int`` int32, ``short`` int16.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .tensor import DEFAULT_FLOAT

__all__ = [
    "float16", "float32", "float64", "half", "float", "double",
    "int8", "int16", "int32", "int64", "uint8", "short", "int", "long", "bool",
    "get_default_dtype", "resolve_dtype",
]

float16 = half = np.dtype(np.float16)
float32 = np.dtype(np.float32)
float64 = double = np.dtype(np.float64)
int8 = np.dtype(np.int8)
int16 = short = np.dtype(np.int16)
int32 = np.dtype(np.int32)
int64 = long = np.dtype(np.int64)
uint8 = np.dtype(np.uint8)
bool = np.dtype(np.bool_)  # noqa: A001  (PyTorch's name, torch.bool)
float = float32  # noqa: A001  (torch.float is float32)
int = int32  # noqa: A001  (torch.int is int32)


def get_default_dtype() -> np.dtype:
    """The dtype of float tensors made without a ``dtype`` (float32, as PyTorch's default)."""
    return DEFAULT_FLOAT


def resolve_dtype(dtype: Any, who: str) -> np.dtype | None:
    """``dtype`` as a ``numpy.dtype`` (None stays None), with an error naming ``who``."""
    if dtype is None:
        return None
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{who}: dtype must be a dtype such as dg.float32, got {dtype!r}") from None
