"""A CNN that classifies the one object of an image and regresses its box (week 3, object
localization): conv blocks (3x3 conv, batch norm, ReLU, 2x2 max pooling), a dense layer, then
``num_classes`` class scores and 4 box numbers. The box is (cx, cy, w, h) as fractions of the
image's width and height, squashed into (0, 1) by a sigmoid."""

from __future__ import annotations

from collections.abc import Sequence

from .. import functional as F
from .. import nn
from ..tensor import Tensor

__all__ = ["Localizer", "localizer"]


class Localizer(nn.Module):
    """``forward(x) -> (logits N x num_classes, box N x 4 in (0, 1))`` for N x C x size x size."""

    def __init__(self, num_classes: int, size: int = 64, widths: Sequence[int] = (16, 32, 64, 64),
                 hidden: int = 256, in_channels: int = 1) -> None:
        super().__init__()
        f = 2 ** len(widths)
        if size % f:
            raise ValueError(f"Localizer: size {size} must be a multiple of {f} "
                             f"({len(widths)} poolings)")
        self.num_classes, self.size = num_classes, size
        layers: list[nn.Module] = []
        cin = in_channels
        for w in widths:
            layers += [nn.Conv2d(cin, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU(),
                       nn.MaxPool2d(2)]
            cin = w
        self.features = nn.Sequential(*layers, nn.Flatten())
        self.hidden = nn.Sequential(nn.Linear(cin * (size // f) ** 2, hidden), nn.ReLU())
        self.head = nn.Linear(hidden, num_classes + 4)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        if x.ndim != 4 or tuple(x.shape[2:]) != (self.size, self.size):
            raise ValueError(f"Localizer: expected N x C x {self.size} x {self.size}, got "
                             f"{tuple(x.shape)} (letterbox the image first)")
        out = self.head(self.hidden(self.features(x)))
        return out[:, :self.num_classes], F.sigmoid(out[:, self.num_classes:])


def localizer(num_classes: int = 10, size: int = 64, widths: Sequence[int] = (16, 32, 64, 64),
              hidden: int = 256) -> Localizer:
    """The network of the ``localization`` task (see :class:`Localizer`)."""
    return Localizer(num_classes, size, widths, hidden)
