"""Week 5, sequential input and one output: read a first name letter by letter, say its sex.

    deepgrad name-gender               # a character LSTM on the 1990 US Census first names
    deepgrad name-gender --quick       # a few epochs on part of the names, seconds
    deepgrad predict name-gender Alex Maria Jordan

The label is the census's majority sex for the name: 5,163 distinct names, of which 331 are on
both the male and the female list; those take the sex whose list gives the name the higher
frequency (percent of that sex's population; the two populations are of similar size). The
3 names with equal frequencies on both lists have no majority and are left out. 20% of the
names (seed 0) are held out for the test; 10% of the rest pick the epoch (the first with the
best validation accuracy). Training is ``deepgrad.train.epochs.train_epochs`` (Adam, cosine decay
towards a tenth of ``lr``, gradients clipped to norm 5): ``state.npz`` after every epoch, so
``--resume`` continues an interrupted run exactly.

metrics.json: ``test_accuracy`` of the character LSTM; ``baseline_accuracy`` of deepgrad's own
logistic regression (``deepgrad.linear.LogisticRegression``, L2, C chosen on the validation
names) on character 1- to 3-grams of ``^name$``; ``majority_accuracy`` (always "female", the
larger class) for scale; ``train_seconds`` is the time of all the epochs (their validation
included, those before a resume too).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..functional import plain as F
from ..models.char_classifier import CharClassifier
from ..tensor import no_grad
from ..train.checkpoint import load_checkpoint
from ..train.epochs import train_epochs
from .contract import Result, TaskError, param

NAME = "name-gender"
WEEK = 5
SUMMARY = "read a first name character by character and predict its census majority sex"
HEADLINE = "test_accuracy"
SEXES = ("female", "male")


@dataclass
class Config:
    epochs: int = param(40, "passes over the training names")
    batch_size: int = param(64, "names per gradient step")
    lr: float = param(3e-3, "Adam's initial learning rate (cosine decay to a tenth)")
    embedding_dim: int = param(16, "character embedding size")
    hidden_size: int = param(64, "LSTM state size")
    bidirectional: bool = param(True, "read the name in both directions")
    dropout: float = param(0.2, "dropout on the final state")
    test_fraction: float = param(0.2, "fraction of names held out for the test")
    limit: int | None = param(None, "use only N names (a random subset, seed 0)")
    data_path: str | None = param(None, "read dist.male.first / dist.female.first from this "
                                        "folder instead of the store")


QUICK = Config(epochs=3, limit=1500, hidden_size=32)


def labelled_names(folder: Path) -> list[tuple[str, int]]:
    """``[(name, 0 female / 1 male), ...]`` by the census majority, ties left out, sorted."""
    from ..data.names import read_census_names

    freq = {}
    for sex in SEXES:
        f = folder / f"dist.{sex}.first"
        if not f.is_file():
            raise TaskError(f"name-gender: {f} not found (the census list dist.{sex}.first)")
        freq[sex] = dict(read_census_names(f))
    out = []
    for name in sorted(set(freq["female"]) | set(freq["male"])):
        fe, ma = freq["female"].get(name, 0.0), freq["male"].get(name, 0.0)
        if fe != ma:
            out.append((name, int(ma > fe)))
    return out


class CharCodes:
    """Characters <-> ids (0 padding, 1 unknown), from the training names, lowercased."""

    def __init__(self, chars: list[str]) -> None:
        self.chars = ["<pad>", "<unk>", *chars]
        self.ids = {c: i for i, c in enumerate(self.chars)}

    def encode(self, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(L, N) ids and (N,) lengths; an empty name is refused."""
        lengths = np.array([len(n) for n in names], np.int64)
        if len(names) and lengths.min() == 0:
            raise TaskError("name-gender: an empty name cannot be classified")
        x = np.zeros((int(lengths.max(initial=1)), len(names)), np.int64)
        for j, n in enumerate(names):
            x[: len(n), j] = [self.ids.get(c, 1) for c in n.lower()]
        return x, lengths


def _split(items: list, test_fraction: float) -> tuple[list, list, list]:
    perm = np.random.default_rng(0).permutation(len(items))
    n_test = int(round(test_fraction * len(items)))
    rest = perm[n_test:]
    n_val = int(round(0.1 * len(rest)))
    pick = lambda idx: [items[i] for i in idx]  # noqa: E731
    return pick(rest[n_val:]), pick(rest[:n_val]), pick(perm[:n_test])


def ngram_baseline(train: list, val: list, test: list) -> tuple[float, float]:
    """deepgrad's LogisticRegression on character 1-3-grams; C picked on ``val``.
    Returns (test accuracy, chosen C)."""
    from sklearn.feature_extraction.text import CountVectorizer

    from ..linear import LogisticRegression

    vec = CountVectorizer(analyzer="char", ngram_range=(1, 3), lowercase=True, min_df=2)
    text = lambda items: [f"^{n}$" for n, _ in items]  # noqa: E731
    xtr = vec.fit_transform(text(train)).toarray().astype(np.float64)
    xva = vec.transform(text(val)).toarray().astype(np.float64)
    xte = vec.transform(text(test)).toarray().astype(np.float64)
    ytr, yva, yte = (np.array([y for _, y in s]) for s in (train, val, test))
    best = (-1.0, 1.0)
    for C in (0.1, 0.3, 1.0, 3.0):
        clf = LogisticRegression(C=C, max_iter=2000).fit(xtr, ytr)
        best = max(best, (float(np.mean(clf.predict(xva) == yva)), C))
    clf = LogisticRegression(C=best[1], max_iter=2000).fit(xtr, ytr)
    return float(np.mean(clf.predict(xte) == yte)), best[1]


