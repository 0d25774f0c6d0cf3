"""Keras-style training for every Module: ``compile``, ``fit``, ``evaluate``, ``predict``.

    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train, y_train, batch_size=128, epochs=5, validation_split=0.1)
    model.evaluate(x_test, y_test)

One training step is the notes' recipe: forward, cost (plus the layers' L1/L2 penalties),
backpropagation, the optimizer's update, then constraints (max-norm). Keras' losses (the names
'binary_crossentropy', 'mse', ... and the classes of ``deepgrad.nn.keras_losses``) are called as
Keras calls them, ``loss(y_true, y_pred, sample_weight)``; PyTorch-style losses and plain
functions as ``loss(output, target)``. The optimizer may be a name, an optimizer made Keras'
way without parameters (``optim.Adam(learning_rate=1e-3)``: ``fit`` binds the model's), or one
already holding them. ``history.history`` has one entry per epoch for the loss, each metric,
the ``val_`` versions and the learning rate (``'lr'`` and ``'learning_rate'``).
``fit(..., resume=path)`` saves the full training state after every epoch and, if the file
exists, continues from it, reaching exactly the result of an uninterrupted run.
"""

from __future__ import annotations

import inspect
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .. import optim
from ..random import batch_rows
from ..tensor import Tensor, no_grad
from .batches import as_tuple, is_arrays, length, make_batches, take, to_tensor, unpack
from .callbacks import Callback, CallbackList, History, attached_callbacks
from .checkpoint import load_training_state, save_training_state
from .data_parallel import DataParallel, data_parallel_for
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
    """Choose the optimizer, the loss and the metrics shown during training.

    ``optimizer``: a name ('adam', 'sgd', ...; ``optimizer_kwargs`` such as ``lr=`` or
    ``learning_rate=`` go to it), an Optimizer (with or without parameters: one made as
    ``optim.SGD(learning_rate=0.1, momentum=0.9)`` is bound to this model's parameters by
    ``fit``) or a factory ``params -> Optimizer``. ``loss``: a Keras or PyTorch name (see
    ``deepgrad.nn.get_loss``), a loss object or a function ``(output, target) -> scalar``.
    ``metrics``: names ('accuracy' is resolved as Keras does, from the loss and the shapes),
    Metric objects or functions ``(y_true, y_pred) -> float``.
    """
    if isinstance(optimizer, str) and optimizer.lower() not in _OPTIMIZERS:
        raise ValueError(f"compile: unknown optimizer {optimizer!r}; known: {sorted(_OPTIMIZERS)}")
    is_instance = not isinstance(optimizer, str | type) and hasattr(optimizer, "step")
    if is_instance and optimizer_kwargs:
        raise TypeError(
            f"compile: options {sorted(optimizer_kwargs)} are for an optimizer given by name; "
            f"set them on the {type(optimizer).__name__} itself"
        )
    loss_fn = _resolve_loss(loss)
    self.__dict__["_compiled"] = {
        "optimizer": optimizer,
        "optimizer_kwargs": optimizer_kwargs,
        "loss": loss_fn,
        "loss_spec": loss,
        "metric_specs": list(metrics or []),
        "metrics": [get_metric(m, loss_fn) for m in (metrics or [])],
    }
    self.__dict__["optimizer"] = optimizer if is_instance else None


def _ensure_optimizer(model: Any) -> Any:
    opt = model.__dict__.get("optimizer")
    if opt is not None:
        if isinstance(opt, optim.Optimizer) and not opt.param_groups:
            opt.build(_params(model, "fit"))  # made Keras' way: bind this model's parameters
        return opt
    spec = model._compiled["optimizer"]
    kw = dict(model._compiled["optimizer_kwargs"])
    params = _params(model, "fit")
    if isinstance(spec, str):
        cls, defaults = _OPTIMIZERS[spec.lower()]
        if "learning_rate" in kw:
            defaults = {k: v for k, v in defaults.items() if k != "lr"}
        opt = cls(params, **{**defaults, **kw})
    else:
        opt = spec(params, **kw)
    model.__dict__["optimizer"] = opt
    return opt


