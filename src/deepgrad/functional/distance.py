"""Distances and similarities between vectors, with their backward beside them."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor, make_result
from .math import lift

__all__ = ["cosine_similarity"]


def cosine_similarity(x1: Tensor, x2: Any, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """cos = sum(x1 x2) / (max(||x1||, eps) max(||x2||, eps)) along ``dim`` (PyTorch's formula).

    x1 and x2 broadcast against each other; ``dim`` is removed from the result. With
    n_i = max(||x_i||, eps) and r_i = ||x_i|| (the clamp carries no gradient, as in PyTorch):
    dC/dx1 = delta (x2 / (n1 n2) - cos x1 / (n1 r1)),
    dC/dx2 = delta (x1 / (n1 n2) - cos x2 / (n2 r2)).
    """
    x1, x2 = (x1, lift(x2, x1)) if isinstance(x1, Tensor) else (lift(x1, x2), x2)
    a, b = x1.data, x2.data
    if a.dtype != b.dtype and b.dtype.kind == "f" and a.dtype.kind == "f":
        raise TypeError(f"cosine_similarity: x1 is {a.dtype} but x2 is {b.dtype}")
    try:
        shape = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(
            f"cosine_similarity: x1 of shape {a.shape} and x2 of shape {b.shape} do not broadcast"
        ) from None
    n = len(shape)
    if not -max(n, 1) <= dim < max(n, 1):
        raise IndexError(
            f"cosine_similarity: dim {dim} is out of range for the broadcast shape {shape} "
            f"(expected a dim in [{-max(n, 1)}, {max(n, 1) - 1}])"
        )
    if n == 0:  # 0-d inputs: one element along the one dim 0 (= -1), as PyTorch
        shape = (1,)
    axis = dim % max(n, 1)
    a, b = np.broadcast_to(a, shape), np.broadcast_to(b, shape)
    e = a.dtype.type(eps)
    r1 = np.sqrt((a * a).sum(axis=axis, keepdims=True))
    r2 = np.sqrt((b * b).sum(axis=axis, keepdims=True))
    n1, n2 = np.maximum(r1, e), np.maximum(r2, e)
    n12 = n1 * n2
    cos = (a * b).sum(axis=axis, keepdims=True) / n12

    def backward(delta: np.ndarray) -> tuple:
        d = np.expand_dims(delta.reshape(out.shape), axis)
        g1 = g2 = None
        if x1.requires_grad:
            safe = np.where(r1 > 0, n1 * r1, 1)  # x1 = 0 where r1 = 0: that term vanishes
            g1 = b / n12 - a * (cos / safe)
            g1 *= d
        if x2.requires_grad:
            safe = np.where(r2 > 0, n2 * r2, 1)
            g2 = a / n12 - b * (cos / safe)
            g2 *= d
        return g1, g2

    out = np.squeeze(cos, axis)
    return make_result(out.reshape(()) if n == 0 else out, (x1, x2), backward,
                       "cosine_similarity")
