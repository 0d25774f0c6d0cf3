"""One-object scenes for localization: a real MNIST / Fashion-MNIST image, resized to a random
side in ``sides`` pixels, pasted at a random place on a black ``canvas``; its tight box (pixels
above ``MASK_THRESHOLD``) and mask are exact. Train/val draw from the training images, test
from the test images; deterministic for a seed. ``write_single_coco`` writes them in COCO's
layout (as ``scenes_coco.write_scenes_coco``), so localization reads them like real COCO.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from .scene_captions import DIGIT_NAMES, FASHION_NAMES
from .scenes import MASK_THRESHOLD, Scene, SceneObject
from .scenes_coco import scenes_to_coco
from .store import atomic_dir, say

__all__ = ["compose_single", "write_single_coco"]


def _resize(img: np.ndarray, side: int) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.fromarray(img).resize((side, side), Image.BILINEAR))


def compose_single(n: int, images: np.ndarray, labels: np.ndarray, split: str = "train",
                   source: str = "mnist", canvas: int = 64, sides: tuple[int, int] = (16, 40),
                   seed: int = 0) -> list[Scene]:
    """``n`` scenes of one object each (uint8 ``images`` N x 28 x 28 and their labels)."""
    images = np.asarray(images)
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (28, 28):
        raise ValueError(f"compose_single: images must be uint8 N x 28 x 28, got "
                         f"{images.shape} {images.dtype}")
    if not 8 <= sides[0] <= sides[1] <= canvas:
        raise ValueError(f"compose_single: sides must satisfy 8 <= lo <= hi <= canvas "
                         f"({canvas}), got {sides}")
    names = DIGIT_NAMES if source == "mnist" else FASHION_NAMES
    split_id = {"train": 0, "val": 1, "test": 2}[split]
    rng = np.random.default_rng([seed, split_id, 11])
    pool = np.arange(len(images)) if split == "test" else rng.permutation(len(images))
    scenes: list[Scene] = []
    k = 0
    while len(scenes) < n:
        if k >= 3 * len(pool) + 10:
            raise RuntimeError("compose_single: too few images with visible pixels")
        idx = int(pool[(k if split == "test" else int(rng.integers(len(pool)))) % len(pool)])
        k += 1
        side = int(rng.integers(sides[0], sides[1] + 1))
        glyph = _resize(images[idx], side)
        on = glyph > MASK_THRESHOLD
        if not on.any():
            continue
        y0, x0 = (int(v) for v in rng.integers(0, canvas - side + 1, size=2))
        img = np.zeros((canvas, canvas), np.uint8)
        img[y0:y0 + side, x0:x0 + side] = glyph
        mask = img > MASK_THRESHOLD
        ys, xs = np.nonzero(mask)
        box = [int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1),
               int(ys.max() - ys.min() + 1)]
        lab = int(labels[idx])
        size = "large" if side >= 28 else "small"
        obj = SceneObject(lab, names[lab], size, box, mask, idx)
        scenes.append(Scene(img, [obj], "none", [], (lab, "none", lab), split))
    return scenes


def write_single_coco(root: str | os.PathLike, x_train: np.ndarray, y_train: np.ndarray,
                      x_test: np.ndarray, y_test: np.ndarray, n_train: int = 4000,
                      n_val: int = 300, n_test: int = 500, source: str = "mnist",
                      canvas: int = 64, sides: tuple[int, int] = (16, 40), seed: int = 0) -> Path:
    """Compose and write one-object train/val/test scenes under ``root`` (atomically)."""
    from PIL import Image

    root = Path(root)
    info = {"description": f"deepgrad one-object scenes from real {source} images "
                           "(see deepgrad.data.scenes_single)", "version": "1", "year": 2014,
            "source": source, "seed": seed, "canvas": canvas, "sides": list(sides)}
    plan = [("train", n_train, x_train, y_train), ("val", n_val, x_train, y_train),
            ("test", n_test, x_test, y_test)]
    with atomic_dir(root) as tmp:
        (tmp / "annotations").mkdir()
        first_id = 1
        for split, n, xs, ys in plan:
            if n == 0:
                continue
            scenes = compose_single(n, xs, ys, split, source, canvas, sides, seed)
            _, insts, files = scenes_to_coco(scenes, split, source, info, first_id)
            first_id += n
            img_dir = tmp / f"{split}2014"
            img_dir.mkdir()
            for s, fname in zip(scenes, files, strict=True):
                Image.fromarray(s.image, mode="L").save(img_dir / fname)
            with open(tmp / "annotations" / f"instances_{split}2014.json", "w") as f:
                json.dump(insts, f)
    say(f"wrote {n_train}/{n_val}/{n_test} one-object {source} scenes to {root}")
    return root
