"""Binary logistic regression: a linear score turned into a probability by the sigmoid.

    P(y = 1 | x) = sigma(x^T w + b),   sigma(z) = 1 / (1 + e^{-z}),

fitted by minimizing the cross-entropy (the logistic loss of the margin m = y~ (x^T w + b) with
y~ in {-1, +1}: log(1 + e^{-m})) plus a penalty on w (never on the intercept b):

    penalty="l2":  C sum_i log(1 + e^{-m_i}) + (1/2) ||w||_2^2
    penalty="l1":  C sum_i log(1 + e^{-m_i}) + ||w||_1
    penalty=None:  sum_i log(1 + e^{-m_i})

This is scikit-learn's parameterization: ``LogisticRegression(C=C)`` (l2), ``l1_ratio=1`` with
solver "saga" (l1; note that solver "liblinear" also penalizes the intercept, which this model
does not), ``C=np.inf`` (None). With the notes' "mean loss + lambda R(w)":
(1/n) sum log(1 + e^{-m}) + lambda ||w||^2  <=>  C = 1 / (2 n lambda), and with lambda ||w||_1,
C = 1 / (n lambda).

Solvers: Newton's method (IRLS; the Hessian is X^T diag(p (1 - p)) X + I/C) for l2 and None,
proximal Newton with coordinate descent for l1 (:mod:`deepgrad.linear._newton`).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from scipy import special

from ._newton import newton, prox_newton
from .base import (
    BaseEstimator,
    ClassifierMixin,
    check_array,
    check_is_fitted,
    check_n_features,
    check_X_y,
)

__all__ = ["LogisticRegression", "sigmoid", "log_loss"]


def sigmoid(z: np.ndarray) -> np.ndarray:
    """sigma(z) = 1 / (1 + e^{-z}) (scipy's expit: no overflow, full relative precision)."""
    return special.expit(z)


def log_loss(y01: np.ndarray, z: np.ndarray) -> float:
    """sum_i log(1 + e^{z_i}) - y_i z_i: the cross-entropy of labels y in {0, 1} and logits z."""
    return float(np.sum(np.logaddexp(0.0, z) - y01 * z))


class LogisticRegression(ClassifierMixin, BaseEstimator):
    """Binary logistic regression with an L2, L1 or no penalty (see the module docstring).

    Attributes (scikit-learn's shapes): ``classes_`` (2,), ``coef_`` (1, n_features),
    ``intercept_`` (1,), ``n_iter_``.
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

    def _design(self, X: np.ndarray) -> np.ndarray:
        return np.column_stack([np.ones(X.shape[0]), X]) if self.fit_intercept else X

    def fit(self, X: Any, y: Any) -> LogisticRegression:
        """Minimize the penalized logistic loss; returns self."""
        who = "LogisticRegression.fit"
        X, y = check_X_y(X, y, who, y_numeric=False)
        if self.penalty not in ("l2", "l1", None):
            raise ValueError(f"{who}: penalty must be 'l2', 'l1' or None, got {self.penalty!r}")
        if not self.C > 0:
            raise ValueError(f"{who}: C must be > 0, got {self.C!r}")
        y01 = self._encode_labels(y, who).astype(np.float64)
        if self.classes_.size > 2:
            raise ValueError(
                f"{who}: binary only, got {self.classes_.size} classes; use SoftmaxRegression or "
                "OneVsRestClassifier(LogisticRegression()) for multiclass"
            )
        self.n_features_in_ = X.shape[1]
        A = self._design(X)
        n, q = A.shape
        k0 = 1 if self.fit_intercept else 0
        lam = 0.0 if (self.penalty is None or np.isinf(self.C)) else 1.0 / self.C
        l2 = lam if self.penalty == "l2" else 0.0
        ridge = np.full(q, l2)
        ridge[:k0] = 0.0

        def f_only(theta: np.ndarray) -> float:
            return log_loss(y01, A @ theta) + 0.5 * float(ridge @ theta**2)

        def fgh(theta: np.ndarray):
            z = A @ theta
            p = sigmoid(z)
            f = log_loss(y01, z) + 0.5 * float(ridge @ theta**2)
            g = A.T @ (p - y01) + ridge * theta
            H = (A * (p * (1.0 - p))[:, None]).T @ A + np.diag(ridge)
            return f, g, H

        theta0 = np.zeros(q)
        tol = self.tol * n
        if self.penalty == "l1" and lam > 0:
            penalized = np.arange(q) >= k0
            theta, it, ok = prox_newton(fgh, f_only, theta0, lam, penalized, self.max_iter, tol)
        else:
            theta, it, ok = newton(fgh, f_only, theta0, self.max_iter, tol)
        if not ok:
            warnings.warn(
                f"LogisticRegression(penalty={self.penalty!r}, C={self.C}): did not converge in "
                f"{self.max_iter} iterations (if the classes are separable without a penalty, "
                "the coefficients grow without bound; add a penalty)",
                RuntimeWarning,
                stacklevel=2,
            )
        self.n_iter_ = it
        self.intercept_ = theta[:1].copy() if self.fit_intercept else np.zeros(1)
        self.coef_ = theta[k0:][None, :].copy()
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        """The score x^T w + b (the logit of P(y = classes_[1]))."""
        check_is_fitted(self)
        X = check_array(X, f"{type(self).__name__}.decision_function")
        check_n_features(self, X)
        return X @ self.coef_[0] + self.intercept_[0]

    def predict_proba(self, X: Any) -> np.ndarray:
        """(n, 2): [P(classes_[0] | x), P(classes_[1] | x)]."""
        z = self.decision_function(X)
        return np.column_stack([sigmoid(-z), sigmoid(z)])

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """log of :meth:`predict_proba`, computed stably."""
        z = self.decision_function(X)
        return np.column_stack([-np.logaddexp(0.0, z), -np.logaddexp(0.0, -z)])

    def predict(self, X: Any) -> np.ndarray:
        """classes_[1] where the score is > 0 (the sign of the linear model), else classes_[0]."""
        return self.classes_[(self.decision_function(X) > 0).astype(int)]
