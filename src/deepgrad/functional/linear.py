"""The dense layer's op: out = x W^T + b (PyTorch's weight layout, out_features x in_features)."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor, make_result
from ._gemm import one_thread_if_small

__all__ = ["linear"]


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:  # noqa: A002
    """out = x W^T + b.

    Backward (the notes' matrix derivatives): dC/dx = delta W,  dC/dW = delta^T x,
    dC/db = sum over the batch of delta. Leading dims of x are batch dims.
    """
    x, w = input.data, weight.data
    if w.ndim != 2:
        raise ValueError(f"linear: weight must be 2-D (out_features, in_features), got {w.shape}")
    if x.ndim == 0 or x.shape[-1] != w.shape[1]:
        raise ValueError(
            f"linear: input has {x.shape[-1] if x.ndim else 0} features (shape {x.shape}) but "
            f"weight expects {w.shape[1]} (weight shape {w.shape})"
        )
    if bias is not None and bias.data.shape != (w.shape[0],):
        raise ValueError(f"linear: bias must have shape ({w.shape[0]},), got {bias.data.shape}")
    x2 = x.reshape(-1, x.shape[-1]) if x.ndim != 2 else x
    if x2.shape[0] <= 64:  # a few rows (inference): one BLAS thread when the product is small
        with one_thread_if_small(2.0 * x2.size * w.shape[0]):
            out = x2 @ w.T
    else:
        out = x2 @ w.T
    if bias is not None:
        out += bias.data
    if x.ndim != 2:
        out = out.reshape(x.shape[:-1] + (w.shape[0],))

    def backward(delta: np.ndarray) -> tuple:
        d2 = delta.reshape(-1, delta.shape[-1]) if delta.ndim != 2 else delta
        gx = gw = None
        if input.requires_grad:
            gx = d2 @ w
            if x.ndim != 2:
                gx = gx.reshape(x.shape)
        if weight.requires_grad:
            gw = d2.T @ x2
        if bias is None:
            return gx, gw
        gb = np.ones(d2.shape[0], dtype=d2.dtype) @ d2 if bias.requires_grad else None
        return gx, gw, gb  # (ones @ delta is ~3x faster than delta.sum(0))

    parents = (input, weight) if bias is None else (input, weight, bias)
    return make_result(out, parents, backward, "linear")
