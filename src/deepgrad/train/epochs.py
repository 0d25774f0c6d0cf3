"""A hand-written epoch loop for models ``fit`` does not fit (sequence models whose loss needs
masks, several inputs, ...): mini-batch steps with Adam, a cosine learning-rate decay, gradient
clipping, a validation figure after every epoch, the best epoch's weights kept, and a state file
after every epoch so that an interrupted run resumes exactly (weights, optimizer, RNG, history).

    history = train_epochs(model, batches, loss_fn, validate, epochs=10, lr=2e-3,
                           state_path=out / "state.npz", best_path=out / "best.npz")

``batches(rng)`` yields the epoch's mini-batches (drawing any shuffling from ``rng``, deepgrad's
generator); ``loss_fn(model, batch)`` returns the scalar loss Tensor; ``validate(model)`` returns
the figure to minimize (a validation loss). After the loop the model holds the best epoch's
weights.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from .. import optim
from ..random import get_rng, get_rng_state, set_rng_state
from ..tensor import no_grad
from .checkpoint import load_checkpoint, save_checkpoint
from .progbar import Progbar

__all__ = ["train_epochs"]


def train_epochs(model: Any, batches: Callable[[Any], Iterable[Any]],
                 loss_fn: Callable[[Any, Any], Any], validate: Callable[[Any], float], *,
                 epochs: int, lr: float, state_path: Path, best_path: Path,
                 clip: float | None = 5.0, name: str = "model",
                 steps_per_epoch: int | None = None) -> dict[str, list[float]]:
    """Train ``model`` (see the module docstring); returns ``{"loss", "val", "lr",
    "seconds"}`` per epoch and ``"best_epoch"`` (0-based, as a one-element list)."""
    if epochs < 1:
        raise ValueError(f"train_epochs: epochs must be >= 1, got {epochs}")
    opt = optim.Adam(model.parameters(), lr=lr)
    history: dict[str, list[float]] = {"loss": [], "val": [], "lr": [], "seconds": []}
    start = 0
    if state_path.exists():
        ck = load_checkpoint(state_path)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["optimizer"])
        set_rng_state(ck["rng_state"])
        history = ck["history"]
        start = ck["epoch"] + 1
        print(f"{name}: resumed after epoch {start}")
    params = list(model.parameters())
    for epoch in range(start, epochs):
        rate = lr * 0.5 * (1 + math.cos(math.pi * epoch / epochs))
        for g in opt.param_groups:
            g["lr"] = rate
        model.train()
        t0 = time.perf_counter()
        total, count = 0.0, 0
        bar = Progbar(steps_per_epoch)
        print(f"{name} epoch {epoch + 1}/{epochs} (lr {rate:.2e})")
        for batch in batches(get_rng()):
            loss = loss_fn(model, batch)
            value = float(loss.data)
            if not math.isfinite(value):
                raise FloatingPointError(f"{name}: the loss became {value} in epoch "
                                         f"{epoch + 1}; the last good state is {state_path}")
            opt.zero_grad()
            loss.backward()
            if clip:
                optim.clip_grad_norm_(params, clip)
            opt.step()
            total += value
            count += 1
            bar.update(count, {"loss": total / count})
        model.eval()
        with no_grad():
            val = float(validate(model))
        bar.finish(count, {"loss": total / count, "val": val})
        history["loss"].append(total / count)
        history["val"].append(val)
        history["lr"].append(rate)
        history["seconds"].append(time.perf_counter() - t0)
        if val <= min(history["val"]):
            save_checkpoint(best_path, model, epoch=epoch)
        save_checkpoint(state_path, model, opt, epoch, rng_state=get_rng_state(), history=history)
    best = int(min(range(len(history["val"])), key=history["val"].__getitem__))
    model.load_state_dict(load_checkpoint(best_path)["model"])
    model.eval()
    return {**history, "best_epoch": [best]}

