"""Tag a sentence: a finished ``pos-tagger`` run gives every word its part of speech (the 12
universal tags), with its best model or one it names (``deepgrad tag``).

    GET  /api/pos-tagger/runs        the finished runs, each with the models it trained and
                                     its best one (by validation accuracy)
    POST /api/pos-tagger/tag         {"sentence", "model": null, "run": null}

The answer: each token (the task's tokenizer: words with inner ``-'.,/``, punctuation apart)
with its tag and whether the word is outside the run's vocabulary (the char BiLSTM reads those
letter by letter; the others see ``<unk>``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from deepgrad.tasks import TaskError, read_run
from deepgrad.tasks.pos_tagger import UNIVERSAL_TAGS, model_kinds

from ..errors import LabError
from ..models import ENGINE_LOCK
from ..paths import relative_name
from ..predictors import finished_runs, pick_run, refused
from . import Panel

__all__ = ["PANEL", "router", "TagRequest", "trained_models"]

PANEL = Panel(id="tag", title="Tag a sentence", order=54, script="panels/pos_tagger.js",
              task="pos-tagger", summary="an RNN tagger gives every word its part of speech "
                                         "(universal tags)")

Kind = Literal["simple_rnn", "bilstm", "char_bilstm"]


class TagRequest(BaseModel):
    """A sentence, and which run (and which of its models) tags it."""

    model_config = ConfigDict(extra="forbid")
    sentence: str = Field(..., min_length=1, max_length=2000)
    model: Kind | None = None
    run: str | None = Field(None, max_length=400)


def trained_models(run_dir: Path) -> dict[str, Any]:
    """The models a finished run trained (weights present) and its best one."""
    try:
        kinds = model_kinds(read_run(run_dir, "pos-tagger").config)
    except TaskError:
        return {"models": [], "best": None}
    best = run_dir / "best_model.txt"
    return {"models": [k for k in kinds if (run_dir / f"{k}.npz").is_file()],
            "best": best.read_text().strip() if best.is_file() else None}


def router(lab: Any) -> APIRouter:
    r = APIRouter(prefix="/api/pos-tagger")

    @r.get("/runs")
    def runs() -> list[dict[str, Any]]:
        return [{**x, **trained_models(lab.root / x["id"])}
                for x in finished_runs(lab, "pos-tagger")]

    @r.post("/tag")
    def tag(req: TagRequest) -> dict[str, Any]:
        path = pick_run(lab, "pos-tagger", req.run)
        if req.model is not None:
            trained = trained_models(path)["models"]
            if req.model not in trained:
                raise LabError(404, f"model {req.model!r}: this run trained only "
                                    f"{', '.join(trained) or 'nothing'}")
        tagger = lab.models.get(path, "pos-tagger", req.model)
        try:
            with ENGINE_LOCK:
                tagged = tagger.tag(req.sentence)
        except TaskError as e:
            raise refused(e) from None
        vocab = tagger.enc.word_id
        return {"run": relative_name(lab.root, path), "model": tagger.model.kind,
                "tags": list(UNIVERSAL_TAGS),
                "tokens": [{"word": w, "tag": t, "known": w.lower() in vocab}
                           for w, t in tagged]}

    return r
