"""Corpus BLEU (Papineni et al. 2002) of tokenized captions against several references each.

For hypotheses h_i, each with a set R_i of references, and c(g, s) the number of times the
n-gram g occurs in the sentence s, the clipped matches and the n-gram totals are summed over
the corpus *before* dividing (micro-averaged, not a mean of sentence scores):

    m_n = sum_i sum_{g in n-grams(h_i)} min(c(g, h_i), max_{r in R_i} c(g, r))
    t_n = sum_i max(0, |h_i| - n + 1)
    p_n = m_n / t_n                                  (0 when t_n = 0)

The brevity penalty compares the corpus hypothesis length c = sum_i |h_i| with the effective
reference length r = sum_i r_i, r_i the length of the reference in R_i *closest* to |h_i|
(a tie goes to the shorter reference):

    BP = 1 if c > r,   exp(1 - r / c) if 0 < c <= r,   0 if c = 0
    BLEU-N = BP exp((1/N) sum_{n=1..N} log p_n)      (0.0 when some p_n = 0: no smoothing)

Checked in tests/train/test_bleu.py on scene captions: equal to sacrebleu's
``BLEU(tokenize="none", smooth_method="none", effective_order=False)`` / 100 (to 1e-9) and to
nltk's ``corpus_bleu`` with uniform weights (to 1e-12). nltk differs by design when a
hypothesis is shorter than n: it counts such a hypothesis as one n-gram (its per-sentence
denominator is max(1, |h| - n + 1)), which lowers its p_n. pycocoevalcap's ``Bleu`` adds
1e-15 to every match count and 1e-9 to every total (relative difference below 1e-6, but a
zero p_n gives it a small positive BLEU-N instead of 0).

``_check_corpus`` and ``_ngram_counts`` are shared with :mod:`deepgrad.train.cider`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

__all__ = ["BleuResult", "corpus_bleu"]


@dataclass(frozen=True)
class BleuResult:
    """Corpus BLEU-1..BLEU-N and the statistics they are made of.

    ``bleu[k]`` is BLEU-(k+1); ``precisions[k]`` = ``matches[k] / totals[k]`` is p_(k+1);
    ``hyp_length`` is c and ``ref_length`` r (sums of the hypothesis and closest reference
    lengths, in tokens)."""

    bleu: tuple[float, ...]
    precisions: tuple[float, ...]
    brevity_penalty: float
    hyp_length: int
    ref_length: int
    matches: tuple[int, ...]
    totals: tuple[int, ...]

    def as_dict(self) -> dict[str, float]:
        """``{"bleu1": BLEU-1, ..., "bleuN": BLEU-N}``."""
        return {f"bleu{k}": b for k, b in enumerate(self.bleu, 1)}


def _describe(x: Any) -> str:
    text = repr(x)
    return f"{type(x).__name__} {text[:40] + '...' if len(text) > 40 else text}"


def _check_sentence(s: Any, where: str, who: str) -> list[str]:
    if not isinstance(s, list | tuple):
        hint = " (split the string into tokens first)" if isinstance(s, str) else ""
        raise ValueError(f"{who}: {where} must be a list of str tokens, got {_describe(s)}{hint}")
    for j, t in enumerate(s):
        if not isinstance(t, str):
            raise ValueError(f"{who}: {where}[{j}] must be a str token, got {_describe(t)}")
    return list(s)


def _check_corpus(hypotheses: Any, references: Any,
                  who: str) -> tuple[list[list[str]], list[list[list[str]]]]:
    """Validate a corpus: a list of token lists and, pairwise, a non-empty list of them each."""
    for name, value in (("hypotheses", hypotheses), ("references", references)):
        if not isinstance(value, list | tuple):
            raise ValueError(f"{who}: {name} must be a list, got {_describe(value)}")
    if len(hypotheses) != len(references):
        raise ValueError(f"{who}: {len(hypotheses)} hypotheses but {len(references)} reference "
                         "sets; they must pair up one to one")
    hyps = [_check_sentence(h, f"hypotheses[{i}]", who) for i, h in enumerate(hypotheses)]
    refs = []
    for i, rs in enumerate(references):
        if not isinstance(rs, list | tuple):
            raise ValueError(f"{who}: references[{i}] must be a list of references (token "
                             f"lists), got {_describe(rs)}")
        if len(rs) == 0:
            raise ValueError(f"{who}: references[{i}] is empty: hypothesis {i} needs at least "
                             "one reference")
        if isinstance(rs[0], str):
            raise ValueError(f"{who}: references[{i}] must be a list of references, each a list "
                             f"of tokens; got a list of str (one reference? wrap it: [tokens])")
        refs.append([_check_sentence(r, f"references[{i}][{j}]", who)
                     for j, r in enumerate(rs)])
    return hyps, refs


class _Grams(NamedTuple):
    """The distinct k-grams of every sentence: one row per (sentence, k-gram), sorted."""

    sentence: np.ndarray  # index of the sentence
    gram: np.ndarray  # id of the k-gram, shared by every sentence of the call
    count: np.ndarray  # how many times it occurs in that sentence
    size: int  # number of distinct k-grams (ids are 0..size-1)


def _ngram_counts(sentences: Sequence[Sequence[str]], n: int) -> list[_Grams]:
    """``[k-gram counts for k = 1..n]`` of a list of token lists, no k-gram across sentences."""
    vocab: dict[str, int] = {}
    ids = np.fromiter((vocab.setdefault(t, len(vocab)) for s in sentences for t in s),
                      dtype=np.int64)
    lengths = np.fromiter((len(s) for s in sentences), dtype=np.int64, count=len(sentences))
    owner = np.repeat(np.arange(len(sentences), dtype=np.int64), lengths)
    room = np.cumsum(lengths)[owner] - np.arange(ids.size)  # tokens left in the sentence
    out = []
    for k in range(1, n + 1):
        pos = np.flatnonzero(room >= k)
        if pos.size == 0:
            empty = np.zeros(0, np.int64)
            out.append(_Grams(empty, empty, empty, 0))
            continue
        windows = ids[pos[:, None] + np.arange(k)]
        _, gram = np.unique(windows, axis=0, return_inverse=True)
        size = int(gram.max()) + 1
        key, count = np.unique(owner[pos] * size + gram.reshape(-1), return_counts=True)
        out.append(_Grams(key // size, key % size, count.astype(np.int64), size))
    return out


def _lookup(sorted_keys: np.ndarray, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(index, found): where each query sits in ``sorted_keys`` (unique), and whether it is
    there at all (index is clipped to a valid position where it is not)."""
    if sorted_keys.size == 0:
        return np.zeros(queries.shape, np.int64), np.zeros(queries.shape, bool)
    at = np.minimum(np.searchsorted(sorted_keys, queries), sorted_keys.size - 1)
    return at, sorted_keys[at] == queries


