"""The multilayer perceptron of week 2: a^l = sigma(W^l a^{l-1} + b^l)."""

from __future__ import annotations

from collections.abc import Sequence

from .. import nn


def mlp(sizes: Sequence[int], activation: str = "relu", dropout: float = 0.0,
        batch_norm: bool = False) -> nn.Sequential:
    """``mlp([784, 256, 256, 10])``: Linear layers with ``activation`` between them (none after
    the last, which gives logits), optional BatchNorm and dropout after each hidden layer."""
    if len(sizes) < 2:
        raise ValueError(f"mlp: need at least input and output sizes, got {list(sizes)}")
    layers: list[nn.Module] = [nn.Flatten()]
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            if batch_norm:
                layers.append(nn.BatchNorm1d(b))
            layers.append(nn.get_activation(activation))
            if dropout:
                layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)
