"""Localize an object: a finished ``localization`` run says what the one object of a test scene
(or of an uploaded image) is, with every class's probability, and where it is, as a box, as
``deepgrad localize``; for a test scene, against the true class and box, with their IoU.

    GET  /api/localization/runs        the finished localization runs (newest first)
    GET  /api/localization/scenes      ?run=R: the run's test scenes (scenes/test2014), the
                                       classes of their objects, the class names
    POST /api/localization/localize    multipart: image (PNG/JPEG) or scene (a test scene's
                                       name), run

The answer: the 64 x 64 image the network saw (the upload made grey, inverted on a light
background, letterboxed: scaled so its longer side is 64, padded with black), the predicted
class, its probability and the box in the original image's pixels (``BoxPredictor.predict``)
and in the seen image's (times ``scale``), the probabilities of all classes (the network's
softmax on the same input); for a test scene the true class and box (the largest object of its
annotations, as the task picks it), the IoU of the two boxes, whether the class is right and
whether the scene counts for ``iou50_accuracy`` (class right, IoU >= 0.5); and the run's own
test-set figures.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, File, Form, Query, UploadFile

from deepgrad.tasks import TaskError
from deepgrad.tasks.localization import SIZE, predict
from deepgrad.tasks.segmentation.metrics import box_iou
from deepgrad.tasks.segmentation.training import standardize

from ..models import ENGINE_LOCK
from ..paths import relative_name
from ..pixels import picture
from ..predictors import finished_runs, pick_run, refused
from ..scenes import letterboxed, run_classes, scene_list, scene_objects, scene_or_upload
from . import Panel

__all__ = ["PANEL", "router", "true_object", "localize"]

PANEL = Panel(id="locate", title="Localize an object", order=34,
              script="panels/localization.js", task="localization",
              summary="a localization run finds the object of a test scene or your image: "
                      "its class, every class's probability, its box against the true one")

HIT = 0.5  # the IoU of iou50_accuracy
FIGURES = ("iou50_accuracy", "mean_iou", "class_accuracy", "test_scenes")


def true_object(run_dir: Path, scene: str) -> tuple[int, list[float]] | None:
    """(class index 0-based, box [x, y, w, h]) of the test scene's largest object, as the task's
    ``single_objects`` picks it; None when its annotations have no object."""
    objs = scene_objects(run_dir).get(scene)
    if not objs:
        return None
    best = max(objs, key=lambda o: o["box"][2] * o["box"][3])
    return best["index"] - 1, best["box"]


def localize(predictor: Any, grey: np.ndarray) -> dict[str, Any]:
    """The class, probability and box (original pixels) ``BoxPredictor.predict`` gives for the
    grey uint8 image, the probabilities of all classes on the same letterboxed input, and that
    input."""
    boxed, scale = letterboxed(grey, SIZE)
    try:
        with ENGINE_LOCK:
            name, box, p = predictor.predict(grey)
            _, _, probs = predict(predictor.model, standardize(boxed[None]))
    except (TaskError, ValueError) as e:
        raise refused(e) from None
    classes = list(predictor.classes)
    return {"image": boxed, "scale": float(scale), "class": name, "index": classes.index(name),
            "p": float(p), "box": [float(v) for v in box],
            "probabilities": [float(v) for v in probs[0]]}


def _test_metrics(run_dir: Path) -> dict[str, Any]:
    try:
        m = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return {k: m.get(k) for k in FIGURES}


def router(lab: Any) -> APIRouter:
    r = APIRouter(prefix="/api/localization")

    @r.get("/runs")
    def runs() -> list[dict[str, Any]]:
        return finished_runs(lab, "localization")

    @r.get("/scenes")
    def scenes(run: Annotated[str | None, Query(max_length=400)] = None) -> dict[str, Any]:
        path = pick_run(lab, "localization", run)
        return {"run": relative_name(lab.root, path), "classes": run_classes(path),
                "scenes": scene_list(path)}

    @r.post("/localize")
    def localize_scene(image: Annotated[UploadFile | None, File()] = None,
                       scene: Annotated[str | None, Form(min_length=1, max_length=200)] = None,
                       run: Annotated[str | None, Form(max_length=400)] = None
                       ) -> dict[str, Any]:
        path, predictor, grey, label, name = scene_or_upload(lab, "localization", image, scene,
                                                             run)
        out = localize(predictor, grey)
        s, classes = out["scale"], list(predictor.classes)
        w, h = out["box"][2:]
        prediction = {"class": out["class"], "index": out["index"], "p": out["p"],
                      "box": out["box"], "box_seen": [v * s for v in out["box"]],
                      "empty": w * h < 1, "low_confidence": out["p"] < 0.5}
        true = true_object(path, name) if name is not None else None
        truth = iou = None
        if true is not None and 0 <= true[0] < len(classes):
            k, box = true
            truth = {"class": classes[k], "index": k, "box": box,
                     "box_seen": [v * s for v in box]}
            iou = float(box_iou(np.array(out["box"]), np.array(box))[0])
        hgt, wid = grey.shape
        return {"run": relative_name(lab.root, path), "source": label, "scene": name,
                "original": {"width": wid, "height": hgt}, "scale": s, "classes": classes,
                "image": picture(out["image"]), "prediction": prediction,
                "probabilities": [{"class": c, "index": k, "p": out["probabilities"][k]}
                                  for k, c in enumerate(classes)],
                "truth": truth, "iou": iou,
                "correct": None if truth is None else truth["index"] == out["index"],
                "hit": None if truth is None else bool(truth["index"] == out["index"]
                                                       and iou >= HIT),
                "test_metrics": _test_metrics(path)}

    return r
