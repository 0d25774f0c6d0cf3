"""LeNet-5 (LeCun et al. 1998): the first successful CNN, for 32x32 digit images.

    C1 conv5x5 (6)  -> tanh -> S2 avg pool 2x2 -> C3 conv5x5 (16) -> tanh -> S4 avg pool 2x2
      -> C5 dense 400 -> 120 -> tanh -> F6 120 -> 84 -> tanh -> output 84 -> num_classes

61,706 parameters for 10 classes. For 28x28 MNIST images (``input_size=28``) C1 pads by 2, so
the maps are the same sizes as on 32x32. Simplifications of the paper, as is usual: C3 connects
every S2 map (not the paper's table of 60 connections), pooling has no trainable coefficient, and
the output is a dense layer instead of the RBF units. ``activation="relu"`` and ``pool="max"``
give the modern variant. Names ``features.N`` / ``classifier.N``, as torchvision's CNNs.
"""

from __future__ import annotations

from .. import nn
from ..tensor import Tensor

__all__ = ["LeNet5", "lenet5"]


class LeNet5(nn.Module):
    """features (C1, S2, C3, S4) -> flatten -> classifier (C5, F6, output)."""

    def __init__(
        self,
        num_classes: int = 10,
        in_channels: int = 1,
        input_size: int = 32,
        activation: str = "tanh",
        pool: str = "avg",
    ) -> None:
        super().__init__()
        if input_size not in (28, 32):
            raise ValueError(f"lenet5: input_size must be 28 or 32, got {input_size}")
        acts = {"tanh": nn.Tanh, "relu": nn.ReLU}
        pools = {"avg": nn.AvgPool2d, "max": nn.MaxPool2d}
        if activation not in acts:
            raise ValueError(f"lenet5: activation must be one of {sorted(acts)}, got "
                             f"{activation!r}")
        if pool not in pools:
            raise ValueError(f"lenet5: pool must be one of {sorted(pools)}, got {pool!r}")
        act, pl = acts[activation], pools[pool]
        pad = (32 - input_size) // 2
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, 5, padding=pad), act(), pl(2),
            nn.Conv2d(6, 16, 5), act(), pl(2),
        )
        self.classifier = nn.Sequential(
            nn.Linear(16 * 5 * 5, 120), act(), nn.Linear(120, 84), act(),
            nn.Linear(84, num_classes),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(self.features(x).flatten(1))


def lenet5(num_classes: int = 10, **kwargs: object) -> LeNet5:
    """LeNet-5 (see :class:`LeNet5`); 61,706 parameters for 10 classes."""
    return LeNet5(num_classes, **kwargs)  # type: ignore[arg-type]
