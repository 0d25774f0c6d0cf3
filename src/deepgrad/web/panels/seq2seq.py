"""Normalize a date: the attention encoder-decoder of a finished ``seq2seq`` run reads a date as
people write it ("3rd of March, 1987", "Tue 3/3/87") and writes it in ISO 8601, with the
attention matrix of its answer.

    GET  /api/seq2seq/runs           the finished seq2seq runs (newest first)
    POST /api/seq2seq/normalize      {"text", "run": null, "beam_width": null}

The answer: the beam-search date (the run's figures' decoding), the greedy one, whether the
beam date is a real calendar day, and the attention weights of the greedy answer (one row per
output character and the end token, one column per input character; each row sums to 1), as
``DateNormalizer.attention`` gives them and ``attention.png`` draws them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from deepgrad.tasks import TaskError

from ..models import ENGINE_LOCK
from ..predictors import finished_runs, predictor, refused
from . import Panel

__all__ = ["PANEL", "router", "DateRequest", "normalize"]

PANEL = Panel(id="dates", title="Normalize a date", order=56, script="panels/seq2seq.js",
              task="seq2seq", summary="an attention encoder-decoder writes your date in ISO "
                                      "8601; where it looked for each character")

END = "<end>"


class DateRequest(BaseModel):
    """A date as a person writes it, and how to decode it."""

    model_config = ConfigDict(extra="forbid")
    text: str = Field(..., min_length=1, max_length=100)
    run: str | None = Field(None, max_length=400)
    beam_width: int | None = Field(None, ge=1, le=20)


def is_date(iso: str) -> bool:
    """True for a real calendar day written YYYY-MM-DD."""
    try:
        return len(iso) == 10 and dt.date.fromisoformat(iso).isoformat() == iso
    except ValueError:
        return False


def normalize(normalizer: Any, text: str, beam_width: int | None) -> dict[str, Any]:
    """Beam and greedy ISO dates of ``text`` and the greedy answer's attention weights, by
    ``normalizer`` (a :class:`deepgrad.tasks.seq2seq.DateNormalizer`)."""
    width = beam_width or normalizer.beam_width
    try:
        with ENGINE_LOCK:
            beam, = normalizer.normalize([text], width)
            greedy, weights = normalizer.attention(text)
    except TaskError as e:
        raise refused(e) from None
    w = np.asarray(weights, dtype=np.float64)
    outputs = ([*greedy, END])[: len(w)]  # no end row when the model overran its length
    return {"text": text, "beam": beam, "greedy": greedy, "beam_width": width,
            "valid": is_date(beam),
            "attention": {"inputs": list(text), "outputs": outputs,
                          "weights": np.round(w, 5).tolist()}}


def router(lab: Any) -> APIRouter:
    r = APIRouter(prefix="/api/seq2seq")

    @r.get("/runs")
    def runs() -> list[dict[str, Any]]:
        return finished_runs(lab, "seq2seq")

    @r.post("/normalize")
    def normalize_date(req: DateRequest) -> dict[str, Any]:
        name, normalizer = predictor(lab, "seq2seq", req.run)
        return {"run": name, **normalize(normalizer, req.text, req.beam_width)}

    return r
