"""Pictures of the dense tasks: label maps in colour beside their scenes, boxes on scenes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ...data.image_grid import image_grid, save_png

__all__ = ["PALETTE", "colorize", "label_rows", "draw_boxes", "boxes_grid"]

# background black, then 10 well-separated colours (tab10), cycled for more classes
PALETTE = np.array([[0, 0, 0], [31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40],
                    [148, 103, 189], [140, 86, 75], [227, 119, 194], [127, 127, 127],
                    [188, 189, 34], [23, 190, 207]], np.float32) / 255


def colorize(labels: np.ndarray) -> np.ndarray:
    """H x W class indices -> 3 x H x W colours in [0, 1] (0 = black)."""
    lab = np.asarray(labels, np.int64)
    idx = np.where(lab == 0, 0, (lab - 1) % (len(PALETTE) - 1) + 1)
    return PALETTE[idx].transpose(2, 0, 1)


def label_rows(path: Path, images: np.ndarray, rows: Sequence[np.ndarray], scale: int = 3
               ) -> Path:
    """One column per scene: the scene, then each label map of ``rows`` (N x H x W) in colour."""
    n = len(images)
    tiles = [np.repeat(np.asarray(im, np.float32)[None] / 255, 3, axis=0) for im in images]
    for r in rows:
        tiles += [colorize(r[i]) for i in range(n)]
    return save_png(image_grid(tiles, ncols=n), path, scale)


def _rect(canvas: np.ndarray, box: Sequence[float], colour: Sequence[float], s: int) -> None:
    x, y, w, h = (float(v) * s for v in box)
    H, W = canvas.shape[1:]
    x0, y0 = int(np.clip(round(x), 0, W - 1)), int(np.clip(round(y), 0, H - 1))
    x1, y1 = int(np.clip(round(x + w) - 1, 0, W - 1)), int(np.clip(round(y + h) - 1, 0, H - 1))
    c = np.asarray(colour, np.float32)[:, None]
    canvas[:, y0, x0:x1 + 1] = c
    canvas[:, y1, x0:x1 + 1] = c
    canvas[:, y0:y1 + 1, x0] = c
    canvas[:, y0:y1 + 1, x1] = c


def draw_boxes(image: np.ndarray, boxes: Sequence[tuple[Sequence[float], Sequence[float]]],
               scale: int = 3) -> np.ndarray:
    """A grey uint8 H x W image enlarged ``scale`` times as 3 x sH x sW, with each
    ``(box, rgb)`` drawn as a one-pixel rectangle."""
    g = np.asarray(image, np.float32).repeat(scale, 0).repeat(scale, 1) / 255
    canvas = np.repeat(g[None], 3, axis=0)
    for box, colour in boxes:
        _rect(canvas, box, colour, scale)
    return canvas


def boxes_grid(path: Path, tiles: Sequence[np.ndarray], ncols: int = 8) -> Path:
    """Tiles from ``draw_boxes`` in a grid, written as a PNG."""
    return save_png(image_grid(list(tiles), ncols=ncols), path, 1)
