"""Normalization layers: BatchNorm1d/2d/3d, LayerNorm, GroupNorm (PyTorch's names and state).

Batch normalization controls the mean and variance of the outputs before the activations (the
notes, week 2): put it between a Linear/Conv2d and its nonlinearity. In training mode it
normalizes each channel with the statistics of the current mini-batch and keeps exponential
moving averages of them (the running statistics); in evaluation mode (``model.eval()``) it uses
those running statistics, so a prediction does not depend on the other samples in the batch.

State dict names and shapes are PyTorch's: ``weight``, ``bias`` (gamma, beta; shape (C,)),
``running_mean``, ``running_var`` (float buffers, (C,)) and ``num_batches_tracked`` (an int64
scalar), so ``torch.nn.BatchNorm2d`` weights load unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..functional.norm import batch_norm, group_norm, layer_norm
from ..tensor import Tensor
from .module import Module, Parameter
from .parameter import parameter_dtype

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "LayerNorm", "GroupNorm"]


def _positive_int(value: Any, what: str, layer: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value <= 0:
        raise ValueError(f"{layer}: {what} must be a positive integer, got {value!r}")
    return int(value)


class _BatchNorm(Module):
    """Shared body of BatchNorm1d/2d/3d; subclasses set the accepted input ranks."""

    _ranks: tuple[int, ...] = ()
    _ranks_text = ""

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        self.num_features = _positive_int(num_features, "num_features", name)
        if momentum is not None and not 0.0 <= float(momentum) <= 1.0:
            raise ValueError(f"{name}: momentum must be in [0, 1] or None, got {momentum!r}")
        self.eps = float(eps)
        self.momentum = None if momentum is None else float(momentum)
        self.affine = bool(affine)
        self.track_running_stats = bool(track_running_stats)
        dt = parameter_dtype(dtype, name)
        c = self.num_features
        if self.affine:
            self.weight = Parameter(np.ones(c, dtype=dt))
            if bias:
                self.bias = Parameter(np.zeros(c, dtype=dt))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if self.track_running_stats:
            self.register_buffer("running_mean", np.zeros(c, dtype=dt))
            self.register_buffer("running_var", np.ones(c, dtype=dt))
            self.register_buffer("num_batches_tracked", np.array(0, dtype=np.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        """running_mean = 0, running_var = 1, num_batches_tracked = 0 (in place)."""
        if self.track_running_stats:
            self.running_mean[...] = 0
            self.running_var[...] = 1
            self.num_batches_tracked[...] = 0

    def reset_parameters(self) -> None:
        """Running statistics reset; gamma = 1, beta = 0 (the identity map)."""
        self.reset_running_stats()
        if self.weight is not None:
            self.weight.data[...] = 1
        if self.bias is not None:
            self.bias.data[...] = 0

    def _check_input(self, input: Any) -> None:  # noqa: A002
        name = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: input must be a deepgrad Tensor, got {type(input).__name__}")
        if input.ndim not in self._ranks:
            raise ValueError(
                f"{name}: expected {self._ranks_text} input, got {input.ndim}D input of shape "
                f"{input.shape}"
            )
        if input.shape[1] != self.num_features:
            raise ValueError(
                f"{name}: expected {self.num_features} channels (num_features) along dim 1, "
                f"got {input.shape[1]} (input shape {input.shape})"
            )
        if self.training and input.numel() // self.num_features == 1:
            raise ValueError(
                f"{name}: Expected more than 1 value per channel when training, got input "
                f"size {input.shape} (use a batch of 2 or more, or call .eval())"
            )

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """out = gamma * (x - mu) / sqrt(sigma^2 + eps) + beta, per channel (see F.batch_norm).

        Training: batch statistics; running statistics updated with momentum, or with the
        cumulative average 1 / num_batches_tracked when ``momentum=None``. Evaluation: running
        statistics (or batch statistics when ``track_running_stats=False``).
        """
        self._check_input(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked += 1
            if self.momentum is None:
                factor = 1.0 / float(self.num_batches_tracked)
        use_batch_stats = self.training or (self.running_mean is None and self.running_var is None)
        keep = not self.training or self.track_running_stats
        return batch_norm(
            input,
            self.running_mean if keep else None,
            self.running_var if keep else None,
            self.weight,
            self.bias,
            use_batch_stats,
            factor,
            self.eps,
        )

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.bias is not None}, "
            f"track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalization of (N, C) features or (N, C, L) sequences, one mu/sigma per channel.

    out = gamma * (x - E[x]) / sqrt(Var[x] + eps) + beta; E and Var over N (and L).
    Parameters: weight (gamma, ones), bias (beta, zeros), shape (num_features,).
    """

    _ranks = (2, 3)
    _ranks_text = "2D (N, C) or 3D (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """Batch normalization of (N, C, H, W) feature maps, one mu/sigma per channel.

    out = gamma * (x - E[x]) / sqrt(Var[x] + eps) + beta; E and Var over N, H and W.
    Parameters: weight (gamma, ones), bias (beta, zeros), shape (num_features,).
    """

    _ranks = (4,)
    _ranks_text = "4D (N, C, H, W)"


class BatchNorm3d(_BatchNorm):
    """Batch normalization of (N, C, D, H, W) volumes, one mu/sigma per channel."""

    _ranks = (5,)
    _ranks_text = "5D (N, C, D, H, W)"


class LayerNorm(Module):
    """Layer normalization over the last dimensions (``normalized_shape``) of each sample.

    out = gamma * (x - E[x]) / sqrt(Var[x] + eps) + beta, E and Var over the normalized_shape
    dimensions of one sample; gamma (ones) and beta (zeros) are elementwise, shape
    ``normalized_shape``. Identical in training and evaluation (no running statistics).
    """

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        ns = (normalized_shape,) if np.isscalar(normalized_shape) else tuple(normalized_shape)
        self.normalized_shape = tuple(_positive_int(n, "normalized_shape", "LayerNorm") for n in ns)
        if not self.normalized_shape:
            raise ValueError("LayerNorm: normalized_shape must name at least one dimension")
        self.eps = float(eps)
        self.elementwise_affine = bool(elementwise_affine)
        dt = parameter_dtype(dtype, "LayerNorm")
        if self.elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dtype=dt))
            if bias:
                self.bias = Parameter(np.zeros(self.normalized_shape, dtype=dt))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """out = gamma * xhat + beta over the last len(normalized_shape) dims (F.layer_norm)."""
        ns = self.normalized_shape
        if not isinstance(input, Tensor) or input.shape[input.ndim - len(ns) :] != ns:
            got = input.shape if isinstance(input, Tensor) else type(input).__name__
            raise ValueError(
                f"LayerNorm: expected input of shape (*, {', '.join(map(str, ns))}) "
                f"(normalized_shape={ns}), got {got}"
            )
        return layer_norm(input, ns, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, "
            f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}"
        )


class GroupNorm(Module):
    """Group normalization: the C channels of each sample in ``num_groups`` groups.

    out = gamma_c * (x - E[x]) / sqrt(Var[x] + eps) + beta_c, E and Var over one group of one
    sample; independent of the batch, so identical in training and evaluation.
    """

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        self.num_groups = _positive_int(num_groups, "num_groups", "GroupNorm")
        self.num_channels = _positive_int(num_channels, "num_channels", "GroupNorm")
        if self.num_channels % self.num_groups:
            raise ValueError(
                f"GroupNorm: num_channels ({num_channels}) must be divisible by num_groups "
                f"({num_groups})"
            )
        self.eps = float(eps)
        self.affine = bool(affine)
        dt = parameter_dtype(dtype, "GroupNorm")
        if self.affine:
            self.weight = Parameter(np.ones(self.num_channels, dtype=dt))
            if bias:
                self.bias = Parameter(np.zeros(self.num_channels, dtype=dt))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """out = gamma_c * xhat + beta_c with per-(sample, group) statistics (F.group_norm)."""
        if not isinstance(input, Tensor) or input.ndim < 2 or input.shape[1] != self.num_channels:
            got = input.shape if isinstance(input, Tensor) else type(input).__name__
            raise ValueError(
                f"GroupNorm: expected input (N, {self.num_channels}, *) with num_channels="
                f"{self.num_channels} along dim 1, got {got}"
            )
        return group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
            f"bias={self.bias is not None}"
        )
