"""Caption a scene: a finished ``captioning`` run describes an uploaded image, or one of the
test scenes it composed, in words, and shows where its attention decoder looked for each word.

    GET  /api/captioning/runs        the finished captioning runs (newest first)
    GET  /api/captioning/scenes      ?run=R: the run's test scenes (scenes/test2014) and their
                                     reference captions
    POST /api/captioning/caption     multipart: image (PNG/JPEG) or scene (a test scene's name),
                                     run, decoder (attention / noattention; default the run's
                                     better one), beam_width (1..20; default the run's)

The answer: the beam-search caption with its log-probability and the greedy one (the chosen
decoder's), the image as the encoder saw it, and, when the run trained the attention decoder,
its beam caption's attention maps alpha (one (h, w) map per word and one for the end token,
each summing to 1) for the page to upsample over the image; plus the warning ``deepgrad
caption`` prints when an image is unlike the training images (a photo shown to a scenes model).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from fastapi import APIRouter, File, Form, Query, UploadFile

from deepgrad.tasks import TaskError
from deepgrad.tasks.captioning.familiar import unlike_training

from .. import scenes as test_scenes
from ..errors import LabError
from ..images import MAX_UPLOAD_BYTES, decode_image
from ..models import ENGINE_LOCK
from ..paths import relative_name
from ..pixels import picture
from ..predictors import finished_runs, pick_run, refused
from . import Panel

__all__ = ["PANEL", "router", "scene_list", "describe"]

PANEL = Panel(id="caption", title="Caption a scene", order=60, script="panels/captioning.js",
              task="captioning", summary="a captioning run describes your image or a test "
                                         "scene: beam and greedy captions, attention per word")

MAX_SCENES = test_scenes.MAX_SCENES
END = "<end>"


def _references(run_dir: Path) -> dict[str, list[str]]:
    """Test image file name -> its reference captions (from the run's captions_test.jsonl)."""
    out: dict[str, list[str]] = {}
    try:
        with open(run_dir / "captions_test.jsonl", encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                out[Path(str(row.get("file", ""))).name] = [str(c) for c in
                                                            row.get("references", [])]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError):
        return {}
    return out


def scene_list(run_dir: Path, limit: int = MAX_SCENES) -> list[dict[str, Any]]:
    """The first ``limit`` test scenes of a scenes run: name, file (relative to the run, for
    ``/api/run/file``) and references; none for a run on COCO or Flickr8k."""
    refs = _references(run_dir)
    return test_scenes.scene_list(run_dir, limit, lambda name: {"references": refs.get(name, [])})


def _words(words: list[str], log_p: float) -> dict[str, Any]:
    return {"words": list(words), "text": " ".join(words), "log_p": float(log_p)}


def describe(captioner: Any, image: np.ndarray, decoder: str | None,
             beam_width: int | None) -> dict[str, Any]:
    """Beam and greedy captions of one uint8 image by ``captioner`` (a
    :class:`deepgrad.tasks.captioning.Captioner`), and the attention decoder's maps."""
    tag = decoder or captioner.default
    if tag not in captioner.decoders:
        raise LabError(400, f"decoder {tag!r}: this run trained only "
                            f"{', '.join(sorted(captioner.decoders))}")
    width = beam_width or captioner.cfg.beam_width
    try:
        with ENGINE_LOCK:
            (beam, beam_lp), = captioner.caption([image], "beam", width, tag)
            (greedy, greedy_lp), = captioner.caption([image], "greedy", None, tag)
            att = (captioner.attention(image, width) if "attention" in captioner.decoders
                   else None)
            seen = captioner.inputs([image])[0] if att is None else att[0]
    except TaskError as e:
        raise refused(e) from None
    out: dict[str, Any] = {
        "decoder": tag, "decoders": sorted(captioner.decoders), "beam_width": width,
        "beam": _words(beam, beam_lp), "greedy": _words(greedy, greedy_lp),
        "image": picture(seen), "attention": None,
    }
    if att is not None:
        _, words, alpha = att
        a = np.asarray(alpha, dtype=np.float64)
        out["attention"] = {"words": [*words, END], "height": int(a.shape[1]),
                            "width": int(a.shape[2]),
                            "maps": np.round(a, 6).reshape(len(a), -1).tolist(),
                            "same_as_beam": tag == "attention"}
    return out


def router(lab: Any) -> APIRouter:
    r = APIRouter(prefix="/api/captioning")

    @r.get("/runs")
    def runs() -> list[dict[str, Any]]:
        return finished_runs(lab, "captioning")

    @r.get("/scenes")
    def scenes(run: Annotated[str | None, Query(max_length=400)] = None) -> dict[str, Any]:
        path = pick_run(lab, "captioning", run)
        return {"run": relative_name(lab.root, path), "scenes": scene_list(path)}

    @r.post("/caption")
    def caption(image: Annotated[UploadFile | None, File()] = None,
                scene: Annotated[str | None, Form(min_length=1, max_length=200)] = None,
                run: Annotated[str | None, Form(max_length=400)] = None,
                decoder: Annotated[Literal["attention", "noattention"] | None, Form()] = None,
                beam_width: Annotated[int | None, Form(ge=1, le=20)] = None
                ) -> dict[str, Any]:
        if (image is None) == (scene is None):
            raise LabError(422, "give an image (a PNG or JPEG upload) or a scene (the name of "
                                "one of the run's test scenes), not both")
        if image is not None:  # refused before any model is loaded
            picture_ = decode_image(image.file.read(MAX_UPLOAD_BYTES + 1), "RGB")
            label = image.filename or "the upload"
        path = pick_run(lab, "captioning", run)
        captioner = lab.models.get(path, "captioning")
        if scene is not None:
            picture_ = decode_image(test_scenes.read_scene(path, scene), "RGB")
            label = scene
        warning = unlike_training(picture_, captioner.info, label)
        out = describe(captioner, np.asarray(picture_, dtype=np.uint8), decoder, beam_width)
        references = None if scene is None else _references(path).get(scene)
        return {"run": relative_name(lab.root, path), "trained_on": captioner.trained_on,
                "encoder": captioner.info.get("encoder"), "source": label, "warning": warning,
                "references": references, **out}

    return r
