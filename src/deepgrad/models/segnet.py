"""Encoder-decoder networks for semantic segmentation (week 3, "other computer vision tasks").

The encoder is the week-3 CNN without its dense layers: blocks of 3x3 conv -> batch norm ->
ReLU, each followed by 2x2 max-pooling, so a 64 x 64 scene becomes 8 x 8 feature maps. The
decoder mirrors it and brings the maps back to the input size, where a 1x1 conv gives one
score per class and pixel. The two decoders differ only in how they upsample by 2:

* ``"unpool"`` (SegNet, Badrinarayanan et al. 2015): max unpooling with the encoder's pooling
  indices, ``F.max_unpool2d``: each value goes back to the position its pooling window's
  maximum came from, zeros elsewhere; no parameters. The following conv fills the zeros.
* ``"transposed"``: a learnable 2x2 transposed convolution with stride 2 (each input pixel
  scatters a learned 2x2 patch), ``nn.ConvTranspose2d(c, c, 2, stride=2)``.

Everything else (widths, convs, batch norm) is the same, so the two can be compared side by
side. The network is fully convolutional: any H, W divisible by 2**len(widths) works.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import nn
from ..tensor import Tensor

__all__ = ["SegNet", "segnet", "UPSAMPLING"]

UPSAMPLING = ("unpool", "transposed")


def _block(cin: int, cout: int, convs: int = 1) -> nn.Sequential:
    """``convs`` times (3x3 conv -> batch norm -> ReLU), the first from ``cin`` channels, every
    other from ``cout``."""
    layers: list[nn.Module] = []
    for i in range(convs):
        layers += [nn.Conv2d(cin if i == 0 else cout, cout, 3, padding=1, bias=False),
                   nn.BatchNorm2d(cout), nn.ReLU()]
    return nn.Sequential(*layers)


def _decoder_block(cin: int, cout: int, convs: int) -> nn.Sequential:
    """The mirror of an encoder block: ``convs - 1`` convs keep ``cin`` channels, the last one
    goes to ``cout``."""
    if convs == 1:
        return _block(cin, cout)
    keep = _block(cin, cin, convs - 1)
    return nn.Sequential(*keep, *_block(cin, cout))


class SegNet(nn.Module):
    """``widths[k]`` channels after encoder stage k (each stage: conv block, 2x2 max pool),
    a conv block at the bottleneck, then per stage back: upsample by 2 (``upsampling``),
    conv block to ``widths[k - 1]`` (the last to ``widths[0]``), and a 1x1 conv to
    ``num_classes`` scores; a conv block is ``convs`` 3x3 convs, each with batch norm and ReLU
    (SegNet's VGG encoder has 2 or 3; in the decoder the last one changes the channels).
    Input N x in_channels x H x W, output N x num_classes x H x W."""

    def __init__(self, num_classes: int, widths: Sequence[int] = (16, 32, 64),
                 upsampling: str = "unpool", in_channels: int = 1, convs: int = 1) -> None:
        super().__init__()
        if upsampling not in UPSAMPLING:
            raise ValueError(f"SegNet: upsampling must be one of {', '.join(UPSAMPLING)}, "
                             f"got {upsampling!r}")
        if convs < 1:
            raise ValueError(f"SegNet: convs (3x3 convs per block) must be >= 1, got {convs}")
        if num_classes < 2 or not widths or min(widths) < 1:
            raise ValueError(f"SegNet: need num_classes >= 2 and positive widths, got "
                             f"{num_classes} and {tuple(widths)}")
        self.upsampling = upsampling
        self.num_classes = num_classes
        self.widths = tuple(int(w) for w in widths)
        chans = (in_channels, *self.widths)
        self.convs = convs
        self.encoder = nn.ModuleList([_block(chans[k], chans[k + 1], convs)
                                      for k in range(len(self.widths))])
        self.pool = nn.MaxPool2d(2, return_indices=True)
        last = self.widths[-1]
        self.bottleneck = _block(last, last, convs)
        outs = (*self.widths[:-1][::-1], self.widths[0])  # decoder stage k -> these channels
        ins = self.widths[::-1]
        if upsampling == "transposed":
            self.up = nn.ModuleList([nn.ConvTranspose2d(c, c, 2, stride=2) for c in ins])
        else:
            self.unpool = nn.MaxUnpool2d(2)
        self.decoder = nn.ModuleList([_decoder_block(ci, co, convs)
                                      for ci, co in zip(ins, outs, strict=True)])
        self.classifier = nn.Conv2d(self.widths[0], num_classes, 1)

    @property
    def factor(self) -> int:
        """H and W must be multiples of this (one halving per encoder stage)."""
        return 2 ** len(self.widths)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 4 or x.shape[2] % self.factor or x.shape[3] % self.factor:
            raise ValueError(f"SegNet: expected N x C x H x W with H, W multiples of "
                             f"{self.factor}, got shape {tuple(x.shape)} (pad the image)")
        indices: list[Any] = []
        sizes: list[tuple[int, int]] = []
        for block in self.encoder:
            x = block(x)
            sizes.append(tuple(x.shape[2:]))
            x, idx = self.pool(x)
            indices.append(idx)
        x = self.bottleneck(x)
        for k, block in enumerate(self.decoder):
            if self.upsampling == "unpool":
                x = self.unpool(x, indices[-1 - k], output_size=sizes[-1 - k])
            else:
                x = self.up[k](x)
            x = block(x)
        return self.classifier(x)


def segnet(num_classes: int = 11, widths: Sequence[int] = (16, 32, 64),
           upsampling: str = "unpool", in_channels: int = 1, convs: int = 1) -> SegNet:
    """The segmentation network of the ``segmentation`` task (see :class:`SegNet`)."""
    return SegNet(num_classes, widths, upsampling, in_channels, convs)
