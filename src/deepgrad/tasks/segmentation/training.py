"""A plain training loop for the dense-prediction tasks: shuffled mini-batches, Adam, a cosine
learning-rate decay, one validation figure per epoch, the best epoch's weights kept."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ... import optim
from ...random import get_rng
from ...tensor import Tensor, no_grad
from ...train import load_checkpoint, save_checkpoint

__all__ = ["train", "predict_batches", "standardize"]


def standardize(images: np.ndarray) -> np.ndarray:
    """uint8 N x H x W -> float32 N x 1 x H x W in [0, 1]."""
    return (np.asarray(images, np.float32) / np.float32(255.0))[:, None]


def predict_batches(fn: Callable[[Tensor], Any], x: np.ndarray, batch: int = 64) -> list:
    """``fn`` (eval mode, no graph) over ``x`` in batches; the list of its outputs' arrays."""
    outs = []
    with no_grad():
        for s in range(0, len(x), batch):
            y = fn(Tensor(x[s:s + batch]))
            outs.append(np.asarray(y.data if isinstance(y, Tensor) else y))
    return outs


def train(model: Any, name: str, out: Path, data: tuple[np.ndarray, ...],
          loss_fn: Callable[..., Tensor], validate: Callable[[Any], float], epochs: int,
          batch_size: int, lr: float) -> dict[str, Any]:
    """Train ``model`` on ``data`` (arrays indexed alike: inputs first, then targets) with
    ``loss_fn(model, *batch) -> Tensor``; ``validate(model) -> float`` (higher is better)
    after every epoch. The best epoch so far is kept in ``best_<name>.npz``, and once training
    ends in ``weights_<name>.npz``. If that file exists (a resumed run whose network finished)
    the weights are loaded and training is skipped; an unfinished network starts again."""
    path = out / f"weights_{name}.npz"
    if path.is_file():
        ckpt = load_checkpoint(path)
        model.load_state_dict(ckpt["model"])
        model.eval()
        print(f"{name}: loaded {path.name} (resumed run)")
        return {"best_epoch": int(ckpt["epoch"]) + 1, "val": validate(model), "seconds": 0.0}
    opt = optim.Adam(model.parameters(), lr=lr)
    n = len(data[0])
    best, best_epoch, t0 = -math.inf, 0, time.perf_counter()
    for epoch in range(epochs):
        for g in opt.param_groups:
            g["lr"] = lr * 0.5 * (1 + math.cos(math.pi * epoch / epochs))
        model.train()
        order = get_rng().permutation(n)
        total, steps = 0.0, 0
        for s in range(0, n, batch_size):
            idx = order[s:s + batch_size]
            opt.zero_grad()
            loss = loss_fn(model, *(Tensor(a[idx]) for a in data))
            loss.backward()
            opt.step()
            total += float(loss.item())
            steps += 1
        model.eval()
        score = validate(model)
        print(f"{name}: epoch {epoch + 1}/{epochs}  loss {total / max(steps, 1):.4f}  "
              f"val {score:.4f}  ({time.perf_counter() - t0:.0f} s)", flush=True)
        if score > best:
            best, best_epoch = score, epoch
            save_checkpoint(out / f"best_{name}.npz", model, epoch=epoch)
    ckpt = load_checkpoint(out / f"best_{name}.npz")
    model.load_state_dict(ckpt["model"])
    model.eval()
    save_checkpoint(path, model, epoch=int(ckpt["epoch"]))
    return {"best_epoch": best_epoch + 1, "val": best, "seconds": time.perf_counter() - t0}
