"""A job's per-layer statistics, as its training process sends them (``deepgrad.train.watch``).

The child sends one record per sample (see :mod:`deepgrad.train.watch` for the format).
What comes from the child is data, checked here before the page sees it: a record that is not
the expected shape (wrong types, too many layers, names too long, numbers that are not
numbers) is dropped and counted; nothing else in it is kept. :class:`LayerBoard` keeps, per
model (at most :data:`MAX_MODELS`, in the order they first came, the least recently updated
dropped), the latest record and a
short history (:data:`MAX_HISTORY` samples) of each layer's gradient norm
``sqrt(sum of its tensors' ||g||^2)``, for the page's sparklines.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Any

__all__ = ["LayerBoard", "check_record", "MAX_MODELS", "MAX_LAYERS", "MAX_PARAMS",
           "MAX_HISTORY"]

MAX_MODELS = 8
MAX_LAYERS = 64
MAX_PARAMS = 128
MAX_HISTORY = 120
MAX_NAME = 120
_WORDS = ("nan", "inf", "-inf")


class BadRecord(ValueError):
    """A record from the child that is not what :mod:`deepgrad.train.watch` sends."""


def _text(v: Any, what: str, empty: bool = True) -> str:
    if not isinstance(v, str) or len(v) > MAX_NAME or (not empty and not v):
        raise BadRecord(f"{what} is not a short string")
    return v


def _number(v: Any, what: str, optional: bool = True) -> float | str | None:
    if v is None and optional:
        return None
    if isinstance(v, str) and v in _WORDS:
        return v
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise BadRecord(f"{what} is not a number")
    return float(v)


def _count(v: Any, what: str) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < 2**53:
        raise BadRecord(f"{what} is not a count")
    return v


def _rows(v: Any, what: str, most: int) -> list[dict[str, Any]]:
    if not isinstance(v, list) or len(v) > most or not all(isinstance(r, dict) for r in v):
        raise BadRecord(f"{what} is not a list of at most {most} objects")
    return v


def check_record(record: Any) -> dict[str, Any]:
    """The record rebuilt from its checked fields only; :class:`BadRecord` otherwise."""
    if not isinstance(record, dict):
        raise BadRecord("the record is not an object")
    params = []
    for p in _rows(record.get("params"), "params", MAX_PARAMS):
        shape = p.get("shape")
        if not isinstance(shape, list) or len(shape) > 8:
            raise BadRecord("a shape is not a short list")
        params.append({"name": _text(p.get("name"), "a parameter's name", empty=False),
                       "layer": _text(p.get("layer"), "a parameter's layer"),
                       "shape": [_count(n, "a dimension") for n in shape],
                       "grad": _number(p.get("grad"), "grad"),
                       "norm": _number(p.get("norm"), "norm"),
                       "update": _number(p.get("update"), "update")})
    layers = []
    for ly in _rows(record.get("layers"), "layers", MAX_LAYERS):
        layers.append({"name": _text(ly.get("name"), "a layer's name"),
                       "type": _text(ly.get("type"), "a layer's type", empty=False),
                       "size": _count(ly.get("size"), "a layer's size"),
                       **{k: _number(ly.get(k), k) for k in ("mean", "std", "zeros")}})
    omitted = record.get("omitted") or {}
    if not isinstance(omitted, dict):
        raise BadRecord("omitted is not an object")
    return {"model": _text(record.get("model"), "model", empty=False),
            "label": _text(record.get("label"), "label", empty=False),
            "step": _count(record.get("step"), "step"),
            "time": _number(record.get("time"), "time"),
            "cost": _number(record.get("cost"), "cost"),
            "params": params, "layers": layers,
            "omitted": {k: _count(omitted.get(k, 0), k) for k in ("layers", "params")}}


def _layer_grads(params: list[dict[str, Any]]) -> dict[str, float | None]:
    """Each layer's gradient norm from its tensors' (None when one is missing or not finite)."""
    sums: dict[str, float | None] = {}
    for p in params:
        g, name = p["grad"], p["layer"]
        if name not in sums:
            sums[name] = 0.0
        if not isinstance(g, float) or sums[name] is None:
            sums[name] = None
        else:
            sums[name] += g * g  # type: ignore[operator]
    return {k: (None if v is None else float(f"{math.sqrt(v):.4g}")) for k, v in sums.items()}


class LayerBoard:
    """What the page shows of a job's layers: :meth:`feed` records, read :meth:`state`."""

    def __init__(self) -> None:
        self.models: dict[str, dict[str, Any]] = {}
        self.history: dict[str, dict[str, deque[list[float]]]] = {}
        self._updated: dict[str, int] = {}
        self.samples = 0
        self.rejected = 0

    def feed(self, record: Any) -> bool:
        """Take one record from the child; False (and counted) when it is not valid."""
        try:
            rec = check_record(record)
        except BadRecord:
            self.rejected += 1
            return False
        key = rec["model"]
        grads = _layer_grads(rec["params"])
        for ly in rec["layers"]:
            ly["grad"] = grads.get(ly["name"])
        hist = self.history.setdefault(key, {})
        for name, g in grads.items():
            if g is not None and g > 0:
                if name not in hist and len(hist) >= MAX_LAYERS:
                    continue
                hist.setdefault(name, deque(maxlen=MAX_HISTORY)).append([rec["step"], g])
        self.models[key] = rec  # a model keeps its place: the order they first came in
        self._updated[key] = self.samples
        while len(self.models) > MAX_MODELS:  # the least recently updated goes
            old = min(self.models, key=self._updated.__getitem__)
            del self.models[old], self._updated[old]
            self.history.pop(old, None)
        self.samples += 1
        return True

    def state(self) -> dict[str, Any]:
        """Every model's latest record (in the order the models first came) with its layers'
        gradient norm histories, ``[[step, norm], ...]``."""
        models = []
        for key, rec in self.models.items():
            hist = self.history.get(key, {})
            models.append({**rec, "history": {k: list(v) for k, v in hist.items()}})
        return {"models": models, "samples": self.samples, "rejected": self.rejected}
