"""Keras-style callbacks: hooks into the training loop of ``Module.fit``.

Each callback sees ``self.model`` (the Module being trained; its optimizer is
``model.optimizer``) and a ``logs`` dict of the epoch's metrics (``loss``, ``accuracy``,
``val_loss``, ...). Setting ``model.stop_training = True`` ends training after the epoch.

``with attached(callbacks):`` gives callbacks to every ``fit`` and ``train_epochs`` that runs
inside the block, such as those of a course task (``run_task(..., callbacks=[...])``): their
``on_train_begin`` and ``on_train_end`` run once, when the block starts and ends, and each
training inside calls ``set_model`` with its model and the epoch and batch hooks.
"""

from __future__ import annotations

import contextlib
import csv
import math
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from .checkpoint import save_training_state

__all__ = [
    "Callback", "CallbackList", "History", "EarlyStopping", "ModelCheckpoint",
    "LearningRateScheduler", "ReduceLROnPlateau", "CSVLogger", "TerminateOnNaN", "PlotCurves",
    "attached", "attached_callbacks",
]


class Callback:
    """Base class; override the hooks you need."""

    model: Any = None

    def set_model(self, model: Any) -> None:
        self.model = model

    def on_train_begin(self, logs: dict | None = None) -> None: ...
    def on_train_end(self, logs: dict | None = None) -> None: ...
    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None: ...
    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None: ...
    def on_batch_begin(self, batch: int, logs: dict | None = None) -> None: ...
    def on_batch_end(self, batch: int, logs: dict | None = None) -> None: ...


class CallbackList(Callback):
    def __init__(self, callbacks: Iterable[Callback], model: Any) -> None:
        self.callbacks = list(callbacks)
        for c in self.callbacks:
            if not isinstance(c, Callback):
                raise TypeError(f"fit: callbacks must be Callbacks, got {type(c).__name__}")
            c.set_model(model)

    def __getattribute__(self, name: str) -> Any:
        if name.startswith("on_"):
            cbs = object.__getattribute__(self, "callbacks")
            return lambda *a, **k: [getattr(c, name)(*a, **k) for c in cbs]
        return object.__getattribute__(self, name)


_ATTACHED: list[Callback] = []


class _Inside(Callback):
    """An attached callback as one training sees it: everything but the train begin and end,
    which the ``attached`` block runs once."""

    def __init__(self, callback: Callback) -> None:
        self.callback = callback

    def set_model(self, model: Any) -> None:
        self.callback.set_model(model)

    def __getattribute__(self, name: str) -> Any:
        if name.startswith("on_") and name not in ("on_train_begin", "on_train_end"):
            return getattr(object.__getattribute__(self, "callback"), name)
        return object.__getattribute__(self, name)


@contextlib.contextmanager
def attached(callbacks: Iterable[Callback]) -> Iterator[list[Callback]]:
    """Give ``callbacks`` to every ``fit`` and ``train_epochs`` inside the block (see the
    module docstring); blocks nest."""
    cbs = list(callbacks)
    for c in cbs:
        if not isinstance(c, Callback):
            raise TypeError(f"attached: callbacks must be Callbacks, got {type(c).__name__}")
    for c in cbs:
        c.on_train_begin()
    _ATTACHED.extend(cbs)
    try:
        yield cbs
    finally:
        for c in cbs:
            _ATTACHED.remove(c)
        for c in cbs:
            c.on_train_end()


def attached_callbacks() -> list[Callback]:
    """The callbacks of the enclosing ``attached`` blocks, as a training inside adds them."""
    return [_Inside(c) for c in _ATTACHED]


class History(Callback):
    """Records every epoch's logs: ``history.history['loss']`` is the list of epoch losses;
    ``fit`` also logs the learning rate of each epoch as ``'lr'`` and ``'learning_rate'``."""

    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(float(v))


def _better(mode: str, monitor: str) -> Callable[[float, float, float], bool]:
    if mode == "auto":
        mode = "max" if ("acc" in monitor or "f1" in monitor or "precision" in monitor
                         or "recall" in monitor) else "min"
    if mode == "min":
        return lambda cur, best, delta: cur < best - delta
    if mode == "max":
        return lambda cur, best, delta: cur > best + delta
    raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")


def _past_history(model: Any) -> dict[str, list[float]]:
    """The history of the epochs before this fit started (non-empty only when resumed)."""
    hist = getattr(model, "__dict__", {}).get("history")
    return dict(hist.history) if hist is not None else {}


