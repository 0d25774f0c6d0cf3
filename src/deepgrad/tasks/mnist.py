"""Weeks 2-3 on real data: classify MNIST digits with the course's MLP or CNN, end to end.

    deepgrad mnist                      # the CNN, 6 epochs: 99.4% on the 10,000 test images
    deepgrad mnist --model mlp          # the MLP of week 2
    deepgrad mnist --quick              # one epoch on 2,000 images, seconds

Trains on the 60,000 training images (the last 5,000 held out for validation) with Adam, a cosine
learning-rate decay and (for the CNN) random shifts of up to 1 pixel; keeps the weights of the
epoch with the best validation accuracy and reports the accuracy on the 10,000 test images, never
seen before. ``load(out)`` gives a :class:`DigitClassifier` for new images.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from .. import models
from ..data.transforms import random_translate
from ..random import get_rng
from ..train import (
    LearningRateScheduler,
    ModelCheckpoint,
    PlotCurves,
    load_checkpoint,
    save_checkpoint,
)
from ..train.watch import label
from .contract import Result, TaskError, param

NAME = "mnist"
WEEK = 2
SUMMARY = "classify handwritten digits (MNIST) with the course's CNN or MLP"
HEADLINE = "test_accuracy"
DISTRIBUTED = True  # trains through fit: mpirun -n P deepgrad mnist --distributed

MEAN, STD = 0.1307, 0.3081  # MNIST pixel statistics (of x / 255) on the training set

# the course's settings per model; a Config field left at None takes these
DEFAULTS = {
    "mlp": {"epochs": 15, "lr": 1e-3, "max_shift": 0},
    "cnn": {"epochs": 6, "lr": 2e-3, "max_shift": 1},
}


@dataclass
class Config:
    model: Literal["cnn", "mlp"] = param("cnn", "the week-3 CNN or the week-2 MLP")
    epochs: int | None = param(None, "passes over the training images (none: 6 cnn, 15 mlp)")
    batch_size: int = param(128, "images per gradient step")
    lr: float | None = param(None, "Adam's initial learning rate (none: 2e-3 cnn, 1e-3 mlp)")
    max_shift: int | None = param(None, "random shifts of up to this many pixels (none: 1 cnn, "
                                        "0 mlp)")
    limit: int | None = param(None, "train on the first N training images only")
    data_path: str | None = param(None, "read the four IDX files from this folder instead of "
                                        "the store (not verified)")

    def settings(self) -> dict[str, Any]:
        """The config with every None replaced by the model's default."""
        d = DEFAULTS[self.model]
        return {"epochs": self.epochs or d["epochs"], "lr": self.lr or d["lr"],
                "max_shift": d["max_shift"] if self.max_shift is None else self.max_shift}


QUICK = Config(epochs=1, limit=2000)


def preprocess(x: np.ndarray, kind: str) -> np.ndarray:
    """uint8 N x 28 x 28 -> standardized float32: N x 784 (MLP) or N x 1 x 28 x 28 (CNN)."""
    x = (x.astype(np.float32) / np.float32(255.0) - np.float32(MEAN)) / np.float32(STD)
    return x.reshape(len(x), -1) if kind == "mlp" else x[:, None, :, :]


