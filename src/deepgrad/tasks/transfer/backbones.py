"""The pretrained networks the transfer task starts from, each cut into a frozen prefix and blocks.

A :class:`Backbone` is the network without its classifier, as the notes draw it for "learning new
tasks with pre-trained CNNs": a ``prefix`` that is never trained, then ``blocks`` (the last ``k``
of which may be fine-tuned), ending in a feature vector of ``feature_size``. The new task puts its
own linear head after it. ``preprocess`` turns the target task's uint8 images into what the
network was trained on.

- ``mnist``: the week-3 MNIST CNN (:func:`deepgrad.models.mnist_cnn`), pretrained here on MNIST's
  60,000 digits; blocks: conv block 1, conv block 2, the dense layer of 128.
- ``imagenet``: EfficientNet-Lite0 with its real ImageNet-1k weights (when
  :func:`deepgrad.models.efficientnet_lite0` is available); grey images are upsampled to
  ``image_size`` and replicated to 3 channels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ... import models, nn
from ...tensor import Tensor, no_grad
from ..contract import TaskError

MNIST_MEAN, MNIST_STD = 0.1307, 0.3081


@dataclass
class Backbone:
    """A feature extractor cut for transfer: ``prefix`` (frozen), then ``blocks``."""

    name: str
    prefix: nn.Module
    blocks: list[nn.Module]
    feature_size: int
    preprocess: Callable[[np.ndarray], np.ndarray]

    def modules(self) -> list[nn.Module]:
        return [self.prefix, *self.blocks]

    def network(self, head: nn.Module) -> nn.Sequential:
        """The whole classifier: prefix, blocks and ``head`` in one Sequential."""
        return nn.Sequential(self.prefix, *self.blocks, head)


def _mnist_preprocess(images: np.ndarray) -> np.ndarray:
    x = np.asarray(images)
    if x.ndim != 3 or x.shape[1:] != (28, 28):
        raise TaskError(f"transfer: the mnist backbone takes N x 28 x 28 grey images, got "
                        f"shape {x.shape}")
    x = (x.astype(np.float32) / np.float32(255.0) - np.float32(MNIST_MEAN)) / np.float32(MNIST_STD)
    return x[:, None]


def mnist_backbone(cnn: nn.Sequential | None = None) -> Backbone:
    """The week-3 MNIST CNN as a backbone (``cnn``: a :func:`models.mnist_cnn`, else a new one).

    Its layers 0-3 and 4-7 are the two conv blocks, 8-11 flatten, dropout, the dense 128 and its
    ReLU; the 10-way classifier (12-13) is left out."""
    cnn = cnn if cnn is not None else models.mnist_cnn()
    layers = list(cnn)
    blocks = [nn.Sequential(*layers[0:4]), nn.Sequential(*layers[4:8]),
              nn.Sequential(*layers[8:12])]
    return Backbone("mnist", nn.Identity(), blocks, 128, _mnist_preprocess)


def _resize_batch(x: np.ndarray, size: int) -> np.ndarray:
    """N x C x h x w float32 -> N x C x size x size, bilinear (deepgrad's interpolate)."""
    from ...functional import interpolate

    with no_grad():
        return np.asarray(interpolate(Tensor(x), size=(size, size), mode="bilinear",
                                      align_corners=False).data, dtype=np.float32)


def imagenet_backbone(image_size: int, pretrained: bool = True, net: Any = None) -> Backbone:
    """EfficientNet-Lite0 (ImageNet-1k weights when ``pretrained``) as a backbone: prefix = the
    stem (conv, batch norm, ReLU6); blocks = the 16 MBConv blocks, then the head (1x1 conv to
    1,280 channels, batch norm, ReLU6, global average pooling). Images are scaled as the
    weights were trained: ``(pixel - 127) / 128`` on 0-255 pixels. ``net``: cut this
    EfficientNetLite instead of a new one (its modules are shared, not copied)."""
    factory = getattr(models, "efficientnet_lite0", None)
    if factory is None:
        raise TaskError("transfer: source 'imagenet' needs deepgrad.models.efficientnet_lite0, "
                        "which this version does not have; use --source mnist")
    if image_size < 32:
        raise TaskError(f"transfer: image_size must be at least 32 for EfficientNet-Lite0 "
                        f"(it divides by 32), got {image_size}")
    if net is None:
        net = factory(pretrained=pretrained)
    prefix = nn.Sequential(net._conv_stem, net._bn0, nn.ReLU6())
    head = nn.Sequential(net._conv_head, net._bn1, nn.ReLU6(), nn.AdaptiveAvgPool2d(1),
                         nn.Flatten())
    blocks = [*net._blocks, head]

    def preprocess(images: np.ndarray) -> np.ndarray:
        x = np.asarray(images)
        if x.ndim == 3:  # grey N x H x W -> 3 equal channels
            x = np.repeat(x[:, None], 3, axis=1)
        elif x.ndim == 4 and x.shape[-1] == 3:
            x = x.transpose(0, 3, 1, 2)
        else:
            raise TaskError(f"transfer: the imagenet backbone takes N x H x W grey or "
                            f"N x H x W x 3 colour images, got shape {x.shape}")
        x = np.ascontiguousarray(x, dtype=np.float32)
        if x.shape[2:] != (image_size, image_size):
            x = _resize_batch(x, image_size)
        return (x - np.float32(127.0)) / np.float32(128.0)

    return Backbone("imagenet", prefix, blocks, 1280, preprocess)
