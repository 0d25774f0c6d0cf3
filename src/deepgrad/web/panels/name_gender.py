"""Read a name: the character LSTM of a finished ``name-gender`` run gives each first name the
probability that the census lists it as mostly female or mostly male (``deepgrad predict
name-gender``).

    GET  /api/name-gender/runs       the finished name-gender runs (newest first)
    POST /api/name-gender/predict    {"names": [...], "run": null}
"""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from deepgrad.tasks import TaskError
from deepgrad.tasks.name_gender import SEXES

from ..models import ENGINE_LOCK
from ..predictors import finished_runs, predictor, refused
from . import Panel

__all__ = ["PANEL", "router", "NamesRequest"]

PANEL = Panel(id="sex", title="Read a name", order=50, script="panels/name_gender.js",
              task="name-gender", summary="a character LSTM reads first names: the census "
                                          "majority sex, with its probability")

Name = Annotated[str, Field(min_length=1, max_length=40)]


class NamesRequest(BaseModel):
    """One to fifty first names, and the run to read them with."""

    model_config = ConfigDict(extra="forbid")
    names: list[Name] = Field(..., min_length=1, max_length=50)
    run: str | None = Field(None, max_length=400)


def router(lab: Any) -> APIRouter:
    r = APIRouter(prefix="/api/name-gender")

    @r.get("/runs")
    def runs() -> list[dict[str, Any]]:
        return finished_runs(lab, "name-gender")

    @r.post("/predict")
    def predict(req: NamesRequest) -> dict[str, Any]:
        name, reader = predictor(lab, "name-gender", req.run)
        try:
            with ENGINE_LOCK:
                p = np.asarray(reader.predict_proba(req.names), dtype=np.float64)
        except TaskError as e:
            raise refused(e) from None
        return {"run": name, "sexes": list(SEXES), "predictions": [
            {"name": n, "sex": SEXES[int(q.argmax())],
             **{s: float(q[k]) for k, s in enumerate(SEXES)}}
            for n, q in zip(req.names, p, strict=True)]}

    return r
