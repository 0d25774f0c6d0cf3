"""Inception (Szegedy et al. 2014, GoogLeNet; 2015, Inception-v3): width instead of depth.

An *inception block* looks at its input at several scales at once and concatenates the results
along the channels:

    branch1: 1x1 conv
    branch2: 1x1 conv (reduce to ch3x3red channels) -> 3x3 conv
    branch3: 1x1 conv (reduce to ch5x5red channels) -> 5x5 conv
    branch4: 3x3 max pool (stride 1) -> 1x1 conv (pool_proj channels)
    out = concat(branch1, branch2, branch3, branch4) over channels

The 1x1 convolutions are *reductions*: a 1x1 conv is a dense layer applied at every pixel, and
shrinking 192 channels to 16 before a 5x5 conv cuts its cost ~12x. Inception-v3 factorizes
further: an n x n conv becomes a 1 x n conv followed by an n x 1 conv (2n instead of n^2
weights per channel pair, same n x n receptive field), and a 5x5 becomes two stacked 3x3s.
``inception_block(..., factorize=n)`` builds that v3 form: branch2 is 1x1 -> 1xn -> nx1 (field
n x n) and branch3 is 1x1 -> 1xn -> nx1 -> 1xn -> nx1 (field (2n-1) x (2n-1): with n = 3, the
5x5 of the original block).

Each conv is ``BasicConv2d`` (conv without bias -> batch norm, eps 1e-3 -> ReLU), torchvision's
building block, with its names (``branch2.1.conv.weight``, ``branch2.1.bn.running_mean``).
``inception_net`` is a small GoogLeNet: GoogLeNet's stem and blocks 3a, 3b, 4a, 4b (4a, 4b in
the factorized v3 form), then global average pooling, dropout and the classifier.
"""

from __future__ import annotations

from typing import Any

from .. import nn
from ..functional import cat
from ..tensor import Tensor

__all__ = ["BasicConv2d", "Inception", "inception_block", "InceptionNet", "inception_net"]


class BasicConv2d(nn.Module):
    """relu(bn(conv(x))): a convolution without bias, batch norm (eps 1e-3), ReLU."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, **kwargs: Any
                 ) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, bias=False, **kwargs)
        self.bn = nn.BatchNorm2d(out_channels, eps=0.001)
        self.relu = nn.ReLU()

    def forward(self, x: Tensor) -> Tensor:
        return self.relu(self.bn(self.conv(x)))


def _factorized(cin: int, cout: int, n: int) -> list[nn.Module]:
    """An n x n conv as 1 x n then n x 1 ('same' padding)."""
    return [BasicConv2d(cin, cout, (1, n), padding=(0, n // 2)),
            BasicConv2d(cout, cout, (n, 1), padding=(n // 2, 0))]


class Inception(nn.Module):
    """Four parallel branches, concatenated over channels (see the module docstring);
    ``out_channels = ch1x1 + ch3x3 + ch5x5 + pool_proj``."""

    def __init__(
        self,
        in_channels: int,
        ch1x1: int,
        ch3x3red: int,
        ch3x3: int,
        ch5x5red: int,
        ch5x5: int,
        pool_proj: int,
        factorize: int | None = None,
    ) -> None:
        super().__init__()
        if factorize is not None and (int(factorize) < 2 or int(factorize) % 2 == 0):
            raise ValueError(f"inception_block: factorize must be an odd kernel size >= 3 "
                             f"(or None), got {factorize}")
        self.factorize = factorize
        self.out_channels = ch1x1 + ch3x3 + ch5x5 + pool_proj
        self.branch1 = BasicConv2d(in_channels, ch1x1, 1)
        if factorize is None:
            self.branch2 = nn.Sequential(BasicConv2d(in_channels, ch3x3red, 1),
                                         BasicConv2d(ch3x3red, ch3x3, 3, padding=1))
            self.branch3 = nn.Sequential(BasicConv2d(in_channels, ch5x5red, 1),
                                         BasicConv2d(ch5x5red, ch5x5, 5, padding=2))
        else:
            n = int(factorize)
            self.branch2 = nn.Sequential(BasicConv2d(in_channels, ch3x3red, 1),
                                         *_factorized(ch3x3red, ch3x3, n))
            self.branch3 = nn.Sequential(BasicConv2d(in_channels, ch5x5red, 1),
                                         *_factorized(ch5x5red, ch5x5, n),
                                         *_factorized(ch5x5, ch5x5, n))
        self.branch4 = nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1),
                                     BasicConv2d(in_channels, pool_proj, 1))

    def forward(self, x: Tensor) -> Tensor:
        return cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)


def inception_block(
    in_channels: int,
    ch1x1: int,
    ch3x3red: int,
    ch3x3: int,
    ch5x5red: int,
    ch5x5: int,
    pool_proj: int,
    factorize: int | None = None,
) -> Inception:
    """One inception block (GoogLeNet's; with ``factorize=n`` Inception-v3's 1xn/nx1 form)."""
    return Inception(in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj, factorize)


class InceptionNet(nn.Module):
    """A small GoogLeNet: stem -> 3a -> 3b -> pool -> 4a (factorized 3) -> 4b (factorized 7)
    -> global average pool -> dropout -> fc.

    Full size (224x224): GoogLeNet's stem, 7x7/2 conv, 3x3/2 pool, 1x1 and 3x3 convs, 3x3/2
    pool (224 -> 28). ``small_input=True`` (32x32): a 3x3 stride-1 first conv and no first pool
    (32 -> 16 at block 3a). Blocks 4a, 4b then work at 14x14 / 8x8.
    """

    def __init__(
        self,
        num_classes: int = 1000,
        small_input: bool = False,
        in_channels: int = 3,
        dropout: float = 0.2,
    ) -> None:
        super().__init__()
        if small_input:
            self.conv1 = BasicConv2d(in_channels, 64, 3, padding=1)
            self.maxpool1: nn.Module = nn.Identity()
        else:
            self.conv1 = BasicConv2d(in_channels, 64, 7, stride=2, padding=3)
            self.maxpool1 = nn.MaxPool2d(3, stride=2, padding=1)
        self.conv2 = BasicConv2d(64, 64, 1)
        self.conv3 = BasicConv2d(64, 192, 3, padding=1)
        self.maxpool2 = nn.MaxPool2d(3, stride=2, padding=1)
        self.inception3a = Inception(192, 64, 96, 128, 16, 32, 32)
        self.inception3b = Inception(256, 128, 128, 192, 32, 96, 64)
        self.maxpool3 = nn.MaxPool2d(3, stride=2, padding=1)
        self.inception4a = Inception(480, 192, 96, 208, 16, 48, 64, factorize=3)
        self.inception4b = Inception(512, 160, 112, 224, 24, 64, 64, factorize=7)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(512, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        x = self.maxpool1(self.conv1(x))
        x = self.maxpool2(self.conv3(self.conv2(x)))
        x = self.maxpool3(self.inception3b(self.inception3a(x)))
        x = self.inception4b(self.inception4a(x))
        x = self.avgpool(x).flatten(1)
        return self.fc(self.dropout(x))


def inception_net(num_classes: int = 1000, small_input: bool = False, **kwargs: Any
                  ) -> InceptionNet:
    """The small GoogLeNet-style network of :class:`InceptionNet`."""
    return InceptionNet(num_classes, small_input, **kwargs)
