"""Keras' ``model.save_weights`` / ``load_weights`` / ``save`` and ``load_model``, in deepgrad's
checkpoint format (one ``.npz``: plain arrays plus JSON metadata, written atomically, loaded
with ``allow_pickle=False``; see :mod:`deepgrad.train.checkpoint`).

* ``model.save_weights(path)`` / ``model.load_weights(path)``: the state_dict only (lazy layers
  are built from the saved shapes). ``load_weights`` also reads files written by ``save`` and
  ``ModelCheckpoint``.
* ``model.save(path)``: weights, the optimizer's state (moments, step counts, learning rates)
  and the compile configuration (optimizer class and hyperparameters, loss, metric names), as
  Keras' ``.keras`` file holds them, plus the input shapes seen by ``fit``.
* ``load_model(path, model)``: restores all of that into ``model``. Unlike Keras' ``.keras``,
  the file does not describe the architecture (that would need pickled code): pass a freshly
  built instance of the same class. A custom loss or metric function is saved by name and
  found again in ``custom_objects={'name': fn}``, as in Keras.
"""

from __future__ import annotations

import inspect
import os
from pathlib import Path
from typing import Any

import numpy as np

from .. import optim
from .checkpoint import CheckpointError, load_checkpoint, save_checkpoint

__all__ = ["save_weights", "load_weights", "save", "load_model"]


def save_weights(self: Any, filepath: str | os.PathLike) -> Path:
    """Write the model's weights (its state_dict) to ``filepath`` (.npz, atomic)."""
    return save_checkpoint(filepath, self, None, 0,
                           extra={"kind": "weights", "model_class": type(self).__name__})


def load_weights(self: Any, filepath: str | os.PathLike) -> Any:
    """Load weights written by ``save_weights``, ``save`` or ``ModelCheckpoint`` (strict: every
    parameter and buffer must be present with its shape)."""
    self.load_state_dict(load_checkpoint(filepath)["model"])
    return self


def _jsonable(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, tuple | list):
        return [_jsonable(a) for a in v]
    if v is None or isinstance(v, bool | int | float | str):
        return v
    raise TypeError(type(v).__name__)


def _init_config(obj: Any, values: dict[str, Any]) -> dict[str, Any] | None:
    """The constructor arguments of ``obj`` found in ``values``, or None if not JSON-able."""
    names = [p for p in inspect.signature(type(obj).__init__).parameters if p != "self"]
    try:
        return {k: _jsonable(values[k]) for k in names if k in values}
    except TypeError:
        return None


def _custom(obj: Any) -> dict[str, Any]:
    return {"custom": getattr(obj, "__name__", getattr(obj, "name", type(obj).__name__))}


def _optimizer_config(model: Any) -> dict[str, Any]:
    compiled = model._compiled
    opt = model.__dict__.get("optimizer")
    if isinstance(opt, optim.Optimizer):
        cfg = _init_config(opt, opt.defaults)
        if cfg is not None and hasattr(optim, type(opt).__name__):
            return {"class": type(opt).__name__, "config": cfg}
    spec = compiled["optimizer"]
    if isinstance(spec, str):
        return {"name": spec, "kwargs": _jsonable_dict(compiled["optimizer_kwargs"])}
    return _custom(spec)


def _jsonable_dict(d: dict) -> dict:
    return {k: _jsonable(v) for k, v in d.items()}


def _loss_config(spec: Any, fn: Any) -> dict[str, Any]:
    if isinstance(spec, str):
        return {"name": spec}
    if hasattr(fn, "get_config"):  # Keras' losses
        return {"class": type(fn).__name__, "config": _jsonable_dict(fn.get_config())}
    from ..nn.module import Module

    if isinstance(fn, Module):  # PyTorch-style loss modules: their options are attributes
        cfg = _init_config(fn, vars(fn))
        if cfg is not None:
            return {"class": type(fn).__name__, "config": cfg}
    return _custom(fn)


