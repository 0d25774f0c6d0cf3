"""Draw a digit: the MNIST model of a finished ``mnist`` run on a drawing, stroke by stroke.

    GET  /api/mnist/runs             the finished mnist runs (newest first)
    POST /api/mnist/predict          multipart: image (PNG/JPEG), run (optional: the latest)

The answer: the ten class probabilities and the argmax, the 28 x 28 input the model saw (the
drawing made MNIST-like: cropped to its ink, fitted in 20 x 20, centred by its centre of mass,
as the MNIST digits were made), its saliency map for the argmax class and the first
convolution's feature maps (``deepgrad.visualize``); pictures as base64 uint8 pixels.
"""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, File, Form, UploadFile

from deepgrad import visualize as vis

from ..errors import LabError
from ..images import MAX_UPLOAD_BYTES, decode_image
from ..models import ENGINE_LOCK
from ..pixels import b64, to_u8
from ..predictors import finished_runs, predictor
from . import Panel

__all__ = ["PANEL", "router", "to_mnist", "analyze"]

PANEL = Panel(id="draw", title="Draw a digit", order=10, script="panels/mnist.js",
              task="mnist", summary="the MNIST CNN on your drawing: probabilities, saliency, "
                                    "first-layer feature maps")


def to_mnist(image: Any) -> np.ndarray:
    """A greyscale drawing (PIL image or array, any size) -> uint8 28 x 28 as MNIST's digits:
    white ink on black (a light background is inverted), the ink's bounding box scaled to fit
    20 x 20, pasted so that its centre of mass is the image's centre."""
    from PIL import Image

    g = np.asarray(image, dtype=np.float32)
    if g.ndim != 2:
        raise LabError(400, f"expected a greyscale image, got shape {g.shape}")
    border = np.concatenate([g[0], g[-1], g[:, 0], g[:, -1]])
    if border.mean() > 127:
        g = 255 - g
    ink = g > 0.1 * max(float(g.max()), 1.0)
    if not ink.any() or g.max() < 16:
        return np.zeros((28, 28), np.uint8)
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    crop = g[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    h, w = crop.shape
    s = 20.0 / max(h, w)
    nh, nw = max(1, round(h * s)), max(1, round(w * s))
    small = np.asarray(Image.fromarray(crop.astype(np.uint8)).resize(
        (nw, nh), Image.Resampling.LANCZOS), dtype=np.float32)
    out = np.zeros((28, 28), np.float32)
    total = small.sum()
    cy, cx = ((np.indices(small.shape) * small).sum(axis=(1, 2)) / total if total > 0
              else (nh / 2, nw / 2))
    top = int(np.clip(round(14 - cy), 0, 28 - nh))
    left = int(np.clip(round(14 - cx), 0, 28 - nw))
    out[top:top + nh, left:left + nw] = small
    return np.clip(out, 0, 255).astype(np.uint8)


def first_conv(model: Any) -> str | None:
    """The name of the model's first 2-D convolution (a module with a 4-D weight), or None."""
    for name, m in model.named_modules():
        w = getattr(m, "weight", None)
        if name and w is not None and getattr(w, "ndim", 0) == 4:
            return name
    return None


def analyze(predictor: Any, digit: np.ndarray) -> dict[str, Any]:
    """Probabilities, saliency and first-layer feature maps of ``predictor`` (a
    :class:`deepgrad.tasks.mnist.DigitClassifier`) on one uint8 28 x 28 ``digit``."""
    with ENGINE_LOCK:
        proba = predictor.predict_proba(digit[None])[0].astype(np.float64)
        label = int(proba.argmax())
        x = predictor.inputs(digit[None])
        _, smap = vis.saliency(predictor.model, x, label)
        layer = first_conv(predictor.model)
        maps = vis.feature_maps(predictor.model, layer, x[0]) if layer is not None else None
    smap = np.asarray(smap, dtype=np.float32).reshape(28, 28)
    top = float(smap.max())
    sal = np.round(255 * smap / top).astype(np.uint8) if top > 0 else np.zeros((28, 28),
                                                                               np.uint8)
    out: dict[str, Any] = {
        "probabilities": [float(p) for p in proba / proba.sum()], "label": label,
        "input": {"width": 28, "height": 28, "data": b64(digit)},
        "saliency": {"width": 28, "height": 28, "data": b64(sal)},
        "feature_maps": None,
    }
    if maps is not None:
        c, h, w = maps.shape
        out["feature_maps"] = {"layer": layer, "count": c, "width": w, "height": h,
                               "data": b64(to_u8(maps, (1, 2)))}
    return out


def router(lab: Any) -> APIRouter:
    r = APIRouter(prefix="/api/mnist")

    @r.get("/runs")
    def runs() -> list[dict[str, Any]]:
        return finished_runs(lab, "mnist")

    @r.post("/predict")
    def predict(image: Annotated[UploadFile, File()],
                run: Annotated[str | None, Form(max_length=400)] = None) -> dict[str, Any]:
        data = image.file.read(MAX_UPLOAD_BYTES + 1)
        picture = decode_image(data, "L")
        name, classifier = predictor(lab, "mnist", run)
        digit = to_mnist(picture)
        return {"run": name, "model": classifier.kind, **analyze(classifier, digit)}

    return r
