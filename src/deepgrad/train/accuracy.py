"""Keras' accuracy metrics and its choice of one for ``metrics=['accuracy']``.

* ``binary_accuracy``: mean over every entry of [y_true == (y_pred > threshold)] (threshold 0.5
  on probabilities), after Keras' ``squeeze_or_expand_to_same_rank`` ((N,) labels pair with an
  (N, 1) output);
* ``categorical_accuracy``: [argmax y_true == argmax y_pred] over the last axis (one-hot targets);
* ``sparse_categorical_accuracy``: [y_true == argmax y_pred], integer labels of shape (N,) or
  (N, 1).

``'accuracy'``/``'acc'`` becomes one of them at the first batch, as Keras' ``compile_utils``:
binary when the loss is a binary cross-entropy or the output's last dim is 1; sparse when the
target has one dim fewer than the output, or ends in 1 while the output's last dim is > 1;
categorical otherwise. With a logits loss (``from_logits=True``, ``'bce_with_logits'``,
``'cross_entropy'``) the binary threshold is 0 (sigmoid(z) > 0.5 exactly when z > 0). A 1-D output
(one score per sample, which a Keras model never produces) counts as binary here, where Keras
would take one argmax over the whole batch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..nn.keras_losses import sparse_labels
from .metric import Metric

__all__ = [
    "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
    "BinaryAccuracy", "CategoricalAccuracy", "SparseCategoricalAccuracy", "AutoAccuracy",
]


def squeeze_or_expand(t: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Keras' squeeze_or_expand_to_same_rank on arrays (see ``deepgrad.nn.keras_losses``)."""
    if t.ndim == p.ndim + 1 and t.shape[-1] == 1:
        return (t, p[..., None]) if p.ndim == 1 else (t[..., 0], p)
    if p.ndim == t.ndim + 1 and p.shape[-1] == 1:
        return (t[..., None], p) if t.ndim == 1 else (t, p[..., 0])
    return t, p


def binary_accuracy(y_true: Any, y_pred: Any, threshold: float = 0.5) -> np.ndarray:
    """Per-entry [y_true == (y_pred > threshold)] (Keras' binary_accuracy)."""
    t, p = squeeze_or_expand(np.asarray(y_true), np.asarray(y_pred))
    if t.shape != p.shape:
        raise ValueError(
            f"binary_accuracy: y_true has shape {t.shape} and y_pred {p.shape}; they must match "
            "(a last dim of 1 on either side is squeezed)"
        )
    return (t.astype(np.float64) == (p > threshold)).astype(np.float64)


def categorical_accuracy(y_true: Any, y_pred: Any) -> np.ndarray:
    """Per-sample [argmax y_true == argmax y_pred] (Keras' categorical_accuracy)."""
    t, p = np.asarray(y_true), np.asarray(y_pred)
    if t.shape != p.shape or p.ndim < 1:
        raise ValueError(
            f"categorical_accuracy: y_true must be one-hot of y_pred's shape {p.shape}, got "
            f"{t.shape} (integer labels: use 'sparse_categorical_accuracy')"
        )
    return (t.argmax(-1) == p.argmax(-1)).astype(np.float64)


def sparse_categorical_accuracy(y_true: Any, y_pred: Any) -> np.ndarray:
    """Per-sample [y_true == argmax y_pred] (Keras' sparse_categorical_accuracy)."""
    p = np.asarray(y_pred)
    t = sparse_labels("sparse_categorical_accuracy", y_true, p.shape)
    return (t == p.argmax(-1)).astype(np.float64)


class MeanMetric(Metric):
    """The mean of per-entry values over every batch seen (Keras' MeanMetricWrapper)."""

    def __init__(self, name: str, fn: Any) -> None:
        super().__init__(name, fn)

    def values(self, y_true: Any, y_pred: Any) -> np.ndarray:
        return np.asarray(self.fn(y_true, y_pred), dtype=np.float64)

    def update(self, y_true: Any, y_pred: Any) -> float:
        v = self.values(y_true, y_pred)
        self.total += float(v.sum())
        self.count += v.size
        return float(v.mean()) if v.size else float("nan")


class BinaryAccuracy(MeanMetric):
    """Keras' BinaryAccuracy(threshold=0.5)."""

    def __init__(self, name: str = "binary_accuracy", threshold: float = 0.5) -> None:
        self.threshold = float(threshold)
        super().__init__(name, binary_accuracy)

    def values(self, y_true: Any, y_pred: Any) -> np.ndarray:
        return binary_accuracy(y_true, y_pred, self.threshold)


class CategoricalAccuracy(MeanMetric):
    """Keras' CategoricalAccuracy (one-hot targets)."""

    def __init__(self, name: str = "categorical_accuracy") -> None:
        super().__init__(name, categorical_accuracy)


class SparseCategoricalAccuracy(MeanMetric):
    """Keras' SparseCategoricalAccuracy (integer labels)."""

    def __init__(self, name: str = "sparse_categorical_accuracy") -> None:
        super().__init__(name, sparse_categorical_accuracy)


_BINARY_LOSSES = ("BinaryCrossentropy", "BCELoss", "BCEWithLogitsLoss")


def is_logits_loss(loss: Any) -> bool:
    """Whether ``loss`` takes logits (``from_logits=True`` or a PyTorch logits loss)."""
    return bool(getattr(loss, "from_logits", False))


def is_binary_loss(loss: Any) -> bool:
    return type(loss).__name__ in _BINARY_LOSSES


class AutoAccuracy(MeanMetric):
    """``'accuracy'``: Keras' choice of binary / sparse / categorical accuracy, made from the
    shapes of the first batch and the compiled loss (see the module docstring)."""

    def __init__(self, name: str = "accuracy", loss: Any = None) -> None:
        self.loss = loss
        self.chosen: MeanMetric | None = None
        super().__init__(name, None)

    def choose(self, y_true: Any, y_pred: Any) -> MeanMetric:
        t, p = np.asarray(y_true), np.asarray(y_pred)
        if p.ndim == 1 or p.shape[-1] == 1 or is_binary_loss(self.loss):
            threshold = 0.0 if is_logits_loss(self.loss) else 0.5
            return BinaryAccuracy(self.name, threshold)
        if t.ndim < p.ndim or (t.ndim and t.shape[-1] == 1):
            return SparseCategoricalAccuracy(self.name)
        return CategoricalAccuracy(self.name)

    def values(self, y_true: Any, y_pred: Any) -> np.ndarray:
        if self.chosen is None:
            self.chosen = self.choose(y_true, y_pred)
        return self.chosen.values(y_true, y_pred)
