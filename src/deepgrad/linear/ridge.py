"""Ridge regression (L2 penalty), in closed form.

    minimize_w,b   ||y - b - X w||_2^2 + alpha ||w||_2^2          (the intercept b is not penalized)
    w_hat = (Z^T Z + alpha I)^{-1} Z^T (y - mean y)   on the centered inputs Z,

computed from the thin SVD Z = U S V^T as w_hat = V diag(s / (s^2 + alpha)) U^T (y - mean y):
each principal direction is shrunk by s_j^2 / (s_j^2 + alpha), and
df(alpha) = sum_j s_j^2 / (s_j^2 + alpha) is the effective number of parameters.

Penalty parameterizations:

* this ``alpha`` is scikit-learn's ``Ridge(alpha)`` exactly (sum of squares, not mean);
* with the notes' "mean loss + lambda R(w)", (1/n) ||y - X w||^2 + lambda ||w||^2:
  alpha = n * lambda;
* the constrained form ||w||^2 <= C has a one-to-one, decreasing map C(alpha) = ||w_hat(alpha)||^2.

Standardization: the ridge solutions are not equivariant under scaling of the inputs, so by
default (``standardize=True``) the columns are standardized (z = (x - mean) / std, population
std) and the penalty applies to the standardized coefficients; ``coef_`` is reported in the
original units (coef_ = w_z / std). This equals scikit-learn's
``make_pipeline(StandardScaler(), Ridge(alpha))`` mapped back. ``standardize=False`` is plain
``Ridge(alpha)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import (
    BaseEstimator,
    RegressorMixin,
    check_array,
    check_is_fitted,
    check_n_features,
    check_X_y,
)

__all__ = ["Ridge", "ridge_path"]


def _center_scale(X: np.ndarray, y: np.ndarray, fit_intercept: bool, standardize: bool):
    mean = X.mean(axis=0) if fit_intercept else np.zeros(X.shape[1])
    Z = X - mean
    if standardize:
        scale = np.sqrt(np.mean(Z**2, axis=0))
        scale = np.where(scale > 0, scale, 1.0)
    else:
        scale = np.ones(X.shape[1])
    y_mean = float(y.mean()) if fit_intercept else 0.0
    return Z / scale, y - y_mean, mean, scale, y_mean


def ridge_path(
    X: Any,
    y: Any,
    alphas: Any,
    *,
    fit_intercept: bool = True,
    standardize: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ridge coefficients for every alpha from a single SVD.

    Returns ``(alphas, coefs, intercepts)`` with coefs of shape (n_features, n_alphas) in the
    original units, as the regularization path of the notes' L2 picture.
    """
    X, y = check_X_y(X, y, "ridge_path")
    alphas = np.atleast_1d(np.asarray(alphas, dtype=np.float64))
    if np.any(alphas < 0):
        raise ValueError(f"ridge_path: alphas must be >= 0, got min {alphas.min()}")
    Z, yc, mean, scale, y_mean = _center_scale(X, y, fit_intercept, standardize)
    U, s, Vt = np.linalg.svd(Z, full_matrices=False)
    uty = U.T @ yc
    with np.errstate(divide="ignore", invalid="ignore"):
        d = s[:, None] / (s[:, None] ** 2 + alphas[None, :])  # (r, n_alphas)
    d = np.where(s[:, None] > 0, d, 0.0)
    coefs = (Vt.T @ (d * uty[:, None])) / scale[:, None]
    intercepts = y_mean - mean @ coefs
    return alphas, coefs, intercepts


class Ridge(RegressorMixin, BaseEstimator):
    """L2-penalized least squares, closed form (see the module docstring for alpha's meaning).

    Attributes: ``coef_``, ``intercept_``, ``df_`` (effective degrees of freedom
    sum s^2/(s^2 + alpha) of the (standardized) centered inputs), ``scale_`` and ``mean_`` (the
    standardization used; ones and zeros when off).
    """

    def __init__(
        self, alpha: float = 1.0, fit_intercept: bool = True, standardize: bool = True
    ) -> None:
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.standardize = standardize

    def fit(self, X: Any, y: Any) -> Ridge:
        """Solve the ridge problem by SVD; returns self."""
        X, y = check_X_y(X, y, "Ridge.fit")
        if not np.isscalar(self.alpha) or self.alpha < 0:
            raise ValueError(f"Ridge: alpha must be a scalar >= 0, got {self.alpha!r}")
        self.n_features_in_ = X.shape[1]
        Z, yc, mean, scale, y_mean = _center_scale(X, y, self.fit_intercept, self.standardize)
        U, s, Vt = np.linalg.svd(Z, full_matrices=False)
        tol = np.finfo(float).eps * max(Z.shape) * (s[0] if s.size else 0.0)
        s_ok = s > tol if self.alpha == 0 else s > 0
        d = np.zeros_like(s)
        d[s_ok] = s[s_ok] / (s[s_ok] ** 2 + self.alpha)
        w = Vt.T @ (d * (U.T @ yc))
        self.coef_ = w / scale
        self.intercept_ = float(y_mean - mean @ self.coef_) if self.fit_intercept else 0.0
        self.df_ = float(np.sum((s**2 / (s**2 + self.alpha))[s_ok]))
        self.mean_, self.scale_ = mean, scale
        return self

    def predict(self, X: Any) -> np.ndarray:
        """y_hat = X coef_ + intercept_."""
        check_is_fitted(self)
        X = check_array(X, "Ridge.predict")
        check_n_features(self, X)
        return X @ self.coef_ + self.intercept_
