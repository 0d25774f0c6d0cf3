"""Flickr8k captions (Hodosh et al. 2013), official files, user-supplied.

    root/Flickr8k.token.txt          "1000268201_693b08cb0e.jpg#0<TAB>A child in a pink dress ..."
    root/Flickr_8k.trainImages.txt   one image name per line (also devImages, testImages)
    root/Flicker8k_Dataset/*.jpg     the images (the official folder name is misspelled)

(The text files may also sit in ``root/Flickr8k_text/``, as in the official zip.)
"""

from __future__ import annotations

import os
from pathlib import Path

from .catalog import Dataset, register
from .store import DataError, MissingDataError, data_dir, dataset_dir

__all__ = ["flickr8k", "read_flickr_tokens"]

_SPLITS = {"train": "Flickr_8k.trainImages.txt", "dev": "Flickr_8k.devImages.txt",
           "test": "Flickr_8k.testImages.txt"}


def read_flickr_tokens(path: str | os.PathLike) -> dict[str, list[str]]:
    """``{image_name: [caption0, ..., caption4]}`` from ``Flickr8k.token.txt``."""
    caps: dict[str, list[str]] = {}
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip():
                continue
            key, sep, caption = line.partition("\t")
            name, hash_, num = key.partition("#")
            if not sep or not hash_ or not num.isdigit():
                raise DataError(f"{path}:{lineno}: expected 'image.jpg#N<TAB>caption', got "
                                f"{line[:60]!r}")
            caps.setdefault(name, []).append(caption.strip())
    return caps


def _find(root: Path, name: str) -> Path | None:
    for cand in (root / name, root / "Flickr8k_text" / name):
        if cand.is_file():
            return cand
    return None


def flickr8k(root: str | os.PathLike | None = None, split: str | None = None) -> list[dict]:
    """Records ``{"file": Path, "captions": [...]}`` for all images, or one ``split``
    (``"train"``, ``"dev"``, ``"test"``)."""
    root = Path(root) if root is not None else dataset_dir("flickr8k")
    tokens = _find(root, "Flickr8k.token.txt")
    if tokens is None:
        raise MissingDataError(
            f"Flickr8k is user-supplied: put Flickr8k.token.txt (from Flickr8k_text.zip) and the "
            f"Flicker8k_Dataset/ image folder into {root} (default {data_dir() / 'flickr8k'})")
    caps = read_flickr_tokens(tokens)
    names = list(caps)
    if split is not None:
        if split not in _SPLITS:
            raise ValueError(f"flickr8k: split must be one of {sorted(_SPLITS)}, got {split!r}")
        listing = _find(root, _SPLITS[split])
        if listing is None:
            raise MissingDataError(f"flickr8k: {_SPLITS[split]} not found in {root}")
        names = [n.strip() for n in listing.read_text().splitlines() if n.strip()]
        missing = [n for n in names if n not in caps]
        if missing:
            raise DataError(f"{listing}: {len(missing)} images have no captions in "
                            f"{tokens.name} (first: {missing[0]})")
    images = root / "Flicker8k_Dataset"
    return [{"file": images / n, "captions": caps[n]} for n in names]


register(Dataset("flickr8k", "Flickr8k: 8,000 images x 5 captions",
                 "user-supplied: put Flickr8k.token.txt and Flicker8k_Dataset/ into "
                 "<data>/flickr8k/",
                 lambda: _find(dataset_dir("flickr8k"), "Flickr8k.token.txt") is not None))
