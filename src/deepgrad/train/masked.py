"""Accuracy over padded sequences: only the real positions count.

    masked_accuracy = sum_{t,n} m_tn [yhat_tn = y_tn] / sum_{t,n} m_tn

with m_tn = 1 where the step is real: given as ``mask``, or wherever ``y_true != ignore_index``
(the same convention as cross-entropy's ``ignore_index``), or both. Equal to scikit-learn's
``accuracy_score`` on the kept positions (tests/train/test_masked_accuracy.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor

__all__ = ["masked_accuracy", "masked_correct"]


def _arr(a: Any) -> np.ndarray:
    return np.asarray(a.data if isinstance(a, Tensor) else a)


def masked_correct(y_true: Any, y_pred: Any, mask: Any = None,
                   ignore_index: int | None = -100) -> tuple[int, int]:
    """(number right, number counted) over the kept positions.

    ``y_pred``: labels of ``y_true``'s shape, or scores with one more (last) axis of classes
    (argmax is taken). ``mask``: 0/1 or bool of ``y_true``'s shape, 1 where the step is real."""
    t = _arr(y_true)
    p = _arr(y_pred)
    if p.shape == t.shape + p.shape[-1:] and p.ndim == t.ndim + 1:
        p = p.argmax(axis=-1)
    if p.shape != t.shape:
        raise ValueError(f"masked_accuracy: y_pred must have y_true's shape {t.shape} (labels) "
                         f"or {t.shape} + (classes,) (scores), got {p.shape}")
    keep = np.ones(t.shape, bool)
    if mask is not None:
        m = _arr(mask)
        if m.shape != t.shape:
            raise ValueError(f"masked_accuracy: mask must have y_true's shape {t.shape}, got "
                             f"{m.shape}")
        keep &= m != 0
    if ignore_index is not None:
        keep &= t != ignore_index
    return int(np.count_nonzero((p == t) & keep)), int(np.count_nonzero(keep))


def masked_accuracy(y_true: Any, y_pred: Any, mask: Any = None,
                    ignore_index: int | None = -100) -> float:
    """Accuracy over the real (unmasked, not ``ignore_index``) positions; NaN if there are none."""
    right, total = masked_correct(y_true, y_pred, mask, ignore_index)
    return right / total if total else float("nan")
