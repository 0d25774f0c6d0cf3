"""Weeks 2-3 on real data: classify MNIST digits with the MLP or the CNN, end to end.

    from deepgrad.tasks.mnist import train_mnist
    result = train_mnist("cnn", epochs=3)   # obtains MNIST if needed, trains, evaluates
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

import numpy as np

from .. import manual_seed, models
from ..data.transforms import random_translate
from ..random import get_rng
from ..train import (
    LearningRateScheduler,
    ModelCheckpoint,
    PlotCurves,
    load_checkpoint,
    save_checkpoint,
)

MEAN, STD = 0.1307, 0.3081  # MNIST pixel statistics (of x / 255) on the training set

DEFAULTS = {
    "mlp": {"epochs": 15, "lr": 1e-3, "batch_size": 128, "max_shift": 0},
    "cnn": {"epochs": 6, "lr": 2e-3, "batch_size": 128, "max_shift": 1},
}


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
    if kind == "mlp":
        return models.mlp([784, 256, 256, 10], dropout=0.2)
    if kind == "cnn":
        return models.mnist_cnn()
    raise ValueError(f"train_mnist: model must be 'mlp' or 'cnn', got {kind!r}")


def train_mnist(
    kind: str = "cnn",
    epochs: int | None = None,
    batch_size: int | None = None,
    lr: float | None = None,
    out_dir: str | Path = "out/mnist",
    seed: int = 0,
    limit: int | None = None,
    verbose: int | str = "auto",
    data_path: str | Path | None = None,
) -> dict[str, Any]:
    """Train on the 60,000 training images (the last 5,000 held out for validation) with Adam,
    a cosine learning-rate decay and (for the CNN) random shifts of up to 1 pixel; keep the
    weights of the epoch with the best validation accuracy, report the accuracy on the 10,000
    test images (never seen before), and save curves, weights and a JSON summary in
    ``out_dir``. ``limit`` trains on fewer images; ``data_path`` reads the four IDX files from
    a folder instead of the store (unverified)."""
    from ..data import mnist

    cfg = {**DEFAULTS[kind]} if kind in DEFAULTS else {}
    build(kind)  # validates kind
    epochs = epochs or cfg["epochs"]
    batch_size = batch_size or cfg["batch_size"]
    lr = lr or cfg["lr"]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if data_path is None:
        (x_train, y_train), (x_test, y_test) = mnist()
    else:
        (x_train, y_train), (x_test, y_test) = mnist(data_path, verify=False)
    if limit:
        x_train, y_train = x_train[:limit], y_train[:limit]
    xtr, xte = preprocess(x_train, kind), preprocess(x_test, kind)
    manual_seed(seed)
    model = build(kind)
    model.compile(optimizer="adam", loss="cross_entropy",  # logits (PyTorch habit)
                  metrics=["accuracy"], lr=lr)
    curves = out / f"{kind}_curves.png"
    best = out / f"{kind}_best.npz"
    t0 = time.perf_counter()
    cosine = LearningRateScheduler(lambda e, _: lr * 0.5 * (1 + math.cos(math.pi * e / epochs)))
    cut = len(xtr) - int(round(len(xtr) / 12))
    train = _ShiftedBatches(xtr[:cut], y_train[:cut], batch_size, cfg.get("max_shift", 0))
    history = model.fit(
        train, epochs=epochs, validation_data=(xtr[cut:], y_train[cut:]), verbose=verbose,
        callbacks=[cosine, PlotCurves(curves),
                   ModelCheckpoint(best, monitor="val_accuracy", save_best_only=True)],
    )
    seconds = time.perf_counter() - t0
    ckpt = load_checkpoint(best)
    best_epoch = int(ckpt["epoch"])
    model.load_state_dict(ckpt["model"])
    test_loss, test_acc = model.evaluate(xte, y_test, batch_size=1000)
    weights = save_checkpoint(out / f"{kind}_final.npz", model, epoch=best_epoch)
    result = {
        "model": kind, "epochs": epochs, "best_epoch": best_epoch + 1,
        "train_images": cut, "test_accuracy": test_acc,
        "test_loss": test_loss, "train_seconds": round(seconds, 1),
        "history": history.history, "curves": str(curves), "weights": str(weights),
        "best_checkpoint": str(best),
    }
    (out / f"{kind}_result.json").write_text(json.dumps(result, indent=1))
    return result
