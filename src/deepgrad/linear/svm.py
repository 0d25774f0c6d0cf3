"""Linear support vector machine: the hinge loss, the "one branch" loss of the notes.

    minimize  (1/2) ||w~||^2 + C sum_i max(0, 1 - y_i (w^T x_i + b))        (loss="hinge")
              (1/2) ||w~||^2 + C sum_i max(0, 1 - y_i (w^T x_i + b))^2      (loss="squared_hinge")

with y_i in {-1, +1} and w~ = (w, b / intercept_scaling): as in scikit-learn's ``LinearSVC`` (and
liblinear), the intercept is learned as the weight of a constant feature of value
``intercept_scaling``, hence is (lightly) penalized too. ``C`` is scikit-learn's C; with the
notes' "mean loss + lambda ||w||^2": C = 1 / (2 n lambda).

Solver: dual coordinate descent (Hsieh et al., 2008). The dual is
min_a (1/2) a^T Q a - 1^T a, 0 <= a_i <= U, with Q_ij = y_i y_j x_i^T x_j + D_ii (U = C, D = 0 for
the hinge; U = inf, D_ii = 1/(2C) for the squared hinge). Coordinate i moves to
a_i <- clip(a_i - G_i / Q_ii, 0, U), G_i = y_i w^T x_i - 1 + D_ii a_i, keeping
w = sum_i a_i y_i x_i. It stops when the projected gradient's spread max PG - min PG falls
below ``tol``. The samples with a_i > 0 are the support vectors.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .base import (
    BaseEstimator,
    ClassifierMixin,
    check_array,
    check_is_fitted,
    check_n_features,
    check_X_y,
)

__all__ = ["LinearSVC", "hinge_loss"]


def hinge_loss(margin: np.ndarray) -> np.ndarray:
    """max(0, 1 - m) for margins m = y (w^T x + b)."""
    return np.maximum(0.0, 1.0 - np.asarray(margin))


class LinearSVC(ClassifierMixin, BaseEstimator):
    """Binary linear SVM by dual coordinate descent (``OneVsRestClassifier`` for K > 2).

    Attributes: ``classes_``, ``coef_`` (1, n_features), ``intercept_`` (1,), ``dual_coef_``
    (a_i y_i per sample), ``support_`` (indices with a_i > 0), ``n_iter_`` (epochs).
    """

    def __init__(
        self,
        C: float = 1.0,
        loss: str = "hinge",
        fit_intercept: bool = True,
        intercept_scaling: float = 1.0,
        max_iter: int = 10000,
        tol: float = 1e-6,
        random_state: int | None = 0,
    ) -> None:
        self.C = C
        self.loss = loss
        self.fit_intercept = fit_intercept
        self.intercept_scaling = intercept_scaling
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state

    def fit(self, X: Any, y: Any) -> LinearSVC:
        """Solve the dual by coordinate descent; returns self."""
        who = "LinearSVC.fit"
        X, y = check_X_y(X, y, who, y_numeric=False)
        if self.loss not in ("hinge", "squared_hinge"):
            raise ValueError(f"{who}: loss must be 'hinge' or 'squared_hinge', got {self.loss!r}")
        if not self.C > 0:
            raise ValueError(f"{who}: C must be > 0, got {self.C!r}")
        y_idx = self._encode_labels(y, who)
        if self.classes_.size > 2:
            raise ValueError(
                f"{who}: binary only, got {self.classes_.size} classes; use "
                "OneVsRestClassifier(LinearSVC())"
            )
        self.n_features_in_ = X.shape[1]
        ys = 2.0 * y_idx - 1.0
        A = (
            np.column_stack([X, np.full(X.shape[0], self.intercept_scaling)])
            if self.fit_intercept
            else X
        )
        n = A.shape[0]
        if self.loss == "hinge":
            upper, diag = float(self.C), 0.0
        else:
            upper, diag = np.inf, 0.5 / self.C
        Qii = np.einsum("ij,ij->i", A, A) + diag
        alpha = np.zeros(n)
        w = np.zeros(A.shape[1])
        rng = np.random.default_rng(self.random_state)
        converged = False
        epoch = 0
        while epoch < self.max_iter:
            epoch += 1
            pg_max, pg_min = -np.inf, np.inf
            for i in rng.permutation(n):
                G = ys[i] * (A[i] @ w) - 1.0 + diag * alpha[i]
                if alpha[i] == 0.0:
                    pg = min(G, 0.0)
                elif alpha[i] == upper:
                    pg = max(G, 0.0)
                else:
                    pg = G
                pg_max, pg_min = max(pg_max, pg), min(pg_min, pg)
                if pg != 0.0 and Qii[i] > 0:
                    old = alpha[i]
                    alpha[i] = min(max(old - G / Qii[i], 0.0), upper)
                    w += (alpha[i] - old) * ys[i] * A[i]
            if pg_max - pg_min <= self.tol:
                converged = True
                break
        if not converged:
            warnings.warn(
                f"LinearSVC: dual coordinate descent did not reach tol={self.tol} in "
                f"{self.max_iter} epochs",
                RuntimeWarning,
                stacklevel=2,
            )
        self.n_iter_ = epoch
        self.dual_coef_ = alpha * ys
        self.support_ = np.flatnonzero(alpha > 0)
        if self.fit_intercept:
            self.coef_ = w[None, :-1].copy()
            self.intercept_ = np.array([w[-1] * self.intercept_scaling])
        else:
            self.coef_ = w[None, :].copy()
            self.intercept_ = np.zeros(1)
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        """The score w^T x + b (its sign is the class)."""
        check_is_fitted(self)
        X = check_array(X, "LinearSVC.decision_function")
        check_n_features(self, X)
        return X @ self.coef_[0] + self.intercept_[0]

    def predict(self, X: Any) -> np.ndarray:
        """classes_[1] where the score is > 0, else classes_[0]."""
        return self.classes_[(self.decision_function(X) > 0).astype(int)]