def _params(model: Any, who: str) -> list:
    params = list(model.parameters())
    if not params:
        raise RuntimeError(f"{who}: {type(model).__name__} has no parameters to train")
    return params


def _param_dtype(model: Any) -> np.dtype:
    p = next(model.parameters(), None)
    return p.dtype if p is not None else np.dtype(np.float32)


def _np(a: Any) -> Any:
    if isinstance(a, tuple | list):
        return type(a)(_np(v) for v in a)
    return a.data if isinstance(a, Tensor) else np.asarray(a)


def record_inputs(model: Any, xb: Any) -> None:
    """Remember the input shapes (batch dim None) and dtypes seen first, for ``summary()``."""
    if model.__dict__.get("_input_spec") is None:
        model.__dict__["_input_spec"] = [
            ((None, *np.shape(_np(a))[1:]), str(_np(a).dtype)) for a in as_tuple(xb)
        ]


def _forward(model: Any, xb: Any, dtype: np.dtype) -> Any:
    record_inputs(model, xb)
    return model(*(to_tensor(a, dtype) for a in as_tuple(xb)))


def _compute_loss(model: Any, out: Any, yb: Any, wb: Any, dtype: np.dtype) -> Tensor:
    loss_fn = model._compiled["loss"]
    if yb is None:
        raise ValueError("fit/evaluate: the batches carry no targets; give (x, y) batches or y")
    target = to_tensor(yb, dtype)
    if getattr(loss_fn, "keras_order", False):  # Keras' loss(y_true, y_pred, sample_weight)
        sw = None if wb is None else np.asarray(wb, dtype=dtype)
        loss = loss_fn(target, out, sample_weight=sw)
    elif wb is None:
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
    distributed: bool | None = None,
) -> History:
    """Train for ``epochs`` epochs; returns a History (``history.history['loss']``, ...).

    ``x``/``y``: arrays (``x`` may be a tuple of arrays for multi-input models), or ``x`` alone
    as an iterable of ``(x, y)`` / ``(x, y, sample_weight)`` batches such as a DataLoader.
    ``validation_split`` holds out the last fraction of the arrays (before shuffling, as Keras).
    ``class_weight`` ({class: weight}) weights each sample's loss. ``resume``: a checkpoint path
    written after every epoch; if it exists, training continues from it. ``distributed``:
    data-parallel training over the ranks of ``mpirun`` (:mod:`deepgrad.train.data_parallel`;
    ``batch_size`` is the global batch; one process: the same as False); None: as the
    enclosing ``deepgrad.distributed.data_parallel()`` says (off outside it).
    """
    if "_compiled" not in self.__dict__:
        raise RuntimeError(f"fit: call {type(self).__name__}.compile(optimizer, loss) first")
    if batch_size <= 0 or epochs < 0:
        raise ValueError(f"fit: batch_size must be > 0 and epochs >= 0, got {batch_size}, {epochs}")
    if validation_split and validation_data is None:
        if not 0 < validation_split < 1:
            raise ValueError(f"fit: validation_split must be in (0, 1), got {validation_split}")
        if y is None or not is_arrays(x):
            raise ValueError("fit: validation_split needs array inputs x and y")
        n = length(x)
        cut = n - int(round(n * validation_split))
        validation_data = (take(x, slice(cut, None)), np.asarray(_np(y))[cut:])
        x, y = take(x, slice(0, cut)), np.asarray(_np(y))[:cut]
    train_batches = make_batches(x, y, batch_size, shuffle, class_weight)
    dtype = _param_dtype(self)
    if not list(self.parameters()):  # lazy layers: build them with one batch
        xb, _, _ = unpack(next(iter(train_batches)))
        with no_grad():
            _forward(self, xb, np.dtype(np.float32))
        dtype = _param_dtype(self)
    opt = _ensure_optimizer(self)
    dp = data_parallel_for(self, distributed, opt)
    self.__dict__["_has_penalties"] = any(m._regularizers for m in self.modules())
    history = History()
    self.__dict__["history"] = history
    if resume is not None and Path(resume).exists():
        initial_epoch = load_training_state(self, resume) + 1
        history.history = {k: list(v) for k, v in self.__dict__["_restored_history"].items()}
        history.epoch = list(range(initial_epoch))
    if dp is not None:
        dp.start()
    chosen = [history, *(callbacks or []), *attached_callbacks()]
    cbs = CallbackList(chosen if dp is None else dp.callbacks(chosen), self)
    if verbose == "auto":
        verbose = 1 if getattr(sys.stdout, "isatty", lambda: False)() else 2
    if dp is not None and dp.world.rank != 0:
        verbose = 0
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
        batches = (((b, 0, 0) for b in train_batches) if dp is None
                   else dp.batches(train_batches))
        for step, (batch, offset, global_n) in enumerate(batches, 1):
            xb, yb, wb = unpack(batch)
            cbs.on_batch_begin(step - 1)
            n = len(as_tuple(xb)[0])
            if dp is None:
                out = _forward(self, xb, dtype)
                loss = _compute_loss(self, out, yb, wb, dtype)
                opt.zero_grad()
                loss.backward()
                lv = float(loss.data)
            else:
                out, lv, n, global_n = _parallel_step(self, dp, opt, xb, yb, wb, dtype, n,
                                                      offset, global_n)
            opt.step()
            self.apply_constraints()
            total += lv * global_n if dp is not None else lv * n
            count += global_n if dp is not None else n
            logs = {"loss": total / count}
            if metrics and n:
                pred, target = _outputs_np(out), _np(yb)
                for m in metrics:
                    m.update(target, pred)
                    if m.per_batch:
                        logs[m.name] = m.result()
            cbs.on_batch_end(step - 1, {**logs, "loss": lv})
            if bar:
                bar.update(step, logs)
            stop = self.stop_training
            if dp is not None:
                stop = dp.agree(stop, "the stop_training flags")
            if stop:
                self.__dict__["stop_training"] = True
                break
        logs = {"loss": total / max(count, 1)}
        logs.update({m.name: m.result() for m in metrics} if dp is None
                    else dp.metric_results(metrics))
        if validation_data is not None:
            vdata = validation_data if dp is None else dp.validation_shard(validation_data)
            vx, vy = (vdata[0], vdata[1]) if isinstance(vdata, tuple | list) else (vdata, None)
            vres = _evaluate(self, vx, vy, batch_size, dp)
            logs.update({"val_" + k: v for k, v in vres.items()})
        lr = _learning_rate(opt)
        if bar:
            bar.finish(step, logs if lr is None else {**logs, "learning_rate": lr})
        if lr is not None:
            logs["learning_rate"] = logs["lr"] = lr
        cbs.on_epoch_end(epoch, logs)
        if resume is not None and (dp is None or dp.writes):
            save_training_state(self, resume, epoch)
        stop = self.stop_training
        if dp is not None:
            stop = dp.agree(stop, "the stop_training flags")
        if stop:
            break
    cbs.on_train_end()
    if dp is not None:
        dp.finish()
    return history


