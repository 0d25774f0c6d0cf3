"""Keras-style training for every Module: ``compile``, ``fit``, ``evaluate``, ``predict``.

    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train, y_train, batch_size=128, epochs=5, validation_split=0.1)
    model.evaluate(x_test, y_test)

One training step is the notes' recipe: forward, cost (plus the layers' L1/L2 penalties),
backpropagation, the optimizer's update, then constraints (max-norm). ``fit(..., resume=path)``
saves the full training state after every epoch and, if the file exists, continues from it,
reaching exactly the result of an uninterrupted run (same weights, optimizer state and RNG).
"""

from __future__ import annotations

import inspect
import math
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .. import optim
from ..random import get_rng, get_rng_state, set_rng_state
from ..tensor import Tensor, no_grad
from .callbacks import Callback, CallbackList, History
from .checkpoint import load_checkpoint, save_checkpoint
from .metrics import Metric, get_metric
from .progbar import Progbar

__all__ = ["compile", "fit", "evaluate", "predict", "save_training_state", "load_training_state"]

_OPTIMIZERS = {
    "sgd": (optim.SGD, {"lr": 0.01}),
    "adam": (optim.Adam, {"lr": 1e-3}),
    "adamw": (optim.AdamW, {"lr": 1e-3}),
    "rmsprop": (optim.RMSprop, {"lr": 1e-3}),
    "adagrad": (optim.Adagrad, {"lr": 1e-2}),
    "adamax": (optim.Adamax, {"lr": 2e-3}),
}


def _resolve_loss(loss: Any) -> Any:
    if loss is None:
        raise ValueError("compile: a loss is required, e.g. loss='sparse_categorical_crossentropy'")
    if isinstance(loss, str):
        from ..nn.loss import get_loss

        return get_loss(loss)
    if not callable(loss):
        raise TypeError(f"compile: loss must be a name or a callable, got {type(loss).__name__}")
    return loss


def compile(  # noqa: A001
    self: Any,
    optimizer: Any = "adam",
    loss: Any = None,
    metrics: Sequence[Any] | None = None,
    **optimizer_kwargs: Any,
) -> None:
    """Choose the optimizer (a name like 'adam'/'sgd', an Optimizer, or a factory
    ``params -> Optimizer``), the loss (a Keras name, a loss Module or a function
    ``(output, target) -> scalar Tensor``) and the metrics shown during training."""
    if isinstance(optimizer, str) and optimizer.lower() not in _OPTIMIZERS:
        raise ValueError(f"compile: unknown optimizer {optimizer!r}; known: {sorted(_OPTIMIZERS)}")
    self.__dict__["_compiled"] = {
        "optimizer": optimizer,
        "optimizer_kwargs": optimizer_kwargs,
        "loss": _resolve_loss(loss),
        "metrics": [get_metric(m) for m in (metrics or [])],
    }
    self.__dict__["optimizer"] = None
    if not isinstance(optimizer, str | type) and hasattr(optimizer, "step"):
        self.__dict__["optimizer"] = optimizer


def _ensure_optimizer(model: Any) -> Any:
    if model.__dict__.get("optimizer") is not None:
        return model.optimizer
    spec = model._compiled["optimizer"]
    kw = dict(model._compiled["optimizer_kwargs"])
    params = list(model.parameters())
    if not params:
        raise RuntimeError(f"fit: {type(model).__name__} has no parameters to train")
    if isinstance(spec, str):
        cls, defaults = _OPTIMIZERS[spec.lower()]
        opt = cls(params, **{**defaults, **kw})
    else:
        opt = spec(params, **kw)
    model.__dict__["optimizer"] = opt
    return opt


def _param_dtype(model: Any) -> np.dtype:
    p = next(model.parameters(), None)
    return p.dtype if p is not None else np.dtype(np.float32)


def _to_tensor(a: Any, dtype: np.dtype) -> Tensor:
    if isinstance(a, Tensor):
        return a
    arr = np.asarray(a)
    if arr.dtype.kind == "f" and arr.dtype != dtype:
        arr = arr.astype(dtype)
    elif arr.dtype.kind == "u" and arr.dtype.itemsize < 8 and arr.ndim > 1:
        arr = arr.astype(dtype)  # raw pixels: uint8 images become floats (not rescaled)
    return Tensor(arr, dtype=arr.dtype)


