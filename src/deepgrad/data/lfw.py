"""Labeled Faces in the Wild (Huang et al. 2007), user-supplied.

``lfw.tgz`` unpacks to ``lfw/<Person_Name>/<Person_Name>_0001.jpg`` (250 x 250 RGB). Put the
folder (or the tarball, which is extracted atomically on first use) into ``$DEEPGRAD_DATA/lfw``.
"""

from __future__ import annotations

import os
import tarfile
from pathlib import Path

import numpy as np

from .catalog import Dataset, register
from .images import list_image_folder, load_images
from .store import DataError, MissingDataError, atomic_dir, dataset_dir, say

__all__ = ["lfw"]


def _faces_folder(root: Path) -> Path:
    for cand in (root / "lfw", root / "lfw-deepfunneled", root):
        if cand.is_dir() and any(p.is_dir() for p in cand.iterdir()):
            return cand
    for tgz in (root / "lfw.tgz", root / "lfw-deepfunneled.tgz"):
        if tgz.is_file():
            target = root / tgz.name.replace(".tgz", "")
            say(f"extracting {tgz} into {target}")
            try:
                with tarfile.open(tgz, "r:gz") as tf, atomic_dir(target) as tmp:
                    tf.extractall(tmp, filter="data")
                    inner = tmp / target.name
                    if inner.is_dir():  # the tarball holds lfw/...: flatten one level
                        for p in inner.iterdir():
                            p.rename(tmp / p.name)
                        inner.rmdir()
            except (tarfile.TarError, EOFError, OSError) as e:
                raise DataError(f"{tgz}: corrupt or truncated archive ({e})") from e
            return target
    raise MissingDataError(f"LFW is user-supplied: put lfw.tgz (or its lfw/ folder of "
                           f"<Person_Name>/*.jpg) into {root}")


def lfw(root: str | os.PathLike | None = None, min_faces_per_person: int = 0,
        size: tuple[int, int] | None = None, mode: str = "RGB", load: bool = True):
    """``(x, y, names)``: faces (uint8 N x H x W x C, or file paths with ``load=False``),
    int64 person indices and the person names, keeping people with at least
    ``min_faces_per_person`` images."""
    root = Path(root) if root is not None else dataset_dir("lfw")
    paths, y, names = list_image_folder(_faces_folder(root))
    counts = np.bincount(y, minlength=len(names))
    keep_cls = np.flatnonzero(counts >= max(1, min_faces_per_person))
    remap = -np.ones(len(names), dtype=np.int64)
    remap[keep_cls] = np.arange(len(keep_cls))
    sel = np.flatnonzero(remap[y] >= 0)
    paths = [paths[i] for i in sel]
    y = remap[y[sel]]
    names = [names[i] for i in keep_cls]
    x = load_images(paths, size, mode) if load else paths
    return x, y, names


register(Dataset("lfw", "Labeled Faces in the Wild (13k face photos, 5.7k people)",
                 "user-supplied: put lfw.tgz (or lfw/) into <data>/lfw/",
                 lambda: any((dataset_dir("lfw") / n).exists() for n in ("lfw", "lfw.tgz"))))
