"""The classical reference: threshold, connected components, classify each component's crop.

    1. foreground = pixels brighter than ``threshold`` (the scenes' masks use the same rule)
    2. connected components of the foreground (8-neighbourhood, ``scipy.ndimage.label``)
    3. each component's box is cropped square (``crop_object``) and classified by a small
       single-object CNN trained on crops of the training objects (deepgrad's own)
    4. the component's pixels get that class

It needs a dark, clean background (true of the composed scenes, not of photographs); a glyph
that breaks into pieces gives several components, each classified on its own.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ... import nn
from ...data.coco_dense import DenseSet

__all__ = ["crop_object", "object_crops", "object_classifier", "components_labels", "CROP"]

CROP = 28
MARGIN = 28 / 20  # MNIST digits sit in a 20 x 20 box in their 28 x 28 image


def crop_object(image: np.ndarray, box: Any, size: int = CROP) -> np.ndarray:
    """The square around ``box`` ([x, y, w, h]) of side max(w, h) * 1.4, zero outside the
    image, resized to ``size`` x ``size`` (float32 in [0, 1])."""
    from PIL import Image

    x, y, w, h = (float(v) for v in box)
    side = max(w, h) * MARGIN
    cx, cy = x + w / 2, y + h / 2
    x0, y0 = int(round(cx - side / 2)), int(round(cy - side / 2))
    s = max(int(round(side)), 1)
    pad = np.zeros((s, s), np.uint8)
    H, W = image.shape
    ya, yb, xa, xb = max(y0, 0), min(y0 + s, H), max(x0, 0), min(x0 + s, W)
    if ya < yb and xa < xb:
        pad[ya - y0:yb - y0, xa - x0:xb - x0] = image[ya:yb, xa:xb]
    small = Image.fromarray(pad).resize((size, size), Image.Resampling.BILINEAR)
    return np.asarray(small, np.float32) / np.float32(255.0)


def object_crops(d: DenseSet) -> tuple[np.ndarray, np.ndarray]:
    """Crops (N x 1 x CROP x CROP) and class indices - 1 (0-based) of every object in ``d``."""
    xs, ys = [], []
    for img, objs in zip(d.images, d.objects, strict=True):
        for k, box in objs:
            xs.append(crop_object(img, box))
            ys.append(k - 1)
    if not xs:
        raise ValueError("object_crops: the set has no objects")
    return np.stack(xs)[:, None], np.asarray(ys, np.int64)


def object_classifier(num_classes: int, width: int = 32) -> nn.Sequential:
    """A small CNN for one object per crop (1 x 28 x 28 -> class scores): two conv blocks
    (conv 3x3, batch norm, ReLU, 2x2 max pooling), dense 128, ``num_classes`` logits."""
    def block(cin: int, cout: int) -> list[nn.Module]:
        return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(),
                nn.MaxPool2d(2)]

    return nn.Sequential(*block(1, width), *block(width, 2 * width), nn.Flatten(),
                         nn.Linear(2 * width * 7 * 7, 128), nn.ReLU(),
                         nn.Linear(128, num_classes))


def components_labels(images: np.ndarray, classify: Any, threshold: int = 64,
                      min_pixels: int = 1) -> np.ndarray:
    """Per-pixel labels (0 background, class + 1) of uint8 ``images`` N x H x W by the
    recipe above; ``classify(crops N x 1 x 28 x 28) -> class indices`` (0-based)."""
    from scipy import ndimage

    out = np.zeros(images.shape, np.uint8)
    eight = np.ones((3, 3), bool)
    crops, where = [], []
    for i, img in enumerate(images):
        comp, n = ndimage.label(img > threshold, structure=eight)
        for j, sl in enumerate(ndimage.find_objects(comp), start=1):
            if sl is None:
                continue
            m = comp[sl] == j
            if m.sum() < min_pixels:
                continue
            box = [sl[1].start, sl[0].start, sl[1].stop - sl[1].start, sl[0].stop - sl[0].start]
            crops.append(crop_object(img, box))
            where.append((i, sl, m))
    if crops:
        classes = np.asarray(classify(np.stack(crops)[:, None]))
        for (i, sl, m), c in zip(where, classes, strict=True):
            out[i][sl][m] = c + 1
    return out
