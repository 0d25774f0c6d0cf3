"""Nearest words and analogies: the vectors of a finished ``word2vec`` run (``deepgrad similar``
and ``deepgrad analogy``: cosine neighbours, 3CosAdd "a is to b as c is to ?"), with a 2-D map
of the words answered (their principal components).

    GET  /api/word2vec/runs          the finished word2vec runs (newest first)
    GET  /api/word2vec/words         ?run=R&n=N: the vocabulary's size and its N most frequent
                                     words (the page's suggestions)
    POST /api/word2vec/similar       {"word", "n": 10, "run": null}
    POST /api/word2vec/analogy       {"a", "b", "c", "n": 5, "run": null}

Words are lower-cased (the task's corpora are); an unknown word is 422 with the vocabulary's
close words, as the CLI says it. Pure NumPy on the loaded vectors: no engine lock.
"""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from ..predictors import finished_runs, predictor, refused
from . import Panel

__all__ = ["PANEL", "router", "SimilarRequest", "AnalogyRequest", "word_map"]

PANEL = Panel(id="words", title="Nearest words", order=40, script="panels/word2vec.js",
              task="word2vec", summary="a word2vec run's vectors: nearest words, analogies, a "
                                       "map of them")

Word = Annotated[str, Field(min_length=1, max_length=60)]


class SimilarRequest(BaseModel):
    """The words nearest to ``word``."""

    model_config = ConfigDict(extra="forbid")
    word: Word
    n: int = Field(10, ge=1, le=100)
    run: str | None = Field(None, max_length=400)


class AnalogyRequest(BaseModel):
    """``a`` is to ``b`` as ``c`` is to what?"""

    model_config = ConfigDict(extra="forbid")
    a: Word
    b: Word
    c: Word
    n: int = Field(5, ge=1, le=100)
    run: str | None = Field(None, max_length=400)


def word_map(kv: Any, words: list[str]) -> dict[str, Any]:
    """The words' unit vectors projected on their first two principal components."""
    x = np.stack([kv[w] for w in words]).astype(np.float64)
    x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    x -= x.mean(axis=0)
    _, _, vt = np.linalg.svd(x, full_matrices=False)
    pts = x @ vt[:2].T if len(words) > 1 else np.zeros((1, 2))
    if pts.shape[1] < 2:
        pts = np.pad(pts, ((0, 0), (0, 2 - pts.shape[1])))
    return {"words": words, "points": np.round(pts, 5).tolist()}


def _answers(pairs: list[tuple[str, float]]) -> list[dict[str, Any]]:
    return [{"word": w, "score": float(s)} for w, s in pairs]


def router(lab: Any) -> APIRouter:
    r = APIRouter(prefix="/api/word2vec")

    @r.get("/runs")
    def runs() -> list[dict[str, Any]]:
        return finished_runs(lab, "word2vec")

    @r.get("/words")
    def words(run: Annotated[str | None, Query(max_length=400)] = None,
              n: Annotated[int, Query(ge=1, le=5000)] = 200) -> dict[str, Any]:
        name, kv = predictor(lab, "word2vec", run)
        return {"run": name, "size": len(kv), "vector_size": kv.vector_size,
                "words": kv.index_to_key[:n]}

    @r.post("/similar")
    def similar(req: SimilarRequest) -> dict[str, Any]:
        name, kv = predictor(lab, "word2vec", req.run)
        word = req.word.strip().lower()
        try:
            got = kv.most_similar(word, topn=req.n)
        except (KeyError, ValueError) as e:
            raise refused(e) from None
        return {"run": name, "word": word, "neighbours": _answers(got),
                "map": word_map(kv, [word, *(w for w, _ in got)])}

    @r.post("/analogy")
    def analogy(req: AnalogyRequest) -> dict[str, Any]:
        name, kv = predictor(lab, "word2vec", req.run)
        a, b, c = (w.strip().lower() for w in (req.a, req.b, req.c))
        try:
            got = kv.analogy(a, b, c, topn=req.n)
        except (KeyError, ValueError) as e:
            raise refused(e) from None
        return {"run": name, "a": a, "b": b, "c": c, "answers": _answers(got),
                "map": word_map(kv, list(dict.fromkeys([a, b, c, *(w for w, _ in got[:1])])))}

    return r
