"""The autoencoder task's pictures: reconstructions, retrieval results, morph strips."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from ...data.image_grid import image_grid, save_png

__all__ = ["reconstructions", "retrieval", "morph_strips", "interpolate_codes", "pick_pairs"]

SCALE = 3  # each pixel drawn 3 x 3


def reconstructions(path: Path, rows: Sequence[tuple[str, np.ndarray]]) -> Path:
    """One row per entry (original, each model's reconstruction, ...), images side by side."""
    tiles = [im for _, im in rows for im in im]
    return save_png(image_grid(tiles, ncols=len(rows[0][1])), path, SCALE)


def retrieval(path: Path, queries: np.ndarray, database: np.ndarray,
              neighbours: Sequence[np.ndarray]) -> Path:
    """Per query a row: the query, a gap, then its nearest database images for each
    neighbour table in ``neighbours`` (e.g. conv codes, then raw pixels), gaps between."""
    tiles: list[np.ndarray | None] = []
    for i, q in enumerate(queries):
        tiles += [q]
        for table in neighbours:
            tiles += [None, *database[table[i]]]
    ncols = 1 + sum(1 + t.shape[1] for t in neighbours)
    return save_png(image_grid(tiles, ncols=ncols), path, SCALE)


def interpolate_codes(za: np.ndarray, zb: np.ndarray, steps: int) -> np.ndarray:
    """The codes (1 - t) z_a + t z_b for ``steps`` values of t evenly from 0 to 1."""
    t = np.linspace(0.0, 1.0, steps, dtype=np.float32)[:, None]
    return (1 - t) * za[None, :].astype(np.float32) + t * zb[None, :].astype(np.float32)


def morph_strips(path: Path, pairs: Sequence[tuple[np.ndarray, np.ndarray]],
                 morph: Callable[[np.ndarray, np.ndarray], np.ndarray],
                 crossfade: bool = True) -> Path:
    """Per pair a row: image A, ``morph(a, b)`` (the decoded interpolation, steps x C x H x W),
    image B; with ``crossfade`` a last row blends the first pair's pixels instead (what
    interpolating without a code looks like)."""
    rows: list[np.ndarray] = []
    steps = 0
    for a, b in pairs:
        strip = morph(a, b)
        steps = len(strip)
        rows += [a, *strip, b]
    if crossfade and pairs:
        a, b = pairs[0]
        t = np.linspace(0.0, 1.0, steps, dtype=np.float32)[:, None, None, None]
        rows += [a, *((1 - t) * a[None] + t * b[None]), b]
    return save_png(image_grid(rows, ncols=steps + 2), path, SCALE)


def pick_pairs(labels: np.ndarray, n: int) -> list[tuple[int, int]]:
    """``n`` pairs of indices whose labels differ: the first image of class c with the first of
    the next class present, for successive classes (or (0, 1), (2, 3), ... if one class)."""
    classes = [int(c) for c in np.unique(labels)]
    if len(classes) < 2:
        return [(2 * i, 2 * i + 1) for i in range(min(n, len(labels) // 2))]
    first = {c: int(np.flatnonzero(labels == c)[0]) for c in classes}
    pairs = []
    for i in range(n):
        a, b = classes[(2 * i) % len(classes)], classes[(2 * i + 1) % len(classes)]
        if a == b:
            b = classes[(2 * i + 2) % len(classes)]
        pairs.append((first[a], first[b]))
    return pairs
