"""Scoring a caption decoder: validation loss and next-word accuracy (teacher forced), decoded
captions (greedy, beam search, sampling), corpus BLEU-1..4 and CIDEr-D against every reference,
content accuracy on the scenes, and the nearest-neighbour baseline.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from ... import decode
from ...data.vocab import Vocabulary
from ...models.captioner import caption_loss
from ...tensor import Tensor, no_grad
from ...train.bleu import corpus_bleu
from ...train.cider import cider_d

__all__ = ["teacher_forced", "generate", "score_captions", "nearest_neighbour_captions",
           "attention_of"]


def _logits(decoder: Any, feats: np.ndarray, tokens: np.ndarray) -> Tensor:
    out = decoder(np.asarray(feats, np.float32), tokens[:, :-1])
    return out[0] if isinstance(out, tuple) else out


def teacher_forced(decoder: Any, feats: np.ndarray, rows: np.ndarray, tokens: np.ndarray,
                   pad: int, batch: int = 256) -> tuple[float, float]:
    """(mean cross-entropy per real target word, next-word accuracy) with the true previous
    words as inputs: the course's two figures. Caption k (``tokens[k]``: START ... END PAD)
    belongs to image ``rows[k]`` of ``feats`` (gathered per batch: the cache stays on disk)."""
    total = right = count = 0.0
    decoder.eval()
    with no_grad():
        for i in range(0, len(tokens), batch):
            t = tokens[i: i + batch]
            lg = _logits(decoder, np.asarray(feats[rows[i: i + batch]]), t)
            y = t[:, 1:]
            n = float((y != pad).sum())
            total += float(caption_loss(lg, y, pad).data) * n
            right += float(((lg.data.argmax(-1) == y) & (y != pad)).sum())
            count += n
    return total / count, right / count


def generate(decoder: Any, feats: np.ndarray, vocab: Vocabulary, max_len: int,
             method: str = "beam", beam_width: int = 5, temperature: float = 1.0,
             batch: int = 64, length_norm: str = "gnmt", alpha: float = 0.6
             ) -> tuple[list[list[str]], np.ndarray]:
    """Captions (word lists) for image features ``feats`` and their log-probabilities.

    ``method``: ``greedy``, ``beam`` (width ``beam_width``, hypotheses ranked by
    ``length_norm`` with ``alpha``: see :mod:`deepgrad.decode.beam`) or ``sample`` (at
    ``temperature``, drawing from deepgrad's generator)."""
    words: list[list[str]] = []
    logps: list[np.ndarray] = []
    decoder.eval()
    with no_grad():
        for i in range(0, len(feats), batch):
            x = np.asarray(feats[i: i + batch], np.float32)
            state = decoder.initial_state(x)
            start = np.full(len(x), vocab.start_id, dtype=np.int64)
            kw = {"max_len": max_len + 1, "end": vocab.end_id}
            if method == "greedy":
                res = decode.greedy(decoder.step, start, state, **kw)
            elif method == "beam":
                res = decode.beam_search(decoder.step, start, state, beam_width=beam_width,
                                         length_norm=length_norm, alpha=alpha,  # type: ignore
                                         reorder=getattr(decoder, "reorder", None), **kw)
            elif method == "sample":
                res = decode.sample(decoder.step, start, state, temperature=temperature, **kw)
            else:
                raise ValueError(f"generate: method must be greedy, beam or sample, got "
                                 f"{method!r}")
            # room for max_len words and END; a caption that never ended is cut at max_len
            words.extend(vocab.decode(s)[:max_len] for s in res.sequences())
            logps.append(np.asarray(res.log_prob, np.float64))
    return words, np.concatenate(logps)


def score_captions(hyps: Sequence[Sequence[str]], refs: Sequence[Sequence[Sequence[str]]]
                   ) -> dict[str, float]:
    """``bleu1..bleu4`` (corpus BLEU, every reference of an image counting) and ``cider``
    (CIDEr-D) of word-list captions against their references."""
    b = corpus_bleu([list(h) for h in hyps], [[list(r) for r in rs] for rs in refs])
    out = {f"bleu{k + 1}": float(v) for k, v in enumerate(b.bleu)}
    out["cider"] = float(cider_d([list(h) for h in hyps],
                                 [[list(r) for r in rs] for rs in refs]).score)
    return out


def _consensus(captions: list[list[str]]) -> list[str]:
    """The caption sharing the most word bigrams (and then unigrams) with the others."""
    def grams(c: list[str]) -> Counter:
        return Counter(zip(c, c[1:], strict=False)) + Counter((w,) for w in c)

    gs = [grams(c) for c in captions]
    best = max(range(len(captions)),
               key=lambda i: (sum(sum((gs[i] & gs[j]).values())
                                  for j in range(len(captions)) if j != i), -i))
    return captions[best]


def nearest_neighbour_captions(train_vecs: np.ndarray, train_tokens: list[list[list[str]]],
                               query_vecs: np.ndarray, batch: int = 512) -> list[list[str]]:
    """For each query, a caption of the training image whose encoder vector is nearest
    (cosine): of that image's captions, the one that agrees most with the others."""
    def unit(v: np.ndarray) -> np.ndarray:
        v = np.asarray(v, np.float64)
        return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)

    tr = unit(train_vecs)
    chosen = [_consensus(caps) for caps in train_tokens]
    out = []
    for i in range(0, len(query_vecs), batch):
        sims = unit(query_vecs[i: i + batch]) @ tr.T
        out.extend(chosen[int(j)] for j in sims.argmax(axis=1))
    return out


def attention_of(decoder: Any, annotations: np.ndarray, tokens: list[int], start: int
                 ) -> np.ndarray:
    """alpha (T, L): where the attention decoder looked while writing ``tokens`` (the words
    and END), recomputed teacher-forced from START, exactly the weights decoding used."""
    with no_grad():
        _, alpha = decoder(np.asarray(annotations, np.float32)[None],
                           np.array([[start, *tokens[:-1]]] if tokens else [[start]]))
    return np.asarray(alpha.data[0])
