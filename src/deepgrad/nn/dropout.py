"""Dropout layers: in training, zero each unit with probability p and scale the survivors.

Inverted dropout (as PyTorch and Keras): out = x * m / (1 - p), m ~ Bernoulli(1 - p), so the
expected activation is unchanged and evaluation (``model.eval()``) is the identity.
"""

from __future__ import annotations

from ..functional import plain as F  # the ops unwrapped: layers get Tensors
from ..tensor import Tensor
from .module import Module

__all__ = ["Dropout", "Dropout2d"]


class _DropoutNd(Module):
    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"{type(self).__name__}: p must be in [0, 1], got {p}")
        self.p = float(p)
        self.inplace = bool(inplace)  # as PyTorch: the output is written into the input

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """out = x * m / (1 - p) with m ~ Bernoulli(1 - p) per element in training; x in eval.

    The mask is drawn from ``deepgrad.random.get_rng()`` (``dg.manual_seed`` makes it repeatable).
    """

    def forward(self, x: Tensor) -> Tensor:
        if not self.training or self.p == 0.0:
            return x  # evaluation: the identity (no op, no graph node)
        return F.dropout(x, self.p, self.training, inplace=self.inplace)


class Dropout2d(_DropoutNd):
    """Drops whole channels: m ~ Bernoulli(1 - p) per (n, c), shared over h, w (spatial dropout,
    Keras' SpatialDropout2D); input (N, C, H, W)."""

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim not in (3, 4):
            raise ValueError(f"Dropout2d: expected a 3-D or 4-D input, got shape {x.shape}")
        if not self.training or self.p == 0.0:
            return x
        return F.dropout2d(x, self.p, self.training, inplace=self.inplace)
