"""Segment a scene: a finished ``segmentation`` run labels every pixel of one of its test scenes
(composed from MNIST digits it never saw in those combinations) or of an uploaded image, with
both of its decoders (max unpooling and the transposed convolution), as ``deepgrad segment``.

    GET  /api/segmentation/runs      the finished segmentation runs (newest first)
    GET  /api/segmentation/scenes    ?run=R: the run's test scenes (scenes/test2014), the
                                     classes of their objects, the class names and colours
    POST /api/segmentation/segment   multipart: image (PNG/JPEG) or scene (a test scene's name),
                                     run, decoder (unpool / transposed; default both), fit
                                     (letterbox / none, for an upload; default letterbox)

The answer: the grey image the networks saw (an upload made grey and, on a light background,
inverted, as the CLI reads files; ``fit=letterbox`` scales it so its longer side is 64 and pads
it with black, as the task reads a COCO image; ``fit=none`` keeps its size, at most 256 x 256,
the networks padding it to a multiple of their factor as ``deepgrad segment`` does); for each
decoder the map of class indices (``Segmenter.predict``) and its pixels per class; for a test
scene the true map (``scenes/masks_test2014``) and each decoder's pixel accuracy, mIoU and the
IoU of every class present, computed on that one scene with the task's metrics; and the run's
own test-set mIoU and pixel accuracy per decoder.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from fastapi import APIRouter, File, Form, Query, UploadFile

from deepgrad.tasks import TaskError
from deepgrad.tasks.segmentation.metrics import (
    confusion,
    iou_per_class,
    mean_iou,
    pixel_accuracy,
)
from deepgrad.tasks.segmentation.pictures import colorize

from ..errors import LabError
from ..images import decode_image
from ..models import ENGINE_LOCK
from ..paths import relative_name
from ..pixels import picture
from ..predictors import finished_runs, pick_run, refused
from ..scenes import letterboxed, read_scene, run_classes, scene_list, scene_or_upload
from . import Panel

__all__ = ["PANEL", "router", "DECODERS", "colours", "truth", "scores", "segment"]

PANEL = Panel(id="segment", title="Segment a scene", order=32,
              script="panels/segmentation.js", task="segmentation",
              summary="a segmentation run labels every pixel of a test scene or your image: "
                      "max unpooling vs transposed convolution, against the truth")

DECODERS = {"unpool": "max unpooling (SegNet)", "transposed": "transposed convolution"}
SIDE = 64  # the scenes' side (deepgrad.tasks.segmentation.SIZE)
MAX_AS_IS = 256  # fit=none: the largest side segmented as it is
MASKS = Path("scenes") / "masks_test2014"


def colours(n: int) -> list[str]:
    """The colour of each of ``n`` class indices in the task's pictures (``colorize``: black
    background, then tab10, cycled), as ``#rrggbb``."""
    rgb = np.round(255 * colorize(np.arange(n)[None])[:, 0].T).astype(int)
    return [f"#{r:02x}{g:02x}{b:02x}" for r, g, b in rgb]


def truth(run_dir: Path, scene: str) -> np.ndarray | None:
    """The true class map of the run's test scene ``scene`` (its semantic mask, written with
    it: 0 background, class k on the pixels of category k); None without one."""
    try:
        data = read_scene(run_dir, scene, MASKS)
        return np.asarray(decode_image(data, "L"), dtype=np.uint8)
    except LabError:
        return None


def scores(true: np.ndarray, pred: np.ndarray, classes: list[str]) -> dict[str, Any]:
    """One scene's pixel accuracy, mIoU (over the classes in its truth or prediction, the
    background included, as the task's mIoU) and the IoU of each of those classes."""
    m = confusion(true, pred, len(classes))
    ious = iou_per_class(m)
    return {"pixel_accuracy": pixel_accuracy(m), "miou": mean_iou(m),
            "iou": [{"class": classes[k], "index": k, "iou": float(ious[k])}
                    for k in range(len(classes)) if not np.isnan(ious[k])]}


