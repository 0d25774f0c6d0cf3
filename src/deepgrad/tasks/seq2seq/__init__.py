"""Week 5, sequence to sequence (unaligned): normalize human-written dates to ISO 8601 with an
encoder-decoder with attention, against the same encoder-decoder without attention.

    deepgrad seq2seq                        # additive attention + the no-attention baseline
    deepgrad seq2seq --attention dot        # scaled dot-product attention
    deepgrad seq2seq --quick                # seconds, on 1,000 pairs
    deepgrad predict seq2seq "3rd of March, 1987" "Tue 3/3/87"

Data (``deepgrad.data.dates``): real calendar days of 1969-2068 written in 18 formats and three
cases ("3rd of March, 1987", "Tue 3/3/87", "MARCH 3 1987" ...) and their ISO form
("1987-03-03"). ``test_years`` of the 100 years (drawn with ``data_seed``) are held out: no
training or validation date falls in them, so the test measures composing years never seen.
Both models train with teacher forcing (the decoder reads the true previous character), Adam,
a cosine learning-rate decay, gradient clipping at norm 5, keeping the epoch with the best
validation loss. Test figures: the fraction of test inputs whose whole 10-character output is
right, with greedy decoding and with beam search (``deepgrad.decode``). ``attention.png``
shows the attention weights of four test inputs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from ... import functional as F
from ...data.dates import FORMATS, date_pairs, longest_text, split_years
from ...models.seq2seq import Seq2Seq
from ...train.checkpoint import load_checkpoint, save_checkpoint
from ...train.epochs import train_epochs
from ..contract import Result, TaskError, param
from .coding import SourceCoder, batches, encode_targets
from .evaluate import attention_of, exact_match, normalize
from .pictures import attention_heatmap

NAME = "seq2seq"
WEEK = 5
SUMMARY = "translate human-written dates to ISO 8601 with an attention encoder-decoder"
HEADLINE = "exact_match_beam"


@dataclass
class Config:
    attention: Literal["additive", "dot"] = param("additive", "the attention score: additive "
                                                  "(Bahdanau) or scaled dot product")
    train_size: int = param(40000, "training pairs (from the training years)")
    val_size: int = param(2000, "validation pairs (training years; picks the best epoch)")
    test_size: int = param(5000, "test pairs (from the held-out years only)")
    test_years: int = param(15, "years of 1969-2068 held out for the test")
    epochs: int = param(6, "passes over the training pairs (each model)")
    batch_size: int = param(128, "pairs per gradient step")
    lr: float = param(3e-3, "Adam's initial learning rate (cosine decay to 0)")
    embed: int = param(32, "character embedding size")
    enc_hidden: int = param(64, "encoder GRU size per direction")
    hidden: int = param(128, "decoder GRU size")
    attn_size: int = param(64, "hidden size of the additive attention's score layer")
    beam_width: int = param(5, "beam width of the beam-search figures")
    baseline: bool = param(True, "also train the encoder-decoder without attention")
    data_seed: int = param(0, "seed of the held-out years and of the drawn dates")


QUICK = Config(train_size=1000, val_size=100, test_size=200, epochs=1, batch_size=50, hidden=64,
               enc_hidden=32, attn_size=32)


def _data(cfg: Config) -> dict[str, Any]:
    train_years, test_years = split_years(cfg.test_years, cfg.data_seed)
    pairs = date_pairs(cfg.train_size + cfg.val_size, train_years, cfg.data_seed + 1)
    test = date_pairs(cfg.test_size, test_years, cfg.data_seed + 2)
    return {"train": pairs[:cfg.train_size], "val": pairs[cfg.train_size:], "test": test,
            "train_years": train_years, "test_years": test_years}


def build(cfg: Config, attention: str, coder: SourceCoder) -> Seq2Seq:
    """The untrained model of this config (attention "additive", "dot" or "none")."""
    from .coding import TARGET_CHARS

    return Seq2Seq(coder.vocab_size, 2 + len(TARGET_CHARS), cfg.embed, cfg.enc_hidden,
                   cfg.hidden, attention, cfg.attn_size)  # type: ignore[arg-type]


def _loss(model: Seq2Seq, batch: tuple) -> Any:
    src, lengths, y_in, y = batch
    logits, _ = model(src, lengths, y_in)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))


def _train(cfg: Config, attention: str, coder: SourceCoder, data: dict, out: Path,
           tag: str) -> tuple[Seq2Seq, dict]:
    src, lens = coder.encode([a for a, _ in data["train"]])
    tgt = encode_targets([b for _, b in data["train"]])
    vsrc, vlens = coder.encode([a for a, _ in data["val"]])
    vtgt = encode_targets([b for _, b in data["val"]])
    model = build(cfg, attention, coder)

    def validate(m: Seq2Seq) -> float:
        total = 0.0
        for b in batches(vsrc, vlens, vtgt, 500, None):
            total += float(_loss(m, b).data) * len(b[0])
        return total / len(vsrc)

    steps = -(-len(src) // cfg.batch_size)
    history = train_epochs(
        model, lambda rng: batches(src, lens, tgt, cfg.batch_size, rng), _loss, validate,
        epochs=cfg.epochs, lr=cfg.lr, state_path=out / f"state_{tag}.npz",
        best_path=out / f"best_{tag}.npz", name=f"seq2seq {tag}", steps_per_epoch=steps)
    save_checkpoint(out / f"weights_{tag}.npz", model, epoch=history["best_epoch"][0])
    return model, history


def run(cfg: Config, out: Path, resume: bool = False) -> Result:
    """Draw the dates, train the attention model (and the baseline), evaluate on held-out
    years, draw the attention heatmap."""
    if cfg.beam_width < 1:
        raise TaskError(f"seq2seq: beam_width must be >= 1, got {cfg.beam_width}")
    data = _data(cfg)
    coder = SourceCoder(max_len=longest_text())  # longer than any format writes: refused
    (out / "vocab.json").write_text(json.dumps({"source": coder.chars,
                                                "max_len": coder.max_len}))
    texts = [a for a, _ in data["test"]]
    truth = [b for _, b in data["test"]]
    assert not {int(b[:4]) for _, b in data["train"] + data["val"]} & set(data["test_years"])
    model, hist = _train(cfg, cfg.attention, coder, data, out, cfg.attention)
    greedy = normalize(model, coder, texts, 1)
    beam = normalize(model, coder, texts, cfg.beam_width)
    fmt_of = _format_of(data["test"])
    per_format = [exact_match([beam[i] for i in idx], [truth[i] for i in idx])
                  for idx in fmt_of.values()]
    metrics: dict[str, Any] = {
        "exact_match_greedy": exact_match(greedy, truth),
        "exact_match_beam": exact_match(beam, truth),
        "exact_match_beam_worst_format": min(per_format),
        "char_accuracy_beam": float(np.mean([sum(a == b for a, b in zip(p, t, strict=False))
                                             / len(t) for p, t in zip(beam, truth,
                                                                      strict=True)])),
        "val_loss": min(hist["val"]), "best_epoch": hist["best_epoch"][0] + 1,
        "epochs": cfg.epochs, "train_pairs": len(data["train"]), "test_pairs": len(texts),
        "test_years": len(data["test_years"]),
    }
    wrong = [f"{t!r} -> {p} (truth {y})" for t, p, y in zip(texts, beam, truth, strict=True)
             if p != y]
    (out / "errors.txt").write_text("\n".join(wrong[:200]) + ("\n" if wrong else ""))
    artifacts = {"weights": f"weights_{cfg.attention}.npz", "vocabulary": "vocab.json",
                 "beam-search errors": "errors.txt"}
    if cfg.baseline:
        base, bhist = _train(cfg, "none", coder, data, out, "none")
        metrics["exact_match_greedy_noattention"] = exact_match(
            normalize(base, coder, texts, 1), truth)
        metrics["exact_match_beam_noattention"] = exact_match(
            normalize(base, coder, texts, cfg.beam_width), truth)
        metrics["val_loss_noattention"] = min(bhist["val"])
        artifacts["baseline weights"] = "weights_none.npz"
    else:
        metrics["exact_match_greedy_noattention"] = None
        metrics["exact_match_beam_noattention"] = None
    # four test inputs of different formats for the picture
    picks = [idx[0] for idx in list(fmt_of.values())[:: max(1, len(fmt_of) // 4)]][:4]
    panels = [(texts[i], *attention_of(model, coder, texts[i])) for i in picks]
    if attention_heatmap(panels, out / "attention.png",
                         f"{cfg.attention} attention, test years held out"):
        artifacts["attention heatmap"] = "attention.png"
    for t, o, _ in panels:
        print(f"  {t!r} -> {o}")
    return Result(metrics, artifacts, {})


def _format_of(pairs: list[tuple[str, str]]) -> dict[int, list[int]]:
    """Test indices by the format that wrote them (recomputed from the date)."""
    import datetime as dt

    from ...data.dates import human_date

    groups: dict[int, list[int]] = {}
    for i, (text, iso) in enumerate(pairs):
        d = dt.date.fromisoformat(iso)
        for f in range(len(FORMATS)):
            if any(human_date(d, f, c) == text for c in range(3)):
                groups.setdefault(f, []).append(i)
                break
    return dict(sorted(groups.items()))


class DateNormalizer:
    """A trained date model: ``normalize(texts, beam_width=5) -> ISO strings``."""

    def __init__(self, model: Seq2Seq, coder: SourceCoder, beam_width: int) -> None:
        self.model, self.coder, self.beam_width = model, coder, beam_width

    def normalize(self, texts: list[str], beam_width: int | None = None) -> list[str]:
        return normalize(self.model, self.coder, list(texts), beam_width or self.beam_width)

    def attention(self, text: str) -> tuple[str, np.ndarray]:
        """The greedy output and its attention weights (output steps x input characters)."""
        return attention_of(self.model, self.coder, text)


def load(out: Path) -> DateNormalizer:
    """The attention model a finished run trained."""
    from ..rundir import read_run

    run_ = read_run(out, NAME)
    cfg = run_.config
    path = Path(out) / f"weights_{cfg.attention}.npz"
    if not path.is_file():
        raise TaskError(f"{path}: missing; expected the weights of a finished seq2seq run")
    vocab = json.loads((Path(out) / "vocab.json").read_text())
    coder = SourceCoder(vocab["source"], vocab["max_len"])
    model = build(cfg, cfg.attention, coder)
    model.load_state_dict(load_checkpoint(path)["model"])
    model.eval()
    return DateNormalizer(model, coder, cfg.beam_width)


def predict(predictor: DateNormalizer, inputs: list[str]) -> list[str]:
    """``deepgrad predict seq2seq TEXT...``: one line per text, ``text -> YYYY-MM-DD``."""
    return [f"{t} -> {iso}" for t, iso in zip(inputs, predictor.normalize(inputs),
                                              strict=True)]