def build(cfg: Config, num_chars: int) -> CharClassifier:
    return CharClassifier(num_chars, 2, cfg.embedding_dim, cfg.hidden_size, cfg.bidirectional,
                          cfg.dropout)


def _predict(model: CharClassifier, codes: CharCodes, names: list[str]) -> np.ndarray:
    model.eval()
    probs = []
    with no_grad():
        for s in range(0, len(names), 512):
            x, lens = codes.encode(names[s:s + 512])
            z = model(x, lens).data
            e = np.exp(z - z.max(axis=1, keepdims=True))
            probs.append(e / e.sum(axis=1, keepdims=True))
    return np.concatenate(probs) if probs else np.zeros((0, 2))


def run(cfg: Config, out: Path, resume: bool = False) -> Result:
    """Label the census names, split, train the character LSTM, compare with the n-gram model."""
    from ..data import names as fetch_names
    from ..data.store import dataset_dir, md5_file

    if cfg.data_path is None:
        fetch_names()  # obtains the lists on first use and checks their MD5s
        folder = dataset_dir("names")
    else:
        folder = Path(cfg.data_path)
    items = labelled_names(folder)
    sums = {f"names/dist.{s}.first": md5_file(folder / f"dist.{s}.first") for s in SEXES}
    if cfg.limit:
        keep = np.sort(np.random.default_rng(0).permutation(len(items))[: cfg.limit])
        items = [items[i] for i in keep]
    train, val, test = _split(items, cfg.test_fraction)
    codes = CharCodes(sorted({c for n, _ in train for c in n.lower()}))
    (out / "chars.json").write_text(json.dumps(codes.chars[2:]))
    print(f"{len(items):,} names ({sum(y for _, y in items):,} male): {len(train):,} train, "
          f"{len(val):,} validation, {len(test):,} test")
    model = build(cfg, len(codes.chars))
    names_tr = [n for n, _ in train]
    y_tr = np.array([y for _, y in train])
    y_val = np.array([y for _, y in val])

    def batches(rng: np.random.Generator) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        order = rng.permutation(len(train))
        for s in range(0, len(order), cfg.batch_size):
            idx = order[s:s + cfg.batch_size]
            yield (*codes.encode([names_tr[i] for i in idx]), y_tr[idx])

    def validate(m: CharClassifier) -> float:
        return float(np.mean(_predict(m, codes, [n for n, _ in val]).argmax(1) == y_val))

    # state.npz after every epoch (an interrupted run resumes exactly), weights.npz the best
    history = train_epochs(
        model, batches, lambda m, b: F.cross_entropy(m(b[0], b[1]), b[2]), validate,
        epochs=cfg.epochs, lr=cfg.lr, state_path=out / "state.npz", best_path=out / "weights.npz",
        clip=5.0, name="name-gender", steps_per_epoch=-(-len(train) // cfg.batch_size),
        lr_floor=0.1, maximize=True)
    best_epoch = history["best_epoch"][0] + 1
    best_val = history["val"][best_epoch - 1]
    seconds = sum(history["seconds"])
    y_te = np.array([y for _, y in test])
    test_acc = float(np.mean(_predict(model, codes, [n for n, _ in test]).argmax(1) == y_te))
    baseline, C = ngram_baseline(train, val, test)
    print(f"character LSTM {test_acc:.4f}, n-gram logistic regression {baseline:.4f} (C={C})")
    metrics = {"test_accuracy": test_acc, "baseline_accuracy": baseline,
               "majority_accuracy": float(np.mean(y_te == 0)), "val_accuracy": best_val,
               "best_epoch": best_epoch, "baseline_C": C, "train_seconds": seconds,
               "test_names": len(test)}
    return Result(metrics, {"weights": "weights.npz", "characters": "chars.json"}, sums)


class SexPredictor:
    """``predict_proba(names)`` -> (N, 2) [female, male]; ``predict(names)`` -> labels."""

    def __init__(self, model: CharClassifier, codes: CharCodes) -> None:
        self.model, self.codes = model, codes

    def predict_proba(self, names: list[str]) -> np.ndarray:
        names = [n.strip() for n in names]
        return _predict(self.model, self.codes, names)

    def predict(self, names: list[str]) -> list[str]:
        return [SEXES[int(i)] for i in self.predict_proba(names).argmax(1)]


def load(out: Path) -> SexPredictor:
    from .rundir import read_run

    out = Path(out)
    run_ = read_run(out, NAME)
    for f in ("weights.npz", "chars.json"):
        if not (out / f).is_file():
            raise TaskError(f"{out / f}: missing; expected a finished name-gender run")
    codes = CharCodes(json.loads((out / "chars.json").read_text()))
    model = build(run_.config, len(codes.chars))
    model.load_state_dict(load_checkpoint(out / "weights.npz")["model"])
    model.eval()
    return SexPredictor(model, codes)


def predict(predictor: SexPredictor, inputs: list[str]) -> list[str]:
    """``deepgrad predict name-gender NAME...``: one line per name."""
    p = predictor.predict_proba(inputs)
    return [f"{n}: {SEXES[int(q.argmax())]} (p = {q.max():.3f})"
            for n, q in zip(inputs, p, strict=True)]


__all__: list[Any] = ["NAME", "Config", "QUICK", "run", "load", "predict", "SexPredictor"]
