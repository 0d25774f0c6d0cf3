"""Exact match of decoded dates, greedy and beam search, and the attention weights of a few."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ... import decode
from .coding import BOS, EOS, SourceCoder, decode_target

__all__ = ["normalize", "exact_match", "attention_of"]

MAX_LEN = 12  # an ISO date and EOS are 11 tokens; one more lets a wrong model overrun


def normalize(model: Any, coder: SourceCoder, texts: Sequence[str], beam_width: int = 1,
              batch_size: int = 500) -> list[str]:
    """The model's ISO dates for ``texts``: greedy (beam_width 1) or beam search."""
    out: list[str] = []
    model.eval()
    for s in range(0, len(texts), batch_size):
        chunk = texts[s:s + batch_size]
        ids, lengths = coder.encode(chunk)
        state = model.encode(ids, lengths)
        start = np.full(len(chunk), BOS, dtype=np.int64)
        if beam_width == 1:
            res = decode.greedy(model.step, start, state, max_len=MAX_LEN, end=EOS)
        else:
            res = decode.beam_search(model.step, start, state, max_len=MAX_LEN, end=EOS,
                                     beam_width=beam_width)
        out.extend(decode_target(seq) for seq in res.sequences())
    return out


def exact_match(pred: Sequence[str], truth: Sequence[str]) -> float:
    """The fraction of predictions equal to the truth, character for character."""
    return float(np.mean([p == t for p, t in zip(pred, truth, strict=True)]))


def attention_of(model: Any, coder: SourceCoder, text: str) -> tuple[str, np.ndarray]:
    """The greedy output for one text and its attention weights (output steps x characters)."""
    from ...tensor import no_grad

    ids, lengths = coder.encode([text])
    rows: list[np.ndarray] = []

    def step(tokens: np.ndarray, state: dict) -> tuple:
        logp, state = model.step(tokens, state)
        rows.append(state["weights"][0])
        return logp, state

    with no_grad():
        state = model.encode(ids, lengths)
        res = decode.greedy(step, np.array([BOS]), state, max_len=MAX_LEN, end=EOS)
    n = int(res.lengths[0])
    return decode_target(res.sequences()[0]), np.stack(rows[:n])[:, :len(text)]
