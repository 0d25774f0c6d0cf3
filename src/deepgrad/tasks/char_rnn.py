"""Week 5, sequential output: a character-level language model of first names (the 1990 US
Census lists), sampled with a prefix and a temperature.

    deepgrad char-rnn                               # LSTM; --cell gru / rnn
    deepgrad char-rnn --quick                       # seconds
    deepgrad sample char-rnn --prefix Al --temperature 0.8

Every name is a sequence ``<start> A l i c e <end>`` (the start token is shown as a space, as
in the course's " Al"); the model reads it and predicts each next character, the end included.
The distinct names are shuffled with ``data_seed`` and split 80/10/10 into training,
validation (picks the best epoch; tunes the trigram's discount) and test names, never seen.
Figures: ``test_nll_per_char``, the model's mean negative log-likelihood (nats) of each test
character and end token; ``baseline_nll_per_char``, the same for an interpolated Kneser-Ney
character trigram fit on the training names; and, of ``samples`` names sampled at
``temperature``, ``novel_fraction`` (not a training name) and ``heldout_hit_fraction`` (a test
name: real names the model was never shown).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from .. import decode
from .. import functional as F
from ..models.char_rnn import CharRNN
from ..models.ngram import KneserNeyLM
from ..tensor import no_grad
from ..train.checkpoint import load_checkpoint, save_checkpoint
from ..train.epochs import train_epochs
from .contract import Result, TaskError, param

NAME = "char-rnn"
WEEK = 5
SUMMARY = "generate first names with a character-level LSTM/GRU/RNN (census names)"
HEADLINE = "test_nll_per_char"

PAD, START, END = 0, 1, 2
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


@dataclass
class Config:
    cell: Literal["lstm", "gru", "rnn"] = param("lstm", "the recurrent layer")
    hidden: int = param(256, "recurrent state size")
    embed: int = param(32, "character embedding size")
    num_layers: int = param(1, "stacked recurrent layers")
    dropout: float = param(0.2, "dropout before the read-out (and between layers)")
    epochs: int = param(20, "passes over the training names")
    batch_size: int = param(64, "names per gradient step")
    lr: float = param(3e-3, "Adam's initial learning rate (cosine decay to 0)")
    samples: int = param(2000, "names sampled for novel_fraction / heldout_hit_fraction")
    temperature: float = param(1.0, "sampling temperature of those samples")
    max_len: int = param(20, "the longest name a sample may grow to")
    limit: int | None = param(None, "use only the first N training names")
    data_seed: int = param(0, "seed of the train/validation/test split")


QUICK = Config(epochs=2, hidden=64, limit=800, samples=200)


class Alphabet:
    """Tokens: 0 padding, 1 start (shown as a space), 2 end, then the letters."""

    def __init__(self, letters: str = LETTERS) -> None:
        self.letters = letters
        self.index = {c: i + 3 for i, c in enumerate(letters)}

    @property
    def size(self) -> int:
        return len(self.letters) + 3

    def encode(self, text: str, where: str = "char-rnn") -> list[int]:
        bad = sorted({c for c in text if c not in self.index})
        if bad:
            raise TaskError(f"{where}: {text!r} has characters {''.join(bad)!r} the model does "
                            f"not know; it knows {self.letters!r}")
        return [self.index[c] for c in text]

    def decode(self, tokens: list[int]) -> str:
        return "".join(self.letters[t - 3] for t in tokens if t >= 3)


def split_names(seed: int) -> tuple[list[str], list[str], list[str], dict[str, str]]:
    """The distinct census first names, shuffled and split 80/10/10 (train, val, test)."""
    from ..data.names import NAMES_FILES, names
    from ..data.store import dataset_dir, md5_file

    distinct = sorted({n for n, _ in names()})
    order = np.random.default_rng(seed).permutation(len(distinct))
    shuffled = [distinct[i] for i in order]
    a, b = int(0.8 * len(shuffled)), int(0.9 * len(shuffled))
    folder = dataset_dir("names")
    sums = {f"names/{f}": md5_file(folder / f) for f in NAMES_FILES if f.endswith(".first")}
    return shuffled[:a], shuffled[a:b], shuffled[b:], sums


def _arrays(seqs: list[list[int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(inputs (N, T) = start + chars, targets (N, T) = chars + end (-100 on padding), lengths)."""
    T = max(len(s) for s in seqs) + 1
    x = np.full((len(seqs), T), PAD, dtype=np.int64)
    y = np.full((len(seqs), T), -100, dtype=np.int64)
    for i, s in enumerate(seqs):
        x[i, :len(s) + 1] = [START] + s
        y[i, :len(s) + 1] = s + [END]
    return x, y, np.array([len(s) + 1 for s in seqs], dtype=np.int64)


def _batches(x: np.ndarray, y: np.ndarray, lengths: np.ndarray, size: int, rng: Any):
    order = rng.permutation(len(x)) if rng is not None else np.arange(len(x))
    for s in range(0, len(order), size):
        idx = order[s:s + size]
        T = int(lengths[idx].max())
        yield x[idx, :T], y[idx, :T], lengths[idx]


def _loss(model: CharRNN, batch: tuple, reduction: str = "mean") -> Any:
    x, y, lengths = batch
    logits = model(x, lengths)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1),
                           reduction=reduction)


def nll_per_char(model: CharRNN, data: tuple) -> float:
    """Mean negative log-likelihood (nats) per target token (characters and end)."""
    x, y, lengths = data
    total = 0.0
    model.eval()
    with no_grad():
        for b in _batches(x, y, lengths, 500, None):
            total += float(_loss(model, b, "sum").data)
    return total / float((y != -100).sum())


