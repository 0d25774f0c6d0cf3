"""Image files: decoding with Pillow and the one-class-per-sub-folder layout.

``image_folder(root)`` reads ``root/<class>/<image>`` (any format Pillow reads) into
``(x, y, class_names)``: ``x`` uint8 N x H x W x C (images keep their files' HWC layout; use
``channels_first=True`` for deepgrad's NCHW), ``y`` int64 class indices in sorted class order.
Pillow is imported only when an image is read.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .store import DataError, MissingDataError

__all__ = ["load_image", "load_images", "image_folder", "IMAGE_EXTENSIONS"]

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".ppm", ".pgm", ".tif", ".tiff",
                    ".webp")


def _pil():
    try:
        from PIL import Image
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("reading images needs Pillow: pip install 'deepgrad[extras]'") from e
    return Image


def load_image(path: str | os.PathLike, size: tuple[int, int] | None = None,
               mode: str = "RGB") -> np.ndarray:
    """One image as uint8 H x W x C (H x W for ``mode="L"``), optionally resized to (H, W)."""
    Image = _pil()
    try:
        with Image.open(path) as im:
            im = im.convert(mode)
            if size is not None:
                im = im.resize((size[1], size[0]), Image.BILINEAR)
            return np.asarray(im, dtype=np.uint8).copy()
    except FileNotFoundError:
        raise MissingDataError(f"image file {path} not found") from None
    except (OSError, SyntaxError, ValueError) as e:
        raise DataError(f"{path}: not a readable image ({e})") from e


def load_images(paths: Sequence[str | os.PathLike], size: tuple[int, int] | None = None,
                mode: str = "RGB", channels_first: bool = False) -> np.ndarray | list[np.ndarray]:
    """Decode many images; stacked into one array when they share a shape, else a list."""
    imgs = [load_image(p, size, mode) for p in paths]
    if not imgs or any(im.shape != imgs[0].shape for im in imgs):
        if channels_first:
            imgs = [np.moveaxis(im, -1, 0) if im.ndim == 3 else im for im in imgs]
        return imgs
    x = np.stack(imgs)
    if channels_first and x.ndim == 4:
        x = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
    return x


def list_image_folder(root: str | os.PathLike) -> tuple[list[Path], np.ndarray, list[str]]:
    """File paths, int64 labels and sorted class names of ``root/<class>/<image>``."""
    root = Path(root)
    if not root.is_dir():
        raise MissingDataError(f"image_folder: {root} is not a folder (expected "
                               "root/<class name>/<image files>)")
    classes = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not classes:
        raise DataError(f"image_folder: {root} has no class sub-folders")
    paths, labels = [], []
    for i, c in enumerate(classes):
        files = sorted(p for p in (root / c).iterdir()
                       if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS)
        paths.extend(files)
        labels.extend([i] * len(files))
    return paths, np.asarray(labels, dtype=np.int64), classes


def image_folder(root: str | os.PathLike, size: tuple[int, int] | None = None,
                 mode: str = "RGB", channels_first: bool = False):
    """``(x, y, class_names)`` from ``root/<class>/<image>``; see the module docstring."""
    paths, y, classes = list_image_folder(root)
    if not paths:
        raise DataError(f"image_folder: no image files ({', '.join(IMAGE_EXTENSIONS)}) in {root}")
    return load_images(paths, size, mode, channels_first), y, classes
