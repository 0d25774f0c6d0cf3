"""Optimizer race: week 1's optimizers (``deepgrad.optim``) side by side on a 2-D function.

    GET  /api/optlab/functions       the functions: view box, start, minimum, level lines
    POST /api/optlab/race            {"function", "steps", "racers": [{"optimizer", "lr", ...}]}

Each racer is an optimizer class with its settings (validated: SGD with momentum/Nesterov,
AdaGrad, RMSprop, Adam, AdamW, Adamax); the server runs each path with
:func:`deepgrad.tasks.optlab.race_path` and answers the paths and the loss curves, which the
page animates over the function's level lines (a grid of f that the page contours).
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

import numpy as np
from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from deepgrad.tasks.optlab import PROBLEMS, race_path

from ..errors import LabError
from ..models import ENGINE_LOCK
from . import Panel

__all__ = ["PANEL", "router", "RaceRequest", "function_view", "race"]

PANEL = Panel(id="race", title="Optimizer race", order=20, script="panels/optlab.js",
              task="optlab", summary="deepgrad.optim's optimizers racing on 2-D functions")

GRID = 90  # the grid of f values the page draws level lines from
FUNCTIONS = tuple(PROBLEMS)
Lr = Annotated[float, Field(gt=0, le=10)]
Beta = Annotated[float, Field(ge=0, lt=1)]


class _Racer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str | None = Field(None, max_length=40)
    lr: Lr

    def settings(self) -> dict[str, Any]:
        return self.model_dump(exclude={"label", "optimizer", "batch"})


class SGDRacer(_Racer):
    optimizer: Literal["SGD"]
    momentum: Beta = 0.0
    nesterov: bool = False
    batch: int | None = Field(None, ge=1, le=200, description="quadratic only: samples")


class AdagradRacer(_Racer):
    optimizer: Literal["Adagrad"]


class RMSpropRacer(_Racer):
    optimizer: Literal["RMSprop"]
    alpha: Beta = 0.99
    momentum: Beta = 0.0


class AdamRacer(_Racer):
    optimizer: Literal["Adam", "AdamW", "Adamax"]
    betas: tuple[Beta, Beta] = (0.9, 0.999)


Racer = Annotated[SGDRacer | AdagradRacer | RMSpropRacer | AdamRacer,
                  Field(discriminator="optimizer")]


class RaceRequest(BaseModel):
    """One race: a function, a step budget, one to eight racers."""

    model_config = ConfigDict(extra="forbid")
    function: Literal["quadratic", "rosenbrock", "beale", "saddle"]
    steps: int = Field(300, ge=1, le=3000)
    racers: list[Racer] = Field(..., min_length=1, max_length=8)


def _levels(name: str, F: np.ndarray) -> list[float]:
    prob = PROBLEMS[name]
    if name == "saddle":
        return [float(v) for v in np.linspace(-2, 2, 17)]
    fmin = prob.extra.get("f_star", 0.0)
    return [float(v) for v in fmin + np.geomspace(1e-3, float(F.max() - fmin), 18)]


def function_view(name: str) -> dict[str, Any]:
    """What the page draws a function with: its box, start, minimum, f on a grid, levels."""
    prob = PROBLEMS[name]
    gx, gy = np.meshgrid(np.linspace(*prob.xlim, GRID), np.linspace(*prob.ylim, GRID))
    F = prob.f(np.stack([gx, gy], axis=-1))
    return {"name": name, "xlim": list(prob.xlim), "ylim": list(prob.ylim),
            "start": prob.start.tolist(),
            "minimum": None if prob.minimum is None else prob.minimum.tolist(),
            "target": prob.f_target, "stochastic": prob.n_samples is not None,
            "f_min": None if prob.minimum is None else float(prob.f(prob.minimum)),
            "grid": {"nx": GRID, "ny": GRID, "f": [round(float(v), 6) for v in F.ravel()]},
            "levels": _levels(name, F)}


def _finite(v: float) -> float | None:
    return v if math.isfinite(v) else None


def race(req: RaceRequest) -> dict[str, Any]:
    """Run every racer; their paths, losses, steps to the target and whether they diverged."""
    prob = PROBLEMS[req.function]
    out = []
    for i, racer in enumerate(req.racers):
        batch = getattr(racer, "batch", None)
        if batch is not None and prob.n_samples is None:
            raise LabError(422, f"racers.{i}.batch: a batch needs a finite sum; "
                                f"{req.function} has none (only the quadratic)")
        with ENGINE_LOCK:
            path = race_path(req.function, racer.optimizer, racer.settings(), req.steps,
                             batch)
        with np.errstate(over="ignore", invalid="ignore"):
            f = prob.f(path)
        hit = np.flatnonzero(f <= prob.f_target)
        finite = np.isfinite(f) & np.isfinite(path).all(axis=1)
        out.append({
            "label": racer.label or racer.optimizer, "optimizer": racer.optimizer,
            "settings": racer.settings(), "batch": batch,
            "path": [[_finite(float(a)), _finite(float(b))] for a, b in path],
            "loss": [_finite(float(v)) for v in f],
            "steps_to_target": int(hit[0]) if hit.size else None,
            "diverged": bool(not finite.all() or len(path) < req.steps + 1),
            "final": _finite(float(f[-1])),
        })
    return {"function": req.function, "steps": req.steps, "racers": out}


def router(lab: Any) -> APIRouter:
    r = APIRouter(prefix="/api/optlab")

    @r.get("/functions")
    def functions() -> list[dict[str, Any]]:
        return [function_view(n) for n in FUNCTIONS]

    @r.post("/race")
    def run_race(req: RaceRequest) -> dict[str, Any]:
        return race(req)

    return r
