"""Overfitting and model validation: hold out data the model never trains on.

* :func:`train_val_split`: one random split into a training and a validation set;
* :class:`KFold`: k folds; each serves once as the validation set while the model trains on the
  other k - 1; :func:`cross_val_score` returns the k validation scores;
* :func:`learning_curve`: training and validation score as the training set grows;
* :func:`validation_curve`: training and validation score as one hyper-parameter varies (model
  complexity: polynomial degree, regularization strength lambda). Overfitting shows as a
  training score that keeps improving while the validation score gets worse.

Scores follow "greater is better": ``scoring=None`` uses the estimator's ``score`` (R^2 for
regressors, accuracy for classifiers); also "r2", "accuracy", "neg_mean_squared_error", or a
callable ``scoring(estimator, X, y) -> float``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from .base import BaseEstimator, accuracy_score, check_array, clone, r2_score

__all__ = [
    "train_val_split",
    "train_test_split",
    "KFold",
    "cross_val_score",
    "learning_curve",
    "validation_curve",
]


def _n_samples(X: Any, who: str) -> int:
    n = len(X)
    if n < 2:
        raise ValueError(f"{who}: need at least 2 samples, got {n}")
    return n


def train_val_split(
    *arrays: Any,
    val_size: float | int = 0.25,
    shuffle: bool = True,
    random_state: int | None = 0,
) -> list[np.ndarray]:
    """Split arrays (same first dimension) into train and validation parts.

    Returns ``[a_train, a_val, b_train, b_val, ...]``; ``val_size`` is a fraction in (0, 1) or a
    count.
    """
    if not arrays:
        raise ValueError("train_val_split: give at least one array")
    arrays_np = [np.asarray(a) for a in arrays]
    n = _n_samples(arrays_np[0], "train_val_split")
    for a in arrays_np:
        if len(a) != n:
            raise ValueError(
                f"train_val_split: arrays have different lengths: {[len(x) for x in arrays_np]}"
            )
    n_val = int(np.ceil(val_size * n)) if isinstance(val_size, float) else int(val_size)
    if not 0 < n_val < n:
        raise ValueError(
            f"train_val_split: val_size={val_size!r} gives {n_val} validation "
            f"samples out of {n}; need between 1 and {n - 1}"
        )
    idx = np.random.default_rng(random_state).permutation(n) if shuffle else np.arange(n)
    tr, va = idx[: n - n_val], idx[n - n_val :]
    out: list[np.ndarray] = []
    for a in arrays_np:
        out.extend([a[tr], a[va]])
    return out


train_test_split = train_val_split


class KFold:
    """k consecutive folds (after an optional shuffle); fold sizes differ by at most one."""

    def __init__(
        self, n_splits: int = 5, shuffle: bool = False, random_state: int | None = None
    ) -> None:
        if n_splits < 2:
            raise ValueError(f"KFold: n_splits must be >= 2, got {n_splits}")
        self.n_splits = n_splits
        self.shuffle = shuffle
        self.random_state = random_state

    def split(self, X: Any) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield (train_indices, validation_indices) for each fold."""
        n = _n_samples(X, "KFold.split")
        if self.n_splits > n:
            raise ValueError(f"KFold: n_splits={self.n_splits} > n_samples={n}")
        idx = (
            np.random.default_rng(self.random_state).permutation(n)
            if self.shuffle
            else np.arange(n)
        )
        sizes = np.full(self.n_splits, n // self.n_splits)
        sizes[: n % self.n_splits] += 1
        start = 0
        for size in sizes:
            val = idx[start : start + size]
            train = np.concatenate([idx[:start], idx[start + size :]])
            yield train, val
            start += size

    def get_n_splits(self) -> int:
        return self.n_splits


def _scorer(scoring: str | Callable | None) -> Callable[[Any, Any, Any], float]:
    if scoring is None:
        return lambda est, X, y: float(est.score(X, y))
    if callable(scoring):
        return scoring
    table = {
        "r2": lambda est, X, y: r2_score(y, est.predict(X)),
        "accuracy": lambda est, X, y: accuracy_score(y, est.predict(X)),
        "neg_mean_squared_error": lambda est, X, y: -float(np.mean((y - est.predict(X)) ** 2)),
    }
    if scoring not in table:
        raise ValueError(f"unknown scoring {scoring!r}; use one of {sorted(table)} or a callable")
    return table[scoring]


def _folds(cv: int | KFold, X: Any) -> list[tuple[np.ndarray, np.ndarray]]:
    splitter = KFold(cv, shuffle=True, random_state=0) if isinstance(cv, int) else cv
    return list(splitter.split(X))


def cross_val_score(
    estimator: BaseEstimator,
    X: Any,
    y: Any,
    cv: int | KFold = 5,
    scoring: str | Callable | None = None,
) -> np.ndarray:
    """The validation score of a fresh clone of ``estimator`` on each of the ``cv`` folds.

    ``cv=k`` means ``KFold(k, shuffle=True, random_state=0)``.
    """
    X = check_array(X, "cross_val_score")
    y = np.asarray(y)
    score = _scorer(scoring)
    out = []
    for tr, va in _folds(cv, X):
        est = clone(estimator).fit(X[tr], y[tr])
        out.append(score(est, X[va], y[va]))
    return np.array(out)


def learning_curve(
    estimator: BaseEstimator,
    X: Any,
    y: Any,
    train_sizes: Any = (0.1, 0.325, 0.55, 0.775, 1.0),
    cv: int | KFold = 5,
    scoring: str | Callable | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scores for growing training sets (fractions of, or counts up to, each fold's training
    part). Returns ``(sizes, train_scores, val_scores)``, scores of shape (n_sizes, n_folds)."""
    X = check_array(X, "learning_curve")
    y = np.asarray(y)
    score = _scorer(scoring)
    folds = _folds(cv, X)
    n_train = min(len(tr) for tr, _ in folds)
    ts = np.asarray(train_sizes)
    sizes = np.unique((ts * n_train).astype(int) if ts.dtype.kind == "f" else ts.astype(int))
    if sizes.min() < 1 or sizes.max() > n_train:
        raise ValueError(
            f"learning_curve: train sizes must be in [1, {n_train}], got {sizes.tolist()}"
        )
    tr_s = np.empty((sizes.size, len(folds)))
    va_s = np.empty_like(tr_s)
    for j, (tr, va) in enumerate(folds):
        for i, m in enumerate(sizes):
            sub = tr[:m]
            est = clone(estimator).fit(X[sub], y[sub])
            tr_s[i, j] = score(est, X[sub], y[sub])
            va_s[i, j] = score(est, X[va], y[va])
    return sizes, tr_s, va_s


def validation_curve(
    estimator: BaseEstimator,
    X: Any,
    y: Any,
    param_name: str,
    param_range: Any,
    cv: int | KFold = 5,
    scoring: str | Callable | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Training and validation scores, shape (n_values, n_folds), as ``param_name`` varies over
    ``param_range`` (``step__param`` reaches inside a pipeline)."""
    X = check_array(X, "validation_curve")
    y = np.asarray(y)
    score = _scorer(scoring)
    folds = _folds(cv, X)
    values = list(param_range)
    tr_s = np.empty((len(values), len(folds)))
    va_s = np.empty_like(tr_s)
    for i, v in enumerate(values):
        for j, (tr, va) in enumerate(folds):
            est = clone(estimator).set_params(**{param_name: v}).fit(X[tr], y[tr])
            tr_s[i, j] = score(est, X[tr], y[tr])
            va_s[i, j] = score(est, X[va], y[va])
    return tr_s, va_s
