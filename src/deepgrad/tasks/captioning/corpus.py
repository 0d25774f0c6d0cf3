"""The captioning data: images with several captions each, tokenized, and the vocabulary.

Three sources, one record layout ``{"file": Path, "captions": [str, ...], "image_id",
"combination"?}``:

- ``scenes`` (default): composed scenes of real MNIST / Fashion-MNIST images (see
  :mod:`deepgrad.data.scenes`), written in COCO 2014's layout into the run directory and read
  back through the COCO reader, so the path real COCO takes is the path the default run takes.
  The test split shows only the held-out compositions.
- ``coco``: a user's MS-COCO 2014 folder (``annotations/captions_{train,val}2014.json`` and the
  image folders): train2014 trains; the first ``n_val`` images of val2014 validate and the next
  ``n_test`` test.
- ``flickr8k``: a user's Flickr8k folder (``Flickr8k.token.txt``, the split lists, images).

Captions are lower-cased and split into words (``t-shirt`` stays one word); the vocabulary keeps
the words seen at least ``min_count`` times in the training captions, plus PAD, UNK, START and
END. A caption with no words is an error; one longer than ``max_len`` words is an error unless
``long_captions`` says to drop or truncate it (real COCO has a few of 30+ words).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np

from ...data.vocab import Vocabulary
from ..contract import TaskError

__all__ = ["tokenize_caption", "caption_records", "CaptionData", "encode_captions",
           "SCENE_SOURCES"]

SCENE_SOURCES = ("mnist", "fashion")
_WORD = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*")


def tokenize_caption(text: str) -> list[str]:
    """The words of a caption: lower-cased, punctuation dropped (``t-shirt`` kept whole)."""
    return _WORD.findall(text.lower())


class CaptionData:
    """One split: ``records`` (image files, captions, ids) and ``tokens`` (per image, per
    caption, the word lists)."""

    def __init__(self, split: str, records: list[dict], where: str, max_len: int,
                 long_captions: str) -> None:
        self.split, self.where = split, where
        self.records: list[dict] = []
        self.tokens: list[list[list[str]]] = []
        for rec in records:
            kept = []
            for k, cap in enumerate(rec["captions"]):
                words = tokenize_caption(cap)
                name = f"{where}: image {rec.get('image_id', rec['file'].name)} caption {k}"
                if not words:
                    raise TaskError(f"{name} is empty ({cap!r}); every caption needs a word")
                if len(words) > max_len:
                    if long_captions == "error":
                        raise TaskError(
                            f"{name} has {len(words)} words, more than max_len={max_len} "
                            f"({cap[:60]!r}...); raise --max-len, or pass --long-captions "
                            f"drop or truncate")
                    if long_captions == "drop":
                        continue
                    words = words[:max_len]
                kept.append(words)
            if not kept:
                if not rec["captions"]:
                    raise TaskError(f"{where}: image {rec.get('image_id', rec['file'].name)} "
                                    f"has no captions")
                continue  # every caption dropped as too long
            self.records.append(rec)
            self.tokens.append(kept)
        if not self.records:
            raise TaskError(f"{where}: the {split} split has no captioned images")

    def __len__(self) -> int:
        return len(self.records)

    @property
    def files(self) -> list[Path]:
        return [r["file"] for r in self.records]

    def combinations(self) -> list[tuple[int, str, int]] | None:
        """Each image's primary pair (A, relation, B) when the data are composed scenes."""
        if not all("combination" in r for r in self.records):
            return None
        return [(int(r["combination"][0]), str(r["combination"][1]), int(r["combination"][2]))
                for r in self.records]