class _ShiftedBatches:
    """Shuffled mini-batches (deepgrad's generator, so ``resume`` stays exact), each image
    randomly translated by up to ``max_shift`` pixels (data augmentation, week 3)."""

    def __init__(self, x: np.ndarray, y: np.ndarray, batch_size: int, max_shift: int) -> None:
        self.x, self.y, self.batch_size, self.max_shift = x, y, batch_size, max_shift

    def __len__(self) -> int:
        return -(-len(self.x) // self.batch_size)

    def __iter__(self):
        order = get_rng().permutation(len(self.x))
        fill = np.float32(-MEAN / STD)  # a black pixel after standardization
        for start in range(0, len(order), self.batch_size):
            idx = order[start:start + self.batch_size]
            xb = self.x[idx]
            if self.max_shift and xb.ndim == 4:
                xb = random_translate(xb, self.max_shift, fill=fill)
            yield xb, self.y[idx]


def build(kind: str) -> Any:
    """The untrained model: the week-2 MLP 784-256-256-10 or the week-3 CNN."""
    if kind == "mlp":
        return models.mlp([784, 256, 256, 10], dropout=0.2)
    if kind == "cnn":
        return models.mnist_cnn()
    raise ValueError(f"mnist: model must be 'mlp' or 'cnn', got {kind!r}")


def _data(cfg: Config) -> tuple[tuple[np.ndarray, ...], dict[str, str]]:
    from ..data import mnist
    from ..data.mnist import MNIST_FILES
    from ..data.store import dataset_dir, md5_file

    if cfg.data_path is None:
        arrays = mnist()
        folder = dataset_dir("mnist")
    else:
        folder = Path(cfg.data_path)
        arrays = mnist(folder, verify=False)
    sums = {}
    for stem in MNIST_FILES:
        for name in (stem + ".gz", stem):
            if (folder / name).is_file():
                sums[f"mnist/{name}"] = md5_file(folder / name)
                break
    (x_train, y_train), (x_test, y_test) = arrays
    return (x_train, y_train, x_test, y_test), sums


def run(cfg: Config, out: Path, resume: bool = False) -> Result:
    """Obtain MNIST, train, keep the best epoch on validation, evaluate on the test set."""
    s = cfg.settings()
    epochs, lr = s["epochs"], s["lr"]
    (x_train, y_train, x_test, y_test), sums = _data(cfg)
    if cfg.limit:
        x_train, y_train = x_train[:cfg.limit], y_train[:cfg.limit]
    xtr, xte = preprocess(x_train, cfg.model), preprocess(x_test, cfg.model)
    model = label(build(cfg.model), f"{cfg.model} classifier")  # in a watch's records
    model.compile(optimizer="adam", loss="cross_entropy",  # logits (PyTorch habit)
                  metrics=["accuracy"], lr=lr)
    cosine = LearningRateScheduler(lambda e, _: lr * 0.5 * (1 + math.cos(math.pi * e / epochs)))
    cut = len(xtr) - int(round(len(xtr) / 12))
    train = _ShiftedBatches(xtr[:cut], y_train[:cut], cfg.batch_size, s["max_shift"])
    model.fit(
        train, epochs=epochs, validation_data=(xtr[cut:], y_train[cut:]),
        resume=out / "state.npz",
        callbacks=[cosine, PlotCurves(out / "curves.png"),
                   ModelCheckpoint(out / "best.npz", monitor="val_accuracy",
                                   save_best_only=True)],
    )
    ckpt = load_checkpoint(out / "best.npz")
    best_epoch = int(ckpt["epoch"])
    model.load_state_dict(ckpt["model"])
    test_loss, test_acc = model.evaluate(xte, y_test, batch_size=1000, verbose=0)
    save_checkpoint(out / "weights.npz", model, epoch=best_epoch)
    history = model.history.history
    metrics = {
        "test_accuracy": float(test_acc), "test_loss": float(test_loss),
        "val_accuracy": float(history["val_accuracy"][best_epoch]),
        "best_epoch": best_epoch + 1, "epochs": epochs, "train_images": cut,
    }
    artifacts = {"weights": "weights.npz", "curves": "curves.png", "best checkpoint": "best.npz"}
    # (no curves without matplotlib: PlotCurves said so when training began)
    return Result(metrics, {k: v for k, v in artifacts.items() if (out / v).exists()}, sums)


class DigitClassifier:
    """A trained MNIST model: ``predict(images)`` -> digits, ``predict_proba`` -> N x 10.

    ``images``: uint8 (or 0-255 float) N x 28 x 28 or one 28 x 28 image, white digit on black
    as in MNIST."""

    def __init__(self, model: Any, kind: str) -> None:
        self.model, self.kind = model, kind

    def predict_proba(self, images: Any) -> np.ndarray:
        x = np.asarray(images, dtype=np.float32)
        if x.ndim == 2:
            x = x[None]
        if x.ndim != 3 or x.shape[1:] != (28, 28):
            raise ValueError(f"DigitClassifier: images should be N x 28 x 28 (or 28 x 28), "
                             f"got shape {tuple(np.shape(images))}")
        logits = np.asarray(self.model.predict(preprocess(x, self.kind), verbose=0))
        z = np.exp(logits - logits.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)

    def predict(self, images: Any) -> np.ndarray:
        return self.predict_proba(images).argmax(axis=1)

    def inputs(self, images: Any) -> np.ndarray:
        """What ``model`` takes for uint8 N x 28 x 28 ``images`` (for ``deepgrad.visualize``)."""
        return preprocess(np.asarray(images, dtype=np.float32).reshape(-1, 28, 28), self.kind)


def load(out: Path) -> DigitClassifier:
    """The classifier a finished run trained (its weights.npz)."""
    from .rundir import read_run

    run_ = read_run(out, NAME)
    path = Path(out) / "weights.npz"
    if not path.is_file():
        raise TaskError(f"{path}: missing; expected the weights of a finished mnist run")
    model = build(run_.config.model)
    model.load_state_dict(load_checkpoint(path)["model"])
    model.eval()
    return DigitClassifier(model, run_.config.model)


def read_image(path: str | Path) -> np.ndarray:
    """An image file -> uint8 28 x 28, white digit on black (a light background is inverted)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            g = np.asarray(im.convert("L").resize((28, 28), Image.Resampling.LANCZOS))
    except (OSError, UnidentifiedImageError) as e:
        raise TaskError(f"{path}: not a readable image ({e})") from None
    border = np.concatenate([g[0], g[-1], g[:, 0], g[:, -1]])
    return 255 - g if border.mean() > 127 else g


def predict(predictor: DigitClassifier, inputs: list[str]) -> list[str]:
    """``deepgrad predict mnist IMAGE...``: one line per image, the digit and its probability."""
    x = np.stack([read_image(p) for p in inputs])
    proba = predictor.predict_proba(x)
    return [f"{p}: {int(q.argmax())} (p = {q.max():.3f})" for p, q in zip(inputs, proba,
                                                                       strict=True)]