def _monitored(logs: dict | None, monitor: str, who: str) -> float | None:
    if not logs or monitor not in logs:
        import warnings

        warnings.warn(f"{who}: metric {monitor!r} is not available; have {sorted(logs or {})}",
                      stacklevel=3)
        return None
    return float(logs[monitor])


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs (a
    regularizer, as the notes say); ``restore_best_weights`` puts back the best epoch's weights."""

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0.0, patience: int = 0,
                 mode: str = "auto", restore_best_weights: bool = False,
                 baseline: float | None = None) -> None:
        self.monitor, self.min_delta, self.patience = monitor, abs(min_delta), patience
        self.restore_best_weights, self.baseline = restore_best_weights, baseline
        self.better = _better(mode, monitor)
        self.stopped_epoch = -1

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.wait = 0
        self.best = math.inf if self.better(0, 1, 0) else -math.inf
        if self.baseline is not None:
            self.best = self.baseline
        self.best_weights: dict | None = None
        self.best_epoch = -1

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        cur = _monitored(logs, self.monitor, "EarlyStopping")
        if cur is None:
            return
        if self.better(cur, self.best, self.min_delta):
            self.best, self.wait, self.best_epoch = cur, 0, epoch
            if self.restore_best_weights:
                self.best_weights = {k: np.array(v, copy=True)
                                     for k, v in self.model.state_dict().items()}
            return
        self.wait += 1
        if self.wait > self.patience - 1 and self.wait >= max(self.patience, 1):
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs: dict | None = None) -> None:
        if self.restore_best_weights and self.best_weights is not None:
            self.model.load_state_dict(self.best_weights)


class ModelCheckpoint(Callback):
    """Write a full checkpoint (weights, optimizer, epoch, RNG, history) after each epoch, or
    only when ``monitor`` improves (``save_best_only``). ``filepath`` may contain ``{epoch}``
    and metric names, e.g. ``"ckpt/epoch{epoch:02d}-{val_loss:.3f}.npz"``. Writes are atomic."""

    def __init__(self, filepath: str | os.PathLike, monitor: str = "val_loss",
                 save_best_only: bool = False, mode: str = "auto",
                 save_weights_only: bool = False) -> None:
        self.filepath, self.monitor, self.save_best_only = str(filepath), monitor, save_best_only
        self.save_weights_only = save_weights_only
        self.better = _better(mode, monitor)
        self.best = math.inf if self.better(0, 1, 0) else -math.inf
        self.last_saved: Path | None = None

    def on_train_begin(self, logs: dict | None = None) -> None:
        # a resumed fit: the best so far is in the restored history, so a worse epoch after
        # the restart does not overwrite the best checkpoint
        past = _past_history(self.model).get(self.monitor, [])
        for v in past:
            if self.better(float(v), self.best, 0.0):
                self.best = float(v)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs or {}
        if self.save_best_only:
            cur = _monitored(logs, self.monitor, "ModelCheckpoint")
            if cur is None or not self.better(cur, self.best, 0.0):
                return
            self.best = cur
        path = self.filepath.format(epoch=epoch + 1, **logs)
        self.last_saved = save_training_state(self.model, path, epoch,
                                              weights_only=self.save_weights_only)


class LearningRateScheduler(Callback):
    """Set every parameter group's lr to ``schedule(epoch, lr)`` at the start of each epoch."""

    def __init__(self, schedule: Callable[[int, float], float], verbose: int = 0) -> None:
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        opt = self.model.optimizer
        lr = float(self.schedule(epoch, float(opt.param_groups[0]["lr"])))
        for g in opt.param_groups:
            g["lr"] = lr
        if self.verbose:
            print(f"Epoch {epoch + 1}: LearningRateScheduler setting learning rate to {lr:.6g}.")

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if logs is not None:
            logs["learning_rate"] = logs["lr"] = float(self.model.optimizer.param_groups[0]["lr"])


