"""What a layer holds: its filters (the weights of a convolution) and its feature maps."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from .. import nn
from ..data.image_grid import image_grid, save_png
from ..tensor import Tensor, no_grad


def find_layer(model: nn.Module, layer: nn.Module | str) -> nn.Module:
    """``layer`` itself if it is a module of ``model``, else the module named ``layer``."""
    named = dict(model.named_modules())
    if isinstance(layer, nn.Module):
        if not any(m is layer for m in named.values()):
            raise ValueError(f"{type(layer).__name__} is not a module of this "
                             f"{type(model).__name__}")
        return layer
    if layer not in named:
        names = [n for n in named if n][:20]
        raise ValueError(f"no layer named {layer!r} in this {type(model).__name__}; its layers "
                         f"include {', '.join(names)}")
    return named[layer]


def _first_conv(model: nn.Module) -> nn.Module:
    for _, m in model.named_modules():
        if isinstance(m, nn.Conv2d):
            return m
    raise ValueError(f"{type(model).__name__} has no Conv2d layer: no filters to show")


def _unit_range(a: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    lo = a.min(axis=axes, keepdims=True)
    hi = a.max(axis=axes, keepdims=True)
    return (a - lo) / np.where(hi > lo, hi - lo, 1)


def filters(model: nn.Module, layer: nn.Module | str | None = None,
            save: str | os.PathLike | None = None, scale: int = 8) -> np.ndarray:
    """The filters of a convolution (the first one when ``layer`` is None) as one image grid
    (H x W x 3 in [0, 1]), each filter stretched to [0, 1] on its own: RGB for 3 input
    channels, grey (the mean over input channels) otherwise."""
    conv = _first_conv(model) if layer is None else find_layer(model, layer)
    if not isinstance(conv, nn.Conv2d):
        raise ValueError(f"filters: {type(conv).__name__} is not a Conv2d")
    w = np.asarray(conv.weight.data, dtype=np.float32)  # out x in x kh x kw
    if w.shape[1] != 3:
        w = w.mean(axis=1, keepdims=True)
    grid = image_grid(_unit_range(w, (1, 2, 3)), ncols=min(8, len(w)), pad=1)
    if save is not None:
        save_png(grid, save, scale=scale)
    return grid


def _capture(model: nn.Module, layer: nn.Module, x: Any) -> tuple[Tensor, Tensor]:
    """Run ``model`` on ``x``; return (its output, the layer's output)."""
    seen: list[Tensor] = []
    handle = layer.register_forward_hook(lambda m, i, o: seen.append(o))
    try:
        out = model(x)
    finally:
        handle.remove()
    if not seen:
        raise ValueError(f"{type(layer).__name__} was not used by the model's forward")
    return out, seen[-1]


def feature_maps(model: nn.Module, layer: nn.Module | str, image: Any,
                 save: str | os.PathLike | None = None, scale: int = 4) -> np.ndarray:
    """The activations of ``layer`` for one ``image`` (C x H x W, or an N=1 batch): C x h x w
    float32; ``save`` writes them as a grid, each map stretched to [0, 1]."""
    x = np.asarray(image, dtype=np.float32)
    if x.ndim == 3:
        x = x[None]
    if x.ndim != 4 or len(x) != 1:
        raise ValueError(f"feature_maps: one image C x H x W (or 1 x C x H x W), got shape "
                         f"{np.shape(image)}")
    target = find_layer(model, layer)
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            _, h = _capture(model, target, Tensor(x))
    finally:
        model.train(was_training)
    maps = np.asarray(h.data, dtype=np.float32)[0]
    if maps.ndim != 3:
        raise ValueError(f"feature_maps: {type(target).__name__} gives shape {maps.shape[0:]}, "
                         "not C x h x w maps")
    if save is not None:
        tiles = _unit_range(maps, (1, 2))[:, None]
        save_png(image_grid(tiles, ncols=min(8, len(tiles)), pad=1), save, scale=scale)
    return maps
