"""Metrics on NumPy arrays: accuracy, top-k, precision/recall/F1, confusion matrix, MSE/MAE.

Functions take ``(y_true, y_pred)`` like scikit-learn's; ``y_pred`` may be scores/probabilities
(N, C) (the argmax is taken), a single-column probability (thresholded at 0.5) or labels.
``Metric`` objects accumulate over batches for ``fit``/``evaluate``; Keras' accuracies and AUC
are in :mod:`deepgrad.train.accuracy` and :mod:`deepgrad.train.auc`, reached by name through
:func:`get_metric`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .accuracy import (
    AutoAccuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
)
from .auc import AUC
from .metric import Metric

__all__ = [
    "accuracy", "top_k_accuracy", "confusion_matrix", "precision_recall_f1", "precision",
    "recall", "f1_score", "mean_squared_error", "mean_absolute_error", "Metric", "get_metric",
]


def _labels(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(y_true)
    p = np.asarray(y_pred)
    if t.shape == p.shape and t.ndim >= 2 and t.shape[-1] > 1:  # one-hot targets and scores
        t, p = t.argmax(-1), p.argmax(-1)
    elif p.ndim == t.ndim + 1 and p.shape[-1] > 1:
        p = p.argmax(-1)
    elif p.ndim == t.ndim + 1 and p.shape[-1] == 1:
        p = (p[..., 0] > 0.5).astype(np.int64)
    elif p.dtype.kind == "f" and p.shape == t.shape and _is_binary_labels(t):
        p = (p > 0.5).astype(np.int64)  # probabilities against 0/1 labels (ints or floats)
        t = t.astype(np.int64)
    if t.ndim == p.ndim + 1:  # one-hot targets
        t = t.argmax(-1)
    if t.shape != p.shape:
        raise ValueError(f"metric: y_true has shape {t.shape}, y_pred {np.shape(y_pred)}")
    return t.reshape(-1), p.reshape(-1)


def _is_binary_labels(t: np.ndarray) -> bool:
    if t.dtype.kind in "iub":
        return True
    return t.dtype.kind == "f" and bool(np.all((t == 0) | (t == 1)))


def accuracy(y_true: Any, y_pred: Any) -> float:
    """Fraction of correct predictions, (1/l) sum_i [a(x_i) = y_i] (the notes' accuracy)."""
    t, p = _labels(y_true, y_pred)
    return float(np.mean(t == p)) if t.size else float("nan")


def top_k_accuracy(y_true: Any, scores: Any, k: int = 5) -> float:
    """Fraction of samples whose true class is among the k highest scores."""
    s = np.asarray(scores)
    t = np.asarray(y_true).reshape(-1)
    if s.ndim != 2 or s.shape[0] != t.size:
        raise ValueError(f"top_k_accuracy: scores must be (N, C) with N={t.size}, got {s.shape}")
    k = min(k, s.shape[1])
    top = np.argpartition(-s, k - 1, axis=1)[:, :k]
    return float(np.mean((top == t[:, None]).any(1)))


def confusion_matrix(y_true: Any, y_pred: Any, num_classes: int | None = None) -> np.ndarray:
    """C[i, j] = number of samples of true class i predicted as j."""
    t, p = _labels(y_true, y_pred)
    n = num_classes or int(max(t.max(initial=-1), p.max(initial=-1)) + 1)
    return np.bincount(t * n + p, minlength=n * n).reshape(n, n)


def precision_recall_f1(
    y_true: Any, y_pred: Any, average: str = "macro", num_classes: int | None = None
) -> tuple[float, float, float]:
    """Precision TP/(TP+FP), recall TP/(TP+FN), F1 = 2PR/(P+R); 'macro', 'micro' or 'binary'."""
    cm = confusion_matrix(y_true, y_pred, num_classes).astype(np.float64)
    tp = np.diag(cm)
    fp = cm.sum(0) - tp
    fn = cm.sum(1) - tp
    if average == "micro":
        tp, fp, fn = tp.sum(), fp.sum(), fn.sum()
    elif average == "binary":
        tp, fp, fn = tp[-1], fp[-1], fn[-1]
    elif average != "macro":
        raise ValueError(f"precision_recall_f1: average is macro|micro|binary, not {average!r}")
    with np.errstate(divide="ignore", invalid="ignore"):
        prec = np.where(tp + fp > 0, tp / (tp + fp), 0.0)
        rec = np.where(tp + fn > 0, tp / (tp + fn), 0.0)
        f1 = np.where(prec + rec > 0, 2 * prec * rec / (prec + rec), 0.0)
    return float(np.mean(prec)), float(np.mean(rec)), float(np.mean(f1))


def precision(y_true: Any, y_pred: Any, average: str = "macro") -> float:
    return precision_recall_f1(y_true, y_pred, average)[0]


def recall(y_true: Any, y_pred: Any, average: str = "macro") -> float:
    return precision_recall_f1(y_true, y_pred, average)[1]


def f1_score(y_true: Any, y_pred: Any, average: str = "macro") -> float:
    return precision_recall_f1(y_true, y_pred, average)[2]


def mean_squared_error(y_true: Any, y_pred: Any) -> float:
    """(1/n) sum (y - y_hat)^2."""
    t, p = np.asarray(y_true, np.float64), np.asarray(y_pred, np.float64)
    return float(np.mean((t.reshape(p.shape) - p) ** 2))


def mean_absolute_error(y_true: Any, y_pred: Any) -> float:
    """(1/n) sum |y - y_hat|."""
    t, p = np.asarray(y_true, np.float64), np.asarray(y_pred, np.float64)
    return float(np.mean(np.abs(t.reshape(p.shape) - p)))


_METRICS: dict[str, tuple[str, Callable]] = {
    "top5": ("top5_accuracy", lambda t, p: top_k_accuracy(t, p, 5)),
    "top_k_accuracy": ("top5_accuracy", lambda t, p: top_k_accuracy(t, p, 5)),
    "precision": ("precision", precision),
    "recall": ("recall", recall),
    "f1": ("f1", f1_score),
    "mse": ("mse", mean_squared_error),
    "mae": ("mae", mean_absolute_error),
}


def _keras_metric(spec: str, loss: Any) -> Metric | None:
    key = spec.lower()
    if key in ("accuracy", "acc"):
        return AutoAccuracy(spec, loss)
    classes = {
        "binary_accuracy": BinaryAccuracy, "binaryaccuracy": BinaryAccuracy,
        "categorical_accuracy": CategoricalAccuracy, "categoricalaccuracy": CategoricalAccuracy,
        "sparse_categorical_accuracy": SparseCategoricalAccuracy,
        "sparsecategoricalaccuracy": SparseCategoricalAccuracy,
        "auc": AUC,
    }
    return classes[key]() if key in classes else None


KERAS_NAMES = ("accuracy", "acc", "binary_accuracy", "categorical_accuracy",
               "sparse_categorical_accuracy", "AUC")


def get_metric(spec: str | Callable | Metric, loss: Any = None) -> Metric:
    """A Metric from a name or a function ``(y_true, y_pred) -> float``.

    Keras' names: 'accuracy'/'acc' (binary, sparse or categorical accuracy, chosen from the
    first batch's shapes and the compiled ``loss`` as Keras does, see
    :mod:`deepgrad.train.accuracy`), 'binary_accuracy', 'categorical_accuracy',
    'sparse_categorical_accuracy', 'AUC' (exact ROC AUC, :mod:`deepgrad.train.auc`); also
    'top5', 'precision', 'recall', 'f1' (macro), 'mse', 'mae'.
    """
    if isinstance(spec, Metric):
        return spec
    if callable(spec):
        return Metric(getattr(spec, "__name__", "metric"), spec)
    if not isinstance(spec, str):
        raise TypeError(f"metric: expected a name, a function or a Metric, got {type(spec)}")
    found = _keras_metric(spec, loss)
    if found is not None:
        return found
    if spec not in _METRICS:
        raise ValueError(f"unknown metric {spec!r}; known: {sorted(_METRICS) + list(KERAS_NAMES)}")
    name, fn = _METRICS[spec]
    return Metric(name, fn)
