"""VGG (Simonyan & Zisserman 2014): only 3x3 convolutions, stacked deep.

Two stacked 3x3 convs see a 5x5 window and three see 7x7, with fewer parameters (2 * 9 C^2 or
3 * 9 C^2 instead of 25 C^2 or 49 C^2) and more non-linearities than one big kernel. A stage is
a few ``conv3x3(padding=1) -> [BN] -> ReLU`` layers then a 2x2 max pool that halves the
resolution; channels double per stage, 64 -> 512.

    features (convs and pools) -> avgpool (AdaptiveAvgPool2d((7, 7))) -> flatten
      -> classifier: Linear(512*7*7, 4096) ReLU Dropout Linear(4096, 4096) ReLU Dropout
         Linear(4096, num_classes)

Names are torchvision's (``features.N``, ``classifier.N``), so its ``state_dict`` loads with
``strict=True``. ``small_input=True`` (32x32 images, where the five pools leave 1x1x512): the
average pool is to (1, 1) and the classifier's hidden layers have 512 units, the usual CIFAR VGG
(``Linear(512, 512) ReLU Dropout Linear(512, 512) ReLU Dropout Linear(512, num_classes)``,
same indices), so VGG-16 has 15.2M parameters instead of 138M.
"""

from __future__ import annotations

from typing import Any

from .. import nn
from ..tensor import Tensor

__all__ = ["VGG", "vgg11", "vgg16", "VGG_CONFIGS"]

# numbers: output channels of a 3x3 conv; "M": a 2x2 max pool (torchvision's cfgs "A" and "D")
VGG_CONFIGS: dict[str, list[int | str]] = {
    "vgg11": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg16": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M",
              512, 512, 512, "M"],
}


def make_layers(cfg: list[int | str], batch_norm: bool = False, in_channels: int = 3
                ) -> nn.Sequential:
    """The ``features`` Sequential of a VGG config (torchvision's ``make_layers``)."""
    layers: list[nn.Module] = []
    for v in cfg:
        if v == "M":
            layers.append(nn.MaxPool2d(2, stride=2))
            continue
        layers.append(nn.Conv2d(in_channels, int(v), 3, padding=1))
        if batch_norm:
            layers.append(nn.BatchNorm2d(int(v)))
        layers.append(nn.ReLU())
        in_channels = int(v)
    return nn.Sequential(*layers)


class VGG(nn.Module):
    """features -> avgpool -> flatten -> classifier (see the module docstring)."""

    def __init__(
        self,
        features: nn.Sequential,
        num_classes: int = 1000,
        small_input: bool = False,
        dropout: float = 0.5,
    ) -> None:
        super().__init__()
        pooled, hidden = (1, 512) if small_input else (7, 4096)
        self.features = features
        self.avgpool = nn.AdaptiveAvgPool2d((pooled, pooled))
        self.classifier = nn.Sequential(
            nn.Linear(512 * pooled * pooled, hidden), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(hidden, hidden), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(hidden, num_classes),
        )
        for m in self.modules():  # torchvision's initialisation
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0.0, 0.01)
                nn.init.zeros_(m.bias)

    def forward(self, x: Tensor) -> Tensor:
        x = self.avgpool(self.features(x))
        return self.classifier(x.flatten(1))


def _vgg(cfg: str, num_classes: int, batch_norm: bool, small_input: bool, **kw: Any) -> VGG:
    in_channels = kw.pop("in_channels", 3)
    features = make_layers(VGG_CONFIGS[cfg], batch_norm, in_channels)
    return VGG(features, num_classes, small_input, **kw)


def vgg11(num_classes: int = 1000, batch_norm: bool = False, small_input: bool = False,
          **kwargs: Any) -> VGG:
    """VGG-11 (config "A": 8 convs + 3 dense); 132,863,336 parameters with 1000 classes
    (132,868,840 with batch norm)."""
    return _vgg("vgg11", num_classes, batch_norm, small_input, **kwargs)


def vgg16(num_classes: int = 1000, batch_norm: bool = False, small_input: bool = False,
          **kwargs: Any) -> VGG:
    """VGG-16 (config "D": 13 convs + 3 dense); 138,357,544 parameters with 1000 classes
    (138,365,992 with batch norm)."""
    return _vgg("vgg16", num_classes, batch_norm, small_input, **kwargs)