def segment(segmenter: Any, grey: np.ndarray, decoders: list[str]) -> dict[str, np.ndarray]:
    """Each decoder's H x W class indices of the grey uint8 image (``Segmenter.predict``)."""
    try:
        with ENGINE_LOCK:
            return {d: segmenter.predict(grey, d) for d in decoders}
    except (TaskError, ValueError) as e:
        raise refused(e) from None


def _fit(grey: np.ndarray, how: str, label: str) -> tuple[np.ndarray, float]:
    if how == "letterbox":
        return letterboxed(grey, SIDE)
    h, w = grey.shape
    if max(h, w) > MAX_AS_IS:
        raise LabError(413, f"{label} is {w} x {h} pixels; as it is (fit=none) at most "
                            f"{MAX_AS_IS} x {MAX_AS_IS}: letterbox it to {SIDE} x {SIDE} "
                            "(fit=letterbox)")
    return grey, 1.0


def _test_metrics(run_dir: Path, decoders: list[str]) -> dict[str, dict[str, Any]]:
    try:
        m = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return {d: {"miou": m.get(f"miou_{d}"), "pixel_accuracy": m.get(f"pixel_accuracy_{d}"),
                "test_scenes": m.get("test_scenes")} for d in decoders}


def _pixels(labels: np.ndarray, classes: list[str]) -> dict[str, int]:
    counts = np.bincount(labels.ravel(), minlength=len(classes))
    return {classes[k]: int(counts[k]) for k in np.flatnonzero(counts)}


def router(lab: Any) -> APIRouter:
    r = APIRouter(prefix="/api/segmentation")

    @r.get("/runs")
    def runs() -> list[dict[str, Any]]:
        out = finished_runs(lab, "segmentation")
        for x in out:
            x["decoders"] = list(DECODERS)
        return out

    @r.get("/scenes")
    def scenes(run: Annotated[str | None, Query(max_length=400)] = None) -> dict[str, Any]:
        path = pick_run(lab, "segmentation", run)
        classes = run_classes(path)
        return {"run": relative_name(lab.root, path), "classes": classes,
                "colors": colours(len(classes)), "scenes": scene_list(path)}

    @r.post("/segment")
    def segment_scene(image: Annotated[UploadFile | None, File()] = None,
                      scene: Annotated[str | None, Form(min_length=1, max_length=200)] = None,
                      run: Annotated[str | None, Form(max_length=400)] = None,
                      decoder: Annotated[Literal["unpool", "transposed"] | None, Form()] = None,
                      fit: Annotated[Literal["letterbox", "none"], Form()] = "letterbox"
                      ) -> dict[str, Any]:
        path, segmenter, grey, label, name = scene_or_upload(lab, "segmentation", image, scene,
                                                             run)
        seen, scale = _fit(grey, fit, label)
        classes = list(segmenter.classes)
        chosen = [decoder] if decoder else [d for d in DECODERS if d in segmenter.nets]
        maps = segment(segmenter, seen, chosen)
        true = truth(path, name) if name is not None else None
        if true is not None and (true.shape != seen.shape or true.max() >= len(classes)):
            true = None  # a mask that is not its scene's
        out_decoders = []
        for d in chosen:
            out_decoders.append({"name": d, "title": DECODERS.get(d, d),
                                 "labels": picture(maps[d]),
                                 "pixels": _pixels(maps[d], classes),
                                 "scores": None if true is None else scores(true, maps[d],
                                                                            classes)})
        h, w = grey.shape
        return {"run": relative_name(lab.root, path), "source": label, "scene": name,
                "fit": fit, "original": {"width": w, "height": h}, "scale": scale,
                "classes": classes, "colors": colours(len(classes)), "image": picture(seen),
                "truth": None if true is None else {**picture(true),
                                                    "pixels": _pixels(true, classes)},
                "decoders": out_decoders, "test_metrics": _test_metrics(path, chosen)}

    return r

