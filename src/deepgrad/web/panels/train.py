"""Train and watch: start a run of any registered task, follow it live, stop it.

    GET  /api/tasks                  every task: summary, its config fields, QUICK's values
    POST /api/jobs                   {"task", "quick": true, "config": {field: value}} -> 201
    GET  /api/jobs/current           the latest job (or null)
    GET  /api/jobs/{id}              state, epoch/step, latest values, loss curves, log lines
    GET  /api/jobs/{id}/layers       per-layer statistics: each model's latest sample
                                     (gradient, weight and update norms per parameter tensor,
                                     activation mean/std/zeros per layer) and histories
    POST /api/jobs/{id}/cancel       stop it (the run directory stays, resumable)

One job at a time (a second start is 409); the run lands in the runs directory as a CLI run
would (``<runs>/<task>/<timestamp>/``). See :mod:`deepgrad.web.jobs`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from deepgrad.tasks.contract import config_fields, config_to_dict

from . import Panel

__all__ = ["PANEL", "router", "JobRequest", "task_forms"]

PANEL = Panel(id="train", title="Train and watch", order=80, script="panels/train.js",
              summary="start a run of any task, watch its loss and layers live, stop it")

Value = bool | int | float | str | None


class JobRequest(BaseModel):
    """A training job: the task, QUICK (true) or the course's config, fields changed."""

    model_config = ConfigDict(extra="forbid")
    task: str = Field(..., min_length=1, max_length=40)
    quick: bool = True
    config: dict[str, Value] = Field(default_factory=dict, max_length=64)
    seed: int = Field(0, ge=0, le=2**31 - 1)
    watch: bool = True  # sample per-layer statistics (deepgrad.train.watch)


def _field(spec: Any) -> dict[str, Any]:
    return {"name": spec.name, "type": spec.type.__name__, "choices": spec.choices,
            "optional": spec.optional, "default": spec.default, "help": spec.help}


_FORMS: dict[int, list[dict[str, Any]]] = {}


def task_forms(registry: Any) -> list[dict[str, Any]]:
    """Every task with what the page needs to build its config form (computed once: it
    imports every task module)."""
    if id(registry) in _FORMS:
        return _FORMS[id(registry)]
    out = []
    for name in registry:
        m = registry[name]
        out.append({"name": name, "summary": getattr(m, "SUMMARY", ""),
                    "week": getattr(m, "WEEK", None), "headline": getattr(m, "HEADLINE", None),
                    "fields": [_field(s) for s in config_fields(m.Config)],
                    "quick": config_to_dict(m.QUICK)})
    _FORMS[id(registry)] = out
    return out


def router(lab: Any) -> APIRouter:
    r = APIRouter(prefix="/api")

    @r.get("/tasks")
    def tasks() -> list[dict[str, Any]]:
        return task_forms(lab.tasks)

    @r.post("/jobs", status_code=201)
    def start(req: JobRequest) -> JSONResponse:
        job = lab.jobs.start(req.task, req.quick, req.config, req.seed, req.watch)
        return JSONResponse(job.summary(), status_code=201)

    @r.get("/jobs/current")
    def current() -> dict[str, Any] | None:
        job = lab.jobs.current
        return None if job is None else job.summary()

    @r.get("/jobs/{job_id}")
    def get(job_id: str) -> dict[str, Any]:
        return lab.jobs.get(job_id).summary()

    @r.get("/jobs/{job_id}/layers")
    def layers(job_id: str) -> dict[str, Any]:
        return lab.jobs.get(job_id).layers()

    @r.post("/jobs/{job_id}/cancel")
    def cancel(job_id: str) -> dict[str, Any]:
        return lab.jobs.cancel(job_id).summary()

    return r
