"""Pictures of many small images: a grid of tiles, written as a PNG (samples, reconstructions,
morph strips, retrieval results).

    grid = image_grid(images, ncols=8)         # images N x C x H x W (C = 1 or 3) in [0, 1]
    save_png(grid, "samples.png", scale=3)     # each pixel drawn 3 x 3

Tiles are separated by ``pad`` pixels of ``pad_value``; rows are filled left to right; a row
that is not full stays blank. ``None`` entries (in a list) leave a blank tile.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["image_grid", "save_png"]


def image_grid(images: Any, ncols: int = 8, pad: int = 2, pad_value: float = 1.0) -> np.ndarray:
    """Tile ``images`` (N x C x H x W array, or a list of C x H x W arrays / None) into one
    H' x W' x 3 float image in [0, 1] (values are clipped; one channel is repeated as grey)."""
    if isinstance(images, np.ndarray):
        tiles: Sequence[Any] = list(images)
    else:
        tiles = list(images)
    first = next((t for t in tiles if t is not None), None)
    if first is None:
        raise ValueError("image_grid: no images given")
    c, h, w = np.shape(first)
    if c not in (1, 3) or ncols < 1 or pad < 0:
        raise ValueError(f"image_grid: images must be C x H x W with C = 1 or 3 (got "
                         f"{np.shape(first)}), ncols >= 1 and pad >= 0")
    nrows = -(-len(tiles) // ncols)
    out = np.full((pad + nrows * (h + pad), pad + ncols * (w + pad), 3), pad_value, np.float32)
    for i, t in enumerate(tiles):
        if t is None:
            continue
        t = np.asarray(t, dtype=np.float32)
        if t.shape != (c, h, w):
            raise ValueError(f"image_grid: tile {i} has shape {t.shape}, expected {(c, h, w)}")
        r, k = divmod(i, ncols)
        y, x = pad + r * (h + pad), pad + k * (w + pad)
        out[y:y + h, x:x + w] = np.clip(t, 0, 1).transpose(1, 2, 0)  # 1 channel broadcasts
    return out


def save_png(grid: np.ndarray, path: str | os.PathLike, scale: int = 1) -> Path:
    """Write an H x W x 3 (or H x W) float image in [0, 1] as an 8-bit PNG, each pixel
    enlarged to ``scale`` x ``scale``."""
    from PIL import Image

    a = np.clip(np.asarray(grid, dtype=np.float32), 0, 1)
    if scale > 1:
        a = a.repeat(scale, axis=0).repeat(scale, axis=1)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.round(a * 255).astype(np.uint8)).save(path)
    return path
