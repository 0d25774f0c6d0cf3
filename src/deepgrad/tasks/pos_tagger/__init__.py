"""Week 5, sequence to sequence (aligned): tag every word of a sentence with its part of speech.

    deepgrad pos-tagger                    # the three models on Brown (57 min, 2 loaded cores)
    deepgrad pos-tagger --quick            # 1,500 sentences, small models, seconds
    deepgrad tag "The old man the boat ."  # word/TAG with the run's best model

The course's setting: the Brown corpus in the 12-tag universal tagset, lowercased, 25% of the
sentences held out (seed 42), a vocabulary of the 10,000 most frequent training words. Models
(``deepgrad.models.SequenceTagger``): the course's SimpleRNN (left to right), a bidirectional
LSTM, and the bidirectional LSTM with character-level word features (a char BiLSTM, for words
outside the vocabulary). Each trains with Adam on padded batches (cross-entropy ignores the
padding; cosine decay of the learning rate towards a tenth, gradients clipped to norm 5),
keeping the epoch with the best accuracy on a validation part of the training sentences (5%);
the test sentences are used once, at the end.

Training is ``deepgrad.train.epochs.train_epochs``: after every epoch each model's state
(weights, Adam, RNG, history) is in ``state_<model>.npz`` and its best epoch's weights in
``<model>.npz``, so ``deepgrad pos-tagger --resume --out DIR`` continues an interrupted run
exactly (the same metrics as an uninterrupted run, timings aside); a model that had finished
is not trained again.

metrics.json: ``test_accuracy_<model>`` (padding excluded), ``oov_accuracy_<model>`` (test words
outside the vocabulary), ``baseline_accuracy`` (each word's most frequent training tag),
``best_model`` index / ``test_accuracy`` / ``oov_accuracy`` of the model with the best
validation accuracy (that is the one ``deepgrad tag`` uses); per model also
``val_accuracy_<model>``, ``best_epoch_<model>`` (1-based) and ``epoch_seconds_<model>`` (the
best epoch's time, its validation included).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ...data.brown_tags import UNIVERSAL_TAGS
from ...functional import plain as F
from ...models.tagger import TAGGER_KINDS, SequenceTagger
from ...tensor import Tensor, no_grad
from ...train.checkpoint import load_checkpoint
from ...train.epochs import train_epochs
from ..contract import Result, TaskError, param
from .corpus import (
    IGNORE,
    Encoder,
    Sentence,
    make_batches,
    most_frequent_tag_baseline,
    split_sentences,
    tokenize,
)

NAME = "pos-tagger"
WEEK = 5
SUMMARY = "tag Brown sentences with universal parts of speech: SimpleRNN, BiLSTM, char BiLSTM"
HEADLINE = "test_accuracy"


@dataclass
class Config:
    models: str = param("simple_rnn,bilstm,char_bilstm",
                        "comma-separated models to train: simple_rnn, bilstm, char_bilstm")
    epochs: int = param(6, "passes over the training sentences, per model")
    batch_size: int = param(64, "sentences per gradient step")
    lr: float = param(3e-3, "Adam's initial learning rate (cosine decay to a tenth)")
    embedding_dim: int = param(100, "word embedding size")
    hidden_size: int = param(128, "recurrent state size (per direction)")
    char_embedding_dim: int = param(25, "character embedding size (char_bilstm)")
    char_hidden_size: int = param(25, "character LSTM state size per direction (char_bilstm)")
    dropout: float = param(0.25, "dropout on the word features and the recurrent outputs")
    max_words: int = param(10000, "vocabulary: the most frequent training words")
    test_size: float = param(0.25, "fraction of sentences held out for the test")
    split_seed: int = param(42, "random_state of the train/test split (the course's 42)")
    val_fraction: float = param(0.05, "fraction of training sentences used to pick the epoch")
    limit: int | None = param(None, "use only the first N Brown sentences")
    data_path: str | None = param(None, "read the Brown files (ca01..cr09) from this folder "
                                        "instead of the store")


QUICK = Config(epochs=2, limit=600, batch_size=32, lr=1e-2, embedding_dim=32, hidden_size=32,
               char_embedding_dim=12, char_hidden_size=12, max_words=2000)


def model_kinds(cfg: Config) -> list[str]:
    """The models ``cfg.models`` names, in order (each once: it has one state file)."""
    kinds = [k.strip() for k in cfg.models.split(",") if k.strip()]
    bad = [k for k in kinds if k not in TAGGER_KINDS]
    if bad or not kinds or len(set(kinds)) < len(kinds):
        raise TaskError(f"pos-tagger: models must be a comma-separated list of "
                        f"{', '.join(TAGGER_KINDS)}, each at most once; got {cfg.models!r}")
    return kinds


def build(cfg: Config, kind: str, enc: Encoder) -> SequenceTagger:
    """An untrained ``SequenceTagger`` of ``kind`` for ``enc``'s vocabulary and tags."""
    return SequenceTagger(len(enc.words), len(enc.tags), kind, cfg.embedding_dim,
                          cfg.hidden_size, len(enc.chars), cfg.char_embedding_dim,
                          cfg.char_hidden_size, cfg.dropout)


