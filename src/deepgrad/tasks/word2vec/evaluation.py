"""Word vectors measured on the standard benchmarks, computed as gensim 4's KeyedVectors does.

* **word similarity** (WordSim-353, SimLex-999): Spearman's rank correlation between the human
  scores and the cosines cos(a, b) of the pairs whose two words are both in the vocabulary
  (``evaluate_word_pairs``); ``oov`` is the percentage of pairs skipped.
* **analogies** (Google's questions-words, 19,544 questions "a : b :: c : d"): 3CosAdd over
  the ``restrict_vocab`` most frequent words, the prediction is the nearest word to
  b^ + c^ - a^ other than a, b, c (``evaluate_word_analogies``); accuracy over the questions
  whose four words are in that vocabulary; ``oov`` is the percentage of questions skipped.

Case as gensim (``case_insensitive=True``): the vocabulary and the benchmark words are compared
upper-cased, and where two words differ only in case the more frequent one stands for both.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from ...models.keyed_vectors import KeyedVectors

__all__ = ["PairScore", "AnalogyScore", "evaluate_word_pairs", "evaluate_word_analogies",
           "evaluate_all"]


@dataclass
class PairScore:
    spearman: float
    pearson: float
    oov: float   # percent of pairs skipped
    pairs: int   # pairs scored


@dataclass
class AnalogyScore:
    accuracy: float
    oov: float         # percent of questions skipped
    correct: int
    questions: int     # questions scored
    sections: dict[str, tuple[int, int]]  # section -> (correct, scored)


def _case_folded(kv: KeyedVectors, restrict_vocab: int) -> dict[str, int]:
    """UPPER-CASED word -> row, among the first ``restrict_vocab`` rows; the most frequent
    casing wins (gensim builds it from the reversed list)."""
    keys = kv.index_to_key[:restrict_vocab]
    return {k.upper(): kv.key_to_index[k] for k in reversed(keys)}


def evaluate_word_pairs(kv: KeyedVectors, pairs: list[tuple[str, str, float]],
                        restrict_vocab: int = 300_000) -> PairScore:
    """Spearman (and Pearson) correlation of cosine similarity with the human scores."""
    from scipy import stats

    vocab = _case_folded(kv, restrict_vocab)
    unit = {}
    gold, model, oov = [], [], 0
    for a, b, sim in pairs:
        a, b = a.upper(), b.upper()
        if a not in vocab or b not in vocab:
            oov += 1
            continue
        for w in (a, b):
            if w not in unit:
                unit[w] = _unitvec(kv.vectors[vocab[w]])
        gold.append(sim)
        model.append(float(np.dot(unit[a], unit[b])))
    if not gold:
        raise ValueError(f"evaluate_word_pairs: all {len(pairs)} pairs are out of the "
                         f"vocabulary ({len(kv)} words)")
    return PairScore(float(stats.spearmanr(gold, model)[0]),
                     float(stats.pearsonr(gold, model)[0]),
                     100.0 * oov / (len(gold) + oov), len(gold))


def evaluate_word_analogies(kv: KeyedVectors, sections: list[tuple[str, list[tuple[str, ...]]]],
                            restrict_vocab: int = 30_000) -> AnalogyScore:
    """3CosAdd accuracy over the most frequent ``restrict_vocab`` words (gensim's arithmetic,
    with one matrix product for 256 questions where gensim takes one matrix-vector product
    per question: the same cosines up to float32 rounding)."""
    vocab = _case_folded(kv, restrict_vocab)
    end = min(restrict_vocab, len(kv))
    vecs = kv.vectors[:end]
    norms = np.linalg.norm(kv.vectors, axis=1)
    total = oov = correct = scored = 0
    per_section = {}
    for name, questions in sections:
        ok = []
        for q in questions:
            total += 1
            a, b, c, d = (w.upper() for w in q)
            if a in vocab and b in vocab and c in vocab and d in vocab:
                ok.append((a, b, c, d))
            else:
                oov += 1
        hits = 0
        for start in range(0, len(ok), 256):  # 256 questions per matrix product
            batch = ok[start:start + 256]
            rows = np.array([[vocab[b], vocab[c], vocab[a]] for a, b, c, _ in batch])
            mean = np.zeros((len(batch), kv.vector_size), kv.vectors.dtype)
            for col, weight in enumerate((1.0, 1.0, -1.0)):  # positive=[b, c], negative=[a]
                mean += weight * (kv.vectors[rows[:, col]] / norms[rows[:, col], None])
            mean = np.stack([_unitvec(m) for m in mean / 3])
            dists = (mean @ vecs.T) / norms[:end]
            for (a, b, c, expected), drow, qrows in zip(batch, dists, rows.tolist(),
                                                         strict=True):
                sims = [i for i in _top(drow, 5 + 3) if i not in qrows][:5]
                predicted = None
                for i in sims:
                    predicted = kv.index_to_key[i].upper()
                    if predicted in vocab and predicted not in (a, b, c):
                        break
                hits += predicted == expected
        per_section[name] = (hits, len(ok))
        correct += hits
        scored += len(ok)
    if total == 0:
        raise ValueError("evaluate_word_analogies: no questions")
    return AnalogyScore(correct / scored if scored else 0.0, 100.0 * oov / total, correct,
                        scored, per_section)


def _top(x: np.ndarray, k: int) -> np.ndarray:
    """The indices of the ``k`` largest values, largest first (gensim's ``matutils.argsort``
    with ``reverse=True``: the same tie order)."""
    x = -x
    if k >= x.size:
        return np.argsort(x)
    part = np.argpartition(x, k)[:k]
    return part.take(np.argsort(x.take(part)))


def _unitvec(v: np.ndarray) -> np.ndarray:
    """v / |v| in v's dtype (the zero vector unchanged), as gensim's ``matutils.unitvec``: in
    float64, the length by BLAS ``dnrm2`` (SciPy's), then rounded to v's dtype."""
    x = v.astype(np.float64)
    try:
        from scipy.linalg.blas import dnrm2
        n = float(dnrm2(x)) if x.size else 0.0
    except ImportError:  # without SciPy: NumPy's norm (may differ in the last bit)
        n = float(np.linalg.norm(x))
    return v if n == 0 else (x * (1.0 / n)).astype(v.dtype)


def evaluate_all(kv: KeyedVectors, folder: str | os.PathLike | None = None
                 ) -> dict[str, float | None]:
    """The task's metrics on the three benchmarks (files from the store, or ``folder``);
    a score is None when no pair or question is in the vocabulary."""
    from pathlib import Path

    from ...data.word_benchmarks import benchmark_path, read_analogies, read_word_pairs

    def path(name: str) -> Path:
        return Path(folder) / name if folder is not None else benchmark_path(name)

    out: dict[str, float | None] = {}
    for key, fname in (("wordsim353", "wordsim353.tsv"), ("simlex999", "simlex999.txt")):
        try:
            score = evaluate_word_pairs(kv, read_word_pairs(path(fname)))
            out[f"{key}_spearman"] = score.spearman if np.isfinite(score.spearman) else None
            out[f"oov_{key}"] = score.oov
        except ValueError:  # every pair out of the vocabulary: no figure
            out[f"{key}_spearman"], out[f"oov_{key}"] = None, 100.0
    an = evaluate_word_analogies(kv, read_analogies(path("questions-words.txt")))
    out["analogy_accuracy"] = an.accuracy if an.questions else None
    out["oov_analogy"] = an.oov
    out["analogy_questions"] = an.questions
    return out