def _parallel_step(model: Any, dp: DataParallel, opt: Any, xb: Any, yb: Any, wb: Any,
                   dtype: np.dtype, n: int, offset: int, global_n: int
                   ) -> tuple[Any, float, int, int]:
    """This rank's forward and backward on its rows of the global batch, then the gradients
    averaged over the ranks: ``(output, the global batch's loss, rows here, global rows)``."""
    dp.check_batch(global_n)
    dp.before_step()
    opt.zero_grad()
    out, local = None, 0.0
    if n:
        with batch_rows(offset, n, global_n):
            out = _forward(model, xb, dtype)
        loss = _compute_loss(model, out, yb, wb, dtype)
        local = float(loss.data)
        scale = dp.loss_scale(n, global_n)
        (loss if scale == 1.0 else loss * scale).backward()
    dp.reduce_gradients()
    loss_sum, global_n = dp.global_loss(local * n, n)
    return out, loss_sum / global_n, n, global_n


def _evaluate(model: Any, vx: Any, vy: Any, batch_size: int, dp: DataParallel | None
              ) -> dict[str, float]:
    """The validation loss and metrics; with ``dp``, this rank's share reduced over the ranks."""
    if dp is None:
        return evaluate(model, vx, vy, batch_size=batch_size, return_dict=True)
    total, count, metrics = _evaluate_sums(model, vx, vy, batch_size)
    total, count = dp.global_loss(total, count)
    return {"loss": total / max(count, 1), **dp.metric_results(metrics)}


