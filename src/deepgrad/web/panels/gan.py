"""Walk a GAN's latent space: a finished ``gan`` run's generators (the DCGAN, and the dense
baseline when the run trained it) draw new images from a seed's noise, as ``deepgrad sample gan
--n N --seed S`` does, and decode the straight line between two seeds' noise vectors; the
run's judging classifier (``classifier.npz``) names each image's class with its confidence.

    GET  /api/gan/runs      the finished gan runs (newest first), their generators and judge
    POST /api/gan/sample    {"run", "kind": "dcgan" | "dense", "n": 1..64, "seed", "judge"}
    POST /api/gan/walk      {"run", "kind", "seed_a", "seed_b", "steps": 2..17, "judge"}

The answer: the images (``Sampler.sample(n, seed)``; ``Sampler.walk(seed_a, seed_b, steps)``:
the decoded points (1 - t) z_a + t z_b, z_a the first noise vector of seed_a, so the walk
starts at the first image of seed_a's grid), with ``judge`` each image's class and
probability by the judge (``tasks.gan.load_judge``) and, over these images, the confidence and
class coverage the task measures its generators by (``quality.confidence_and_coverage``); and
the run's own figures over its measured samples (FID on the judge's features, confidence,
coverage) for both generators.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import numpy as np
from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from deepgrad.tasks import TaskError
from deepgrad.tasks.gan import load_judge
from deepgrad.tasks.gan.quality import confidence_and_coverage

from ..derived import DERIVED
from ..errors import LabError
from ..models import ENGINE_LOCK
from ..paths import relative_name
from ..pixels import unit_picture
from ..predictors import finished_runs, pick_run, refused
from . import Panel

__all__ = ["PANEL", "router", "GENERATORS", "SampleRequest", "WalkRequest", "judge_of",
           "judged", "run_metrics"]

PANEL = Panel(id="latent", title="Walk a GAN's latent space", order=44, script="panels/gan.js",
              task="gan",
              summary="a GAN run's generators (DCGAN, dense) draw images from seeds and walk "
                      "the line between two noise vectors; its judge names each one's class")

GENERATORS = {"dcgan": "generator.npz", "dense": "generator_dense.npz"}
MAX_SAMPLES = 64
MIN_STEPS, MAX_STEPS = 2, 17
MAX_SEED = 2**32 - 1
Kind = Literal["dcgan", "dense"]


class SampleRequest(BaseModel):
    """``n`` images from the noise of ``seed`` by the run's ``kind`` of generator."""

    model_config = ConfigDict(extra="forbid")
    kind: Kind = "dcgan"
    n: int = Field(16, ge=1, le=MAX_SAMPLES)
    seed: int = Field(0, ge=0, le=MAX_SEED)
    judge: bool = True
    run: str | None = Field(None, max_length=400)


class WalkRequest(BaseModel):
    """``steps`` images along the line from seed_a's first noise vector to seed_b's."""

    model_config = ConfigDict(extra="forbid")
    kind: Kind = "dcgan"
    seed_a: int = Field(0, ge=0, le=MAX_SEED)
    seed_b: int = Field(1, ge=0, le=MAX_SEED)
    steps: int = Field(9, ge=MIN_STEPS, le=MAX_STEPS)
    judge: bool = True
    run: str | None = Field(None, max_length=400)


def judge_of(lab: Any, run_dir: Path) -> Any:
    """The run's judge (:func:`deepgrad.tasks.gan.load_judge`), loaded once per run version."""

    def load() -> Any:
        try:
            with ENGINE_LOCK:
                return load_judge(run_dir)
        except TaskError as e:
            raise LabError(409, str(e)) from None

    return DERIVED.get(lab, run_dir, "gan judge", load)


def judged(judge: Any, images: np.ndarray) -> dict[str, Any]:
    """Each image's class and probability by the judge, and the images' confidence (mean top
    probability) and class coverage (entropy of the predicted classes / log 10)."""
    with ENGINE_LOCK:
        _, proba = judge.features_and_proba(images)
    confidence, coverage = confidence_and_coverage(proba)
    names = judge.classes or [str(k) for k in range(proba.shape[1])]
    best = proba.argmax(axis=1)
    return {"classes": list(names), "confidence": confidence, "coverage": coverage,
            "predictions": [{"index": int(k), "class": names[int(k)], "p": float(p[k])}
                            for k, p in zip(best, proba, strict=True)]}


def run_metrics(run_dir: Path) -> dict[str, Any]:
    """The run's measured figures (metrics.json) per generator, and the judge's own."""
    try:
        m = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {}
    per = {kind: {name: m.get(f"{name}{suffix}") for name in
                  ("fid", "classifier_confidence", "class_coverage")}
           for kind, suffix in (("dcgan", ""), ("dense", "_dense"))}
    return {**per, "classifier_test_accuracy": m.get("classifier_test_accuracy"),
            "fid_train_vs_test": m.get("fid_train_vs_test"), "samples": m.get("samples"),
            "train_images": m.get("train_images")}


def _trained(run_dir: Path) -> dict[str, Any]:
    return {"kinds": [k for k, f in GENERATORS.items() if (run_dir / f).is_file()],
            "judge": (run_dir / "classifier.npz").is_file()}


def router(lab: Any) -> APIRouter:
    r = APIRouter(prefix="/api/gan")

    def answer(run: str | None, kind: str, judge: bool, draw: Any) -> dict[str, Any]:
        path = pick_run(lab, "gan", run)
        sampler = lab.models.get(path, "gan", kind)
        try:
            with ENGINE_LOCK:
                images = draw(sampler)
        except (TaskError, ValueError) as e:
            raise refused(e) from None
        return {"run": relative_name(lab.root, path), "kind": kind,
                "latent_size": sampler.config.latent_size, "dataset": sampler.config.dataset,
                "images": [unit_picture(x) for x in images],
                "judge": judged(judge_of(lab, path), images) if judge else None,
                "metrics": run_metrics(path)}

    @r.get("/runs")
    def runs() -> list[dict[str, Any]]:
        return [{**x, **_trained(lab.root / x["id"])} for x in finished_runs(lab, "gan")]

    @r.post("/sample")
    def sample(req: SampleRequest) -> dict[str, Any]:
        out = answer(req.run, req.kind, req.judge, lambda s: s.sample(req.n, req.seed))
        return {**out, "seed": req.seed, "n": req.n}

    @r.post("/walk")
    def walk(req: WalkRequest) -> dict[str, Any]:
        out = answer(req.run, req.kind, req.judge,
                     lambda s: s.walk(req.seed_a, req.seed_b, req.steps))
        t = np.linspace(0, 1, req.steps, dtype=np.float32)
        return {**out, "seed_a": req.seed_a, "seed_b": req.seed_b, "steps": req.steps,
                "t": [float(v) for v in t]}

    return r
