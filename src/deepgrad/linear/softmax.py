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
:mod:`deepgrad.linear._newton`); fine up
to a few thousand parameters K (p + 1).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ._newton import newton
from .base import (
    BaseEstimator,
    ClassifierMixin,
    check_array,
    check_is_fitted,
    check_n_features,
    check_X_y,
)

__all__ = ["SoftmaxRegression", "softmax", "log_softmax"]


def log_softmax(z: np.ndarray) -> np.ndarray:
    """log softmax(z) along the last axis: z - logsumexp(z), stable for large scores."""
    m = z.max(axis=-1, keepdims=True)
    return z - m - np.log(np.sum(np.exp(z - m), axis=-1, keepdims=True))


def softmax(z: np.ndarray) -> np.ndarray:
    """softmax(z)_k = e^{z_k} / sum_j e^{z_j} along the last axis."""
    return np.exp(log_softmax(z))


class SoftmaxRegression(ClassifierMixin, BaseEstimator):
    """Multiclass linear classifier with softmax probabilities (see the module docstring).

    Attributes: ``classes_`` (K,), ``coef_`` (K, n_features), ``intercept_`` (K,), ``n_iter_``.
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

    def fit(self, X: Any, y: Any) -> SoftmaxRegression:
        """Minimize the penalized cross-entropy by Newton's method; returns self."""
        who = "SoftmaxRegression.fit"
        X, y = check_X_y(X, y, who, y_numeric=False)
        if self.penalty not in ("l2", None):
            raise ValueError(f"{who}: penalty must be 'l2' or None, got {self.penalty!r}")
        if not self.C > 0:
            raise ValueError(f"{who}: C must be > 0, got {self.C!r}")
        y_idx = self._encode_labels(y, who)
        K = self.classes_.size
        self.n_features_in_ = X.shape[1]
        A = np.column_stack([np.ones(X.shape[0]), X]) if self.fit_intercept else X
        n, q = A.shape
        if K * q > 5000:
            raise ValueError(
                f"{who}: {K} classes x {q} inputs = {K * q} parameters is too many for the "
                "full-Hessian Newton solver (limit 5000)"
            )
        k0 = 1 if self.fit_intercept else 0
        Y = np.zeros((n, K))
        Y[np.arange(n), y_idx] = 1.0
        lam = 1.0 / self.C if (self.penalty == "l2" and np.isfinite(self.C)) else 0.0
        ridge = np.full((K, q), lam)
        ridge[:, :k0] = 0.0
        ridge = ridge.ravel()

        def f_only(theta: np.ndarray) -> float:
            logp = log_softmax(A @ theta.reshape(K, q).T)
            return -float(np.sum(Y * logp)) + 0.5 * float(ridge @ theta**2)

        def fgh(theta: np.ndarray):
            logp = log_softmax(A @ theta.reshape(K, q).T)
            P = np.exp(logp)
            f = -float(np.sum(Y * logp)) + 0.5 * float(ridge @ theta**2)
            g = ((P - Y).T @ A).ravel() + ridge * theta  # dCE/dz = p - y, the delta
            # H = sum_i (diag(p_i) - p_i p_i^T) (x) a_i a_i^T: a block diagonal part minus one
            # Gram matrix of the rows p_i (x) a_i (one large GEMM instead of K^2 small ones)
            M = (P[:, :, None] * A[:, None, :]).reshape(n, K * q)
            H = -(M.T @ M)
            for k in range(K):
                H[k * q : (k + 1) * q, k * q : (k + 1) * q] += (A * P[:, k : k + 1]).T @ A
            H[np.diag_indices_from(H)] += ridge
            return f, g, H

        theta, it, ok = newton(fgh, f_only, np.zeros(K * q), self.max_iter, self.tol * n)
        if not ok:
            warnings.warn(
                f"SoftmaxRegression(penalty={self.penalty!r}, C={self.C}): did not converge in "
                f"{self.max_iter} iterations (separable classes without a penalty have no "
                "finite optimum; add a penalty)",
                RuntimeWarning,
                stacklevel=2,
            )
        Theta = theta.reshape(K, q)
        Theta = Theta - Theta.mean(axis=0, keepdims=True) * (ridge.reshape(K, q) == 0)
        self.n_iter_ = it
        self.intercept_ = Theta[:, 0].copy() if self.fit_intercept else np.zeros(K)
        self.coef_ = Theta[:, k0:].copy()
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        """(n, K) scores z = X W^T + b."""
        check_is_fitted(self)
        X = check_array(X, "SoftmaxRegression.decision_function")
        check_n_features(self, X)
        return X @ self.coef_.T + self.intercept_

    def predict_proba(self, X: Any) -> np.ndarray:
        """(n, K) softmax of the scores."""
        return softmax(self.decision_function(X))

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """(n, K) log-softmax of the scores."""
        return log_softmax(self.decision_function(X))

    def predict(self, X: Any) -> np.ndarray:
        """The class with the largest score."""
        return self.classes_[np.argmax(self.decision_function(X), axis=1)]
