"""Morph two images: a finished ``autoencoder`` run decodes the straight line between the codes
of two images (two of its test images, or uploads) with one of its four models, as ``deepgrad
morph A B`` does; each image's reconstruction and its MSE; the images nearest to each in that
model's code space among the run's test images (retrieval).

    GET  /api/autoencoder/runs       the finished autoencoder runs (newest first), their models
    GET  /api/autoencoder/images     ?run=R: the run's first test images (thumbnails), how many
                                     it has, each model's test MSE and the retrieval figures
    POST /api/autoencoder/morph      multipart: a or image_a, b or image_b (a test image's
                                     index or a PNG/JPEG upload, one of each pair), model (pca /
                                     dense / conv / denoising; default conv), steps (2..17,
                                     default 9), neighbours (0..10, default 5), run

The answer: the strip ``TrainedAutoencoders.morph(a, b, steps, model)`` (its first image
decodes a's code, its last b's); for each end the image the model was given (an upload read
as ``tasks.autoencoder.read_image`` reads a file: resized to the run's images, light
backgrounds inverted), its reconstruction (``.reconstruct``) and their MSE (the task's
``mse``), and its nearest test images by Euclidean distance between codes (``retrieval.
nearest_neighbours``; a test image itself left out). Pictures are uint8: round(255 x).
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from fastapi import APIRouter, File, Form, Query, UploadFile

from deepgrad.tasks import TaskError
from deepgrad.tasks.autoencoder import MODELS, read_image, test_images
from deepgrad.tasks.autoencoder.retrieval import nearest_neighbours
from deepgrad.tasks.autoencoder.training import mse

from ..derived import DERIVED
from ..errors import LabError
from ..images import MAX_UPLOAD_BYTES, decode_image
from ..models import ENGINE_LOCK
from ..paths import relative_name
from ..pixels import unit_picture
from ..predictors import finished_runs, pick_run, refused
from . import Panel

__all__ = ["PANEL", "router", "MAX_IMAGES", "MIN_STEPS", "MAX_STEPS", "MAX_NEIGHBOURS",
           "run_images", "codes", "nearest"]

PANEL = Panel(id="morph", title="Morph two images", order=42, script="panels/autoencoder.js",
              task="autoencoder",
              summary="an autoencoder run decodes the line between two images' codes: PCA, "
                      "dense, conv and denoising, with reconstructions and nearest images")

MAX_IMAGES = 48  # thumbnails offered
MIN_STEPS, MAX_STEPS = 2, 17
MAX_NEIGHBOURS = 10
Model = Literal["pca", "dense", "conv", "denoising"]


def run_images(lab: Any, run_dir: Path, trained: Any) -> np.ndarray:
    """The run's test images (float N x C x H x W in [0, 1]), read once per run version."""

    def read() -> np.ndarray:
        try:
            return test_images(trained.config)
        except TaskError as e:
            raise LabError(409, str(e)) from None

    return DERIVED.get(lab, run_dir, "autoencoder test images", read)


def codes(lab: Any, run_dir: Path, trained: Any, model: str) -> np.ndarray:
    """The codes of the run's test images by ``model`` (N x code size), computed once."""
    images = run_images(lab, run_dir, trained)

    def encode() -> np.ndarray:
        with ENGINE_LOCK:
            return trained.encode(images, model)

    return DERIVED.get(lab, run_dir, f"autoencoder codes {model}", encode)


def nearest(query: np.ndarray, database: np.ndarray, k: int, skip: int | None
               ) -> list[tuple[int, float]]:
    """(index, distance) of the ``k`` database codes nearest to the ``query`` code, nearest
    first (``nearest_neighbours``), the database row ``skip`` (the query itself) left out."""
    k = min(k, len(database) - (skip is not None))
    if k < 1:
        return []
    found = nearest_neighbours(query[None], database, min(k + 1, len(database)))[0]
    kept = [int(j) for j in found if j != skip][:k]
    return [(j, float(np.linalg.norm(database[j].astype(np.float64) - query))) for j in kept]


def _metrics(run_dir: Path) -> dict[str, Any]:
    try:
        m = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return {"test_mse": {k: m.get(f"test_mse_{k}") for k in MODELS},
            "params": {k: m.get(f"params_{k}") for k in MODELS},
            "test_mse_svd": m.get("test_mse_svd"),
            "retrieval_precision_at_5": {"conv": m.get("retrieval_precision_at_5"),
                                         "pca": m.get("retrieval_precision_at_5_pca"),
                                         "pixels": m.get("retrieval_precision_at_5_pixels")},
            "train_images": m.get("train_images"), "test_images": m.get("test_images")}