def _corpus_layout(hyps: list[list[str]], refs: list[list[list[str]]]
                   ) -> tuple[list[list[str]], np.ndarray, np.ndarray]:
    """All sentences (hypotheses first, then every reference in order), the image (hypothesis
    index) of each, and their lengths."""
    m = len(hyps)
    per = np.array([len(rs) for rs in refs], np.int64)
    sentences = hyps + [r for rs in refs for r in rs]
    image = np.concatenate([np.arange(m, dtype=np.int64), np.repeat(np.arange(m), per)])
    lengths = np.array([len(s) for s in sentences], np.int64)
    return sentences, image, lengths


def corpus_bleu(hypotheses: Sequence[Sequence[str]],
                references: Sequence[Sequence[Sequence[str]]],
                max_n: int = 4) -> BleuResult:
    """Corpus BLEU-1..BLEU-``max_n`` of tokenized ``hypotheses``, each against its references.

    ``hypotheses[i]`` is a list of tokens, ``references[i]`` a non-empty list of token lists
    (any number per hypothesis). No smoothing: BLEU-N is 0.0 when some p_n (n <= N) is 0."""
    if isinstance(max_n, bool) or not isinstance(max_n, int | np.integer) or max_n < 1:
        raise ValueError(f"corpus_bleu: max_n must be an int >= 1, got {max_n!r}")
    max_n = int(max_n)
    hyps, refs = _check_corpus(hypotheses, references, "corpus_bleu")
    m = len(hyps)
    sentences, image, lengths = _corpus_layout(hyps, refs)
    hyp_len, ref_len, ref_image = lengths[:m], lengths[m:], image[m:]

    # closest reference length per hypothesis: sort each image's references by distance, then
    # by length (the shorter wins a tie); reference sets are contiguous, so each set's first
    # entry after sorting is its closest
    distance = np.abs(ref_len - hyp_len[ref_image])
    order = np.lexsort((ref_len, distance, ref_image))
    first = np.searchsorted(ref_image, np.arange(m))
    closest = ref_len[order[first]]

    matches, totals = [], []
    for k, g in enumerate(_ngram_counts(sentences, max_n), 1):
        is_ref = g.sentence >= m
        # the most times each (image, k-gram) occurs in one of the image's references
        ref_key = image[g.sentence[is_ref]] * g.size + g.gram[is_ref]
        srt = np.argsort(ref_key, kind="stable")
        ref_key, ref_count = ref_key[srt], g.count[is_ref][srt]
        uniq, start = np.unique(ref_key, return_index=True)
        ref_max = np.maximum.reduceat(ref_count, start) if uniq.size else ref_count
        hyp_key = g.sentence[~is_ref] * g.size + g.gram[~is_ref]
        at, found = _lookup(uniq, hyp_key)
        clipped = np.where(found, np.minimum(g.count[~is_ref], ref_max[at]), 0)
        matches.append(int(clipped.sum()))
        totals.append(int(np.maximum(hyp_len - k + 1, 0).sum()))

    c, r = int(hyp_len.sum()), int(closest.sum())
    bp = 1.0 if c > r else (math.exp(1.0 - r / c) if c > 0 else 0.0)
    precisions = tuple(mk / tk if tk else 0.0 for mk, tk in zip(matches, totals, strict=True))
    bleu = []
    for n in range(1, max_n + 1):
        ps = precisions[:n]
        bleu.append(0.0 if min(ps) == 0.0 else bp * math.exp(math.fsum(map(math.log, ps)) / n))
    return BleuResult(bleu=tuple(bleu), precisions=precisions, brevity_penalty=bp,
                      hyp_length=c, ref_length=r, matches=tuple(matches), totals=tuple(totals))
