"""Segmentation and box metrics.

Over all test pixels, with the confusion matrix M[t, p] = #pixels of true class t predicted p:

    IoU_c = M[c, c] / (sum_p M[c, p] + sum_t M[t, c] - M[c, c])     (intersection / union)
    mIoU  = mean of IoU_c over the classes c present in the truth or the prediction
    pixel accuracy = trace(M) / sum(M)

Boxes ``[x, y, w, h]``: IoU = area(A and B) / area(A or B).
"""

from __future__ import annotations

import numpy as np

__all__ = ["confusion", "iou_per_class", "mean_iou", "pixel_accuracy", "box_iou"]


def confusion(true: np.ndarray, pred: np.ndarray, num_classes: int) -> np.ndarray:
    """The num_classes x num_classes matrix M[t, p] (int64) of two label arrays."""
    t = np.asarray(true).ravel().astype(np.int64)
    p = np.asarray(pred).ravel().astype(np.int64)
    if t.shape != p.shape:
        raise ValueError(f"confusion: {np.shape(true)} true labels vs {np.shape(pred)} "
                         "predicted")
    bad = (t < 0) | (t >= num_classes) | (p < 0) | (p >= num_classes)
    if bad.any():
        raise ValueError(f"confusion: labels must lie in [0, {num_classes})")
    return np.bincount(t * num_classes + p, minlength=num_classes ** 2).reshape(
        num_classes, num_classes)


def iou_per_class(m: np.ndarray) -> np.ndarray:
    """IoU of each class (NaN where the class is in neither truth nor prediction)."""
    tp = np.diag(m).astype(np.float64)
    union = m.sum(0) + m.sum(1) - tp
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, tp / np.maximum(union, 1), np.nan)


def mean_iou(m: np.ndarray) -> float:
    """Mean IoU over the classes present in truth or prediction."""
    return float(np.nanmean(iou_per_class(m)))


def pixel_accuracy(m: np.ndarray) -> float:
    return float(np.trace(m) / max(m.sum(), 1))


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise IoU of boxes ``a`` and ``b`` (N x 4, ``[x, y, w, h]``)."""
    a, b = np.asarray(a, np.float64).reshape(-1, 4), np.asarray(b, np.float64).reshape(-1, 4)
    iw = np.clip(np.minimum(a[:, 0] + a[:, 2], b[:, 0] + b[:, 2]) - np.maximum(a[:, 0], b[:, 0]),
                 0, None)
    ih = np.clip(np.minimum(a[:, 1] + a[:, 3], b[:, 1] + b[:, 3]) - np.maximum(a[:, 1], b[:, 1]),
                 0, None)
    inter = iw * ih
    union = a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - inter
    return inter / np.maximum(union, 1e-12)