def _as_tuple(x: Any) -> tuple:
    return tuple(x) if isinstance(x, tuple | list) else (x,)


def _length(x: Any) -> int:
    first = _as_tuple(x)[0]
    return len(first)


def _take(x: Any, idx: Any) -> Any:
    if isinstance(x, tuple | list):
        return tuple(np.asarray(a)[idx] for a in x)
    return np.asarray(x.data if isinstance(x, Tensor) else x)[idx]


class _ArrayBatches:
    """Mini-batches of in-memory arrays, shuffled by deepgrad's generator each epoch."""

    def __init__(self, x: Any, y: Any, batch_size: int, shuffle: bool,
                 sample_weight: np.ndarray | None = None) -> None:
        n = _length(x)
        if y is not None and len(y) != n:
            raise ValueError(f"fit: x has {n} samples but y has {len(y)}")
        self.x, self.y, self.w, self.n = x, y, sample_weight, n
        self.batch_size, self.shuffle = batch_size, shuffle

    def __len__(self) -> int:
        return math.ceil(self.n / self.batch_size)

    def __iter__(self):
        order = get_rng().permutation(self.n) if self.shuffle else None
        for start in range(0, self.n, self.batch_size):
            idx = (order[start:start + self.batch_size] if order is not None
                   else slice(start, start + self.batch_size))
            yb = None if self.y is None else _take(self.y, idx)
            wb = None if self.w is None else self.w[idx]
            yield _take(self.x, idx), yb, wb


def _batches(x: Any, y: Any, batch_size: int, shuffle: bool, class_weight: dict | None) -> Any:
    if y is None and not isinstance(x, np.ndarray | Tensor):
        return x  # an iterable of batches (e.g. a DataLoader, a list of (x, y) pairs)
    if y is None:
        raise ValueError("fit: y is required when x is an array")
    w = None
    if class_weight:
        labels = np.asarray(y)
        if labels.ndim > 1:
            labels = labels.argmax(-1)
        w = np.array([class_weight.get(int(c), 1.0) for c in labels], dtype=np.float32)
    return _ArrayBatches(x, np.asarray(y.data if isinstance(y, Tensor) else y), batch_size,
                         shuffle, w)


def _unpack(batch: Any) -> tuple[Any, Any, Any]:
    if isinstance(batch, dict):
        return batch.get("x", batch.get("inputs")), batch.get("y", batch.get("targets")), None
    if isinstance(batch, tuple | list):
        if len(batch) == 3:
            return batch[0], batch[1], batch[2]
        if len(batch) == 2:
            return batch[0], batch[1], None
    raise ValueError("fit: each batch must be (x, y) or (x, y, sample_weight)")


def _forward(model: Any, xb: Any, dtype: np.dtype) -> Any:
    return model(*(_to_tensor(a, dtype) for a in _as_tuple(xb)))


def _compute_loss(model: Any, out: Any, yb: Any, wb: Any, dtype: np.dtype) -> Tensor:
    loss_fn = model._compiled["loss"]
    target = _to_tensor(yb, dtype) if yb is not None else None
    if wb is None:
        loss = loss_fn(out, target)
    else:
        per_sample = _per_sample_loss(loss_fn, out, target)
        loss = (per_sample * Tensor(np.asarray(wb, dtype=dtype))).mean()
    if model.__dict__.get("_has_penalties"):
        loss = loss + model.regularization_loss()
    return loss


def _per_sample_loss(loss_fn: Any, out: Any, target: Any) -> Tensor:
    if hasattr(loss_fn, "reduction"):
        old = loss_fn.reduction
        loss_fn.reduction = "none"
        try:
            res = loss_fn(out, target)
        finally:
            loss_fn.reduction = old
    elif "reduction" in inspect.signature(loss_fn).parameters:
        res = loss_fn(out, target, reduction="none")
    else:
        raise ValueError("fit: class_weight needs a loss that supports reduction='none'")
    return res.reshape(res.shape[0], -1).mean(1) if res.ndim > 1 else res


