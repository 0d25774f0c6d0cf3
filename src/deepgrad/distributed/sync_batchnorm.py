"""SyncBatchNorm: batch normalization with the statistics of the global batch, over all ranks.

Plain BatchNorm on P ranks normalizes each rank's slice with that slice's mean and variance
(PyTorch's default under DDP): a different computation from one process on the global batch.
SyncBatchNorm sums over the ranks instead. Per channel, with m_r values on rank r and a shift K
common to every rank (the running mean; it only keeps the sums well conditioned):

    forward:   S1 = sum_r sum_i (x_i - K),   S2 = sum_r sum_i (x_i - K)^2,   M = sum_r m_r
               (one allreduce of 2C + 1 numbers)
               mu = K + S1 / M,   sigma^2 = S2 / M - (S1 / M)^2
               xhat_i = (x_i - mu) / sqrt(sigma^2 + eps),   out_i = gamma xhat_i + beta
    backward:  SD = sum_r sum_i delta_i,   SDX = sum_r sum_i delta_i xhat_i   (one allreduce
               of 2C numbers)
               dC/dx_i = gamma / sqrt(sigma^2 + eps) (delta_i - SD / M - xhat_i SDX / M)
               dC/dgamma = sum_i delta_i xhat_i,  dC/dbeta = sum_i delta_i   (this rank's
               part: the gradient allreduce sums them over the ranks)

which is batch_norm's fused backward (``functional/norm.py``) with the sums taken over the global
batch. The running statistics get the global mean and the unbiased global variance
sigma^2 M / (M - 1), the same on every rank. In evaluation mode, or in a single process, it is
BatchNorm exactly. The state dict is BatchNorm's (weights load both ways).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..nn.module import Module
from ..nn.norm import _BatchNorm
from ..tensor import Tensor, make_result
from .world import World, get_world

__all__ = ["SyncBatchNorm", "sync_batch_norm", "convert_sync_batchnorm"]


def _to3(x: np.ndarray) -> np.ndarray:
    return x.reshape(x.shape[0], x.shape[1], -1)


def sync_batch_norm(
    input: Tensor,
    running_mean: np.ndarray | None,  # noqa: A002
    running_var: np.ndarray | None,
    weight: Tensor | None,
    bias: Tensor | None,
    momentum: float,
    eps: float,
    world: World | None = None,
) -> Tensor:
    """Training-mode batch norm over the global batch (module docstring); running statistics
    updated in place with ``momentum``."""
    world = world or get_world()
    x = input.data
    if x.dtype.kind != "f" or x.ndim < 2:
        raise TypeError(
            f"sync_batch_norm: expected a floating (N, C, ...) input, got "
            f"{x.dtype} of shape {x.shape}"
        )
    dt, shape, c = x.dtype, x.shape, x.shape[1]
    x3 = _to3(x)
    col = (1, c, 1)
    shift = np.zeros(c) if running_mean is None else running_mean.astype(np.float64)
    xc = x3 - shift.astype(dt).reshape(col)
    sums = np.empty(2 * c + 1)
    sums[:c] = xc.sum(axis=(0, 2), dtype=np.float64)
    sums[c : 2 * c] = np.einsum("acb,acb->c", xc, xc, dtype=np.float64)
    sums[2 * c] = x3.shape[0] * x3.shape[2]
    world.allreduce_(sums, "sum", f"SyncBatchNorm statistics ({c} channels)")
    big_m = float(sums[2 * c])
    if big_m <= 1:
        raise ValueError(
            f"SyncBatchNorm: Expected more than 1 value per channel when training, "
            f"got {big_m:g} over the {world.size} ranks (input size {shape})"
        )
    d1 = sums[:c] / big_m
    mean = shift.astype(np.float64) + d1
    var = np.maximum(sums[c : 2 * c] / big_m - d1 * d1, 0.0)
    inv_std = 1.0 / np.sqrt(var + eps)
    if running_mean is not None and running_var is not None:
        mom = float(momentum)
        running_mean[...] = running_mean.astype(np.float64) * (1.0 - mom) + mean * mom
        running_var[...] = (
            running_var.astype(np.float64) * (1.0 - mom) + var * (big_m / (big_m - 1)) * mom
        )
    xhat = (x3 - mean.astype(dt).reshape(col)) * inv_std.astype(dt).reshape(col)
    w = None if weight is None else weight.data.astype(dt, copy=False)
    b = None if bias is None else bias.data.astype(dt, copy=False)
    out3 = xhat * w.reshape(col) if w is not None else xhat.copy()
    if b is not None:
        out3 += b.reshape(col)
    scale = (inv_std if w is None else w.astype(np.float64) * inv_std).astype(dt)
    parents = tuple(t for t in (input, weight, bias) if t is not None)

    def backward(delta: np.ndarray) -> tuple:
        d3 = _to3(np.ascontiguousarray(delta, dtype=dt))
        local = np.empty(2 * c)
        local[:c] = d3.sum(axis=(0, 2), dtype=np.float64)
        local[c:] = np.einsum("acb,acb->c", d3, xhat, dtype=np.float64)
        gw = local[c:].astype(dt) if weight is not None and weight.requires_grad else None
        gb = local[:c].astype(dt) if bias is not None and bias.requires_grad else None
        gx = None
        if input.requires_grad:
            world.allreduce_(local, "sum", f"SyncBatchNorm backward sums ({c} channels)")
            sd, sdx = (local[:c] / big_m).astype(dt), (local[c:] / big_m).astype(dt)
            gx = xhat * sdx.reshape(col)
            gx += sd.reshape(col)
            np.subtract(d3, gx, out=gx)
            gx *= scale.reshape(col)
            gx = gx.reshape(shape)
        grads = (gx, gw, gb)
        return tuple(g for g, t in zip(grads, (input, weight, bias), strict=True) if t is not None)

    return make_result(out3.reshape(shape), parents, backward, "sync_batch_norm")


class SyncBatchNorm(_BatchNorm):
    """Batch normalization over the global batch of all ranks (module docstring), for (N, C),
    (N, C, L), (N, C, H, W) or (N, C, D, H, W) inputs; PyTorch's ``nn.SyncBatchNorm``.

    Alone (one process) or in evaluation mode it is BatchNorm. Build it directly, or turn a
    model's BatchNorm layers into it with :func:`convert_sync_batchnorm`."""

    _ranks = (2, 3, 4, 5)
    _ranks_text = "2D to 5D (N, C, ...)"

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        world = get_world()
        if not (self.training and world.active):
            return super().forward(input)
        self._check_input(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.track_running_stats:
            self.num_batches_tracked += 1
            if self.momentum is None:
                factor = 1.0 / float(self.num_batches_tracked)
        keep = self.track_running_stats
        return sync_batch_norm(
            input,
            self.running_mean if keep else None,
            self.running_var if keep else None,
            self.weight,
            self.bias,
            factor,
            self.eps,
            world,
        )

    def _check_input(self, input: Any) -> None:  # noqa: A002
        """BatchNorm's checks; with several ranks training, one value per channel on this rank
        is allowed (the statistics are the global batch's, checked in sync_batch_norm)."""
        if (
            self.training
            and get_world().active
            and isinstance(input, Tensor)
            and input.ndim in self._ranks
            and input.shape[1] == self.num_features
        ):
            return
        super()._check_input(input)


def convert_sync_batchnorm(module: Module) -> Module:
    """Replace every BatchNorm1d/2d/3d in ``module`` by a SyncBatchNorm holding the same
    parameters and buffers (the same arrays: an optimizer built on them keeps working); returns
    ``module`` (or the new layer when ``module`` itself is a BatchNorm), as PyTorch's."""
    if isinstance(module, _BatchNorm) and not isinstance(module, SyncBatchNorm):
        return _converted(module)
    for parent in list(module.modules()):
        for name, child in list(parent._modules.items()):
            if isinstance(child, _BatchNorm) and not isinstance(child, SyncBatchNorm):
                parent._modules[name] = _converted(child)
    return module


def _converted(bn: _BatchNorm) -> SyncBatchNorm:
    """A SyncBatchNorm sharing ``bn``'s parameters, buffers, settings and hooks."""
    new = SyncBatchNorm.__new__(SyncBatchNorm)
    new.__dict__.update(
        {k: v.copy() if isinstance(v, dict | set) else v for k, v in bn.__dict__.items()}
    )
    return new