def _logits(model: SequenceTagger, b: Any) -> Any:
    return model(b.words, b.lengths, b.chars, b.char_lengths, b.word_index)


def predict_tags(model: SequenceTagger, enc: Encoder, sents: list[Sentence],
                 batch_size: int = 256) -> list[np.ndarray]:
    """The predicted tag ids of every sentence (in order)."""
    model.eval()
    out: list[np.ndarray] = [np.zeros(0, np.int64)] * len(sents)
    chars = model.kind == "char_bilstm"
    with no_grad():
        for b in make_batches(enc, sents, batch_size, chars):
            pred = _logits(model, b).data.argmax(axis=-1)
            for n, i in enumerate(b.order):
                out[i] = pred[: b.lengths[n], n]
    return out


def evaluate(model: SequenceTagger, enc: Encoder, sents: list[Sentence]) -> dict[str, float]:
    """Token accuracy (padding never counts) overall and on out-of-vocabulary words."""
    preds = predict_tags(model, enc, sents)
    right = total = oov_right = oov_total = 0
    for s, p in zip(sents, preds, strict=True):
        gold = enc.encode_tags([t for _, t in s])
        oov = enc.encode_words([w for w, _ in s]) == 1
        ok = p == gold
        right += int(ok.sum())
        total += len(s)
        oov_right += int(ok[oov].sum())
        oov_total += int(oov.sum())
    return {"accuracy": right / total,
            "oov_accuracy": oov_right / oov_total if oov_total else float("nan"),
            "tokens": total, "oov_tokens": oov_total}


def _loss(model: SequenceTagger, b: Any) -> Tensor:
    logits = _logits(model, b)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), b.tags.reshape(-1),
                           ignore_index=IGNORE)