def _scenes(folder: Path, source: str, n: tuple[int, int, int], seed: int,
            n_objects: tuple[int, int]) -> dict[str, str]:
    from ...data import mnist
    from ...data.mnist import fashion_mnist
    from ...data.scenes_coco import write_scenes_coco
    from ...data.store import dataset_dir, md5_file

    if source not in SCENE_SOURCES:
        raise TaskError(f"captioning: scenes must be one of {', '.join(SCENE_SOURCES)}, got "
                        f"{source!r}")
    (x, y), (xt, yt) = mnist() if source == "mnist" else fashion_mnist()
    write_scenes_coco(folder, x, y, xt, yt, *n, source=source, seed=seed, n_objects=n_objects)
    store = dataset_dir("mnist" if source == "mnist" else "fashion_mnist")
    return {f"{store.name}/{p.name}": md5_file(p) for p in sorted(store.glob("*-ubyte*"))}


def caption_records(data: str, out: Path, *, scenes: str = "mnist",
                    n: tuple[int, int, int] = (8000, 500, 1000), seed: int = 0,
                    n_objects: tuple[int, int] = (2, 2), data_path: str | None = None
                    ) -> tuple[dict[str, list[dict]], dict[str, str], str]:
    """``({"train", "val", "test"}: records, checksums of what was read, description)``."""
    from ...data.coco import coco_captions

    if data == "scenes":
        folder = Path(data_path) if data_path else out / "scenes"
        sums: dict[str, str] = {}
        if not (folder / "annotations").is_dir():
            if data_path:
                raise TaskError(f"{folder}: no annotations/ folder; expected composed scenes "
                                f"in COCO's layout (or leave --data-path unset)")
            sums = _scenes(folder, scenes, n, seed, n_objects)
        recs = {s: coco_captions(folder, s) for s in ("train", "val", "test")}
        return recs, sums, f"composed {scenes} scenes"
    if data == "coco":
        from ...data.store import dataset_dir

        root = Path(data_path) if data_path else dataset_dir("coco")
        train = coco_captions(root, "train")[: n[0]]
        both = coco_captions(root, "val")
        if len(both) < 2:
            raise TaskError(f"{root}: val2014 needs at least 2 captioned images "
                            f"(validation + test), found {len(both)}")
        cut = min(n[1], len(both) - 1)
        return ({"train": train, "val": both[:cut], "test": both[cut: cut + n[2]]}, {},
                f"MS-COCO 2014 at {root}")
    if data == "flickr8k":
        from ...data.flickr import flickr8k
        from ...data.store import dataset_dir

        root = Path(data_path) if data_path else dataset_dir("flickr8k")
        recs = {"train": flickr8k(root, "train")[: n[0]], "val": flickr8k(root, "dev")[: n[1]],
                "test": flickr8k(root, "test")[: n[2]]}
        for split in recs.values():
            for r in split:
                r["image_id"] = r["file"].name
        return recs, {}, f"Flickr8k at {root}"
    raise TaskError(f"captioning: data must be scenes, coco or flickr8k, got {data!r}")


def encode_captions(vocab: Vocabulary, token_lists: list[list[str]], max_len: int
                    ) -> np.ndarray:
    """int64 (M, max_len + 2): START, the words (UNK for rare ones), END, then PAD."""
    ids = np.full((len(token_lists), max_len + 2), vocab.pad_id, dtype=np.int64)
    for i, words in enumerate(token_lists):
        seq = vocab.encode(words, add_start_end=True)
        ids[i, : len(seq)] = seq
    return ids


def vocab_to_json(vocab: Vocabulary, max_len: int, trained_on: str, kind: str) -> dict[str, Any]:
    """What ``vocab.json`` holds: the words in id order and what the model was trained on."""
    return {"itos": vocab.itos, "max_len": max_len, "trained_on": trained_on, "data": kind}


def vocab_from_json(d: dict, path: Path) -> Vocabulary:
    itos = d.get("itos")
    if not isinstance(itos, list) or itos[:4] != Vocabulary().itos:
        raise TaskError(f"{path}: not a captioning vocabulary (expected 'itos' starting with "
                        f"{Vocabulary().itos})")
    return Vocabulary(itos[4:])


__all__ += ["vocab_to_json", "vocab_from_json"]
