"""The data of the segmentation and localization tasks: composed scenes written in COCO's
layout into the run directory and read back through the COCO reader, or a user's COCO folder.

    sets, sums = dense_sets(out / "scenes", source="mnist", n=(3000, 300, 500), single=False)
    sets["train"].images, sets["train"].labels, sets["test"].objects, sets["test"].classes

With ``coco_root`` the splits are read from there instead: ``train2014`` for training,
``val2014`` for validation (its first ``n_val`` images) and, if there is no
``instances_test2014.json`` (real COCO has none with annotations), the next ``n_test`` images
of ``val2014`` for testing. Images are grey and letterboxed to ``size`` (see
``deepgrad.data.coco_dense``).
"""

from __future__ import annotations

from pathlib import Path

from ...data.coco_dense import DenseSet, coco_dense
from ..contract import TaskError

__all__ = ["dense_sets", "SOURCES"]

SOURCES = ("mnist", "fashion")


def _arrays(source: str):
    from ...data import mnist
    from ...data.mnist import fashion_mnist

    if source == "mnist":
        return mnist()
    if source == "fashion":
        return fashion_mnist()
    raise TaskError(f"source must be one of {', '.join(SOURCES)}, got {source!r}")


def _write(folder: Path, source: str, n: tuple[int, int, int], single: bool, seed: int,
           size: int) -> dict[str, str]:
    from ...data.store import dataset_dir, md5_file

    (x, y), (xt, yt) = _arrays(source)
    if single:
        from ...data.scenes_single import write_single_coco

        write_single_coco(folder, x, y, xt, yt, *n, source=source, canvas=size, seed=seed)
    else:
        from ...data.scenes_coco import write_scenes_coco

        write_scenes_coco(folder, x, y, xt, yt, *n, source=source, canvas=size, seed=seed)
    store = dataset_dir("mnist" if source == "mnist" else "fashion_mnist")
    return {f"{store.name}/{p.name}": md5_file(p) for p in sorted(store.glob("*-ubyte*"))}


def dense_sets(folder: Path, source: str = "mnist", n: tuple[int, int, int] = (3000, 300, 500),
               single: bool = False, seed: int = 0, size: int = 64, masks: bool = True,
               coco_root: str | None = None) -> tuple[dict[str, DenseSet], dict[str, str]]:
    """``({"train", "val", "test"}: DenseSet, checksums)``; see the module docstring."""
    sums: dict[str, str] = {}
    if coco_root is None:
        if not (folder / "annotations").is_dir():
            sums = _write(folder, source, n, single, seed, size)
        sets = {s: coco_dense(folder, s, size, masks=masks) for s in ("train", "val", "test")}
    else:
        root = Path(coco_root)
        train = coco_dense(root, "train", size, masks=masks, limit=n[0])
        if (root / "annotations" / "instances_test2014.json").is_file():
            val = coco_dense(root, "val", size, masks=masks, limit=n[1])
            test = coco_dense(root, "test", size, masks=masks, limit=n[2])
        else:
            both = coco_dense(root, "val", size, masks=masks, limit=n[1] + n[2])
            if len(both) < 2:
                raise TaskError(f"{root}: val2014 needs at least 2 images (validation + test)")
            cut = min(n[1], len(both) - 1)
            val, test = _slice(both, 0, cut), _slice(both, cut, len(both))
        sets = {"train": train, "val": val, "test": test}
    for s, d in sets.items():
        sums.update({f"{s}/{k}": v for k, v in d.checksums.items()})
        if d.classes != sets["train"].classes:
            raise TaskError(f"the {s} split's categories {d.classes[1:]} differ from the "
                            f"train split's {sets['train'].classes[1:]}")
    return sets, sums


def _slice(d: DenseSet, a: int, b: int) -> DenseSet:
    return DenseSet(d.images[a:b], d.labels[a:b], d.objects[a:b], d.classes, d.files[a:b],
                    d.scales[a:b], d.checksums)
