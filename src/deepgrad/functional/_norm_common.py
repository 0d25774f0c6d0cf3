"""Argument checks and gradient plumbing shared by the normalization ops (private)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..tensor import Tensor


def _float_input(input: Any, op: str, min_ndim: int) -> np.ndarray:  # noqa: A002
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input must be a deepgrad Tensor, got {type(input).__name__}")
    x = input.data
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: input must be floating point, got dtype {x.dtype}")
    if x.ndim < min_ndim:
        raise ValueError(
            f"{op}: expected an input with at least {min_ndim} dimensions, got shape {x.shape}"
        )
    return x


def _param(p: Tensor | None, shape: tuple[int, ...], dtype: np.dtype, what: str, op: str):
    """The array behind an optional per-feature parameter, checked and cast to ``dtype``."""
    if p is None:
        return None
    arr = p.data if isinstance(p, Tensor) else np.asarray(p)
    if arr.shape != shape:
        raise ValueError(f"{op}: {what} must have shape {shape}, got {arr.shape}")
    return arr.astype(dtype, copy=False)


def _present(grads: tuple, inputs: tuple) -> tuple:
    """The gradients of the inputs that were given (optional weight and bias may be None)."""
    return tuple(g for g, t in zip(grads, inputs, strict=True) if t is not None)


def _zero_grads(parents: Sequence[Tensor]):
    def backward(delta: np.ndarray) -> tuple:
        return tuple(np.zeros(p.data.shape, p.data.dtype) for p in parents)

    return backward


# ---------------------------------------------------------------------- row normalization