def build(cfg: Config) -> CharRNN:
    return CharRNN(Alphabet().size, cfg.embed, cfg.hidden, cfg.cell, cfg.num_layers,
                   cfg.dropout)


def _trigram(train: list[list[int]], val: list[list[int]]) -> tuple[KneserNeyLM, float]:
    best: tuple[float, KneserNeyLM] | None = None
    for d in (0.5, 0.6, 0.7, 0.8, 0.9):
        lm = KneserNeyLM(Alphabet().size, START, END, order=3, discount=d).fit(train)
        nll = -float(lm.logprob(val).mean())
        if best is None or nll < best[0]:
            best = (nll, lm)
    assert best is not None
    return best[1], best[1].D


def run(cfg: Config, out: Path, resume: bool = False) -> Result:
    """Split the names, fit the trigram baseline, train the RNN, evaluate, sample."""
    if not cfg.temperature > 0:
        raise TaskError(f"char-rnn: temperature must be > 0, got {cfg.temperature}")
    train, val, test, sums = split_names(cfg.data_seed)
    if cfg.limit:
        train = train[:cfg.limit]
    ab = Alphabet()
    enc = {k: [ab.encode(n) for n in v] for k, v in (("train", train), ("val", val),
                                                      ("test", test))}
    lm, discount = _trigram(enc["train"], enc["val"])
    baseline = -float(lm.logprob(enc["test"]).mean())
    tr, va, te = _arrays(enc["train"]), _arrays(enc["val"]), _arrays(enc["test"])
    model = build(cfg)
    history = train_epochs(
        model, lambda rng: _batches(*tr, cfg.batch_size, rng), _loss,
        lambda m: nll_per_char(m, va), epochs=cfg.epochs, lr=cfg.lr,
        state_path=out / "state.npz", best_path=out / "best.npz", name=f"char-rnn {cfg.cell}",
        steps_per_epoch=-(-len(train) // cfg.batch_size))
    save_checkpoint(out / "weights.npz", model, epoch=history["best_epoch"][0])
    sampler = NameSampler(model, ab, cfg.max_len)
    names_ = sampler.sample(cfg.samples, temperature=cfg.temperature,
                            rng=np.random.default_rng(cfg.data_seed + 1))
    train_set, test_set = set(train), set(test)
    course = sampler.sample(10, prefix="Al", temperature=cfg.temperature,
                            rng=np.random.default_rng(cfg.data_seed + 2))
    (out / "samples.txt").write_text("\n".join(names_) + "\n")
    print(f"  ' Al' at temperature {cfg.temperature}: {', '.join(course)}")
    metrics = {
        "test_nll_per_char": nll_per_char(model, te),
        "baseline_nll_per_char": baseline,
        "val_nll_per_char": min(history["val"]),
        "novel_fraction": float(np.mean([n not in train_set for n in names_])),
        "heldout_hit_fraction": float(np.mean([n in test_set for n in names_])),
        "trigram_discount": discount,
        "best_epoch": history["best_epoch"][0] + 1, "epochs": cfg.epochs,
        "train_names": len(train), "test_names": len(test),
    }
    return Result(metrics, {"weights": "weights.npz", "samples": "samples.txt"}, sums)


class NameSampler:
    """A trained name model: ``sample(n, prefix="", temperature=1.0, top_k=None)`` -> names."""

    def __init__(self, model: CharRNN, alphabet: Alphabet, max_len: int = 20) -> None:
        self.model, self.alphabet, self.max_len = model, alphabet, max_len

    def sample(self, n: int, prefix: str = "", temperature: float = 1.0,
               top_k: int | None = None, rng: np.random.Generator | None = None) -> list[str]:
        if n < 1:
            raise TaskError(f"char-rnn: the number of samples must be >= 1, got {n}")
        if not temperature > 0:
            raise TaskError(f"char-rnn: temperature must be > 0, got {temperature}")
        if len(prefix) >= self.max_len:
            raise TaskError(f"char-rnn: prefix {prefix!r} is not shorter than max_len "
                            f"{self.max_len}")
        start = np.array([[START] + self.alphabet.encode(prefix, "char-rnn prefix")] * n)
        self.model.eval()
        res = decode.sample(self.model.step, start, None, max_len=self.max_len - len(prefix),
                            end=END, temperature=temperature, top_k=top_k, rng=rng, pad=PAD)
        return [prefix + self.alphabet.decode(s) for s in res.sequences()]

    def most_likely(self, prefix: str = "", beam_width: int = 5) -> str:
        """The most probable name with this prefix (beam search, GNMT length normalization)."""
        start = np.array([[START] + self.alphabet.encode(prefix, "char-rnn prefix")])
        res = decode.beam_search(self.model.step, start, None, max_len=self.max_len,
                                 end=END, beam_width=beam_width, batch_axis=1)
        return prefix + self.alphabet.decode(res.sequences()[0])


def load(out: Path) -> NameSampler:
    """The name model a finished run trained."""
    from .rundir import read_run

    run_ = read_run(out, NAME)
    path = Path(out) / "weights.npz"
    if not path.is_file():
        raise TaskError(f"{path}: missing; expected the weights of a finished char-rnn run")
    model = build(run_.config)
    model.load_state_dict(load_checkpoint(path)["model"])
    model.eval()
    return NameSampler(model, Alphabet(), run_.config.max_len)


def sample(sampler: NameSampler, n: int, seed: int, prefix: str = "", temperature: float = 1.0,
           top_k: int | None = None) -> list[str]:
    """``deepgrad sample char-rnn``: ``n`` names (seeded)."""
    return sampler.sample(n, prefix, temperature, top_k, np.random.default_rng(seed))
