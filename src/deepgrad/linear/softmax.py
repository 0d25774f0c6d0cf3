"""Softmax (multinomial logistic) regression: one linear score per class, softmax, cross-entropy.

    z_k = x^T w_k + b_k,   P(y = k | x) = softmax(z)_k = e^{z_k} / sum_j e^{z_j},
    cross-entropy of one sample = -log P(y = y_i | x_i)   (minus the log-probability of the true
                                                          class)

fitted by minimizing (scikit-learn's multinomial ``LogisticRegression(C=C)`` parameterization)

    penalty="l2":  C sum_i CE_i + (1/2) ||W||_F^2      (the intercepts b are not penalized)
    penalty=None:  sum_i CE_i

With the notes' "mean loss + lambda ||W||^2": C = 1 / (2 n lambda).

The scores are only defined up to adding the same function to every class (softmax is shift
invariant), so the intercepts are reported centered (sum_k b_k = 0), and without a penalty the
weights too (sum_k w_k = 0). Solver: Newton's method with the full Hessian
sum_i (diag(p_i) - p_i p_i^T) (x) x_i x_i^T (its null space is harmless, see
:mod:`deepgrad.linear._newton`); fine up to a few thousand parameters K (p + 1).

This is deepgrad's name for the course's model; scikit-learn's ``LogisticRegression`` fits the
same multinomial model for K > 2 classes (deepgrad's ``LogisticRegression`` too). Unlike it,
``SoftmaxRegression`` keeps K scores also for two classes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import validate_data

from ._logistic_loss import log_softmax, softmax
from .base import LinearClassifierMixin, encode_classes, linear_score, sample_weights
from .logistic import fit_logistic

__all__ = ["SoftmaxRegression", "softmax", "log_softmax"]


class SoftmaxRegression(LinearClassifierMixin, ClassifierMixin, BaseEstimator):
    """Multiclass linear classifier with softmax probabilities (see the module docstring).

    ``tol`` bounds the largest gradient entry of the mean cross-entropy.
    Attributes: ``classes_`` (K,), ``coef_`` (K, n_features), ``intercept_`` (K,), ``n_iter_``
    (K rows also for two classes; ``decision_function`` is then the difference of the two
    scores, scikit-learn's convention for binary classifiers).
    """

    def __init__(
        self,
        penalty: str | None = "l2",
        C: float = 1.0,
        fit_intercept: bool = True,
        max_iter: int = 100,
        tol: float = 1e-10,
    ) -> None:
        self.penalty = penalty
        self.C = C
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> SoftmaxRegression:
        """Minimize the penalized cross-entropy by Newton's method; returns self."""
        who = "SoftmaxRegression"
        if self.penalty not in ("l2", None):
            raise ValueError(f"{who}: penalty must be 'l2' or None, got {self.penalty!r}")
        if not self.C > 0:
            raise ValueError(f"{who}: C must be > 0, got {self.C!r}")
        X, y = validate_data(self, X, y, dtype=np.float64)
        y_idx = encode_classes(self, y, who)
        s = sample_weights(sample_weight, X.shape[0], who)
        self.coef_, self.intercept_, self.n_iter_ = fit_logistic(
            X,
            y_idx,
            self.classes_.size,
            s,
            C=np.inf if self.penalty is None else float(self.C),
            l1_ratio=0.0,
            fit_intercept=self.fit_intercept,
            solver="newton-cholesky",
            max_iter=self.max_iter,
            tol=self.tol,
            multinomial=True,
            who=who,
        )
        return self

    def _scores(self, X: Any) -> np.ndarray:
        z = linear_score(self, X)
        return z if z.ndim == 2 else z[:, None]

    def decision_function(self, X: Any) -> np.ndarray:
        """(n, K) scores z = X W^T + b; for two classes scikit-learn's (n,) score z_1 - z_0
        (the log-odds of classes_[1])."""
        z = self._scores(X)
        return z[:, 1] - z[:, 0] if z.shape[1] == 2 else z

    def predict_proba(self, X: Any) -> np.ndarray:
        """(n, K) softmax of the scores."""
        return softmax(self._scores(X))

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """(n, K) log-softmax of the scores."""
        return log_softmax(self._scores(X))
