"""AlexNet (Krizhevsky, Sutskever & Hinton 2012), the network that won ImageNet 2012.

Five convolutions (11x11 stride 4, 5x5, then three 3x3) with ReLU and three 3x3/2 max pools,
then three dense layers with dropout. This is torchvision's single-tower version (64, 192, 384,
256, 256 channels; no local response normalisation) with its names (``features.N``,
``avgpool`` = AdaptiveAvgPool2d((6, 6)), ``classifier.N``), so its ``state_dict`` loads with
``strict=True``; 61,100,840 parameters with 1000 classes.

``small_input=True`` (32x32 images, which the 11x11/4 stem and three 3x3/2 pools would shrink
to nothing): a 3x3 stride-2 stem (32 -> 16), 2x2 max pools (16 -> 8 -> 4 -> 2), the same five
convolutions' channels, AdaptiveAvgPool2d((2, 2)) and 1024-unit dense layers.
"""

from __future__ import annotations

from .. import nn
from ..tensor import Tensor

__all__ = ["AlexNet", "alexnet"]


class AlexNet(nn.Module):
    """features -> avgpool -> flatten -> classifier (see the module docstring)."""

    def __init__(
        self,
        num_classes: int = 1000,
        small_input: bool = False,
        dropout: float = 0.5,
        in_channels: int = 3,
    ) -> None:
        super().__init__()
        if small_input:
            stem = nn.Conv2d(in_channels, 64, 3, stride=2, padding=1)
            pool = lambda: nn.MaxPool2d(2, stride=2)  # noqa: E731
            pooled, hidden = 2, 1024
        else:
            stem = nn.Conv2d(in_channels, 64, 11, stride=4, padding=2)
            pool = lambda: nn.MaxPool2d(3, stride=2)  # noqa: E731
            pooled, hidden = 6, 4096
        self.features = nn.Sequential(
            stem, nn.ReLU(), pool(),
            nn.Conv2d(64, 192, 5, padding=2), nn.ReLU(), pool(),
            nn.Conv2d(192, 384, 3, padding=1), nn.ReLU(),
            nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(),
            nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(), pool(),
        )
        self.avgpool = nn.AdaptiveAvgPool2d((pooled, pooled))
        self.classifier = nn.Sequential(
            nn.Dropout(dropout), nn.Linear(256 * pooled * pooled, hidden), nn.ReLU(),
            nn.Dropout(dropout), nn.Linear(hidden, hidden), nn.ReLU(),
            nn.Linear(hidden, num_classes),
        )

    def forward(self, x: Tensor) -> Tensor:
        x = self.avgpool(self.features(x))
        return self.classifier(x.flatten(1))


def alexnet(num_classes: int = 1000, small_input: bool = False, **kwargs: object) -> AlexNet:
    """AlexNet; 61,100,840 parameters with 1000 classes (see :class:`AlexNet`)."""
    return AlexNet(num_classes, small_input, **kwargs)  # type: ignore[arg-type]