def _learning_rate(opt: Any) -> float | None:
    groups = getattr(opt, "param_groups", None)
    return float(groups[0]["lr"]) if groups and "lr" in groups[0] else None


@no_grad()
def evaluate(
    self: Any, x: Any = None, y: Any = None, batch_size: int = 32, verbose: int = 0,
    return_dict: bool = False,
) -> Any:
    """Loss and metrics over the data (eval mode, no graph): ``[loss, *metrics]`` (the loss
    alone without metrics) or a dict. Data as for ``fit``."""
    if "_compiled" not in self.__dict__:
        raise RuntimeError(f"evaluate: call {type(self).__name__}.compile(...) first")
    total, count, metrics = _evaluate_sums(self, x, y, batch_size)
    res = {"loss": total / max(count, 1), **{m.name: m.result() for m in metrics}}
    if verbose:
        print(" - ".join(f"{k}: {v:.4f}" for k, v in res.items()))
    return res if return_dict else ([res["loss"], *[res[m.name] for m in metrics]]
                                    if metrics else res["loss"])


@no_grad()
def _evaluate_sums(model: Any, x: Any, y: Any, batch_size: int) -> tuple[float, int, list]:
    """(sum of the batches' loss times their size, examples, the metrics fed) in eval mode."""
    was = model.training
    model.eval()
    dtype = _param_dtype(model)
    metrics = [m.clone() for m in model._compiled["metrics"]]
    total, count = 0.0, 0
    try:
        for batch in make_batches(x, y, batch_size, False, None, "evaluate"):
            xb, yb, wb = unpack(batch, "evaluate")
            n = len(as_tuple(xb)[0])
            if not n:
                continue
            out = _forward(model, xb, dtype)
            loss = _compute_loss(model, out, yb, wb, dtype)
            total += float(loss.data) * n
            count += n
            pred, target = _outputs_np(out), _np(yb)
            for m in metrics:
                m.update(target, pred)
    finally:
        model.train(was)
    return total, count, metrics


@no_grad()
def predict(self: Any, x: Any, batch_size: int = 32, verbose: int = 0) -> np.ndarray:
    """The model's outputs for ``x`` (eval mode, no graph), as one NumPy array.

    ``x``: an array (or a tuple/list of arrays, one per input), cut into ``batch_size``
    batches; or an iterable of batches such as the DataLoader given to ``fit`` (each batch x
    alone or ``(x, y)`` / ``(x, y, sample_weight)``, whose x is taken, as Keras).
    """
    was = self.training
    self.eval()
    dtype = _param_dtype(self)
    outs = []
    try:
        if is_arrays(x):
            for start in range(0, length(x), batch_size):
                xb = take(x, slice(start, start + batch_size))
                outs.append(_outputs_np(_forward(self, xb, dtype)))
        else:
            if isinstance(x, dict) or not hasattr(x, "__iter__"):
                raise TypeError(
                    f"predict: x must be an array, a tuple of arrays or an iterable of batches, "
                    f"got {type(x).__name__}"
                )
            for batch in x:
                xb, _, _ = unpack(batch, "predict")
                outs.append(_outputs_np(_forward(self, xb, dtype)))
    finally:
        self.train(was)
    return np.concatenate(outs) if outs else np.zeros((0,))
