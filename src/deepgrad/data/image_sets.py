"""Small labelled image sets as float images in [0, 1], NCHW, for the week-4 tasks.

    s = image_set("mnist")            # or "fashion_mnist", "lfw" (user-supplied)
    s.x_train.shape                   # (60000, 1, 28, 28) float32 in [0, 1]; s.y_train int64
    s.checksums                       # {file: md5} of what was read, for config.json
    faces = skimage_faces()           # scikit-image's 100 LFW face crops, (100, 1, 25, 25)

LFW is prepared as in the course: the central 90 x 90 pixels of each 250 x 250 photo
(``[80:-80, 80:-80]``) resized to 32 x 32 RGB; a fixed 10% of the photos (by a permutation
seeded with 42) is the test set; labels are the person's index.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .store import DataError, MissingDataError

__all__ = ["ImageSet", "image_set", "skimage_faces", "IMAGE_SETS"]

IMAGE_SETS = ("mnist", "fashion_mnist", "lfw")
LFW_CROP, LFW_SIZE = 80, 32


@dataclass
class ImageSet:
    """Train and test images (float32 N x C x H x W in [0, 1]), labels, class names, the
    checksums of the files read."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    classes: list[str]
    checksums: dict[str, str] = field(default_factory=dict)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return tuple(self.x_train.shape[1:])  # type: ignore[return-value]


def _to_float(x: np.ndarray) -> np.ndarray:
    """uint8 N x H x W (or N x H x W x C) -> float32 N x C x H x W in [0, 1]."""
    x = x[:, None] if x.ndim == 3 else x.transpose(0, 3, 1, 2)
    return np.ascontiguousarray(x, dtype=np.float32) / np.float32(255.0)


def _idx_set(name: str, data_path: str | os.PathLike | None) -> ImageSet:
    from .mnist import FASHION_CLASSES, FASHION_FILES, MNIST_FILES, fashion_mnist, mnist
    from .store import dataset_dir, md5_file

    loader, files = (mnist, MNIST_FILES) if name == "mnist" else (fashion_mnist, FASHION_FILES)
    if data_path is None:
        (x, y), (xt, yt) = loader()
        folder = dataset_dir(name)
    else:
        folder = Path(data_path)
        (x, y), (xt, yt) = loader(folder, verify=False)
    sums = {}
    for stem in files:
        for fname in (stem + ".gz", stem):
            if (folder / fname).is_file():
                sums[f"{name}/{fname}"] = md5_file(folder / fname)
                break
    classes = [str(i) for i in range(10)] if name == "mnist" else list(FASHION_CLASSES)
    return ImageSet(name, _to_float(x), y, _to_float(xt), yt, classes, sums)


def _lfw_set(data_path: str | os.PathLike | None) -> ImageSet:
    from PIL import Image

    from .lfw import lfw

    paths, y, names = lfw(data_path, load=False)
    if len(paths) < 2:
        raise DataError(f"lfw: found {len(paths)} photo(s); need at least 2 (a train and a test "
                        "photo)")
    images = []
    for p in paths:
        with Image.open(p) as im:
            im = im.convert("RGB")
            w, h = im.size
            c = min(LFW_CROP, (min(w, h) - 1) // 3)  # the course's crop, scaled for small photos
            im = im.crop((c, c, w - c, h - c)).resize((LFW_SIZE, LFW_SIZE), Image.BILINEAR)
            images.append(np.asarray(im, dtype=np.uint8))
    x = _to_float(np.stack(images))
    order = np.random.default_rng(42).permutation(len(x))
    n_test = max(1, len(x) // 10)
    test, train = order[:n_test], order[n_test:]
    return ImageSet("lfw", x[train], y[train], x[test], y[test], list(names), {})


def image_set(name: str, data_path: str | os.PathLike | None = None) -> ImageSet:
    """The images of ``name`` (one of ``IMAGE_SETS``), from ``data_path`` or the store."""
    if name in ("mnist", "fashion_mnist"):
        return _idx_set(name, data_path)
    if name == "lfw":
        return _lfw_set(data_path)
    raise ValueError(f"image_set: name must be one of {', '.join(IMAGE_SETS)}, got {name!r}")


def skimage_faces() -> np.ndarray:
    """scikit-image's 100 LFW face crops (``skimage.data.lfw_subset()[:100]``; the other 100
    are non-faces) as float32 100 x 1 x 25 x 25 in [0, 1]."""
    try:
        from skimage.data import lfw_subset
    except ImportError as e:
        raise MissingDataError("the 100 LFW face crops come with scikit-image: pip install "
                               "scikit-image (in deepgrad[extras])") from e
    faces = np.asarray(lfw_subset()[:100], dtype=np.float32)
    return np.ascontiguousarray(faces[:, None])
