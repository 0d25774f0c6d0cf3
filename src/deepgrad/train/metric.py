"""``Metric``: a figure accumulated over the batches of ``fit``/``evaluate``."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

__all__ = ["Metric"]


class Metric:
    """A metric averaged over batches (weighted by batch size), as Keras shows during fit.

    ``update(y_true, y_pred)`` adds a batch, ``result()`` gives the value so far, ``reset()``
    starts again, ``clone()`` gives a fresh metric with the same settings (``evaluate`` uses
    one, so the running values of ``fit`` are untouched). ``per_batch = False`` marks metrics
    too costly to recompute after every batch (``fit`` shows them once per epoch).
    """

    per_batch = True

    def __init__(self, name: str, fn: Callable[[Any, Any], float] | None) -> None:
        self.name = name
        self.fn = fn
        self.reset()

    def reset(self) -> None:
        self.total = 0.0
        self.count = 0

    def update(self, y_true: Any, y_pred: Any) -> float:
        n = len(y_true)
        value = self.fn(y_true, y_pred)
        self.total += value * n
        self.count += n
        return value

    def result(self) -> float:
        return self.total / self.count if self.count else float("nan")

    def clone(self) -> Metric:
        new = copy.copy(self)
        new.reset()
        return new

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"