def _outputs_np(out: Any) -> np.ndarray:
    return (out[0] if isinstance(out, tuple | list) else out).data


def fit(
    self: Any,
    x: Any = None,
    y: Any = None,
    batch_size: int = 32,
    epochs: int = 1,
    verbose: int | str = "auto",
    callbacks: Iterable[Callback] | None = None,
    validation_split: float = 0.0,
    validation_data: Any = None,
    shuffle: bool = True,
    class_weight: dict | None = None,
    initial_epoch: int = 0,
    resume: str | os.PathLike | None = None,
) -> History:
    """Train for ``epochs`` epochs; returns a History (``history.history['loss']``, ...).

    ``x``/``y``: arrays (``x`` may be a tuple of arrays for multi-input models), or ``x`` alone
    as an iterable of ``(x, y)`` / ``(x, y, sample_weight)`` batches such as a DataLoader.
    ``validation_split`` holds out the last fraction of the arrays (before shuffling, as Keras).
    ``class_weight`` ({class: weight}) weights each sample's loss. ``resume``: a checkpoint path
    written after every epoch; if it exists, training continues from it.
    """
    if "_compiled" not in self.__dict__:
        raise RuntimeError(f"fit: call {type(self).__name__}.compile(optimizer, loss) first")
    if batch_size <= 0 or epochs < 0:
        raise ValueError(f"fit: batch_size must be > 0 and epochs >= 0, got {batch_size}, {epochs}")
    if validation_split and validation_data is None:
        if not 0 < validation_split < 1:
            raise ValueError(f"fit: validation_split must be in (0, 1), got {validation_split}")
        n = _length(x)
        cut = n - int(round(n * validation_split))
        if y is None:
            raise ValueError("fit: validation_split needs array inputs x and y")
        validation_data = (_take(x, slice(cut, None)), np.asarray(y)[cut:])
        x, y = _take(x, slice(0, cut)), np.asarray(y)[:cut]
    train_batches = _batches(x, y, batch_size, shuffle, class_weight)
    dtype = _param_dtype(self)
    if not list(self.parameters()):  # lazy layers: build them with one batch
        xb, _, _ = _unpack(next(iter(train_batches)))
        with no_grad():
            _forward(self, xb, np.dtype(np.float32))
        dtype = _param_dtype(self)
    opt = _ensure_optimizer(self)
    self.__dict__["_has_penalties"] = any(m._regularizers for m in self.modules())
    history = History()
    self.__dict__["history"] = history
    if resume is not None and Path(resume).exists():
        initial_epoch = load_training_state(self, resume) + 1
        history.history = {k: list(v) for k, v in self.__dict__["_restored_history"].items()}
        history.epoch = list(range(initial_epoch))
    cbs = CallbackList([history, *(callbacks or [])], self)
    if verbose == "auto":
        verbose = 1 if getattr(sys.stdout, "isatty", lambda: False)() else 2
    metrics: list[Metric] = self._compiled["metrics"]
    self.__dict__["stop_training"] = False
    cbs.on_train_begin()
    steps = len(train_batches) if hasattr(train_batches, "__len__") else None
    for epoch in range(initial_epoch, epochs):
        self.train()
        cbs.on_epoch_begin(epoch)
        for m in metrics:
            m.reset()
        total, count = 0.0, 0
        bar = Progbar(steps) if verbose else None
        if verbose:
            print(f"Epoch {epoch + 1}/{epochs}")
        step = 0
        for step, batch in enumerate(train_batches, 1):
            xb, yb, wb = _unpack(batch)
            cbs.on_batch_begin(step - 1)
            out = _forward(self, xb, dtype)
            loss = _compute_loss(self, out, yb, wb, dtype)
            opt.zero_grad()
            loss.backward()
            opt.step()
            self.apply_constraints()
            n = len(_as_tuple(xb)[0])
            lv = float(loss.data)
            total += lv * n
            count += n
            logs = {"loss": total / count}
            if metrics and yb is not None:
                pred = _outputs_np(out)
                for m in metrics:
                    m.update(np.asarray(yb), pred)
                    logs[m.name] = m.result()
            cbs.on_batch_end(step - 1, {**logs, "loss": lv})
            if bar:
                bar.update(step, logs)
            if self.stop_training:
                break
        logs = {"loss": total / max(count, 1), **{m.name: m.result() for m in metrics}}
        if validation_data is not None:
            vx, vy = (validation_data[0], validation_data[1]) if isinstance(
                validation_data, tuple | list) else (validation_data, None)
            vres = evaluate(self, vx, vy, batch_size=batch_size, return_dict=True)
            logs.update({"val_" + k: v for k, v in vres.items()})
        if bar:
            bar.finish(step, logs)
        cbs.on_epoch_end(epoch, logs)
        if resume is not None:
            save_training_state(self, resume, epoch)
        if self.stop_training:
            break
    cbs.on_train_end()
    return history