class ReduceLROnPlateau(Callback):
    """Multiply the lr by ``factor`` when ``monitor`` stops improving for ``patience`` epochs."""

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10,
                 mode: str = "auto", min_delta: float = 1e-4, cooldown: int = 0,
                 min_lr: float = 0.0, verbose: int = 0) -> None:
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau: factor must be < 1, got {factor}")
        self.monitor, self.factor, self.patience = monitor, factor, patience
        self.min_delta, self.cooldown = min_delta, cooldown
        self.min_lr, self.verbose = min_lr, verbose
        self.better = _better(mode, monitor)

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.wait = self.cooldown_counter = 0
        self.best = math.inf if self.better(0, 1, 0) else -math.inf

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        cur = _monitored(logs, self.monitor, "ReduceLROnPlateau")
        opt = self.model.optimizer
        if logs is not None:
            logs["learning_rate"] = logs["lr"] = float(opt.param_groups[0]["lr"])
        if cur is None:
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self.better(cur, self.best, self.min_delta):
            self.best, self.wait = cur, 0
        elif self.cooldown_counter <= 0:
            self.wait += 1
            if self.wait >= self.patience:
                for g in opt.param_groups:
                    old = float(g["lr"])
                    g["lr"] = max(old * self.factor, self.min_lr)
                if self.verbose:
                    print(f"Epoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to "
                          f"{opt.param_groups[0]['lr']:.6g}.")
                self.cooldown_counter, self.wait = self.cooldown, 0


class CSVLogger(Callback):
    """Append each epoch's logs as a row of a CSV file."""

    def __init__(self, filename: str | os.PathLike, separator: str = ",",
                 append: bool = False) -> None:
        self.filename, self.separator, self.append = Path(filename), separator, append
        self.keys: list[str] | None = None

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.filename.parent.mkdir(parents=True, exist_ok=True)
        exists = self.append and self.filename.exists() and self.filename.stat().st_size > 0
        if exists:
            with open(self.filename) as f:
                self.keys = next(csv.reader(f, delimiter=self.separator))[1:]
        self.file = open(self.filename, "a" if self.append else "w", newline="")  # noqa: SIM115
        self.writer = csv.writer(self.file, delimiter=self.separator)
        self.header_done = exists

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
        if not self.header_done:
            self.writer.writerow(["epoch", *self.keys])
            self.header_done = True
        self.writer.writerow([epoch, *[logs.get(k, "") for k in self.keys]])
        self.file.flush()

    def on_train_end(self, logs: dict | None = None) -> None:
        self.file.close()


class TerminateOnNaN(Callback):
    """Stop training as soon as a batch loss is NaN or infinite."""

    def on_batch_end(self, batch: int, logs: dict | None = None) -> None:
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            print(f"Batch {batch}: invalid loss {loss}, terminating training")
            self.model.stop_training = True


_PLOT_EXTRA = "pip install 'deepgrad[extras]'"  # pyproject.toml's extra holding matplotlib


def _matplotlib_missing() -> str | None:
    """None when matplotlib imports, else why not."""
    try:
        import matplotlib  # noqa: F401
    except ImportError as e:
        return str(e) or "matplotlib is not installed"
    return None


class PlotCurves(Callback):
    """Draw the loss and metric curves (train and validation) to a PNG after every epoch.

    Plotting needs matplotlib (the ``extras`` extra). Without it, PlotCurves warns once, when it
    is made (before training starts), and draws nothing; training, checkpoints and metrics go on
    as usual.
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        missing = _matplotlib_missing()
        self.enabled = missing is None
        if not self.enabled:
            import warnings

            warnings.warn(
                f"PlotCurves: matplotlib is not available ({missing}), so the training curves "
                f"will not be drawn to {self.path}; {_PLOT_EXTRA} to get them",
                stacklevel=2,
            )

    def on_train_begin(self, logs: dict | None = None) -> None:
        # a resumed fit starts from the epochs already done
        self.history: dict[str, list[float]] = {
            k: [float(x) for x in v] for k, v in _past_history(self.model).items()}

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(float(v))
        if self.enabled:
            plot_history(self.history, self.path)


def plot_history(history: dict[str, list[float]], path: str | os.PathLike) -> Path:
    """One panel per quantity (loss, accuracy, ...), train and ``val_`` curves together."""
    missing = _matplotlib_missing()
    if missing is not None:
        raise ImportError(f"plot_history needs matplotlib ({missing}); {_PLOT_EXTRA}")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [k for k in history if not k.startswith("val_") and k not in ("lr", "learning_rate")]
    fig, axes = plt.subplots(1, max(len(names), 1), figsize=(4.5 * max(len(names), 1), 3.4))
    axes = np.atleast_1d(axes)
    for ax, name in zip(axes, names, strict=False):
        epochs = np.arange(1, len(history[name]) + 1)
        ax.plot(epochs, history[name], marker="o", label="train")
        if "val_" + name in history:
            ax.plot(np.arange(1, len(history["val_" + name]) + 1), history["val_" + name],
                    marker="o", label="validation")
        ax.set_xlabel("epoch")
        ax.set_title(name)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.png")
    fig.savefig(tmp, dpi=90)
    plt.close(fig)
    os.replace(tmp, path)
    return path
