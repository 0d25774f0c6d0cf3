"""What every estimator of ``deepgrad.linear`` shares, on top of scikit-learn's own machinery.

The estimators are genuine scikit-learn estimators: they inherit ``sklearn.base.BaseEstimator``
and its mixins (``RegressorMixin``: ``score`` is R^2; ``ClassifierMixin``: ``score`` is accuracy),
validate their input with ``sklearn.utils.validation.validate_data`` and ``check_is_fitted``, and
therefore work in scikit-learn's ``Pipeline``, ``GridSearchCV``, ``cross_val_score`` and pass its
``check_estimator``. The scikit-learn contract they follow:

* the constructor only stores its arguments, under the same names, and validates nothing;
* ``fit(X, y)`` validates, learns attributes whose names end in ``_`` (``coef_``,
  ``intercept_``...) and returns ``self``;
* NumPy arrays in, NumPy arrays out.

What is left here is the course's own arithmetic that several models share: centering the data
(the intercept is never penalized, so it is eliminated by centering) and the weighted form of it,
the linear score x^T w + b, and the per-sample weights of classifiers.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.utils import check_array
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = ["NotFittedError", "ConvergenceWarning", "expected_failed_checks"]


def expected_failed_checks(est: Any) -> dict[str, str]:
    """The scikit-learn common checks that cannot apply to ``est``, each with the reason.

    (scikit-learn 1.6+ keeps such lists out of the tags: ``check_estimator`` and
    ``parametrize_with_checks`` take them as ``expected_failed_checks``; each estimator here that
    has any lists them in its ``_expected_failed_checks()``.)
    """
    method = getattr(est, "_expected_failed_checks", None)
    return dict(method()) if method is not None else {}


def sample_weights(sample_weight: Any, n: int, who: str) -> np.ndarray:
    """``sample_weight`` as a float64 (n,) array (None: ones; a number: that number for all).

    The errors are scikit-learn's (its common checks test them).
    """
    if sample_weight is None:
        return np.ones(n)
    if isinstance(sample_weight, numbers.Number):
        return np.full(n, float(sample_weight))
    sw = check_array(
        sample_weight, ensure_2d=False, dtype=np.float64, input_name="sample_weight"
    ).copy()
    if sw.ndim != 1:
        raise ValueError(
            f"{who}: Sample weights must be 1D array or scalar, got {sw.ndim}D array. "
            f"Expected either a scalar value or a 1D array of length {n}."
        )
    if sw.shape != (n,):
        raise ValueError(f"{who}: sample_weight.shape == {sw.shape}, expected {(n,)}!")
    if np.any(sw < 0):
        raise ValueError(f"{who}: sample_weight must be >= 0, got min {sw.min()}")
    if np.all(sw == 0):
        raise ValueError(f"{who}: Sample weights must contain at least one non-zero number.")
    return sw


def center(
    X: np.ndarray, y: np.ndarray, fit_intercept: bool, sw: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, np.ndarray]:
    """Eliminate the intercept: ``(Z, yc, x_mean, y_mean, root_sw)``.

    With weights s_i, minimizing sum_i s_i (y_i - b - x_i^T w)^2 over b gives
    b = ybar - xbar^T w with the weighted means xbar = sum s_i x_i / sum s_i (ybar likewise);
    what is left is ordinary least squares on the rows z_i = sqrt(s_i) (x_i - xbar),
    sqrt(s_i) (y_i - ybar). Without an intercept nothing is centered.
    """
    if fit_intercept:
        x_mean = np.average(X, axis=0, weights=sw)
        y_mean = float(np.average(y, weights=sw))
    else:
        x_mean, y_mean = np.zeros(X.shape[1]), 0.0
    Z, yc = X - x_mean, y - y_mean
    root = np.sqrt(sw) if sw is not None else np.ones(X.shape[0])
    if sw is not None:
        Z, yc = Z * root[:, None], yc * root
    return Z, yc, x_mean, y_mean, root


def linear_score(est: Any, X: Any) -> np.ndarray:
    """The fitted score X coef_^T + intercept_, after scikit-learn's checks of X."""
    check_is_fitted(est)
    X = validate_data(est, X, reset=False, dtype=np.float64)
    coef = np.asarray(est.coef_)
    if coef.ndim == 1:
        return X @ coef + est.intercept_
    out = X @ coef.T + est.intercept_
    return out[:, 0] if out.shape[1] == 1 else out


def class_sample_weights(
    class_weight: Any, classes: np.ndarray, y_idx: np.ndarray, sw: np.ndarray
) -> np.ndarray:
    """Per-sample weights times the weight of each sample's class (scikit-learn's rule:
    ``'balanced'`` gives class k the weight n / (K n_k), n_k its (weighted) count)."""
    if class_weight is None:
        return sw
    y = classes[y_idx]
    with np.errstate(divide="ignore", invalid="ignore"):  # a class of total weight 0
        cw = compute_class_weight(class_weight, classes=classes, y=y, sample_weight=sw)
        return np.where(sw > 0, sw * cw[y_idx], 0.0)


class LinearClassifierMixin:
    """``decision_function``, ``predict`` of a linear classifier with ``coef_`` (K or 1, p).

    Two classes: one score s(x) = x^T w + b, the class is classes_[1] where s(x) > 0;
    K > 2 classes: one score per class, the class with the largest score.
    """

    def decision_function(self, X: Any) -> np.ndarray:
        """Scores X coef_^T + intercept_: (n,) for two classes, (n, K) otherwise."""
        return linear_score(self, X)

    def predict(self, X: Any) -> np.ndarray:
        """classes_[1] where the score is > 0 (two classes), else the arg max of the scores."""
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return self.classes_[(scores > 0).astype(int)]
        return self.classes_[np.argmax(scores, axis=1)]


def encode_classes(est: Any, y: np.ndarray, who: str) -> np.ndarray:
    """Store ``classes_`` (sorted unique labels, scikit-learn's checks of y) and return y as
    indices into it; fewer than two classes is an error naming ``who``."""
    check_classification_targets(y)
    classes, y_idx = np.unique(y, return_inverse=True)
    est.classes_ = classes
    if classes.size < 2:
        raise ValueError(
            f"{who}: needs samples of at least 2 classes in the data, but the data contains "
            f"only one class: {classes[0]!r}"
        )
    return y_idx
