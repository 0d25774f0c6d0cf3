"""Classify a photo: the pretrained EfficientNet-Lite0 of an ``imagenet`` run (its
normalization) gives an uploaded photo's top ImageNet classes (``deepgrad classify``) and,
optionally, the Grad-CAM map of the top class over the photo as the network saw it
(``deepgrad.visualize.grad_cam`` of its last convolution, as ``deepgrad visualize gradcam``).

    GET  /api/imagenet/runs          the finished imagenet runs (newest first)
    POST /api/imagenet/classify      multipart: image (PNG/JPEG), run, top (1..20, default 5),
                                     gradcam (default true)

The answer: the top classes with their probabilities, the 224 x 224 center crop the network
saw, and the Grad-CAM map (224 x 224, 0..255, the top class's) with the layer it is of.
"""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, File, Form, UploadFile

from deepgrad import visualize as vis

from ..images import MAX_UPLOAD_BYTES, decode_image
from ..models import ENGINE_LOCK
from ..pixels import picture
from ..predictors import finished_runs, predictor, refused
from . import Panel

__all__ = ["PANEL", "router", "last_conv", "classify"]

PANEL = Panel(id="classify", title="Classify a photo", order=30, script="panels/imagenet.js",
              task="imagenet", summary="pretrained EfficientNet-Lite0 on your photo: ImageNet "
                                       "top-5, and where it looked (Grad-CAM)")


def last_conv(model: Any) -> str:
    """The name of the model's last 2-D convolution (a module with a 4-D weight)."""
    names = [name for name, m in model.named_modules()
             if name and getattr(getattr(m, "weight", None), "ndim", 0) == 4]
    if not names:
        raise ValueError("the model has no convolution")
    return names[-1]


def _seen(x: np.ndarray) -> np.ndarray:
    """The network's (3, H, W) input as uint8 H x W x 3 (its range stretched to 0..255)."""
    return np.round(255 * vis.overlay(x, np.zeros(x.shape[1:], np.float32), 0.0)).astype(
        np.uint8)


def classify(classifier: Any, photo: np.ndarray, top: int, gradcam: bool) -> dict[str, Any]:
    """Top classes of one uint8 RGB photo by ``classifier`` (a
    :class:`deepgrad.tasks.imagenet.PhotoClassifier`), and the top class's Grad-CAM."""
    try:
        with ENGINE_LOCK:
            x = classifier.inputs([photo])
            p = classifier.probabilities([photo])[0]
            best = np.argsort(-p, kind="stable")[:top]
            layer = last_conv(classifier.model) if gradcam else None
            cam = (vis.grad_cam(classifier.model, layer, x, int(best[0]))[0] if gradcam
                   else None)
    except ValueError as e:
        raise refused(e) from None
    out: dict[str, Any] = {
        "normalization": classifier.normalization,
        "top": [{"index": int(i), "class": classifier.names[int(i)], "p": float(p[i])}
                for i in best],
        "image": picture(_seen(x[0])), "gradcam": None,
    }
    if cam is not None:
        out["gradcam"] = {"layer": layer, "class": classifier.names[int(best[0])],
                          **picture(np.round(255 * np.clip(cam, 0, 1)).astype(np.uint8))}
    return out


def router(lab: Any) -> APIRouter:
    r = APIRouter(prefix="/api/imagenet")

    @r.get("/runs")
    def runs() -> list[dict[str, Any]]:
        return finished_runs(lab, "imagenet")

    @r.post("/classify")
    def classify_photo(image: Annotated[UploadFile, File()],
                       run: Annotated[str | None, Form(max_length=400)] = None,
                       top: Annotated[int, Form(ge=1, le=20)] = 5,
                       gradcam: Annotated[bool, Form()] = True) -> dict[str, Any]:
        photo = decode_image(image.file.read(MAX_UPLOAD_BYTES + 1), "RGB")
        name, classifier = predictor(lab, "imagenet", run)
        return {"run": name, "source": image.filename or "the upload",
                **classify(classifier, np.asarray(photo, dtype=np.uint8), top, gradcam)}

    return r
