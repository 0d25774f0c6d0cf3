"""Training and evaluating the dense, conv and denoising autoencoders (Keras-style ``fit``)."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ...random import get_rng
from ...tensor import Tensor, no_grad
from ...train import (
    LearningRateScheduler,
    ModelCheckpoint,
    PlotCurves,
    load_checkpoint,
    save_checkpoint,
)
from ...train.watch import label

__all__ = ["NoisyBatches", "train_autoencoder", "in_batches", "mse", "add_noise"]


def add_noise(x: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """The course's corruption: x + sigma * N(0, 1) per pixel (not clipped)."""
    return (x + np.float32(sigma) * rng.standard_normal(x.shape, dtype=np.float32)).astype(
        np.float32, copy=False)


class NoisyBatches:
    """Shuffled ``(input, target)`` mini-batches of images, target = the clean image; with
    ``sigma > 0`` the input carries fresh Gaussian noise every time a batch is drawn (so every
    epoch sees new noise). Drawn from deepgrad's generator, so ``resume`` stays exact."""

    def __init__(self, x: np.ndarray, batch_size: int, sigma: float = 0.0) -> None:
        self.x, self.batch_size, self.sigma = x, batch_size, sigma

    def __len__(self) -> int:
        return -(-len(self.x) // self.batch_size)

    def __iter__(self):
        rng = get_rng()
        order = rng.permutation(len(self.x))
        for start in range(0, len(order), self.batch_size):
            xb = self.x[order[start:start + self.batch_size]]
            yield (add_noise(xb, self.sigma, rng) if self.sigma else xb), xb


def train_autoencoder(model: Any, name: str, out: Path, x_train: np.ndarray,
                      val: tuple[np.ndarray, np.ndarray], epochs: int, batch_size: int,
                      lr: float, sigma: float = 0.0) -> dict[str, Any]:
    """Adam on the MSE with a cosine learning-rate decay; keeps the epoch of lowest validation
    MSE (``best_<name>.npz``), resumable from ``state_<name>.npz``; writes
    ``curves_<name>.png``. Returns ``{"best_epoch", "val_mse"}``."""
    label(model, name)  # how a watch of the training names it
    model.compile(optimizer="adam", loss="mse", lr=lr)
    cosine = LearningRateScheduler(
        lambda e, _: lr * 0.5 * (1 + math.cos(math.pi * e / max(epochs, 1))))
    model.fit(NoisyBatches(x_train, batch_size, sigma), epochs=epochs, validation_data=val,
              resume=out / f"state_{name}.npz",
              callbacks=[cosine, PlotCurves(out / f"curves_{name}.png"),
                         ModelCheckpoint(out / f"best_{name}.npz", monitor="val_loss",
                                         save_best_only=True)])
    ckpt = load_checkpoint(out / f"best_{name}.npz")
    model.load_state_dict(ckpt["model"])
    best = int(ckpt["epoch"])
    save_checkpoint(out / f"weights_{name}.npz", model, epoch=best)
    return {"best_epoch": best + 1,
            "val_mse": float(model.history.history["val_loss"][best])}


def in_batches(fn: Callable[[Tensor], Tensor], x: np.ndarray, batch: int = 500) -> np.ndarray:
    """``fn`` over ``x`` in batches without a graph (the caller sets eval mode)."""
    outs = []
    with no_grad():
        for s in range(0, len(x), batch):
            outs.append(np.asarray(fn(Tensor(x[s:s + batch])).data))
    return np.concatenate(outs) if outs else np.zeros((0,), np.float32)


def mse(a: np.ndarray, b: np.ndarray) -> float:
    """Mean squared error over every pixel, accumulated in float64."""
    d = np.asarray(a, np.float64) - np.asarray(b, np.float64)
    return float(np.mean(d * d))
