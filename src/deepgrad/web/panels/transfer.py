"""Classify with a transferred network: the fine-tuned network a finished ``transfer`` run saved
(pretrained on MNIST or ImageNet, its last blocks and a new head trained on the target's few
labels) gives the probability of every target class for one of the target's test images or an
uploaded image; beside it, the run's test accuracy of each recipe at each number of labels.

    GET  /api/transfer/runs          the finished transfer runs (newest first)
    GET  /api/transfer/images        ?run=R: the first of the target's test images the run was
                                     tested on (thumbnails, with their labels), how many, the
                                     class names
    GET  /api/transfer/accuracy      ?run=R: the run's table, test_accuracy_{recipe}_{n} of
                                     metrics.json, and its plot (accuracy.png) when it has one
    POST /api/transfer/classify      multipart: index (a test image) or image (PNG/JPEG), run

The answer: the image as the network was given it (an upload read as ``deepgrad visualize
--task transfer FILE`` reads a file, ``tasks.transfer.read_image``: for Fashion-MNIST 28 x 28
grey, a light background inverted), ``TransferClassifier.predict_proba`` of every class with
its name (``tasks.transfer.class_names``: Fashion-MNIST's own), the top class, and for a test
image its true class.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, File, Form, Query, UploadFile

from deepgrad.tasks import TaskError, read_run
from deepgrad.tasks.transfer import RECIPES, class_names, read_image, test_set

from ..derived import DERIVED
from ..errors import LabError
from ..images import MAX_UPLOAD_BYTES, decode_image
from ..models import ENGINE_LOCK
from ..paths import relative_name
from ..pixels import picture
from ..predictors import finished_runs, pick_run, refused
from . import Panel

__all__ = ["PANEL", "router", "MAX_IMAGES", "run_test_set", "accuracy_table", "classify"]

PANEL = Panel(id="transfer", title="Classify with a transferred network", order=36,
              script="panels/transfer.js", task="transfer",
              summary="a transfer run's fine-tuned network classifies a Fashion-MNIST test "
                      "image or yours; each recipe's test accuracy by labels per class")

MAX_IMAGES = 48
PLOT = "accuracy.png"
_ACCURACY = re.compile(r"^test_accuracy_(" + "|".join(RECIPES) + r")_(\d+)$")


def run_test_set(lab: Any, run_dir: Path, cfg: Any) -> tuple[np.ndarray, np.ndarray]:
    """The target's test images and labels the run was tested on, read once per run version."""

    def read() -> tuple[np.ndarray, np.ndarray]:
        try:
            return test_set(cfg)
        except TaskError as e:
            raise LabError(409, str(e)) from None

    return DERIVED.get(lab, run_dir, "transfer test set", read)


def accuracy_table(run_dir: Path) -> dict[str, Any]:
    """The run's test accuracies by labels per class (rows) and recipe (columns), from the
    ``test_accuracy_{recipe}_{n}`` figures of its metrics.json."""
    try:
        m = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        m = {}
    found: dict[int, dict[str, float]] = {}
    for key, value in (m.items() if isinstance(m, dict) else ()):
        hit = _ACCURACY.match(key)
        if hit:
            found.setdefault(int(hit.group(2)), {})[hit.group(1)] = value
    recipes = [r for r in RECIPES if any(r in row for row in found.values())]
    return {"recipes": recipes,
            "rows": [{"labels_per_class": n, "accuracy": {r: found[n].get(r) for r in recipes}}
                     for n in sorted(found)],
            "pretrain_test_accuracy": m.get("pretrain_test_accuracy"),
            "test_images": m.get("test_images"),
            "plot": PLOT if (run_dir / PLOT).is_file() else None}


def classify(classifier: Any, image: np.ndarray, classes: list[str]) -> dict[str, Any]:
    """Every class's probability of one image by the run's ``TransferClassifier``."""
    try:
        with ENGINE_LOCK:
            p = classifier.predict_proba(image[None])[0]
    except (TaskError, ValueError) as e:
        raise refused(e) from None
    probs = [{"index": k, "class": classes[k] if k < len(classes) else str(k),
              "p": float(p[k])} for k in range(len(p))]
    return {"probabilities": probs, "top": max(probs, key=lambda x: x["p"])}


def _config(lab: Any, path: Path) -> tuple[Any, Any]:
    """(the run's classifier through the model cache, its config)."""
    classifier = lab.models.get(path, "transfer")  # refuses other tasks' and unfinished runs
    try:
        return classifier, read_run(path, "transfer").config
    except TaskError as e:
        raise LabError(409, str(e)) from None


def router(lab: Any) -> APIRouter:
    r = APIRouter(prefix="/api/transfer")

    @r.get("/runs")
    def runs() -> list[dict[str, Any]]:
        return finished_runs(lab, "transfer")

    @r.get("/images")
    def images(run: Annotated[str | None, Query(max_length=400)] = None) -> dict[str, Any]:
        path = pick_run(lab, "transfer", run)
        _, cfg = _config(lab, path)
        x, y = run_test_set(lab, path, cfg)
        classes = class_names(cfg)
        return {"run": relative_name(lab.root, path), "source": cfg.source,
                "target": cfg.target, "classes": classes, "count": len(x),
                "images": [{"index": i, "label": int(y[i]), "class": classes[int(y[i])],
                            "image": picture(x[i])} for i in range(min(MAX_IMAGES, len(x)))]}

    @r.get("/accuracy")
    def accuracy(run: Annotated[str | None, Query(max_length=400)] = None) -> dict[str, Any]:
        path = pick_run(lab, "transfer", run)
        _, cfg = _config(lab, path)
        return {"run": relative_name(lab.root, path), "source": cfg.source,
                "target": cfg.target, "finetune_blocks": cfg.finetune_blocks,
                **accuracy_table(path)}

    @r.post("/classify")
    def classify_image(index: Annotated[int | None, Form(ge=0, le=10**7)] = None,
                       image: Annotated[UploadFile | None, File()] = None,
                       run: Annotated[str | None, Form(max_length=400)] = None
                       ) -> dict[str, Any]:
        if (index is None) == (image is None):
            raise LabError(422, "give index (the index of one of the run's test images) or "
                                "image (a PNG or JPEG upload), not both")
        if image is not None:  # refused before any model is loaded
            data = image.file.read(MAX_UPLOAD_BYTES + 1)
            decode_image(data, "L")
        path = pick_run(lab, "transfer", run)
        classifier, cfg = _config(lab, path)
        classes = class_names(cfg)
        label = None
        if image is not None:
            try:
                seen = read_image(io.BytesIO(data), cfg)
            except TaskError as e:
                raise refused(e) from None
            source = image.filename or "the upload"
        else:
            x, y = run_test_set(lab, path, cfg)
            if index >= len(x):
                raise LabError(422, f"index: expected the index of one of the run's test "
                                    f"images, 0..{len(x) - 1}; got {index}")
            seen, label, source = x[index], int(y[index]), f"test image {index}"
        out = classify(classifier, np.asarray(seen, dtype=np.uint8), classes)
        return {"run": relative_name(lab.root, path), "source": source, "index": index,
                "target": cfg.target, "classes": classes, "image": picture(seen),
                "label": label, "true_class": None if label is None else classes[label],
                **out}

    return r
