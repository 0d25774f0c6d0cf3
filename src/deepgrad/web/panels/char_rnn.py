"""Generate names: the character-level language model of a finished ``char-rnn`` run samples
first names that start with a prefix, at a temperature, optionally among the k most probable
characters only (``deepgrad sample char-rnn``).

    GET  /api/char-rnn/runs          the finished char-rnn runs (newest first)
    POST /api/char-rnn/sample        {"prefix", "n", "temperature", "top_k", "seed", "run"}

The answer: the ``n`` sampled names (seeded: the same request, the same names, as the CLI's
``--seed``) and the most likely name with the prefix (beam search).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from deepgrad.tasks import TaskError
from deepgrad.tasks.char_rnn import sample

from ..models import ENGINE_LOCK
from ..predictors import finished_runs, predictor, refused
from . import Panel

__all__ = ["PANEL", "router", "SampleRequest"]

PANEL = Panel(id="names", title="Generate names", order=52, script="panels/char_rnn.js",
              task="char-rnn", summary="a character-level RNN writes first names: a prefix, "
                                       "a temperature, top-k")


class SampleRequest(BaseModel):
    """What to sample: names starting with ``prefix``, how many, how hot, from which run."""

    model_config = ConfigDict(extra="forbid")
    prefix: str = Field("", max_length=40)
    n: int = Field(10, ge=1, le=100)
    temperature: float = Field(1.0, gt=0, le=10)
    top_k: int | None = Field(None, ge=1, le=60)
    seed: int = Field(0, ge=0, le=2**31 - 1)
    run: str | None = Field(None, max_length=400)


def router(lab: Any) -> APIRouter:
    r = APIRouter(prefix="/api/char-rnn")

    @r.get("/runs")
    def runs() -> list[dict[str, Any]]:
        return finished_runs(lab, "char-rnn")

    @r.post("/sample")
    def sample_names(req: SampleRequest) -> dict[str, Any]:
        name, sampler = predictor(lab, "char-rnn", req.run)
        try:
            with ENGINE_LOCK:
                names = sample(sampler, req.n, req.seed, req.prefix, req.temperature,
                               req.top_k)
                best = sampler.most_likely(req.prefix)
        except TaskError as e:
            raise refused(e) from None
        return {"run": name, "prefix": req.prefix, "temperature": req.temperature,
                "top_k": req.top_k, "seed": req.seed, "names": names, "most_likely": best}

    return r
