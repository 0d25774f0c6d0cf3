"""Batch normalization as the notes write it, composed of deepgrad ops (autodiff backward).

For each channel c, over the m = N x H x W values of a batch:

    mu = mean(x),   sigma^2 = mean((x - mu)^2)            (the batch statistics)
    xhat = (x - mu) / sqrt(sigma^2 + eps)                  (normalized)
    out = gamma * xhat + beta                              (scaled and shifted)

``functional.batch_norm`` computes the same (and the running statistics) with its backward
written out in fused form and compiled kernels; tests check plain == fused == PyTorch.
"""

from __future__ import annotations

from ..tensor import Tensor
from .math import sqrt
from .reduce import mean

__all__ = ["batch_norm_plain"]


def batch_norm_plain(x: Tensor, gamma: Tensor | None = None, beta: Tensor | None = None,
                     eps: float = 1e-5) -> Tensor:
    """Training-mode batch norm of x (N, C) or (N, C, *) over every dim but the channel dim 1."""
    dims = (0,) + tuple(range(2, x.ndim))
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)  # gamma, beta broadcast along channel c
    mu = mean(x, dims, keepdim=True)
    var = mean((x - mu) * (x - mu), dims, keepdim=True)
    xhat = (x - mu) / sqrt(var + eps)
    out = xhat if gamma is None else xhat * gamma.reshape(shape)
    return out if beta is None else out + beta.reshape(shape)
