"""A hand-written epoch loop for models ``fit`` does not fit (sequence models whose loss needs
masks, several inputs, ...): mini-batch steps with Adam, a cosine learning-rate decay, gradient
clipping, a validation figure after every epoch, the best epoch's weights kept, and a state file
after every epoch so that an interrupted run resumes exactly (weights, optimizer, RNG, history).

    history = train_epochs(model, batches, loss_fn, validate, epochs=10, lr=2e-3,
                           state_path=out / "state.npz", best_path=out / "best.npz")

``batches(rng)`` yields the epoch's mini-batches (drawing any shuffling from ``rng``, deepgrad's
generator); ``loss_fn(model, batch)`` returns the scalar loss Tensor; ``validate(model)`` returns
the figure to minimize (a validation loss), or with ``maximize=True`` to maximize (an accuracy).
The learning rate of epoch e (0-based) is ``lr * (f + (1 - f) * (1 + cos(pi e / epochs)) / 2)``
with ``f = lr_floor`` (default 0: a plain cosine decay from ``lr``; 0.1: towards a tenth). After
the loop the model holds the best epoch's weights.

The callbacks of an enclosing ``attached`` block (:mod:`deepgrad.train.callbacks`: a task run
with ``run_task(..., callbacks=...)``) see the epochs and batches: ``logs`` hold the batch's
``loss``, and at the epoch's end its mean ``loss``, ``val`` and ``lr``.

When ``state_path`` exists the run continues after the epoch it records (weights, Adam, RNG,
history); if that was the last epoch nothing is trained again and only the best weights are
loaded, with the RNG left where the finished run left it (so several models trained one after
another in one process resume exactly too).
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
from .callbacks import CallbackList, attached_callbacks
from .checkpoint import load_checkpoint, save_checkpoint
from .progbar import Progbar
from .watch import label

__all__ = ["train_epochs"]


def train_epochs(model: Any, batches: Callable[[Any], Iterable[Any]],
                 loss_fn: Callable[[Any, Any], Any], validate: Callable[[Any], float], *,
                 epochs: int, lr: float, state_path: Path, best_path: Path,
                 clip: float | None = 5.0, name: str = "model",
                 steps_per_epoch: int | None = None, lr_floor: float = 0.0,
                 maximize: bool = False) -> dict[str, list[float]]:
    """Train ``model`` (see the module docstring); returns ``{"loss", "val", "lr",
    "seconds"}`` per epoch and ``"best_epoch"`` (0-based, as a one-element list).

    Ties: minimizing, an epoch equal to the best so far replaces its weights (while
    ``best_epoch`` names the first of the tied epochs); with ``maximize`` a later epoch must beat
    the best strictly, so the weights and ``best_epoch`` are both the first epoch reaching the
    highest figure. An epoch's ``seconds`` include its validation."""
    if epochs < 1:
        raise ValueError(f"train_epochs: epochs must be >= 1, got {epochs}")
    if not 0.0 <= lr_floor <= 1.0:
        raise ValueError(f"train_epochs: lr_floor must be in [0, 1], got {lr_floor}")
    if name != "model":
        label(model, name, replace=False)  # how a watch of the training names it
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
        print(f"{name}: resumed after epoch {start}" if start < epochs else
              f"{name}: trained earlier ({epochs} epochs); its best weights are loaded")
    params = list(model.parameters())
    cbs = CallbackList(attached_callbacks(), model)
    for epoch in range(start, epochs):
        rate = lr * (lr_floor + (1 - lr_floor) * 0.5 * (1 + math.cos(math.pi * epoch / epochs)))
        for g in opt.param_groups:
            g["lr"] = rate
        model.train()
        cbs.on_epoch_begin(epoch)
        t0 = time.perf_counter()
        total, count = 0.0, 0
        bar = Progbar(steps_per_epoch)
        print(f"{name} epoch {epoch + 1}/{epochs} (lr {rate:.2e})")
        for batch in batches(get_rng()):
            cbs.on_batch_begin(count)
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
            cbs.on_batch_end(count - 1, {"loss": value})
            bar.update(count, {"loss": total / count})
        model.eval()
        with no_grad():
            val = float(validate(model))
        bar.finish(count, {"loss": total / count, "val": val})
        history["loss"].append(total / count)
        history["val"].append(val)
        history["lr"].append(rate)
        history["seconds"].append(time.perf_counter() - t0)
        if maximize:
            improved = val > max(history["val"][:-1], default=-math.inf)
        else:
            improved = val <= min(history["val"])
        if improved:
            save_checkpoint(best_path, model, epoch=epoch)
        save_checkpoint(state_path, model, opt, epoch, rng_state=get_rng_state(), history=history)
        cbs.on_epoch_end(epoch, {"loss": total / count, "val": val, "lr": rate})
    pick = max if maximize else min  # the first epoch with the best figure
    best = int(pick(range(len(history["val"])), key=history["val"].__getitem__))
    model.load_state_dict(load_checkpoint(best_path)["model"])
    model.eval()
    return {**history, "best_epoch": [best]}

