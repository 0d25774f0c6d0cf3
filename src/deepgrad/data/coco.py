"""MS-COCO 2014 captions and instances, in the official layout (user-supplied).

    root/annotations/captions_train2014.json    {"images": [{"id", "file_name", "width",
    root/annotations/instances_train2014.json     "height"}], "annotations": [...], ...}
    root/train2014/COCO_train2014_000000000009.jpg ...

``coco_captions(root, "train")`` returns one record per image with all its captions;
``coco_instances`` the boxes (``[x, y, width, height]``), categories and segmentations
(polygons, or run-length encodings ``{"counts": [...], "size": [h, w]}`` in COCO's column-major
order; ``rle_encode``/``rle_decode`` convert masks). The composed scenes (``scenes.py``) are
written in exactly this layout, so one captioning pipeline reads both.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from .catalog import Dataset, register
from .store import DataError, MissingDataError, data_dir, dataset_dir

__all__ = ["coco_captions", "coco_instances", "rle_encode", "rle_decode", "read_coco_json"]


def read_coco_json(path: Path, kind: str) -> dict:
    """Load and check a COCO annotation file (images + annotations lists)."""
    if not path.is_file():
        raise MissingDataError(
            f"COCO: {path} not found. COCO is user-supplied: unpack the official "
            f"annotations_trainval2014.zip so that {path.name} sits in {path.parent}, and the "
            f"images (train2014.zip / val2014.zip) beside the annotations folder "
            f"(default root: {data_dir() / 'coco'})")
    try:
        with open(path, encoding="utf-8") as f:
            d = json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise DataError(f"{path}: not valid JSON ({e}); the file may be truncated") from e
    for key in ("images", "annotations"):
        if not isinstance(d.get(key), list):
            raise DataError(f"{path}: a COCO {kind} file needs a list {key!r}")
    return d


def _root(root: str | os.PathLike | None) -> Path:
    return Path(root) if root is not None else dataset_dir("coco")


def _images_by_id(d: dict, path: Path, folder: Path) -> dict[int, dict]:
    images = {}
    for im in d["images"]:
        try:
            images[im["id"]] = {"image_id": im["id"], "file": folder / im["file_name"],
                                "width": im.get("width"), "height": im.get("height")}
            if "combination" in im:  # the composed scenes' primary pair (A, relation, B)
                images[im["id"]]["combination"] = im["combination"]
        except (KeyError, TypeError) as e:
            raise DataError(f"{path}: image entry {im!r} lacks {e}") from e
    return images


def coco_captions(root: str | os.PathLike | None = None, split: str = "train",
                  year: str | int = 2014) -> list[dict]:
    """Records ``{"image_id", "file", "width", "height", "captions": [str, ...]}``, one per
    image, in the file's image order. ``split`` is ``"train"`` or ``"val"`` (or ``"test"``
    for the composed scenes)."""
    root = _root(root)
    path = root / "annotations" / f"captions_{split}{year}.json"
    d = read_coco_json(path, "captions")
    images = _images_by_id(d, path, root / f"{split}{year}")
    for rec in images.values():
        rec["captions"] = []
    for ann in d["annotations"]:
        try:
            images[ann["image_id"]]["captions"].append(ann["caption"])
        except KeyError as e:
            raise DataError(f"{path}: caption annotation {ann.get('id')} refers to a missing "
                            f"image or lacks {e}") from e
    return list(images.values())


def coco_instances(root: str | os.PathLike | None = None, split: str = "train",
                   year: str | int = 2014) -> tuple[list[dict], dict[int, str]]:
    """``(records, categories)``: records ``{..., "objects": [{"bbox", "category_id",
    "segmentation", "area"}]}`` per image, and ``{category_id: name}``."""
    root = _root(root)
    path = root / "annotations" / f"instances_{split}{year}.json"
    d = read_coco_json(path, "instances")
    cats = {c["id"]: c["name"] for c in d.get("categories", [])}
    images = _images_by_id(d, path, root / f"{split}{year}")
    for rec in images.values():
        rec["objects"] = []
    for ann in d["annotations"]:
        if ann.get("image_id") not in images:
            raise DataError(f"{path}: annotation {ann.get('id')} refers to a missing image")
        if ann.get("category_id") not in cats:
            raise DataError(f"{path}: annotation {ann.get('id')} has unknown category "
                            f"{ann.get('category_id')}")
        bbox = ann.get("bbox")
        if not (isinstance(bbox, list) and len(bbox) == 4):
            raise DataError(f"{path}: annotation {ann.get('id')} bbox {bbox!r} is not [x,y,w,h]")
        images[ann["image_id"]]["objects"].append(
            {k: ann.get(k) for k in ("id", "bbox", "category_id", "segmentation", "area",
                                     "iscrowd")})
    return list(images.values()), cats


def rle_encode(mask: np.ndarray) -> dict:
    """Uncompressed COCO RLE of a binary H x W mask: run lengths in column-major order,
    starting with a run of zeros."""
    m = np.asarray(mask, dtype=bool)
    flat = m.ravel(order="F")
    edges = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    counts = np.diff(np.concatenate([[0], edges, [flat.size]])).tolist()
    if flat.size and flat[0]:
        counts.insert(0, 0)  # COCO runs start with zeros
    return {"counts": [int(c) for c in counts], "size": [int(m.shape[0]), int(m.shape[1])]}


def rle_decode(rle: dict) -> np.ndarray:
    """The binary H x W mask (bool) of an uncompressed COCO RLE."""
    h, w = rle["size"]
    counts = rle["counts"]
    if isinstance(counts, str):
        raise DataError("rle_decode: compressed (string) RLE is not supported; use pycocotools")
    if sum(counts) != h * w:
        raise DataError(f"rle_decode: runs sum to {sum(counts)}, mask has {h * w} pixels")
    values = np.arange(len(counts)) % 2
    flat = np.repeat(values, counts).astype(bool)
    return flat.reshape((w, h)).T


register(Dataset("coco", "MS-COCO 2014 captions + instances (JSON + JPEG folders)",
                 "user-supplied: unpack the official zips into <data>/coco/ (annotations/, "
                 "train2014/, val2014/)",
                 lambda: (dataset_dir("coco") / "annotations" / "captions_train2014.json")
                 .is_file()))
