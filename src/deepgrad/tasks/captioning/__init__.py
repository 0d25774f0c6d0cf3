"""Week 6, the final project: image captioning — a frozen CNN encoder and an LSTM decoder that
writes a sentence about an image, with and without soft attention.

    deepgrad captioning                         # composed MNIST scenes, both decoders
    deepgrad captioning --quick                 # seconds, on 300 scenes
    deepgrad captioning --data coco --data-path ~/coco --encoder efficientnet-lite0
    deepgrad caption scene.png --attention-picture where.png

Data (:mod:`.corpus`): COCO can't be had offline, so by default the images are composed scenes
(two real MNIST digits on a 64 x 64 canvas, five captions each from a grammar, "a small seven to
the left of a large two"), written in COCO 2014's layout and read through the COCO reader; the
test split shows only object pairs in relations never seen in training, so it measures
composition, not memory. Real COCO 2014 and Flickr8k folders run through the same path.

The pipeline: the encoder (:mod:`.features`: a CNN trained here on one-object canvases, or the
pretrained EfficientNet-Lite0) encodes every image once into a memory-mapped feature cache; the
course's decoder (:class:`deepgrad.models.CaptionDecoder`: bottleneck 120 -> LSTM state 300,
word embeddings 100, logit bottleneck 120, vocabulary of words seen 5 times) and the Show,
Attend and Tell decoder train on the cached features with teacher forcing, the loss masked
over padding, Adam (1e-3, cosine decay), batches of 64 images each with one of its captions
drawn per epoch, keeping the epoch with the best validation loss.

Metrics (:mod:`.evaluate`), on the val split (seen compositions, ``val_`` names) and the test
split (held-out compositions): the course's ``val_loss`` and ``next_word_accuracy``; corpus
BLEU-1..4 of greedy and beam-search captions; CIDEr-D; ``content_accuracy`` (the caption names
both objects and their relation right, read back with the grammar). Every figure exists with
``_attention`` and ``_noattention`` suffixes; the plain names are the better decoder's (by test
content accuracy, else test BLEU-4), ``attention_is_better`` says which. The nearest-neighbour
baseline (the caption of the training image with the closest encoder vector) is scored the same
way (``_nn``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from ...data.vocab import Vocabulary
from ...models.captioner import (
    AttentionCaptionDecoder,
    CaptionDecoder,
    SceneEncoder,
    attention_penalty,
    caption_loss,
)
from ...tensor import Tensor
from ...train.checkpoint import load_checkpoint, save_checkpoint
from ...train.epochs import train_epochs
from ..contract import Result, TaskError, param
from ..rundir import write_json
from .content import class_names, content_accuracy, parse_caption
from .corpus import (
    CaptionData,
    caption_records,
    encode_captions,
    vocab_from_json,
    vocab_to_json,
)
from .evaluate import (
    attention_of,
    generate,
    nearest_neighbour_captions,
    score_captions,
    teacher_forced,
)
from .features import (
    Encoder,
    FeatureCache,
    efficientnet_encoder,
    scene_encoder,
    train_scene_encoder,
)

NAME = "captioning"
WEEK = 6
SUMMARY = "describe images in words: a CNN encoder, an LSTM decoder, attention, BLEU and CIDEr"
HEADLINE = "bleu4_beam"
DECODERS = {"noattention": False, "attention": True}


@dataclass
class Config:
    data: Literal["scenes", "coco", "flickr8k"] = param(
        "scenes", "the captioned images: composed scenes, or a user's COCO 2014 / Flickr8k")
    scenes: Literal["mnist", "fashion"] = param("mnist", "the real images the scenes are "
                                                "composed of")
    data_path: str | None = param(None, "read the data from this folder instead of the store")
    train_images: int = param(8000, "training images (the first N of COCO / Flickr8k)")
    val_images: int = param(500, "validation images (pick the best epoch; val_ figures)")
    test_images: int = param(1000, "test images (held-out compositions for the scenes)")
    max_objects: int = param(2, "objects per scene, 2..4 (the captions describe the first two)")
    data_seed: int = param(0, "seed of the scenes and of the held-out compositions")
    encoder: Literal["scene-cnn", "efficientnet-lite0"] = param(
        "scene-cnn", "the frozen image encoder (scene-cnn is trained here, on single objects)")
    image_size: int | None = param(None, "encoder input side (default 64 for scene-cnn, 224 "
                                   "for efficientnet-lite0)")
    encoder_images: int = param(24000, "one-object canvases the scene CNN is trained on")
    encoder_epochs: int = param(6, "epochs of the scene CNN")
    feature_cache: str | None = param(None, "folder of the feature cache (default: the run's "
                                      "features/); share it between runs")
    decoder: Literal["both", "attention", "noattention"] = param(
        "both", "which decoders to train")
    img_bottleneck: int = param(120, "image bottleneck before the LSTM's initial state")
    hidden: int = param(300, "LSTM units")
    embed: int = param(100, "word embedding size")
    logit_bottleneck: int = param(120, "bottleneck before the vocabulary logits")
    attn_size: int | None = param(None, "hidden size of the attention score (default: hidden)")
    attention_penalty: float = param(0.0, "lambda of Show-Attend-Tell's doubly stochastic "
                                     "penalty sum_i (1 - sum_t alpha_ti)^2")
    attention_init: Literal["image", "none"] = param(
        "image", "the attention decoder's initial state: from the mean annotation (Show, Attend "
        "and Tell) or a learned constant (the image reaches it only by attending)")
    word_dropout: float = param(0.0, "in training, the fraction of the decoder's input words "
                                "replaced by UNK (the caption so far says less: look instead)")
    min_count: int = param(5, "keep words seen at least this often in training captions")
    max_len: int = param(20, "longest caption, in words (also the generation limit)")
    long_captions: Literal["error", "drop", "truncate"] = param(
        "error", "what to do with a caption longer than max_len")
    epochs: int = param(20, "passes over the training images (each decoder)")
    batch_size: int = param(64, "images per gradient step (one caption each)")
    lr: float = param(1e-3, "Adam's learning rate (cosine decay to 0)")
    beam_width: int = param(5, "beam width of the beam-search figures")
    length_norm: Literal["gnmt", "average", "none"] = param(
        "gnmt", "how beam search ranks finished captions of different lengths")
    length_alpha: float = param(1.0, "alpha of the gnmt length penalty ((5 + |Y|) / 6) ** "
                                "alpha (1.0 chosen on the val split: 0.6 favoured the short "
                                "count captions, which state no relation)")


QUICK = Config(train_images=300, val_images=40, test_images=40, encoder_images=1000,
               encoder_epochs=1, epochs=2, hidden=64, embed=32, img_bottleneck=32,
               logit_bottleneck=32, min_count=1)


def _check(cfg: Config) -> None:
    if not 0.0 <= cfg.word_dropout < 1.0:
        raise TaskError(f"captioning: word_dropout must be in [0, 1), got {cfg.word_dropout}")
    if not 2 <= cfg.max_objects <= 4:
        raise TaskError(f"captioning: max_objects must be 2..4, got {cfg.max_objects}")
    for name in ("train_images", "val_images", "test_images", "epochs", "batch_size",
                 "max_len", "min_count", "beam_width", "encoder_epochs"):
        if getattr(cfg, name) < 1:
            raise TaskError(f"captioning: {name} must be >= 1, got {getattr(cfg, name)}")
    if cfg.encoder == "scene-cnn" and cfg.data != "scenes":
        raise TaskError("captioning: the scene-cnn encoder knows only the composed scenes; "
                        "use --encoder efficientnet-lite0 for COCO or Flickr8k photos")


def _image_size(cfg: Config) -> int:
    return cfg.image_size or (64 if cfg.encoder == "scene-cnn" else 224)


def build_decoder(cfg: Config, attention: bool, vocab_size: int, vec_size: int,
                  ann_size: int) -> CaptionDecoder | AttentionCaptionDecoder:
    """An untrained decoder of this config."""
    kw = {"img_bottleneck": cfg.img_bottleneck, "hidden": cfg.hidden, "embed": cfg.embed,
          "logit_bottleneck": cfg.logit_bottleneck}
    if attention:
        return AttentionCaptionDecoder(ann_size, vocab_size, attn_size=cfg.attn_size,
                                       image_init=cfg.attention_init == "image", **kw)
    return CaptionDecoder(vec_size, vocab_size, **kw)


def _encoder(cfg: Config, out: Path, metrics: dict) -> Encoder:
    size = _image_size(cfg)
    if cfg.encoder == "efficientnet-lite0":
        return efficientnet_encoder(size)
    if size % 32:
        raise TaskError(f"captioning: image_size must be a multiple of 32 for scene-cnn, got "
                        f"{size}")
    net, info = train_scene_encoder(out, cfg.scenes, cfg.encoder_images, cfg.encoder_epochs,
                                    cfg.data_seed)
    metrics.update(info)
    return scene_encoder(net, size)


def _pairs(rng: Any, data: CaptionData, ids: list[np.ndarray], feats: np.ndarray,
           batch: int):
    """One epoch: every training image once, with one of its captions drawn at random."""
    order = rng.permutation(len(data))
    for i in range(0, len(order), batch):
        j = np.sort(order[i: i + batch])
        pick = np.stack([ids[k][int(rng.integers(len(ids[k])))] for k in j])
        yield np.asarray(feats[j]), pick


def _expand(ids: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(image row of each caption, all captions): every (image, caption) pair."""
    rows = np.concatenate([np.full(len(c), k) for k, c in enumerate(ids)])
    return rows, np.concatenate(ids)