def _upload(image: UploadFile | None) -> bytes | None:
    """An upload's bytes, checked to be a PNG or JPEG within the limits (before any model)."""
    if image is None:
        return None
    data = image.file.read(MAX_UPLOAD_BYTES + 1)
    decode_image(data, "L")
    return data


def _end(name: str, index: int | None, upload: UploadFile | None, data: bytes | None,
         images: np.ndarray, shape: tuple[int, ...]) -> tuple[np.ndarray, str, int | None]:
    """(the image C x H x W, what to call it, its test index or None) of one end."""
    if data is not None:
        try:
            x = read_image(io.BytesIO(data), shape)
        except TaskError as e:
            raise refused(e) from None
        return x, (upload.filename if upload is not None and upload.filename
                   else f"the upload {name}"), None
    assert index is not None
    if index >= len(images):
        raise LabError(422, f"{name}: expected the index of one of the run's test images, "
                            f"0..{len(images) - 1}; got {index}")
    return images[index], f"test image {index}", index


def router(lab: Any) -> APIRouter:
    r = APIRouter(prefix="/api/autoencoder")

    @r.get("/runs")
    def runs() -> list[dict[str, Any]]:
        return [{**x, "models": list(MODELS)} for x in finished_runs(lab, "autoencoder")]

    @r.get("/images")
    def images(run: Annotated[str | None, Query(max_length=400)] = None) -> dict[str, Any]:
        path = pick_run(lab, "autoencoder", run)
        trained = lab.models.get(path, "autoencoder")
        x = run_images(lab, path, trained)
        cfg = trained.config
        return {"run": relative_name(lab.root, path), "dataset": cfg.dataset,
                "code_size": cfg.code_size, "image_shape": list(trained.image_shape),
                "models": list(trained.models), "count": len(x),
                "images": [{"index": i, "image": unit_picture(x[i])}
                           for i in range(min(MAX_IMAGES, len(x)))],
                "metrics": _metrics(path)}

    @r.post("/morph")
    def morph(a: Annotated[int | None, Form(ge=0, le=10**7)] = None,
              b: Annotated[int | None, Form(ge=0, le=10**7)] = None,
              image_a: Annotated[UploadFile | None, File()] = None,
              image_b: Annotated[UploadFile | None, File()] = None,
              model: Annotated[Model, Form()] = "conv",
              steps: Annotated[int, Form(ge=MIN_STEPS, le=MAX_STEPS)] = 9,
              neighbours: Annotated[int, Form(ge=0, le=MAX_NEIGHBOURS)] = 5,
              run: Annotated[str | None, Form(max_length=400)] = None) -> dict[str, Any]:
        for name, index, upload in (("a", a, image_a), ("b", b, image_b)):
            if (index is None) == (upload is None):
                raise LabError(422, f"give {name} (the index of one of the run's test images) "
                                    f"or image_{name} (a PNG or JPEG upload), not both")
        data = [_upload(image_a), _upload(image_b)]  # refused before any model is loaded
        path = pick_run(lab, "autoencoder", run)
        trained = lab.models.get(path, "autoencoder")
        test = run_images(lab, path, trained)
        ends = [_end("a", a, image_a, data[0], test, trained.image_shape),
                _end("b", b, image_b, data[1], test, trained.image_shape)]
        pair = np.stack([ends[0][0], ends[1][0]])
        try:
            with ENGINE_LOCK:
                strip = trained.morph(pair[0], pair[1], steps, model)
                recon = trained.reconstruct(pair, model)
                query = trained.encode(pair, model) if neighbours else None
        except (TaskError, ValueError) as e:
            raise refused(e) from None
        database = codes(lab, path, trained, model) if neighbours else None
        out_ends = []
        for k, (x, label, index) in enumerate(ends):
            near = ([] if query is None or database is None
                    else nearest(query[k], database, neighbours, index))
            out_ends.append({"name": "ab"[k], "source": label, "index": index,
                             "image": unit_picture(x), "reconstruction": unit_picture(recon[k]),
                             "mse": mse(recon[k], x),
                             "neighbours": [{"index": j, "distance": d,
                                             "image": unit_picture(test[j])}
                                            for j, d in near]})
        return {"run": relative_name(lab.root, path), "dataset": trained.config.dataset,
                "model": model, "steps": steps, "ends": out_ends,
                "strip": [unit_picture(s) for s in strip],
                "test_mse": _metrics(path).get("test_mse", {}).get(model)}

    return r
