"""ROC AUC: the area under the ROC curve, exact, as ``sklearn.metrics.roc_auc_score``.

The ROC curve joins the points (false positive rate, true positive rate) of every threshold;
its area by the trapezoid rule over *all* distinct scores equals the Mann-Whitney statistic

    AUC = (sum of the ranks of the positives - P (P + 1) / 2) / (P N)

with tied scores given their average rank (a tie between a positive and a negative counts 1/2),
P positives and N negatives. Keras' ``AUC`` metric approximates the same area with 200 fixed
thresholds (``num_thresholds=200``) and interpolation; the value here is exact, so it agrees
with scikit-learn and can differ from Keras' in the third decimal.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.stats import rankdata

from .accuracy import squeeze_or_expand
from .metric import Metric

__all__ = ["roc_auc_score", "AUC"]


def _binary_auc(t: np.ndarray, s: np.ndarray) -> float:
    pos = t == 1
    n_pos = int(pos.sum())
    n_neg = t.size - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")  # undefined with one class only (scikit-learn raises)
    ranks = rankdata(s)  # average ranks for ties
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def _check(t: np.ndarray, s: np.ndarray, who: str) -> None:
    if not np.all((t == 0) | (t == 1)):
        raise ValueError(f"{who}: y_true must hold 0/1 labels, got values {np.unique(t)[:5]}")
    if not np.all(np.isfinite(s)):
        raise ValueError(f"{who}: y_score contains NaN or infinity")


def roc_auc_score(y_true: Any, y_score: Any, multi_label: bool = False) -> float:
    """Exact ROC AUC of scores (probabilities or logits) against 0/1 labels.

    ``multi_label=False`` pools every entry (Keras' default, and scikit-learn's for 1-D input);
    ``multi_label=True`` averages the AUC of each column (the last axis), as Keras' option and
    ``roc_auc_score(average='macro')``. NaN when only one class is present.
    """
    t, s = squeeze_or_expand(np.asarray(y_true), np.asarray(y_score))
    if t.shape != s.shape:
        raise ValueError(
            f"AUC: y_true has shape {t.shape} and y_score {s.shape}; they must match (0/1 or "
            "one-hot labels; a last dim of 1 on either side is squeezed)"
        )
    t = t.astype(np.float64)
    s = s.astype(np.float64)
    _check(t, s, "AUC")
    if not multi_label or s.ndim < 2:
        return _binary_auc(t.reshape(-1), s.reshape(-1))
    k = s.shape[-1]
    t2, s2 = t.reshape(-1, k), s.reshape(-1, k)
    return float(np.mean([_binary_auc(t2[:, j], s2[:, j]) for j in range(k)]))


class AUC(Metric):
    """Keras' ``AUC`` (ROC curve), computed exactly over the epoch's scores.

    ``metrics=['AUC']`` or ``AUC(name='auc', multi_label=False)``; logs under ``'auc'`` as Keras.
    The scores of every batch are kept until ``result()``: memory O(samples); ``fit`` shows it
    at the end of each epoch rather than after every batch (``per_batch = False``).
    """

    per_batch = False

    def __init__(self, name: str = "auc", multi_label: bool = False, curve: str = "ROC",
                 from_logits: bool = False) -> None:
        if curve.upper() != "ROC":
            raise ValueError(f"AUC: only curve='ROC' is implemented, got {curve!r}")
        self.multi_label = bool(multi_label)
        self.from_logits = bool(from_logits)  # the ROC curve does not change under a sigmoid
        super().__init__(name, roc_auc_score)

    def reset(self) -> None:
        super().reset()
        self.y_true: list[np.ndarray] = []
        self.y_score: list[np.ndarray] = []

    def update(self, y_true: Any, y_pred: Any) -> float:
        t, s = squeeze_or_expand(np.asarray(y_true), np.asarray(y_pred))
        if t.shape != s.shape:
            raise ValueError(f"AUC: y_true has shape {t.shape} and y_pred {s.shape}")
        _check(t, s, "AUC")
        self.y_true.append(t.astype(np.float64))
        self.y_score.append(s.astype(np.float64))
        self.count += len(t)
        return float("nan")

    def result(self) -> float:
        if not self.y_true:
            return float("nan")
        return roc_auc_score(np.concatenate(self.y_true), np.concatenate(self.y_score),
                             self.multi_label)