def train_one(cfg: Config, kind: str, enc: Encoder, train: list[Sentence],
              val: list[Sentence], out: Path) -> tuple[SequenceTagger, dict[str, Any]]:
    """Train one model with ``train_epochs`` and return it with its best epoch's weights and
    ``{"val_accuracy", "epoch" (1-based), "train_seconds"}`` of that epoch.

    Adam at ``cfg.lr`` with a cosine decay towards a tenth, gradients clipped to norm 5, the
    epoch with the highest validation accuracy kept (the first, on a tie) in
    ``out/<kind>.npz``; ``out/state_<kind>.npz`` after every epoch continues an interrupted
    model exactly, and a finished one is only reloaded."""
    model = build(cfg, kind, enc)
    chars = kind == "char_bilstm"
    n_params = sum(p.data.size for p in model.parameters())
    print(f"{kind}: {n_params:,} parameters, {cfg.epochs} epochs on {len(train):,} sentences")
    history = train_epochs(
        model, lambda rng: make_batches(enc, train, cfg.batch_size, chars, rng), _loss,
        lambda m: evaluate(m, enc, val)["accuracy"], epochs=cfg.epochs, lr=cfg.lr,
        state_path=out / f"state_{kind}.npz", best_path=out / f"{kind}.npz", clip=5.0,
        name=kind, steps_per_epoch=-(-len(train) // cfg.batch_size), lr_floor=0.1,
        maximize=True)
    best = history["best_epoch"][0]
    return model, {"val_accuracy": history["val"][best], "epoch": best + 1,
                   "train_seconds": history["seconds"][best]}


def _data(cfg: Config) -> tuple[list[Sentence], dict[str, str]]:
    from ...data import brown_corpus
    from ...data.store import dataset_dir, md5_file

    sents = brown_corpus("universal", path=cfg.data_path)
    folder = Path(cfg.data_path) if cfg.data_path else dataset_dir("brown")
    sums = {}
    cats = folder / "cats.txt"
    if cats.is_file():
        sums["brown/cats.txt"] = md5_file(cats)
    if cfg.limit:
        sents = sents[: cfg.limit]
    sents = [[(w.lower(), t) for w, t in s] for s in sents if s]
    return sents, sums


def run(cfg: Config, out: Path, resume: bool = False) -> Result:
    """Read Brown, split it as the course, train each model, evaluate on the held-out 25%.

    With ``resume`` (``out`` an interrupted run's directory) every model continues from its
    ``state_<model>.npz`` (see ``train_one``); the data, split and vocabulary are rebuilt
    deterministically from the config."""
    kinds = model_kinds(cfg)
    sents, sums = _data(cfg)
    train_all, test = split_sentences(sents, cfg.test_size, cfg.split_seed)
    n_val = max(1, int(round(cfg.val_fraction * len(train_all))))
    perm = np.random.default_rng(cfg.split_seed).permutation(len(train_all))
    val = [train_all[i] for i in perm[:n_val]]
    train = [train_all[i] for i in perm[n_val:]]
    enc = Encoder.build(train_all, cfg.max_words)
    tmp = out / ".vocabulary.json.tmp"
    tmp.write_text(json.dumps(enc.to_dict()))
    tmp.replace(out / "vocabulary.json")
    baseline = most_frequent_tag_baseline(train_all, test)
    print(f"{len(train):,} training, {len(val):,} validation, {len(test):,} test sentences; "
          f"{len(enc.words) - 2:,} words, {len(enc.chars) - 2} characters; "
          f"most-frequent-tag baseline {baseline:.4f}")
    metrics: dict[str, Any] = {"baseline_accuracy": baseline}
    best_val, best_kind = -1.0, kinds[0]
    for kind in kinds:
        model, info = train_one(cfg, kind, enc, train, val, out)
        ev = evaluate(model, enc, test)
        print(f"{kind}: test_accuracy {ev['accuracy']:.4f}, oov_accuracy "
              f"{ev['oov_accuracy']:.4f} ({ev['oov_tokens']:,} of {ev['tokens']:,} test words "
              f"outside the vocabulary)")
        metrics[f"test_accuracy_{kind}"] = ev["accuracy"]
        metrics[f"oov_accuracy_{kind}"] = ev["oov_accuracy"]
        metrics[f"val_accuracy_{kind}"] = info["val_accuracy"]
        metrics[f"best_epoch_{kind}"] = info["epoch"]
        metrics[f"epoch_seconds_{kind}"] = info["train_seconds"]
        if info["val_accuracy"] > best_val:
            best_val, best_kind = info["val_accuracy"], kind
    metrics["test_accuracy"] = metrics[f"test_accuracy_{best_kind}"]
    metrics["oov_accuracy"] = metrics[f"oov_accuracy_{best_kind}"]
    metrics["best_model"] = TAGGER_KINDS.index(best_kind)
    metrics["test_tokens"] = ev["tokens"]
    metrics["test_oov_tokens"] = ev["oov_tokens"]
    (out / "best_model.txt").write_text(best_kind + "\n")
    artifacts = {"vocabulary": "vocabulary.json", "best model": "best_model.txt"}
    artifacts.update({f"weights ({k})": f"{k}.npz" for k in kinds})
    return Result({k: (None if isinstance(v, float) and math.isnan(v) else v)
                   for k, v in metrics.items()}, artifacts, sums)


class Tagger:
    """A trained tagger: ``tag("a sentence")`` -> ``[(word, TAG), ...]``."""

    def __init__(self, model: SequenceTagger, enc: Encoder) -> None:
        self.model, self.enc = model, enc

    def tag_tokens(self, tokens: list[str]) -> list[tuple[str, str]]:
        if not tokens:
            raise TaskError("tag: the sentence is empty (no words to tag)")
        sent = [(w.lower(), self.enc.tags[0]) for w in tokens]
        pred = predict_tags(self.model, self.enc, [sent])[0]
        return [(w, self.enc.tags[int(p)]) for w, p in zip(tokens, pred, strict=True)]

    def tag(self, sentence: str) -> list[tuple[str, str]]:
        return self.tag_tokens(tokenize(sentence))


def load(out: Path, kind: str | None = None) -> Tagger:
    """The tagger a finished run trained: its best model (or ``kind``)."""
    from ..rundir import read_run

    out = Path(out)
    run_ = read_run(out, NAME)
    vocab = out / "vocabulary.json"
    if not vocab.is_file():
        raise TaskError(f"{vocab}: missing; expected the vocabulary of a finished pos-tagger run")
    try:
        enc = Encoder.from_dict(json.loads(vocab.read_text()), str(vocab))
    except (ValueError, json.JSONDecodeError) as e:
        raise TaskError(f"{vocab}: corrupt vocabulary ({e})") from None
    if kind is None:
        best = out / "best_model.txt"
        if not best.is_file():
            raise TaskError(f"{best}: missing; the run did not finish")
        kind = best.read_text().strip()
    if kind not in TAGGER_KINDS:
        raise TaskError(f"pos-tagger: no model {kind!r}; the models are {TAGGER_KINDS}")
    weights = out / f"{kind}.npz"
    if not weights.is_file():
        raise TaskError(f"{weights}: missing; this run did not train {kind}")
    model = build(run_.config, kind, enc)
    model.load_state_dict(load_checkpoint(weights)["model"])
    model.eval()
    return Tagger(model, enc)


def predict(predictor: Tagger, inputs: list[str]) -> list[str]:
    """``deepgrad predict pos-tagger "sentence" ...``: one line per sentence, word/TAG."""
    return [" ".join(f"{w}/{t}" for w, t in predictor.tag(s)) for s in inputs]


__all__ = ["NAME", "Config", "QUICK", "run", "load", "Tagger", "predict", "UNIVERSAL_TAGS"]
