r"""word2vec (Mikolov et al. 2013): word vectors learned by predicting words from their contexts.

Every word w has an input vector v_w (a row of W, ``syn0``) and an output vector u_w (a row of
W', ``syn1neg``). For each position in a sentence, the centre word o and the words within the
window around it:

* **skip-gram** (``sg=1``): each context word c predicts o; the input is h = v_c;
* **CBOW** (``sg=0``): the context together predicts o; the input is h = mean of their v_c.

Negative sampling replaces the softmax over the vocabulary by k binary decisions against noise
words n_1..n_k drawn from the unigram distribution raised to 3/4 (``ns_exponent``):

    L = -log sigma(u_o . h) - sum_i log sigma(-u_{n_i} . h)

and each such loss takes one step of SGD with a learning rate that decays linearly from
``alpha`` to ``min_alpha`` over training. Frequent words are subsampled: word w, with count
f(w) and t = sample * (total count), is kept with probability (sqrt(f/t) + 1) t / f (the
word2vec.c / gensim formula). The window is shrunk at random to b in 1..window per position,
as word2vec.c does (nearer words count more).

Two paths give the same vectors (tests/models/test_word2vec.py):

* ``path="readable"``: :func:`train_readable` -- the loss above written with deepgrad's
  ``nn.Embedding`` lookups, a dot product, ``-log sigma(x) = softplus(-x)``, ``backward()``
  and ``optim.SGD``: the course's explanation, slow (one autodiff step per update);
* ``path="fast"``: ``_word2vec_kernel`` -- word2vec.c's inner loop compiled with Numba, with
  ``workers`` Hogwild threads.

Both draw from one random stream (word2vec.c's linear congruential generator) in the same order,
so with ``workers=1`` and a fixed ``seed`` they perform the same updates. Like word2vec.c, CBOW
adds the error of the mean to every context vector undivided by their number n: in autodiff
terms the input vectors take a step of alpha * n.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from .keyed_vectors import KeyedVectors

__all__ = ["Word2Vec", "build_vocab", "noise_table", "keep_thresholds", "encode",
           "train_readable", "VocabularyError"]

MAX_SENTENCE = 10_000  # longer sentences are cut into pieces of this many words (as gensim)


class VocabularyError(ValueError):
    """The corpus cannot give a vocabulary with the settings asked (empty, too rare words)."""


# --- the vocabulary, the noise distribution, subsampling ---

def build_vocab(sentences: Iterable[Sequence[str]], min_count: int
                ) -> tuple[list[str], np.ndarray, int]:
    """Words seen at least ``min_count`` times, most frequent first (ties: first seen first):
    ``(words, counts, total tokens in the corpus)``."""
    counter: Counter[str] = Counter()
    for s in sentences:
        counter.update(s)
    total = sum(counter.values())
    if total == 0:
        raise VocabularyError("word2vec: the corpus has no words")
    kept = [(w, c) for w, c in counter.items() if c >= min_count]  # insertion = first seen
    if len(kept) < 2:
        top = counter.most_common(1)[0]
        raise VocabularyError(
            f"word2vec: {len(kept)} word(s) occur at least min_count={min_count} times in a "
            f"corpus of {total} words and {len(counter)} distinct words (the most frequent, "
            f"{top[0]!r}, {top[1]} times); negative sampling needs at least 2: lower min_count "
            f"or give a larger corpus")
    kept.sort(key=lambda wc: -wc[1])  # stable: ties keep their first-seen order
    return [w for w, _ in kept], np.array([c for _, c in kept], np.int64), total


def noise_table(counts: np.ndarray, ns_exponent: float = 0.75) -> np.ndarray:
    """gensim's cumulative table: cum[i] = round(sum_{j<=i} f_j^e / sum_j f_j^e * (2^31 - 1)).

    A noise word is ``bisect_left(cum, r % cum[-1])`` for a random integer r: word i with
    probability proportional to f_i^e."""
    p = counts.astype(np.float64) ** ns_exponent
    cum = np.round(np.cumsum(p) / p.sum() * (2**31 - 1)).astype(np.int64)
    return cum


def keep_thresholds(counts: np.ndarray, sample: float) -> np.ndarray:
    """keep[w] = P(keep w) * (2^32 - 1) with P = (sqrt(f/t) + 1) t / f, t = sample * sum f,
    capped at 1 (gensim's ``sample_int``); word w is kept when keep[w] >= a 32-bit draw."""
    if not sample:
        return np.full(len(counts), 2**32 - 1, np.int64)
    total = float(counts.sum())
    t = sample * total if sample < 1.0 else float(int(sample * (3 + np.sqrt(5)) / 2))
    f = counts.astype(np.float64)
    prob = np.minimum((np.sqrt(f / t) + 1) * (t / f), 1.0)
    return (prob * (2**32 - 1)).astype(np.uint32).astype(np.int64)


def encode(sentences: Iterable[Sequence[str]], key_to_index: dict[str, int],
           max_len: int = MAX_SENTENCE) -> tuple[np.ndarray, np.ndarray]:
    """The corpus as word indices without the out-of-vocabulary words, sentence after
    sentence: ``(ids, starts)``, sentence s is ``ids[starts[s]:starts[s+1]]`` (empty ones
    dropped; longer than ``max_len``: cut into pieces)."""
    ids: list[int] = []
    starts = [0]
    for s in sentences:
        row = [key_to_index[w] for w in s if w in key_to_index]
        for a in range(0, len(row), max_len):
            ids.extend(row[a:a + max_len])
            starts.append(len(ids))
    return np.array(ids, np.int32), np.array(starts, np.int64)


# --- the readable path: deepgrad layers and autodiff ---

class _Stream:
    """word2vec.c's random numbers: state <- (state * 25214903917 + 11) mod 2^48; a draw is
    the state's top 32 bits (taken before the state moves on)."""

    def __init__(self, state: int) -> None:
        self.state = int(state)

    def draw(self) -> int:
        r = self.state >> 16
        self.state = (self.state * 25214903917 + 11) & ((1 << 48) - 1)
        return r


def train_readable(model: Word2Vec, ids: np.ndarray, starts: np.ndarray, epochs: int,
                   state: int) -> int:
    """Train ``model``'s W and W' with deepgrad's layers, autodiff and SGD, one update at a time
    (the exact sequence of the fast kernel). Returns the random stream's final state."""
    from .. import nn, optim
    from ..functional import softplus

    w_in = nn.Embedding.from_pretrained(model.syn0, freeze=False)    # v_w: input vectors
    w_out = nn.Embedding.from_pretrained(model.syn1neg, freeze=False)  # u_w: output vectors
    sgd = optim.SGD([{"params": [w_in.weight]}, {"params": [w_out.weight]}], lr=model.alpha)
    rand = _Stream(state)
    cum, keep = model.cum_table, model.keep

    def noise(center: int) -> list[int]:
        out = [center]
        for _ in range(model.negative):
            t = int(np.searchsorted(cum, rand.draw() % int(cum[-1]), side="left"))
            if t != center:
                out.append(t)
        return out

    def step(context: list[int], targets: list[int], alpha: float) -> None:
        h = w_in(np.array(context)).mean(0)             # skip-gram: v_c; CBOW: mean of v_c
        scores = w_out(np.array(targets)) @ h           # u_t . h for o, n_1, .., n_k
        sign = np.array([1.0] + [-1.0] * (len(targets) - 1), dtype=scores.dtype)
        loss = softplus(-(scores * sign)).sum()         # -log sigma(+-u . h)
        sgd.zero_grad()
        loss.backward()
        sgd.param_groups[0]["lr"] = alpha * len(context)  # word2vec.c: undivided for CBOW
        sgd.param_groups[1]["lr"] = alpha
        sgd.step()

    total, done = epochs * len(ids), 0
    for _ in range(epochs):
        for s in range(len(starts) - 1):
            sent = ids[starts[s]:starts[s + 1]]
            alpha = max(model.min_alpha,
                        model.alpha - (model.alpha - model.min_alpha) * (done / total))
            done += len(sent)
            kept = [int(w) for w in sent if not model.sample or keep[w] >= rand.draw()]
            for i, center in enumerate(kept):
                red = rand.draw() % model.window
                window = range(max(0, i - model.window + red),
                               min(len(kept), i + model.window + 1 - red))
                context = [kept[j] for j in window if j != i]
                if model.sg:
                    for c in context:
                        step([c], noise(center), alpha)
                elif context:
                    step(context, noise(center), alpha)
    model.syn0[...] = w_in.weight.data
    model.syn1neg[...] = w_out.weight.data
    return rand.state


# --- the model ---

class Word2Vec:
    """word2vec with negative sampling; gensim's parameter names and defaults.

    ``Word2Vec(sentences, vector_size=100, window=5, min_count=5, sg=0, ...)`` builds the
    vocabulary and trains at once (as gensim); without ``sentences`` call
    :meth:`build_vocab` and :meth:`train`. ``wv`` holds the learned input vectors."""

    def __init__(self, sentences: Iterable[Sequence[str]] | None = None, *,
                 vector_size: int = 100, window: int = 5, min_count: int = 5, sg: int = 0,
                 negative: int = 5, ns_exponent: float = 0.75, sample: float = 1e-3,
                 alpha: float = 0.025, min_alpha: float = 1e-4, epochs: int = 5,
                 seed: int = 1, workers: int = 1, path: str = "fast",
                 compute_loss: bool = False, dtype: Any = np.float32) -> None:
        checks = {"vector_size": vector_size >= 1, "window": window >= 1,
                  "min_count": min_count >= 1, "negative": negative >= 1, "epochs": epochs >= 1,
                  "workers": workers >= 1, "sample": sample >= 0, "alpha": alpha > 0,
                  "min_alpha": 0 <= min_alpha <= alpha, "sg": sg in (0, 1),
                  "path": path in ("fast", "readable")}
        for name, ok in checks.items():
            if not ok:
                raise ValueError(f"Word2Vec: bad {name}={locals()[name]!r}")
        self.vector_size, self.window, self.min_count, self.sg = vector_size, window, \
            min_count, sg
        self.negative, self.ns_exponent, self.sample = negative, ns_exponent, sample
        self.alpha, self.min_alpha, self.epochs, self.seed = alpha, min_alpha, epochs, seed
        self.workers, self.path, self.dtype = workers, path, np.dtype(dtype)
        self.compute_loss = bool(compute_loss)
        self.wv: KeyedVectors | None = None
        self.stats: dict[str, float] = {}
        if sentences is not None:
            sentences = sentences if isinstance(sentences, list) else list(sentences)
            self.build_vocab(sentences)
            self.train(sentences)

    def build_vocab(self, sentences: Iterable[Sequence[str]]) -> Word2Vec:
        """Count the words, keep those seen ``min_count`` times, make the noise and
        subsampling tables and initialise W ~ U(-1/d, 1/d) (gensim 4's range; word2vec.c's
        is half as wide) and W' = 0."""
        words, counts, self.corpus_words = build_vocab(sentences, self.min_count)
        self.cum_table = noise_table(counts, self.ns_exponent)
        self.keep = keep_thresholds(counts, self.sample)
        rng = np.random.default_rng(self.seed)
        d = self.vector_size
        self.syn0 = ((rng.random((len(words), d)) * 2.0 - 1.0) / d).astype(self.dtype)
        self.syn1neg = np.zeros((len(words), d), self.dtype)
        self.wv = KeyedVectors(words, self.syn0, counts)
        return self

    def _states(self) -> list[int]:
        return [(self.seed * 2_654_435_761 + 1_000_003 * t + 1) & ((1 << 48) - 1)
                for t in range(self.workers)]

    def train(self, sentences: Iterable[Sequence[str]],
              progress: Callable[[int, dict[str, float]], None] | None = None
              ) -> dict[str, float]:
        """Train for ``epochs`` passes; returns (and keeps in ``stats``) the figures: words
        (in-vocabulary corpus words x epochs), trained words (after subsampling), seconds,
        words_per_second, loss (mean per update; fast path with ``compute_loss``, else NaN).
        ``progress(epoch, stats)`` is called after each epoch."""
        if self.wv is None:
            raise RuntimeError("Word2Vec.train: call build_vocab(sentences) first")
        ids, starts = encode(sentences, self.wv.key_to_index)
        if len(ids) == 0:
            raise VocabularyError("word2vec: no in-vocabulary word in the sentences to train on")
        t0 = time.perf_counter()
        if self.path == "readable":
            if self.workers != 1:
                raise ValueError("Word2Vec: the readable path runs one thread (workers=1)")
            train_readable(self, ids, starts, self.epochs, self._states()[0])
            stats = {"words": float(len(ids) * self.epochs), "trained_words": float("nan"),
                     "loss": float("nan")}
        else:
            stats = self._train_fast(ids, starts, progress)
        stats["seconds"] = time.perf_counter() - t0
        stats["words_per_second"] = stats["words"] / max(stats["seconds"], 1e-9)
        self.stats = stats
        return stats

    def _train_fast(self, ids: np.ndarray, starts: np.ndarray,
                    progress: Callable[[int, dict[str, float]], None] | None
                    ) -> dict[str, float]:
        from ._word2vec_kernel import kernel, train_epoch

        def mean_loss(total: float, n: float) -> float:
            return total / max(n, 1.0) if self.compute_loss else float("nan")

        shards = _shards(ids, starts, self.workers)
        states = [np.array([s], np.uint64) for s in self._states()[:len(shards)]]
        totals = [float(len(sh_ids)) * self.epochs for sh_ids, _ in shards]
        done = [0.0] * len(shards)
        trained = loss = updates = 0.0
        results: list[tuple[int, float, int]] = [(0, 0.0, 0)] * len(shards)
        kernel()  # compile (or load from the cache) before any thread starts
        for epoch in range(self.epochs):

            def work(t: int) -> None:
                sh_ids, sh_starts = shards[t]
                results[t] = train_epoch(
                    sh_ids, sh_starts, self.syn0, self.syn1neg, self.cum_table, self.keep,
                    bool(self.sg), self.window, self.negative, bool(self.sample), self.alpha,
                    self.min_alpha, int(done[t]), int(totals[t]), states[t],
                    with_loss=self.compute_loss)

            if len(shards) == 1:
                work(0)
            else:
                threads = [threading.Thread(target=work, args=(t,)) for t in range(len(shards))]
                for th in threads:
                    th.start()
                for th in threads:
                    th.join()
            for t, (sh_ids, _) in enumerate(shards):
                done[t] += float(len(sh_ids))
            trained += sum(r[0] for r in results)
            loss += sum(r[1] for r in results)
            updates += sum(r[2] for r in results)
            if progress is not None:
                progress(epoch, {"trained_words": trained, "loss": mean_loss(loss, updates)})
        return {"words": float(len(ids) * self.epochs), "trained_words": float(trained),
                "loss": mean_loss(loss, updates)}


def _shards(ids: np.ndarray, starts: np.ndarray, n: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The corpus split into ``n`` contiguous runs of whole sentences with about equal numbers
    of words, one per thread: ``[(ids, starts), ...]`` (views; ``starts`` stay absolute
    positions in ``ids``). Measured against gensim's way (every n-th block of 10,000 words to
    each thread), see docs/benchmarks.md."""
    n_sent = len(starts) - 1
    n = max(1, min(n, n_sent))
    cuts = np.searchsorted(starts, np.linspace(0, starts[-1], n + 1)[1:-1]).tolist()
    bounds = [0] + [min(max(c, 1), n_sent) for c in cuts] + [n_sent]
    return [(ids[starts[a]:starts[b]], starts[a:b + 1] - starts[a])
            for a, b in zip(bounds[:-1], bounds[1:], strict=True) if b > a]
