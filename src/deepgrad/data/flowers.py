"""Oxford Flowers-102 (Nilsback & Zisserman 2008), user-supplied official files.

    root/102flowers.tgz   -> jpg/image_00001.jpg ... image_08189.jpg (extracted on first use)
    root/imagelabels.mat  "labels": 1 x 8189, classes 1..102
    root/setid.mat        "trnid", "valid", "tstid": 1-based image numbers of each split

``.mat`` files are read with SciPy (``scipy.io.loadmat``), imported only here.
"""

from __future__ import annotations

import os
import tarfile
from pathlib import Path

import numpy as np

from .catalog import Dataset, register
from .images import load_images
from .store import DataError, MissingDataError, atomic_dir, dataset_dir, say

__all__ = ["flowers102"]

_SPLIT_KEYS = {"train": "trnid", "val": "valid", "test": "tstid"}


def _loadmat(path: Path, key: str) -> np.ndarray:
    if not path.is_file():
        raise MissingDataError(f"Flowers-102 is user-supplied: {path.name} not found in "
                               f"{path.parent} (put 102flowers.tgz, imagelabels.mat and "
                               "setid.mat there)")
    from scipy.io import loadmat

    try:
        d = loadmat(path)
    except Exception as e:  # scipy raises several types for a bad .mat
        raise DataError(f"{path}: not a readable MATLAB file ({e})") from e
    if key not in d:
        found = sorted(k for k in d if not k.startswith("_"))
        raise DataError(f"{path}: no variable {key!r} (found {found})")
    return np.asarray(d[key]).ravel()


def _jpg_folder(root: Path) -> Path:
    jpg = root / "jpg"
    if jpg.is_dir():
        return jpg
    tgz = root / "102flowers.tgz"
    if not tgz.is_file():
        raise MissingDataError(f"Flowers-102 is user-supplied: put 102flowers.tgz (or its jpg/ "
                               f"folder) into {root}")
    say(f"extracting {tgz} into {jpg}")
    try:
        with tarfile.open(tgz, "r:gz") as tf, atomic_dir(jpg) as tmp:
            tf.extractall(tmp, filter="data")
            inner = tmp / "jpg"
            if inner.is_dir():
                for p in inner.iterdir():
                    p.rename(tmp / p.name)
                inner.rmdir()
    except (tarfile.TarError, EOFError, OSError) as e:
        raise DataError(f"{tgz}: corrupt or truncated archive ({e})") from e
    return jpg


def flowers102(root: str | os.PathLike | None = None, split: str = "train",
               size: tuple[int, int] | None = None, load: bool = True):
    """``(x, y)`` of one split (``"train"``, ``"val"``, ``"test"``): images (uint8 N x H x W
    x 3, resized to ``size`` so they stack; file paths with ``load=False``) and int64 labels
    0..101."""
    if split not in _SPLIT_KEYS:
        raise ValueError(f"flowers102: split must be one of {sorted(_SPLIT_KEYS)}, got {split!r}")
    root = Path(root) if root is not None else dataset_dir("flowers102")
    labels = _loadmat(root / "imagelabels.mat", "labels").astype(np.int64) - 1
    ids = _loadmat(root / "setid.mat", _SPLIT_KEYS[split]).astype(np.int64)
    if ids.min(initial=1) < 1 or ids.max(initial=1) > len(labels):
        raise DataError(f"{root / 'setid.mat'}: image numbers outside 1..{len(labels)}")
    jpg = _jpg_folder(root)
    paths = [jpg / f"image_{i:05d}.jpg" for i in ids]
    x = load_images(paths, size) if load else paths
    return x, labels[ids - 1]


register(Dataset("flowers102", "Oxford Flowers-102 (8,189 images, 102 classes)",
                 "user-supplied: put 102flowers.tgz, imagelabels.mat, setid.mat into "
                 "<data>/flowers102/",
                 lambda: (dataset_dir("flowers102") / "imagelabels.mat").is_file()))
