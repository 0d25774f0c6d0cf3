"""Week 4: word embeddings -- word2vec on a real corpus, measured on the standard benchmarks.

    deepgrad word2vec                          # skip-gram on the Brown corpus (the gensim setting)
    deepgrad word2vec --corpus austen          # Jane Austen's novels
    deepgrad word2vec --corpus my.txt          # any plain-text file, one sentence per line
    deepgrad word2vec --quick                  # 20,000 sentences of Brown, d=50, seconds
    deepgrad similar king  /  deepgrad analogy man king woman

Trains :class:`deepgrad.models.Word2Vec` (skip-gram or CBOW with negative sampling) on the
lower-cased corpus and scores its vectors as gensim's ``evaluate_word_pairs`` (WordSim-353,
SimLex-999: Spearman correlation, the percentage of out-of-vocabulary pairs) and
``evaluate_word_analogies`` (Google's 19,544 analogies, 3CosAdd over the 30,000 most frequent
words) do. Writes ``vectors.txt`` (word2vec text format, readable by gensim), ``map.png``
(PCA of chosen words) and ``neighbours.txt``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from ..contract import Result, TaskError, param

NAME = "word2vec"
WEEK = 4
SUMMARY = "learn word vectors (skip-gram/CBOW) on Brown, Austen or a text file; benchmarks"
HEADLINE = "wordsim353_spearman"

MAP_WORDS = ("monday tuesday friday sunday one two three four ten man woman boy girl father "
             "mother son daughter city town country village water food money house car said "
             "told asked good bad great small")
PROBES = ("man", "city", "money", "good", "said", "president", "god", "love")


@dataclass
class Config:
    corpus: str = param("brown", "brown, austen, or the path of a plain-text file (one "
                                 "sentence per line)")
    model: Literal["skipgram", "cbow"] = param("skipgram", "skip-gram or CBOW")
    vector_size: int = param(100, "dimensions of the word vectors")
    window: int = param(15, "context words on each side (shrunk at random to 1..window)")
    min_count: int = param(5, "ignore words seen fewer times")
    negative: int = param(5, "noise words per update (negative sampling)")
    sample: float = param(1e-4, "subsampling threshold of frequent words (0: none)")
    alpha: float = param(0.025, "initial learning rate (decays linearly to min_alpha)")
    min_alpha: float = param(1e-4, "final learning rate")
    epochs: int = param(5, "passes over the corpus")
    workers: int = param(2, "training threads (1: deterministic)")
    path: Literal["fast", "readable"] = param("fast", "the compiled kernel or the readable "
                                                      "autodiff path (slow: tiny corpora)")
    limit: int | None = param(None, "train on the first N sentences only")
    compute_loss: bool = param(False, "track the mean loss per epoch (about a fifth slower)")
    map_words: str = param(MAP_WORDS, "words (space-separated) drawn in map.png")


QUICK = Config(limit=20_000, vector_size=50, window=5, epochs=3, sample=1e-3, workers=1)


def _check(cfg: Config) -> None:
    for name in ("vector_size", "window", "min_count", "negative", "epochs", "workers"):
        if getattr(cfg, name) < 1:
            raise TaskError(f"word2vec: --{name.replace('_', '-')} must be >= 1, got "
                            f"{getattr(cfg, name)}")
    if cfg.limit is not None and cfg.limit < 1:
        raise TaskError(f"word2vec: --limit must be >= 1, got {cfg.limit}")
    if not 0 <= cfg.min_alpha <= cfg.alpha:
        raise TaskError(f"word2vec: need 0 <= min_alpha <= alpha, got {cfg.min_alpha}, "
                        f"{cfg.alpha}")


def run(cfg: Config, out: Path, resume: bool = False) -> Result:
    """Read the corpus, train, write the vectors, score them on the three benchmarks."""
    from ...models.word2vec import VocabularyError, Word2Vec
    from ...random import get_rng
    from .corpora import load_corpus
    from .evaluation import evaluate_all

    _check(cfg)
    sents, sums = load_corpus(cfg.corpus)
    if cfg.limit:
        sents = sents[:cfg.limit]
    n_words = sum(map(len, sents))
    print(f"word2vec: {cfg.corpus}: {len(sents):,} sentences, {n_words:,} words "
          f"({cfg.model}, d={cfg.vector_size}, window {cfg.window}, {cfg.epochs} epochs)")
    model = Word2Vec(vector_size=cfg.vector_size, window=cfg.window, min_count=cfg.min_count,
                     sg=int(cfg.model == "skipgram"), negative=cfg.negative,
                     sample=cfg.sample, alpha=cfg.alpha, min_alpha=cfg.min_alpha,
                     epochs=cfg.epochs, seed=int(get_rng().integers(2**31)),
                     workers=cfg.workers, path=cfg.path, compute_loss=cfg.compute_loss)
    try:
        model.build_vocab(sents)
    except VocabularyError as e:
        raise TaskError(f"--corpus {cfg.corpus}: {e}") from None
    kv = model.wv
    print(f"  vocabulary: {len(kv):,} words seen at least {cfg.min_count} times")
    t0 = time.perf_counter()

    def progress(epoch: int, s: dict[str, float]) -> None:
        loss = f"mean loss {s['loss']:.4f}, " if cfg.compute_loss else ""
        print(f"  epoch {epoch + 1}/{cfg.epochs}: {loss}{time.perf_counter() - t0:.1f} s",
              flush=True)

    stats = model.train(sents, progress=progress)
    print(f"  trained in {stats['seconds']:.1f} s: {stats['words_per_second']:,.0f} words/s")
    kv.save_word2vec_format(out / "vectors.txt")
    metrics: dict[str, float | int | None] = dict(evaluate_all(kv))
    from ...data.word_benchmarks import BENCHMARK_FILES, FOLDER

    sums.update({f"{FOLDER}/{k}": v for k, v in BENCHMARK_FILES.items()})
    metrics.update({"words_per_second": stats["words_per_second"],
                    "train_seconds": stats["seconds"], "vocab_size": len(kv),
                    "corpus_words": n_words, "final_loss": stats.get("loss")})
    if metrics["final_loss"] is not None and not np.isfinite(metrics["final_loss"]):
        metrics["final_loss"] = None
    _neighbours(kv, out / "neighbours.txt")
    artifacts = {"vectors": "vectors.txt", "neighbours": "neighbours.txt"}
    if _map(kv, cfg.map_words.split(), out / "map.png"):
        artifacts["map"] = "map.png"
    return Result(metrics, artifacts, sums)


def _neighbours(kv, path: Path) -> None:
    lines = []
    for w in PROBES:
        if w in kv:
            near = ", ".join(f"{n} {s:.2f}" for n, s in kv.most_similar(w, topn=8))
            lines.append(f"{w}: {near}")
    text = "\n".join(lines) + "\n"
    print("  nearest neighbours:\n    " + text.rstrip().replace("\n", "\n    "))
    path.write_text(text)


def _map(kv, words: list[str], path: Path) -> bool:
    """A 2-D PCA map of ``words`` (those in the vocabulary) as a PNG; False without
    matplotlib or with fewer than 3 known words."""
    from .plot import word_map

    known = [w for w in dict.fromkeys(words) if w in kv]
    if len(known) < 3:
        print(f"  map.png: skipped ({len(known)} of the map words are in the vocabulary)")
        return False
    return word_map(kv, known, path)


def load(out: Path):
    """The trained word vectors of a finished run (a :class:`KeyedVectors`)."""
    from ...models.keyed_vectors import KeyedVectors
    from ..rundir import read_run

    read_run(out, NAME)
    path = Path(out) / "vectors.txt"
    if not path.is_file():
        raise TaskError(f"{path}: missing; expected the vectors of a finished word2vec run")
    try:
        return KeyedVectors.load_word2vec_format(path)
    except ValueError as e:
        raise TaskError(str(e)) from None
