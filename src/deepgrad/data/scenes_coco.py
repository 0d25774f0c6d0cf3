"""Write composed scenes in MS-COCO 2014's layout, so the COCO readers load them unchanged.

    root/train2014/SCENES_train2014_000000000001.png   (also val2014/, test2014/)
    root/masks_train2014/SCENES_train2014_000000000001.png   semantic masks (0 = background,
                                                             class + 1 on the object's pixels)
    root/annotations/captions_train2014.json    5 captions per image
    root/annotations/instances_train2014.json   boxes [x, y, w, h], category ids 1..10,
                                                segmentation as uncompressed RLE, area

The whole folder is written atomically (a temporary folder renamed into place), and the
``info`` block records the seed, the source set and the held-out combinations.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from .coco import rle_encode
from .scene_captions import DIGIT_NAMES, FASHION_NAMES
from .scenes import Scene, compose_scenes, heldout_combinations
from .store import atomic_dir, say

__all__ = ["write_scenes_coco", "scenes_to_coco"]


def scenes_to_coco(scenes: list[Scene], split: str, source: str, info: dict,
                   first_id: int = 1) -> tuple[dict, dict, list[str]]:
    """The captions and instances JSON dicts for ``scenes``, and their image file names."""
    names = DIGIT_NAMES if source == "mnist" else FASHION_NAMES
    cats = [{"id": c + 1, "name": n, "supercategory": source} for c, n in enumerate(names)]
    images, caps, insts, files = [], [], [], []
    cap_id = inst_id = 1
    for k, s in enumerate(scenes):
        img_id = first_id + k
        fname = f"SCENES_{split}2014_{img_id:012d}.png"
        h, w = s.image.shape
        images.append({"id": img_id, "file_name": fname, "width": w, "height": h,
                       "relation": s.relation, "combination": list(s.combination)})
        files.append(fname)
        for c in s.captions:
            caps.append({"id": cap_id, "image_id": img_id, "caption": c})
            cap_id += 1
        for o in s.objects:
            insts.append({"id": inst_id, "image_id": img_id, "category_id": o.label + 1,
                          "bbox": [int(v) for v in o.bbox], "area": int(o.mask.sum()),
                          "iscrowd": 0, "segmentation": rle_encode(o.mask),
                          "size_word": o.size})
            inst_id += 1
    base = {"info": info, "licenses": [], "images": images}
    return ({**base, "annotations": caps},
            {**base, "annotations": insts, "categories": cats}, files)


def write_scenes_coco(
    root: str | os.PathLike,
    x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray,
    n_train: int = 2000, n_val: int = 200, n_test: int = 200,
    source: str = "mnist", canvas: int = 64, seed: int = 0, n_heldout: int = 20,
    n_objects: tuple[int, int] = (2, 4),
) -> Path:
    """Compose and write train/val/test scenes under ``root`` (replaced as a whole).

    Train and val scenes use ``x_train`` images and avoid the held-out combinations; test
    scenes use ``x_test`` images and show only held-out combinations.
    """
    from PIL import Image

    root = Path(root)
    heldout = sorted(heldout_combinations(n_heldout, seed))
    info = {"description": f"deepgrad composed scenes from real {source} images "
                           "(captions from a grammar; see deepgrad.data.scenes)",
            "version": "1", "year": 2014, "source": source, "seed": seed, "canvas": canvas,
            "heldout_combinations": [list(c) for c in heldout],
            "n_objects": list(n_objects)}
    plan = [("train", n_train, x_train, y_train), ("val", n_val, x_train, y_train),
            ("test", n_test, x_test, y_test)]
    with atomic_dir(root) as tmp:
        (tmp / "annotations").mkdir()
        first_id = 1
        for split, n, xs, ys in plan:
            if n == 0:
                continue
            scenes = compose_scenes(n, xs, ys, split=split, source=source, canvas=canvas,
                                    seed=seed, n_heldout=n_heldout, n_objects=n_objects)
            caps, insts, files = scenes_to_coco(scenes, split, source, info, first_id)
            first_id += n
            img_dir, mask_dir = tmp / f"{split}2014", tmp / f"masks_{split}2014"
            img_dir.mkdir()
            mask_dir.mkdir()
            for s, fname in zip(scenes, files, strict=True):
                Image.fromarray(s.image, mode="L").save(img_dir / fname)
                Image.fromarray(s.semantic_mask(), mode="L").save(mask_dir / fname)
            for kind, d in (("captions", caps), ("instances", insts)):
                with open(tmp / "annotations" / f"{kind}_{split}2014.json", "w") as f:
                    json.dump(d, f)
    say(f"wrote {n_train}/{n_val}/{n_test} composed {source} scenes to {root}")
    return root
