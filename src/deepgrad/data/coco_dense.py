"""COCO instances as arrays for segmentation and localization: images, per-pixel class
labels, boxes. The composed scenes (``scenes_coco.py``) and real MS-COCO read alike.

    d = coco_dense(root, "train", size=64)
    d.images    uint8 N x size x size (grey)          d.labels   uint8 N x size x size
    d.objects   per image [(class_index, [x, y, w, h]), ...] in the resized image's pixels
    d.classes   ["background", name of category 1, ...]   (class index k = k-th category id)

Masks come from each annotation's ``segmentation`` (polygons, or uncompressed RLE; compressed
RLE strings need pycocotools and are refused with a message). Later annotations paint over
earlier ones where they overlap; ``iscrowd`` regions are labelled too.

Sizes: an image that is not ``size`` x ``size`` is *letterboxed*: scaled (bilinear; labels
nearest) so its longer side is ``size``, placed at the top left, the rest padded with zeros
(background); boxes are scaled by the same factor. ``scale`` in each record says by how much.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .coco import coco_instances, rle_decode
from .store import DataError, MissingDataError, md5_file

__all__ = ["DenseSet", "coco_dense", "annotation_mask", "letterbox"]


@dataclass
class DenseSet:
    """Images, per-pixel labels, objects and class names of one COCO split."""

    images: np.ndarray
    labels: np.ndarray
    objects: list[list[tuple[int, list[float]]]]
    classes: list[str]
    files: list[Path]
    scales: list[float] = field(default_factory=list)
    checksums: dict[str, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.images)


def annotation_mask(ann: dict, h: int, w: int, where: str) -> np.ndarray:
    """The boolean h x w mask of one COCO annotation's ``segmentation`` (``where`` names the
    file and annotation in errors)."""
    seg = ann.get("segmentation")
    if seg is None or seg == [] or seg == {}:
        raise DataError(f"{where}: annotation {ann.get('id')} has no 'segmentation'; "
                        "segmentation needs a mask (polygons or RLE) for every object")
    if isinstance(seg, dict):
        if list(seg.get("size", [])) != [h, w]:
            raise DataError(f"{where}: annotation {ann.get('id')} RLE size {seg.get('size')} "
                            f"differs from its image's {h} x {w}")
        try:
            return rle_decode(seg)
        except DataError as e:
            raise DataError(f"{where}: annotation {ann.get('id')}: {e}") from None
    if isinstance(seg, list) and all(isinstance(p, list) and len(p) >= 6 for p in seg):
        from PIL import Image, ImageDraw

        im = Image.new("L", (w, h), 0)
        draw = ImageDraw.Draw(im)
        for poly in seg:
            draw.polygon([float(v) for v in poly], fill=1, outline=1)
        return np.asarray(im, dtype=bool)
    raise DataError(f"{where}: annotation {ann.get('id')} segmentation is neither polygons "
                    f"(lists of >= 3 x, y pairs) nor an RLE dict")


def letterbox(image: np.ndarray, size: int, nearest: bool = False) -> tuple[np.ndarray, float]:
    """``image`` (H x W) scaled so its longer side is ``size``, at the top left of a zero
    ``size`` x ``size`` canvas; returns (canvas, scale). Unchanged if already that size."""
    h, w = image.shape[:2]
    if (h, w) == (size, size):
        return image, 1.0
    from PIL import Image

    s = size / max(h, w)
    nh, nw = max(1, round(h * s)), max(1, round(w * s))
    resample = Image.Resampling.NEAREST if nearest else Image.Resampling.BILINEAR
    small = np.asarray(Image.fromarray(image).resize((nw, nh), resample))
    out = np.zeros((size, size), dtype=image.dtype)
    out[:nh, :nw] = small
    return out, s


def _read_grey(path: Path) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    if not path.is_file():
        raise MissingDataError(f"COCO: image {path} listed in the annotations is missing")
    try:
        with Image.open(path) as im:
            return np.asarray(im.convert("L"))
    except (OSError, UnidentifiedImageError) as e:
        raise DataError(f"{path}: not a readable image ({e})") from None


def coco_dense(root: str | os.PathLike, split: str = "train", size: int = 64,
               year: str | int = 2014, masks: bool = True, limit: int | None = None,
               ) -> DenseSet:
    """Read ``root/annotations/instances_<split><year>.json`` and its images as arrays.

    ``masks=False`` skips the segmentations (localization needs boxes only; ``labels`` is
    then all background). ``limit``: the first N images only."""
    root = Path(root)
    path = root / "annotations" / f"instances_{split}{year}.json"
    records, cats = coco_instances(root, split, year)
    if not cats:
        raise DataError(f"{path}: no 'categories'; need the list of object classes")
    ids = sorted(cats)
    index = {cid: k + 1 for k, cid in enumerate(ids)}
    if limit is not None:
        records = records[:limit]
    if not records:
        raise DataError(f"{path}: no images")
    images = np.zeros((len(records), size, size), np.uint8)
    labels = np.zeros((len(records), size, size), np.uint8)
    objects, files, scales = [], [], []
    for i, rec in enumerate(records):
        grey = _read_grey(Path(rec["file"]))
        h, w = grey.shape
        where = f"{path} (image {rec['image_id']}, {Path(rec['file']).name})"
        if (rec.get("height"), rec.get("width")) not in ((h, w), (None, None)):
            raise DataError(f"{where}: annotations say {rec.get('height')} x "
                            f"{rec.get('width')}, the file is {h} x {w}")
        images[i], s = letterbox(grey, size)
        objs = []
        lab = np.zeros((h, w), np.uint8)
        for o in rec["objects"]:
            k = index[o["category_id"]]
            x, y, bw, bh = (float(v) for v in o["bbox"])
            if bw <= 0 or bh <= 0:
                raise DataError(f"{where}: annotation {o.get('id')} has an empty box "
                                f"{o['bbox']}")
            objs.append((k, [x * s, y * s, bw * s, bh * s]))
            if masks:
                lab[annotation_mask(o, h, w, where)] = k
        if masks:
            labels[i] = letterbox(lab, size, nearest=True)[0]
        objects.append(objs)
        files.append(Path(rec["file"]))
        scales.append(s)
    return DenseSet(images, labels, objects, ["background"] + [cats[c] for c in ids], files,
                    scales, {f"{path.name}": md5_file(path)})
