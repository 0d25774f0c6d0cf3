"""Per-sample normalization: layer_norm and group_norm, each with a fused backward beside it.

The same standardization as batch norm (see norm.py), but the statistics are taken over each
sample's own features, so nothing is shared across the batch and training and evaluation
compute the same thing: layer_norm pools each sample's last dimensions, group_norm each
sample's channel groups. With m elements per statistic and delta = dC/d(out):

    dC/dbeta  = sum delta
    dC/dgamma = sum delta * xhat
    dC/dx     = (1/m) * inv_std * (m * g - sum(g) - xhat * sum(g * xhat)),   g = gamma * delta
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..tensor import Tensor, make_result
from ._norm_common import _float_input, _param, _present, _zero_grads

__all__ = ["layer_norm", "group_norm"]


def _rows_forward(x2: np.ndarray, eps: float) -> tuple[np.ndarray, np.ndarray]:
    """Standardize each row of a 2-D array: returns (xhat, inv_std) with biased variance."""
    d = x2.dtype.type(x2.shape[1])
    xhat = x2 - (x2.sum(axis=1) / d)[:, None]
    var = np.einsum("md,md->m", xhat, xhat) / d
    inv_std = 1.0 / np.sqrt(var + x2.dtype.type(eps))
    xhat *= inv_std[:, None]
    return xhat, inv_std


def _rows_backward(g2: np.ndarray, xhat: np.ndarray, inv_std: np.ndarray) -> np.ndarray:
    """dC/dx of the row standardization, given g = dC/dxhat (fused; one temporary)."""
    d = g2.dtype.type(g2.shape[1])
    gx = xhat * (np.einsum("md,md->m", g2, xhat) / d)[:, None]
    gx += (g2.sum(axis=1) / d)[:, None]
    np.subtract(g2, gx, out=gx)
    gx *= inv_std[:, None]
    return gx


def layer_norm(
    input: Tensor,  # noqa: A002
    normalized_shape: int | Sequence[int],
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Layer normalization over the last ``len(normalized_shape)`` dimensions of each sample.

    With the D = prod(normalized_shape) values x_j of one sample:

        mu = (1/D) sum_j x_j,   sigma^2 = (1/D) sum_j (x_j - mu)^2
        out_j = gamma_j * (x_j - mu) / sqrt(sigma^2 + eps) + beta_j

    ``weight`` (gamma) and ``bias`` (beta) have shape ``normalized_shape`` (elementwise, not
    per channel). Unlike batch_norm it behaves the same in training and evaluation.
    Backward: g = gamma * delta, dC/dx = (inv_std / D) (D g - sum(g) - xhat sum(g xhat)),
    dC/dgamma = sum over samples of delta * xhat, dC/dbeta = sum over samples of delta.
    """
    op = "layer_norm"
    ns = (int(normalized_shape),) if np.isscalar(normalized_shape) else tuple(normalized_shape)
    x = _float_input(input, op, len(ns))
    shape = x.shape
    k = len(ns)
    if k == 0 or shape[x.ndim - k :] != ns:
        raise ValueError(
            f"{op}: normalized_shape={ns} must be non-empty and equal the last dimensions of "
            f"the input (expected shape (*, {', '.join(map(str, ns))})), got input shape {shape}"
        )
    dt = x.dtype
    w = _param(weight, ns, dt, "weight (same shape as normalized_shape)", op)
    b = _param(bias, ns, dt, "bias (same shape as normalized_shape)", op)
    parents = tuple(t for t in (input, weight, bias) if t is not None)
    dsize = math.prod(ns)
    if x.size == 0:
        return make_result(np.empty(shape, dt), parents, _zero_grads(parents), op)
    x2 = x.reshape(-1, dsize)
    xhat, inv_std = _rows_forward(x2, eps)
    w1 = None if w is None else w.reshape(dsize)
    b1 = None if b is None else b.reshape(dsize)
    out = _affine(xhat, w1, b1)

    def backward(delta: np.ndarray) -> tuple:
        d2 = delta.reshape(-1, dsize)
        gx = gw = gb = None
        if input.requires_grad:
            g2 = d2 if w1 is None else d2 * w1
            gx = _rows_backward(g2, xhat, inv_std).reshape(shape)
        if weight is not None and weight.requires_grad:
            gw = np.einsum("md,md->d", d2, xhat).reshape(ns)
        if bias is not None and bias.requires_grad:
            gb = d2.sum(axis=0).reshape(ns)
        return _present((gx, gw, gb), (input, weight, bias))

    return make_result(out.reshape(shape), parents, backward, op)


def _affine(xhat: np.ndarray, w: np.ndarray | None, b: np.ndarray | None) -> np.ndarray:
    """gamma * xhat + beta (broadcast over rows); ``xhat`` itself when both are absent."""
    if w is None and b is None:
        return xhat
    out = xhat * w if w is not None else xhat.copy()
    if b is not None:
        out += b
    return out


def group_norm(
    input: Tensor,  # noqa: A002
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Group normalization: each sample's C channels split into ``num_groups`` groups.

    Each group of one sample (C / G channels times the spatial positions, D values) is
    standardized with its own mu and sigma^2 (biased), then a per-channel affine map applies:
    out = gamma_c * xhat + beta_c. G = 1 is layer normalization over (C, *) with per-channel
    parameters; G = C is instance normalization. Same in training and evaluation. Backward as
    layer_norm with g = gamma_c * delta.
    """
    op = "group_norm"
    x = _float_input(input, op, 2)
    shape = x.shape
    n, c = shape[0], shape[1]
    if not isinstance(num_groups, int | np.integer) or num_groups <= 0 or c % num_groups:
        raise ValueError(
            f"{op}: the number of channels ({c}, input shape {shape}) must be divisible by "
            f"num_groups, got num_groups={num_groups}"
        )
    dt = x.dtype
    w = _param(weight, (c,), dt, f"weight (one per channel, {c} channels)", op)
    b = _param(bias, (c,), dt, f"bias (one per channel, {c} channels)", op)
    parents = tuple(t for t in (input, weight, bias) if t is not None)
    if x.size == 0:
        return make_result(np.empty(shape, dt), parents, _zero_grads(parents), op)
    col = (1, c, 1)
    xhat2, inv_std = _rows_forward(x.reshape(n * num_groups, -1), eps)
    xhat3 = xhat2.reshape(n, c, -1)
    out = _affine(xhat3, *(None if p is None else p.reshape(col) for p in (w, b)))

    def backward(delta: np.ndarray) -> tuple:
        d3 = delta.reshape(n, c, -1)
        gx = gw = gb = None
        if input.requires_grad:
            g3 = d3 if w is None else d3 * w.reshape(col)
            gx = _rows_backward(g3.reshape(n * num_groups, -1), xhat2, inv_std).reshape(shape)
        if weight is not None and weight.requires_grad:
            gw = np.einsum("ncl,ncl->c", d3, xhat3)
        if bias is not None and bias.requires_grad:
            gb = d3.sum(axis=(0, 2))
        return _present((gx, gw, gb), (input, weight, bias))

    return make_result(out.reshape(shape), parents, backward, op)
