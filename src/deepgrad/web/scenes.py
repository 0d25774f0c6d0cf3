"""What the scene panels (segmentation, localization) are asked about: one of a run's composed
test scenes, or an uploaded image read as ``deepgrad segment`` / ``localize`` read a file.

    scene_list(run_dir)               # [{"name", "file", "objects"}]: scenes/test2014/*.png
    path, model, grey, label, scene = scene_or_upload(lab, "segmentation", image, scene, run)
    scene_objects(run_dir)            # file name -> [{"index", "class", "box"}]: the class
                                      # index as the task's COCO reader gives it (0 background)
    boxed, scale = letterboxed(grey)  # 64 x 64, as the tasks read a COCO image

A scenes run writes its data into its directory in COCO's layout (``scenes/test2014/*.png``,
``scenes/masks_test2014/*.png``, ``scenes/annotations/instances_test2014.json``); a run on a
user's COCO folder has none, and the panels take uploads only. Names are resolved strictly
inside the run (:func:`deepgrad.web.paths.inside`). An upload is decoded under the limits of
:mod:`deepgrad.web.images`, made grey, and inverted when its border is light (the tasks' rule,
``deepgrad.tasks.segmentation.read_grey``: the networks saw light objects on black).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .errors import LabError
from .images import MAX_UPLOAD_BYTES, decode_image
from .paths import inside
from .predictors import pick_run

__all__ = ["SCENES", "MAX_SCENES", "scene_list", "run_classes", "scene_objects", "read_scene",
           "grey_objects", "letterboxed", "scene_or_upload"]

SCENES = Path("scenes") / "test2014"  # where a scenes run writes its test images
INSTANCES = Path("scenes") / "annotations" / "instances_test2014.json"
MAX_SCENES = 48


def scene_objects(run_dir: Path) -> dict[str, list[dict[str, Any]]]:
    """Test image file name -> its objects ``{"index", "class", "box"}`` from the run's
    ``instances_test2014.json``: the class index as ``deepgrad.data.coco_dense`` numbers it
    (the k-th category id by value is class k; 0 is the background), the category's name and
    the box ``[x, y, w, h]`` in the image's pixels; {} when there is none or it is unreadable."""
    try:
        path = inside(run_dir, INSTANCES.as_posix(), "annotations")
        d = json.loads(path.read_text(encoding="utf-8"))
        names = {c["id"]: str(c["name"]) for c in d["categories"]}
        index = {cid: k + 1 for k, cid in enumerate(sorted(names))}
        files = {im["id"]: Path(str(im["file_name"])).name for im in d["images"]}
        out: dict[str, list[dict[str, Any]]] = {f: [] for f in files.values()}
        for a in d["annotations"]:
            out[files[a["image_id"]]].append({"index": index[a["category_id"]],
                                              "class": names[a["category_id"]],
                                              "box": [float(v) for v in a["bbox"]]})
    except (LabError, OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError,
            ValueError):
        return {}
    return out


def scene_list(run_dir: Path, limit: int = MAX_SCENES,
               fields: Callable[[str], dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """The first ``limit`` test scenes of a scenes run: name, file (relative to the run, for
    ``/api/run/file``) and ``fields(name)`` (default: the classes of its objects, as
    ``"objects"``); none for a run on a user's COCO or Flickr8k folder."""
    folder = run_dir / SCENES
    if not folder.is_dir():
        return []
    if fields is None:
        objects = scene_objects(run_dir)

        def fields(name: str) -> dict[str, Any]:
            return {"objects": [o["class"] for o in objects.get(name, [])]}

    out = []
    for p in sorted(folder.glob("*.png"))[:limit]:
        try:
            inside(run_dir, (SCENES / p.name).as_posix(), "scene")
        except LabError:
            continue  # a symlink out of the run
        out.append({"name": p.name, "file": (SCENES / p.name).as_posix(), **fields(p.name)})
    return out


def run_classes(run_dir: Path) -> list[str]:
    """The run's class names (its ``classes.json``; [] when missing or unreadable)."""
    try:
        names = json.loads((run_dir / "classes.json").read_text(encoding="utf-8"))["classes"]
        return [str(c) for c in names]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError):
        return []


def read_scene(run_dir: Path, name: str, folder: Path = SCENES) -> bytes:
    """The bytes of the run's test scene ``name`` (a PNG directly in ``folder``)."""
    if "/" in name or not name.lower().endswith(".png"):
        raise LabError(400, f"scene {name!r}: expected the file name of a test scene "
                            f"({folder.as_posix()}/*.png)")
    path = inside(run_dir, (folder / name).as_posix(), "scene")
    if not path.is_file():
        raise LabError(404, f"scene {name!r}: not a file")
    return path.read_bytes()


def grey_objects(image: Any) -> np.ndarray:
    """A decoded image as grey uint8 H x W, light objects on black: a light background (the
    border's mean above 127) is inverted, as ``deepgrad.tasks.segmentation.read_grey`` does."""
    g = np.asarray(image.convert("L"), dtype=np.uint8)
    border = np.concatenate([g[0], g[-1], g[:, 0], g[:, -1]])
    return (255 - g) if border.mean() > 127 else g


def letterboxed(grey: np.ndarray, size: int = 64) -> tuple[np.ndarray, float]:
    """(``grey`` scaled so its longer side is ``size`` and padded with black at the bottom and
    right to ``size`` x ``size``, the scale): the letterbox the localization predictor applies
    and the tasks' COCO reader applies to every image (a scene of that size is unchanged)."""
    from deepgrad.tasks.localization import letterbox

    return letterbox(np.asarray(grey, dtype=np.uint8), size)


def scene_or_upload(lab: Any, task: str, image: Any, scene: str | None, run: str | None
                    ) -> tuple[Path, Any, np.ndarray, str, str | None]:
    """(the run directory, its predictor (the task's ``load``, through the model cache), the
    grey image, what to call it, the scene's name or None) for a request naming a test
    ``scene`` of the run or carrying an ``image`` upload (exactly one of them); an upload is
    refused before any model is loaded, a scene looked up once the run is known to be the
    task's."""
    if (image is None) == (scene is None):
        raise LabError(422, "give an image (a PNG or JPEG upload) or a scene (the name of one "
                            "of the run's test scenes), not both")
    if image is not None:
        grey = grey_objects(decode_image(image.file.read(MAX_UPLOAD_BYTES + 1), "L"))
        label = image.filename or "the upload"
    path = pick_run(lab, task, run)
    model = lab.models.get(path, task)
    if scene is not None:
        grey, label = grey_objects(decode_image(read_scene(path, scene), "L")), scene
    return path, model, grey, label, scene