def _train(cfg: Config, out: Path, tag: str, decoder: Any, data: CaptionData,
           ids: list[np.ndarray], feats: np.ndarray, val_feats: np.ndarray,
           val_ids: list[np.ndarray], pad: int) -> dict:
    from ...random import get_rng

    rows, vtok = _expand(val_ids)
    lam, p_drop = float(cfg.attention_penalty), float(cfg.word_dropout)
    unk = 1  # Vocabulary.unk_id

    def loss_fn(m: Any, b: tuple) -> Tensor:
        x, tok = b
        words_in = tok[:, :-1]
        if p_drop:  # START stays; real words become UNK with probability p_drop
            drop = get_rng().random(words_in.shape) < p_drop
            drop[:, 0] = False
            words_in = np.where(drop & (words_in != pad), unk, words_in)
        if m.attention:
            logits, alpha = m(x, words_in)
            loss = caption_loss(logits, tok[:, 1:], pad)
            if lam:
                loss = loss + lam * attention_penalty(alpha, tok[:, 1:] != pad)
            return loss
        return caption_loss(m(x, words_in), tok[:, 1:], pad)

    def validate(m: Any) -> float:
        return teacher_forced(m, val_feats, rows, vtok, pad)[0]

    steps = -(-len(data) // cfg.batch_size)
    hist = train_epochs(decoder, lambda rng: _pairs(rng, data, ids, feats, cfg.batch_size),
                        loss_fn, validate, epochs=cfg.epochs, lr=cfg.lr,
                        state_path=out / f"state_{tag}.npz", best_path=out / f"best_{tag}.npz",
                        name=f"captioning {tag}", steps_per_epoch=steps)
    save_checkpoint(out / f"weights_{tag}.npz", decoder, epoch=hist["best_epoch"][0])
    return hist


def _figures(decoder: Any, feats: np.ndarray, data: CaptionData, ids: list[np.ndarray],
             vocab: Vocabulary, cfg: Config, names: tuple[str, ...] | None
             ) -> tuple[dict[str, float | None], dict[str, list]]:
    rows, tok = _expand(ids)
    loss, acc = teacher_forced(decoder, feats, rows, tok, vocab.pad_id)
    greedy, _ = generate(decoder, feats, vocab, cfg.max_len, "greedy")
    beam, beam_lp = generate(decoder, feats, vocab, cfg.max_len, "beam", cfg.beam_width,
                             length_norm=cfg.length_norm, alpha=cfg.length_alpha)
    g, b = score_captions(greedy, data.tokens), score_captions(beam, data.tokens)
    out: dict[str, float | None] = {"loss": loss, "next_word_accuracy": acc,
                                    **{f"{k}_beam": v for k, v in b.items()},
                                    "bleu4_greedy": g["bleu4"], "cider_greedy": g["cider"]}
    combos = data.combinations()
    out["content_accuracy"] = out["content_accuracy_greedy"] = None
    if combos is not None and names is not None:
        out["content_accuracy"] = content_accuracy(beam, combos, names)
        out["content_accuracy_greedy"] = content_accuracy(greedy, combos, names)
    return out, {"greedy": greedy, "beam": beam, "beam_log_prob": list(beam_lp)}


def run(cfg: Config, out: Path, resume: bool = False) -> Result:
    """Compose (or read) the data, train the encoder, cache its features, train the decoders,
    score them and the nearest-neighbour baseline, draw the attention pictures."""
    from .pictures import attention_grid

    _check(cfg)
    recs, sums, described = caption_records(
        cfg.data, out, scenes=cfg.scenes, seed=cfg.data_seed, data_path=cfg.data_path,
        n=(cfg.train_images, cfg.val_images, cfg.test_images),
        n_objects=(2, cfg.max_objects))
    sets = {s: CaptionData(s, r, f"{described} ({s})", cfg.max_len, cfg.long_captions)
            for s, r in recs.items()}
    vocab = Vocabulary.build((w for caps in sets["train"].tokens for w in caps), cfg.min_count)
    names = class_names(cfg.scenes) if cfg.data == "scenes" else None
    trained_on = described if cfg.data != "scenes" else f"composed {cfg.scenes} scenes"
    write_json(out / "vocab.json", vocab_to_json(vocab, cfg.max_len, trained_on, cfg.data))
    ids = {s: [encode_captions(vocab, caps, cfg.max_len) for caps in d.tokens]
           for s, d in sets.items()}

    metrics: dict[str, Any] = {}
    encoder = _encoder(cfg, out, metrics)
    cache = FeatureCache(Path(cfg.feature_cache) if cfg.feature_cache else out / "features",
                         encoder)
    feats = {s: cache.get(s, d.files) for s, d in sets.items()}  # (vectors, annotations)
    vec_size, ann_shape = feats["train"][0].shape[1], feats["train"][1].shape[1:]
    write_json(out / "model.json", {"encoder": encoder.name, "encoder_digest": encoder.digest,
                                    "image_size": encoder.image_size, "image_mode": encoder.mode,
                                    "vector_size": int(vec_size),
                                    "annotation_shape": [int(v) for v in ann_shape],
                                    "vocabulary": len(vocab), "trained_on": trained_on})

    chosen = [t for t in DECODERS if cfg.decoder in ("both", t)]
    per: dict[str, dict[str, Any]] = {}
    outputs: dict[str, dict[str, Any]] = {}
    for tag in chosen:
        att = DECODERS[tag]
        k = 1 if att else 0
        dec = build_decoder(cfg, att, len(vocab), vec_size, ann_shape[1])
        hist = _train(cfg, out, tag, dec, sets["train"], ids["train"], feats["train"][k],
                      feats["val"][k], ids["val"], vocab.pad_id)
        val, _ = _figures(dec, feats["val"][k], sets["val"], ids["val"], vocab, cfg, names)
        test, outs = _figures(dec, feats["test"][k], sets["test"], ids["test"], vocab, cfg,
                              names)
        per[tag] = {"val_loss": val["loss"], "next_word_accuracy": val["next_word_accuracy"],
                    "val_bleu4_beam": val["bleu4_beam"], "val_cider_beam": val["cider_beam"],
                    "val_content_accuracy": val["content_accuracy"],
                    "test_loss": test["loss"],
                    "test_next_word_accuracy": test["next_word_accuracy"],
                    **{k2: test[k2] for k2 in ("bleu1_beam", "bleu2_beam", "bleu3_beam",
                                               "bleu4_beam", "bleu4_greedy", "cider_beam",
                                               "cider_greedy", "content_accuracy",
                                               "content_accuracy_greedy")},
                    "best_epoch": hist["best_epoch"][0] + 1}
        outputs[tag] = {"decoder": dec, **outs}

    def key(t: str) -> tuple:
        m = per[t]
        return (m["content_accuracy"] if m["content_accuracy"] is not None else -1.0,
                m["bleu4_beam"])

    better = max(per, key=key)
    metrics.update(per[better])
    metrics["attention_is_better"] = float(better == "attention")
    for tag in DECODERS:
        for k2 in per[chosen[0]]:
            metrics[f"{k2}_{tag}"] = per[tag][k2] if tag in per else None

    # the nearest-neighbour baseline, on the same encoder's vectors
    for split, prefix in (("val", "val_"), ("test", "")):
        nn_caps = nearest_neighbour_captions(feats["train"][0], sets["train"].tokens,
                                             feats[split][0])
        s = score_captions(nn_caps, sets[split].tokens)
        metrics[f"{prefix}bleu4_nn"], metrics[f"{prefix}cider_nn"] = s["bleu4"], s["cider"]
        combos = sets[split].combinations()
        metrics[f"{prefix}content_accuracy_nn"] = (
            content_accuracy(nn_caps, combos, names) if combos and names else None)
        if split == "test":
            outputs["nn"] = {"beam": nn_caps}
    metrics.update({"vocabulary": len(vocab), "train_images": len(sets["train"]),
                    "test_images": len(sets["test"]), "epochs": cfg.epochs})

    artifacts = {"vocabulary": "vocab.json", "model description": "model.json",
                 "test captions": "captions_test.jsonl"}
    for tag in chosen:
        artifacts[f"{tag} decoder weights"] = f"weights_{tag}.npz"
    if cfg.encoder == "scene-cnn":
        artifacts["scene encoder weights"] = "encoder.npz"
    _write_captions(out / "captions_test.jsonl", sets["test"], outputs, names)
    if "attention" in outputs:
        dec = outputs["attention"]["decoder"]
        verdicts = _verdicts(outputs["attention"]["beam"], sets["test"], names)
        panels = []
        for i in _picture_picks(verdicts):
            words = outputs["attention"]["beam"][i]
            alpha = attention_of(dec, feats["test"][1][i],
                                 [*vocab.encode(words), vocab.end_id], vocab.start_id)
            panels.append((encoder.load([sets["test"].files[i]])[0], words, alpha,
                           verdicts[i]))
        if attention_grid(panels, out / "attention.png", f"attention over {trained_on}"):
            artifacts["attention pictures"] = "attention.png"
    return Result(metrics, artifacts, sums)


def _verdicts(captions: list[list[str]], data: CaptionData, names: Any) -> list[str]:
    """"right" / "wrong" per image (the caption states its primary pair or not), or "" each
    when the data have no compositions to check against."""
    combos = data.combinations()
    if combos is None or names is None:
        return [""] * len(captions)
    return ["right" if parse_caption(w, names) == c else "wrong"
            for w, c in zip(captions, combos, strict=True)]


def _picture_picks(verdicts: list[str], n: int = 6) -> list[int]:
    """Three test images the beam caption got right and three it got wrong (when it can tell);
    otherwise the first six."""
    if not any(verdicts):
        return list(range(min(n, len(verdicts))))
    good = [i for i, v in enumerate(verdicts) if v == "right"]
    bad = [i for i, v in enumerate(verdicts) if v == "wrong"]
    picks = good[: n // 2] + bad[: n - min(len(good), n // 2)]
    return picks + good[n // 2: n // 2 + n - len(picks)]


def _write_captions(path: Path, data: CaptionData, outputs: dict, names: Any) -> None:
    """One JSON line per test image: its file, references and every method's caption."""
    import os

    verdicts = {tag: _verdicts(o["beam"], data, names) for tag, o in outputs.items()}
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        for i, rec in enumerate(data.records):
            row: dict[str, Any] = {"file": str(rec["file"]),
                                   "references": [" ".join(c) for c in data.tokens[i]]}
            for tag, o in outputs.items():
                row[f"{tag}_beam"] = " ".join(o["beam"][i])
                if "greedy" in o:
                    row[f"{tag}_greedy"] = " ".join(o["greedy"][i])
                if verdicts[tag][i]:
                    row[f"{tag}_right"] = verdicts[tag][i] == "right"
            f.write(json.dumps(row) + "\n")
    os.replace(tmp, path)


class Captioner:
    """A trained captioning run: ``caption(images, method="beam")`` -> [(words, log p)];
    ``attention(image)`` -> (image, words, alpha (T, H', W')) with the attention decoder;
    ``inputs(images)`` -> the images as the encoder sees them."""

    def __init__(self, encoder: Encoder, decoders: dict[str, Any], vocab: Vocabulary,
                 info: dict, cfg: Config) -> None:
        self.encoder, self.decoders, self.vocab, self.info, self.cfg = (encoder, decoders,
                                                                        vocab, info, cfg)
        self.default = ("attention" if info.get("attention_is_better", 0.0) and
                        "attention" in decoders else next(iter(decoders)))

    @property
    def trained_on(self) -> str:
        return str(self.info.get("trained_on", "?"))

    def inputs(self, images: list[Any]) -> np.ndarray:
        """The images (files or uint8 arrays) as the encoder sees them: (N, S, S) grey or
        (N, S, S, 3) uint8, S its input side."""
        return self.encoder.load(images)

    def caption(self, images: list[Any], method: str = "beam", beam_width: int | None = None,
                decoder: str | None = None) -> list[tuple[list[str], float]]:
        tag = decoder or self.default
        if tag not in self.decoders:
            raise TaskError(f"caption: this run has the decoders {sorted(self.decoders)}, not "
                            f"{tag!r}")
        vec, ann = self.encoder.encode(self.inputs(images))
        feats = ann if self.decoders[tag].attention else vec
        words, lp = generate(self.decoders[tag], feats, self.vocab, self.cfg.max_len, method,
                             beam_width or self.cfg.beam_width,
                             length_norm=self.cfg.length_norm, alpha=self.cfg.length_alpha)
        return list(zip(words, [float(v) for v in lp], strict=True))

    def attention(self, image: Any, beam_width: int | None = None
                  ) -> tuple[np.ndarray, list[str], np.ndarray]:
        """(the image as the encoder saw it, the beam caption, alpha (T, h, w))."""
        if "attention" not in self.decoders:
            raise TaskError("caption: this run has no attention decoder")
        x = self.inputs([image])
        _, ann = self.encoder.encode(x)
        dec = self.decoders["attention"]
        words, _ = generate(dec, ann, self.vocab, self.cfg.max_len, "beam",
                            beam_width or self.cfg.beam_width,
                            length_norm=self.cfg.length_norm, alpha=self.cfg.length_alpha)
        alpha = attention_of(dec, ann[0], [*self.vocab.encode(words[0]), self.vocab.end_id],
                             self.vocab.start_id)
        side = int(round(np.sqrt(alpha.shape[1])))
        return x[0], words[0], alpha.reshape(len(alpha), side, -1)


def load(out: Path) -> Captioner:
    """The encoder, decoders and vocabulary a finished captioning run trained."""
    from ..rundir import read_run

    run_ = read_run(out, NAME)
    cfg: Config = run_.config
    out = Path(out)
    try:
        info = json.loads((out / "model.json").read_text())
        vjson = json.loads((out / "vocab.json").read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise TaskError(f"{out}: model.json / vocab.json unreadable ({e}); expected a finished "
                        f"captioning run") from e
    vocab = vocab_from_json(vjson, out / "vocab.json")
    if info["encoder"] == "scene-cnn":
        net = SceneEncoder(classes=10)
        net.load_state_dict(load_checkpoint(out / "encoder.npz")["model"])
        encoder = scene_encoder(net, int(info["image_size"]))
    else:
        encoder = efficientnet_encoder(int(info["image_size"]))
    if encoder.digest != info["encoder_digest"]:
        raise TaskError(f"{out}: the {info['encoder']} encoder's weights differ from the ones "
                        f"this run was trained with (model.json encoder_digest)")
    decoders = {}
    for tag, att in DECODERS.items():
        path = out / f"weights_{tag}.npz"
        if not path.is_file():
            continue
        state = load_checkpoint(path)["model"]
        rows = int(np.asarray(state["embed.weight"]).shape[0])
        if rows != len(vocab):
            raise TaskError(f"{out / 'vocab.json'} has {len(vocab)} words but {path.name} was "
                            f"trained with a vocabulary of {rows}; they come from different "
                            f"runs")
        dec = build_decoder(cfg, att, len(vocab), int(info["vector_size"]),
                            int(info["annotation_shape"][1]))
        dec.load_state_dict(state)
        dec.eval()
        decoders[tag] = dec
    if not decoders:
        raise TaskError(f"{out}: no weights_attention.npz or weights_noattention.npz")
    metrics = run_.metrics or {}
    return Captioner(encoder, decoders, vocab, {**info, **metrics}, cfg)


def predict(predictor: Captioner, inputs: list[str]) -> list[str]:
    """``deepgrad predict captioning IMAGE...``: one line per image, its beam caption."""
    return [f"{p}: {' '.join(w)}  (log p {lp:.2f})"
            for p, (w, lp) in zip(inputs, predictor.caption(inputs), strict=True)]