def compile_config(model: Any) -> dict[str, Any] | None:
    """What ``compile`` was given, as JSON: optimizer, loss and metrics."""
    compiled = model.__dict__.get("_compiled")
    if compiled is None:
        return None
    metrics = [{"name": m} if isinstance(m, str) else _custom(m)
               for m in compiled["metric_specs"]]
    return {"optimizer": _optimizer_config(model),
            "loss": _loss_config(compiled["loss_spec"], compiled["loss"]), "metrics": metrics}


def save(self: Any, filepath: str | os.PathLike) -> Path:
    """Write weights, optimizer state and compile configuration to ``filepath`` (.npz, atomic);
    ``deepgrad.train.load_model(filepath, model)`` reads it back."""
    opt = self.__dict__.get("optimizer")
    opt = opt if isinstance(opt, optim.Optimizer) and opt.param_groups else None
    hist = self.__dict__.get("history")
    extra = {"kind": "model", "model_class": type(self).__name__,
             "compile": compile_config(self), "input_spec": self.__dict__.get("_input_spec")}
    return save_checkpoint(filepath, self, opt, 0,
                           history=hist.history if hist is not None else {}, extra=extra)


def _lookup(cfg: dict, custom_objects: dict, what: str) -> Any:
    name = cfg["custom"]
    if name not in custom_objects:
        raise CheckpointError(
            f"load_model: the {what} {name!r} was a custom object; pass it as "
            f"custom_objects={{{name!r}: ...}} (or compile=False and compile again)"
        )
    return custom_objects[name]


def _rebuild_optimizer(cfg: dict, custom_objects: dict) -> tuple[Any, dict]:
    if "custom" in cfg:
        return _lookup(cfg, custom_objects, "optimizer"), {}
    if "name" in cfg:
        return cfg["name"], cfg.get("kwargs", {})
    return getattr(optim, cfg["class"])(**cfg["config"]), {}


def _rebuild_loss(cfg: dict, custom_objects: dict) -> Any:
    if "custom" in cfg:
        return _lookup(cfg, custom_objects, "loss")
    if "name" in cfg:
        return cfg["name"]
    from ..nn import loss as losses

    cls = getattr(losses, cfg["class"], None) or losses.KERAS_LOSSES.get(cfg["class"].lower())
    if cls is None:
        raise CheckpointError(f"load_model: unknown loss class {cfg['class']!r}")
    return cls(**cfg["config"])


def load_model(filepath: str | os.PathLike, model: Any = None,
               custom_objects: dict[str, Any] | None = None, compile: bool = True) -> Any:  # noqa: A002
    """Restore what ``model.save(filepath)`` wrote into ``model`` (a new instance of the saved
    class): weights, then (``compile=True``) the compile configuration and the optimizer state,
    so that ``fit`` continues where the saved model stopped. Returns ``model``."""
    ckpt = load_checkpoint(filepath)
    extra = ckpt.get("extra") or {}
    if extra.get("kind") != "model":
        raise CheckpointError(
            f"load_model: {filepath} was not written by model.save (it holds weights only); "
            "use model.load_weights(path)"
        )
    if model is None:
        raise TypeError(
            f"load_model: deepgrad's files store no architecture (that would need pickled code); "
            f"build the model and pass it: load_model(path, model={extra['model_class']}(...))"
        )
    if extra["model_class"] != type(model).__name__:
        raise CheckpointError(
            f"load_model: {filepath} holds a {extra['model_class']}, got a {type(model).__name__}"
        )
    model.load_state_dict(ckpt["model"])
    if extra.get("input_spec"):
        model.__dict__["_input_spec"] = [(tuple(s), d) for s, d in extra["input_spec"]]
    cfg = extra.get("compile")
    if compile and cfg is not None:
        custom = dict(custom_objects or {})
        opt, kwargs = _rebuild_optimizer(cfg["optimizer"], custom)
        metrics = [m["name"] if "name" in m else _lookup(m, custom, "metric")
                   for m in cfg["metrics"]]
        model.compile(opt, _rebuild_loss(cfg["loss"], custom), metrics, **kwargs)
        if ckpt["optimizer"] is not None:
            from .fit import _ensure_optimizer

            _ensure_optimizer(model).load_state_dict(ckpt["optimizer"])
    return model