@no_grad()
def evaluate(
    self: Any, x: Any = None, y: Any = None, batch_size: int = 32, verbose: int = 0,
    return_dict: bool = False,
) -> Any:
    """Loss and metrics over the data (eval mode, no graph): ``[loss, *metrics]`` or a dict."""
    if "_compiled" not in self.__dict__:
        raise RuntimeError(f"evaluate: call {type(self).__name__}.compile(...) first")
    was = self.training
    self.eval()
    dtype = _param_dtype(self)
    metrics = [get_metric(m.fn) for m in self._compiled["metrics"]]
    for m, orig in zip(metrics, self._compiled["metrics"], strict=True):
        m.name = orig.name
    total, count = 0.0, 0
    try:
        for batch in _batches(x, y, batch_size, False, None):
            xb, yb, wb = _unpack(batch)
            out = _forward(self, xb, dtype)
            loss = _compute_loss(self, out, yb, wb, dtype)
            n = len(_as_tuple(xb)[0])
            total += float(loss.data) * n
            count += n
            pred = _outputs_np(out)
            for m in metrics:
                m.update(np.asarray(yb), pred)
    finally:
        self.train(was)
    res = {"loss": total / max(count, 1), **{m.name: m.result() for m in metrics}}
    if verbose:
        print(" - ".join(f"{k}: {v:.4f}" for k, v in res.items()))
    return res if return_dict else ([res["loss"], *[res[m.name] for m in metrics]]
                                    if metrics else res["loss"])


@no_grad()
def predict(self: Any, x: Any, batch_size: int = 32, verbose: int = 0) -> np.ndarray:
    """The model's outputs for ``x`` (eval mode, no graph), as one NumPy array."""
    was = self.training
    self.eval()
    dtype = _param_dtype(self)
    outs = []
    try:
        n = _length(x)
        for start in range(0, n, batch_size):
            xb = _take(x, slice(start, start + batch_size))
            outs.append(_outputs_np(_forward(self, xb, dtype)))
    finally:
        self.train(was)
    return np.concatenate(outs) if outs else np.zeros((0,))


def save_training_state(model: Any, path: str | os.PathLike, epoch: int,
                        weights_only: bool = False) -> Path:
    """Checkpoint the model, its optimizer, the epoch, deepgrad's RNG state and the history."""
    hist = model.__dict__.get("history")
    return save_checkpoint(
        path, model, None if weights_only else model.__dict__.get("optimizer"), epoch,
        rng_state=get_rng_state(), history=hist.history if hist is not None else {},
    )


def load_training_state(model: Any, path: str | os.PathLike) -> int:
    """Restore what ``save_training_state`` wrote; returns the epoch that had completed."""
    ckpt = load_checkpoint(path)
    model.load_state_dict(ckpt["model"])
    opt = model.__dict__.get("optimizer")
    if opt is not None and ckpt["optimizer"] is not None:
        opt.load_state_dict(ckpt["optimizer"])
    if ckpt["rng_state"] is not None:
        set_rng_state(ckpt["rng_state"])
    model.__dict__["_restored_history"] = ckpt["history"]
    return int(ckpt["epoch"])
