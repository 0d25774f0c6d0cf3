"""Convolutional networks of week 3: conv -> ReLU -> pool stacks, then dense layers."""

from __future__ import annotations

from .. import nn


def mnist_cnn(dropout: float = 0.1, batch_norm: bool = True) -> nn.Sequential:
    """The course's MNIST CNN (1x28x28 -> 10 logits): two 3x3 conv blocks (conv, batch norm,
    ReLU, 2x2 max-pooling), then dropout, a dense layer of 128, dropout, and 10 logits.
    Receptive field of the second conv: 8 pixels (10 after its pooling; see ``summary``)."""

    def block(cin: int, cout: int) -> list[nn.Module]:
        conv = nn.Conv2d(cin, cout, 3, padding=1, bias=not batch_norm)
        norm = [nn.BatchNorm2d(cout)] if batch_norm else []
        return [conv, *norm, nn.ReLU(), nn.MaxPool2d(2)]

    return nn.Sequential(
        *block(1, 32), *block(32, 64),
        nn.Flatten(), nn.Dropout(dropout), nn.Linear(64 * 7 * 7, 128), nn.ReLU(),
        nn.Dropout(dropout), nn.Linear(128, 10),
    )


def cifar_cnn(batch_norm: bool = False, num_classes: int = 10) -> nn.Sequential:
    """conv32-conv32-pool-conv64-conv64-pool-dense256-dense10 on 3x32x32 ('same' 3x3 convs),
    the network of the benchmarks; ``batch_norm`` adds BatchNorm after each conv."""

    def block(cin: int, cout: int) -> list[nn.Module]:
        layers: list[nn.Module] = [nn.Conv2d(cin, cout, 3, padding=1)]
        if batch_norm:
            layers.append(nn.BatchNorm2d(cout))
        return [*layers, nn.ReLU()]

    return nn.Sequential(
        *block(3, 32), *block(32, 32), nn.MaxPool2d(2),
        *block(32, 64), *block(64, 64), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 8 * 8, 256), nn.ReLU(), nn.Linear(256, num_classes),
    )
