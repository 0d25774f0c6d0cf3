"""word2vec on Brown: deepgrad's fast path against gensim 4, speed and quality, in one run.

    python benchmarks/word2vec_gensim.py                 # 3 seeds each side, the issue's setting
    python benchmarks/word2vec_gensim.py --repeats 1 --json out/w2v.json

The setting (issue 14): the lower-cased Brown corpus (57,340 sentences, 1,161,192 tokens),
skip-gram, vector_size 100, window 15, 5 epochs, min_count 5, negative 5, sample 1e-4,
alpha 0.025 -> 0.0001, 2 worker threads. Every (library, seed) run is a fresh process (the
libraries alternate), timed around ``train()`` only (the vocabulary is built first, and
deepgrad's kernel is compiled on a warm-up corpus first: gensim's Cython is compiled at
install). Both sides' vectors are scored by deepgrad's evaluation, which equals gensim's
``evaluate_word_pairs`` / ``evaluate_word_analogies(restrict_vocab=30000)`` on the same
vectors (tests/tasks/test_word2vec_task.py). words/s = corpus tokens x epochs / train seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETTING = dict(vector_size=100, window=15, min_count=5, sg=1, negative=5, sample=1e-4,
               alpha=0.025, min_alpha=1e-4, epochs=5, workers=2)


def _brown() -> list[list[str]]:
    from deepgrad.data import brown_corpus

    return [[w.lower() for w, _ in s] for s in brown_corpus(tagset="brown")]


def worker(lib: str, seed: int, limit: int | None, epochs: int) -> dict:
    from deepgrad.models.keyed_vectors import KeyedVectors
    from deepgrad.tasks.word2vec.evaluation import evaluate_all

    sents = _brown()[:limit]
    setting = dict(SETTING, epochs=epochs)
    tokens = sum(map(len, sents))
    if lib == "gensim":
        import gensim
        from gensim.models import Word2Vec

        model = Word2Vec(seed=seed, **setting)
        model.build_vocab(sents)
        t0 = time.perf_counter()
        model.train(sents, total_examples=model.corpus_count, epochs=model.epochs)
        seconds = time.perf_counter() - t0
        kv = KeyedVectors(list(model.wv.index_to_key), model.wv.vectors)
        version = gensim.__version__
    else:
        import deepgrad
        from deepgrad.models.word2vec import Word2Vec

        Word2Vec(sents[:200], **dict(setting, epochs=1))  # compile (or load) the kernel
        model = Word2Vec(seed=seed, **setting)
        model.build_vocab(sents)
        t0 = time.perf_counter()
        model.train(sents)
        seconds = time.perf_counter() - t0
        kv = model.wv
        version = deepgrad.__version__
    metrics = evaluate_all(kv)
    return {"lib": lib, "version": version, "seed": seed, "seconds": seconds,
            "words_per_second": tokens * epochs / seconds, "vocab": len(kv), "tokens": tokens,
            **metrics}


def _run_worker(lib: str, seed: int, limit: int | None, epochs: int) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", lib, "--seed", str(seed),
           "--epochs", str(epochs)] + (["--limit", str(limit)] if limit else [])
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src") + os.pathsep
               + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=3600)
    if proc.returncode != 0:
        raise RuntimeError(f"{lib} worker failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


KEYS = ["wordsim353_spearman", "simlex999_spearman", "analogy_accuracy", "oov_wordsim353",
        "oov_simlex999", "oov_analogy"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3, help="seeds per library (default 3)")
    ap.add_argument("--epochs", type=int, default=SETTING["epochs"])
    ap.add_argument("--limit", type=int, default=None, help="first N sentences only")
    ap.add_argument("--first-seed", type=int, default=1, help="seeds first-seed.. (default 1)")
    ap.add_argument("--json", default=None, help="also write the runs to this file")
    ap.add_argument("--worker", choices=["gensim", "deepgrad"], help=argparse.SUPPRESS)
    ap.add_argument("--seed", type=int, default=1, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.seed, args.limit, args.epochs)))
        return 0
    print(f"CPU: {cpu_model()}, {os.cpu_count()} logical cores; load average at start "
          f"{os.getloadavg()[0]:.1f}")
    print(f"setting: Brown lower-cased, {SETTING}, epochs={args.epochs}"
          + (f", first {args.limit} sentences" if args.limit else ""))
    runs: dict[str, list[dict]] = {"gensim": [], "deepgrad": []}
    for r in range(args.repeats):
        order = ["gensim", "deepgrad"] if r % 2 == 0 else ["deepgrad", "gensim"]
        for lib in order:
            res = _run_worker(lib, args.first_seed + r, args.limit, args.epochs)
            runs[lib].append(res)
            print(f"  {lib:8s} seed {args.first_seed + r}: train {res['seconds']:.1f} s, "
                  f"{res['words_per_second']:,.0f} words/s, WS353 "
                  f"{res['wordsim353_spearman']:.4f}, SimLex {res['simlex999_spearman']:.4f}, "
                  f"analogies {res['analogy_accuracy']:.4f}", flush=True)
    print(f"load average at end {os.getloadavg()[0]:.1f}\n")
    med = {lib: statistics.median(r["seconds"] for r in rs) for lib, rs in runs.items()}
    print(f"| figure | gensim {runs['gensim'][0]['version']} | deepgrad fast path |")
    print("|---|---|---|")
    for lib_key, label in (("seconds", "train seconds, min / median"),):
        g = [r[lib_key] for r in runs["gensim"]]
        d = [r[lib_key] for r in runs["deepgrad"]]
        print(f"| {label} | {min(g):.1f} / {statistics.median(g):.1f} | "
              f"{min(d):.1f} / {statistics.median(d):.1f} |")
    for lib_key in ("words_per_second",):
        g = statistics.median(r[lib_key] for r in runs["gensim"])
        d = statistics.median(r[lib_key] for r in runs["deepgrad"])
        print(f"| words/s (median) | {g:,.0f} | {d:,.0f} |")
    for k in KEYS:
        vals = {lib: [r[k] for r in rs if r[k] is not None] for lib, rs in runs.items()}
        cell = {lib: (f"{statistics.mean(v):.4f} ({min(v):.4f}-{max(v):.4f})" if len(v) > 1
                      else f"{v[0]:.4f}" if v else "-") for lib, v in vals.items()}
        print(f"| {k} (mean, range over seeds) | {cell['gensim']} | {cell['deepgrad']} |")
    print(f"\ntime ratio deepgrad / gensim (medians): {med['deepgrad'] / med['gensim']:.2f} "
          f"(target <= 2)")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps({"cpu": cpu_model(), "runs": runs}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
