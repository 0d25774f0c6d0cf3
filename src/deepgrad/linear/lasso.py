"""Lasso and elastic net: the L1 penalty, which needs other techniques than plain gradients.

Objective (scikit-learn's ``ElasticNet`` / ``Lasso`` parameterization, identical here):

    (1/(2n)) ||y - b - X w||_2^2 + alpha * l1_ratio * ||w||_1 + (alpha (1 - l1_ratio) / 2) ||w||_2^2

``Lasso(alpha)`` is ``l1_ratio = 1``. Mapping to the notes' "mean loss + lambda R(w)" with
(1/n)||y - X w||^2 + lambda ||w||_1: lambda = 2 alpha. To glmnet's lambda: identical. The
intercept b is not penalized.

|w_j| is not differentiable at 0, which is exactly where the lasso puts many coefficients, so
plain gradient descent does not give exact zeros. Two solvers that do:

* ``solver="cd"``, cyclic coordinate descent: each coordinate has a closed-form minimizer,
      w_j <- S(z_j^T r_(j) / n, alpha l1_ratio) / (z_j^T z_j / n + alpha (1 - l1_ratio)),
  with r_(j) the residual without feature j and S(u, t) = sign(u) max(|u| - t, 0) the
  soft-thresholding operator;
* ``solver="proximal"``, proximal gradient (FISTA, with adaptive restart): a gradient step on
  the smooth part f, then the proximal map of the L1 term,
      w <- S(v - (1/L) grad f(v), alpha l1_ratio / L),   L = s_max(Z)^2 / n + alpha (1 - l1_ratio),
  with Nesterov momentum on v.

Both stop when the duality gap (as in scikit-learn) falls below ``tol * ||y - mean y||^2``, which
bounds the distance to the optimal objective. ``standardize=False`` by default, matching
scikit-learn (set it True to penalize standardized coefficients; ``coef_`` stays in original
units either way).
"""

from __future__ import annotations

import warnings
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
from .ridge import _center_scale

__all__ = ["ElasticNet", "Lasso", "enet_path", "lasso_path", "soft_threshold"]


class ConvergenceWarning(UserWarning):
    """An iterative solver stopped at max_iter before reaching its tolerance."""


def soft_threshold(u: np.ndarray | float, t: float) -> np.ndarray | float:
    """S(u, t) = sign(u) max(|u| - t, 0): the proximal map of t |.|."""
    return np.sign(u) * np.maximum(np.abs(u) - t, 0.0)


def _duality_gap(Z, y, w, l1, l2):
    """Duality gap of 0.5||y - Z w||^2 + l1 ||w||_1 + 0.5 l2 ||w||^2 (scikit-learn's formula)."""
    R = y - Z @ w
    XtA = Z.T @ R - l2 * w
    dual_norm = float(np.max(np.abs(XtA))) if XtA.size else 0.0
    R2 = float(R @ R)
    if dual_norm > l1:
        const = l1 / dual_norm
        gap = 0.5 * (R2 + R2 * const**2)
    else:
        const = 1.0
        gap = R2
    gap += (
        l1 * float(np.abs(w).sum())
        - const * float(R @ y)
        + 0.5 * l2 * (1 + const**2) * float(w @ w)
    )
    return gap


def _cd(Z, y, alpha, l1_ratio, w, max_iter, tol):
    n, p = Z.shape
    l1, l2 = alpha * l1_ratio * n, alpha * (1.0 - l1_ratio) * n  # the n-scaled penalties
    col_sq = np.einsum("ij,ij->j", Z, Z)
    r = y - Z @ w
    gap_tol = tol * float(y @ y)
    for it in range(1, max_iter + 1):
        w_max = d_max = 0.0
        for j in range(p):
            if col_sq[j] == 0.0:
                continue
            wj = w[j]
            rho = Z[:, j] @ r + col_sq[j] * wj  # z_j^T r_(j)
            new = soft_threshold(rho, l1) / (col_sq[j] + l2)
            if new != wj:
                r += (wj - new) * Z[:, j]
                w[j] = new
            d_max = max(d_max, abs(new - wj))
            w_max = max(w_max, abs(new))
        if w_max == 0.0 or d_max / w_max < tol or it == max_iter:
            if _duality_gap(Z, y, w, l1, l2) < gap_tol:
                return w, it, True
    return w, max_iter, False


def _fista(Z, y, alpha, l1_ratio, w, max_iter, tol):
    n, p = Z.shape
    l1, l2 = alpha * l1_ratio, alpha * (1.0 - l1_ratio)
    L = (np.linalg.norm(Z, 2) ** 2 / n if Z.size else 0.0) + l2
    if L == 0.0:
        return w, 0, True
    gap_tol = tol * float(y @ y)
    v, t = w.copy(), 1.0
    for it in range(1, max_iter + 1):
        grad = Z.T @ (Z @ v - y) / n + l2 * v
        w_new = soft_threshold(v - grad / L, l1 / L)
        t_new = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t))
        if (v - w_new) @ (w_new - w) > 0:  # adaptive restart: momentum points uphill
            t_new, v = 1.0, w_new.copy()
        else:
            v = w_new + ((t - 1.0) / t_new) * (w_new - w)
        w, t = w_new, t_new
        if it % 10 == 0 and _duality_gap(Z, y, w, l1 * n, l2 * n) < gap_tol:
            return w, it, True
    return w, max_iter, False


def _solve(Z, y, alpha, l1_ratio, w0, solver, max_iter, tol):
    if solver == "cd":
        return _cd(Z, y, alpha, l1_ratio, w0, max_iter, tol)
    if solver == "proximal":
        return _fista(Z, y, alpha, l1_ratio, w0, max_iter, tol)
    raise ValueError(f"ElasticNet: solver must be 'cd' or 'proximal', got {solver!r}")


class ElasticNet(RegressorMixin, BaseEstimator):
    """L1 + L2 penalized least squares (objective and parameters in the module docstring).

    Attributes: ``coef_``, ``intercept_``, ``n_iter_`` (sweeps for "cd", steps for "proximal"),
    ``dual_gap_`` (the final duality gap, in the 1/(2n)-scaled objective's units).
    """

    def __init__(
        self,
        alpha: float = 1.0,
        l1_ratio: float = 0.5,
        fit_intercept: bool = True,
        standardize: bool = False,
        solver: str = "cd",
        max_iter: int = 10000,
        tol: float = 1e-8,
        warm_start: bool = False,
    ) -> None:
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.standardize = standardize
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start

    def fit(self, X: Any, y: Any) -> ElasticNet:
        """Minimize the elastic-net objective; returns self."""
        who = f"{type(self).__name__}.fit"
        X, y = check_X_y(X, y, who)
        if not np.isscalar(self.alpha) or self.alpha < 0:
            raise ValueError(f"{who}: alpha must be a scalar >= 0, got {self.alpha!r}")
        if not 0.0 <= self.l1_ratio <= 1.0:
            raise ValueError(f"{who}: l1_ratio must be in [0, 1], got {self.l1_ratio!r}")
        self.n_features_in_ = X.shape[1]
        Z, yc, mean, scale, y_mean = _center_scale(X, y, self.fit_intercept, self.standardize)
        if self.warm_start and hasattr(self, "coef_") and self.coef_.shape == (X.shape[1],):
            w0 = self.coef_ * scale
        else:
            w0 = np.zeros(X.shape[1])
        w, n_iter, ok = _solve(
            Z, yc, self.alpha, self.l1_ratio, w0, self.solver, self.max_iter, self.tol
        )
        if not ok:
            warnings.warn(
                f"{type(self).__name__}(solver={self.solver!r}): did not reach tol={self.tol} in "
                f"max_iter={self.max_iter} iterations; increase max_iter",
                ConvergenceWarning,
                stacklevel=2,
            )
        n = X.shape[0]
        l1, l2 = self.alpha * self.l1_ratio * n, self.alpha * (1 - self.l1_ratio) * n
        self.dual_gap_ = _duality_gap(Z, yc, w, l1, l2) / n
        self.n_iter_ = n_iter
        self.coef_ = w / scale
        self.intercept_ = float(y_mean - mean @ self.coef_) if self.fit_intercept else 0.0
        return self

    def predict(self, X: Any) -> np.ndarray:
        """y_hat = X coef_ + intercept_."""
        check_is_fitted(self)
        X = check_array(X, f"{type(self).__name__}.predict")
        check_n_features(self, X)
        return X @ self.coef_ + self.intercept_


class Lasso(ElasticNet):
    """L1-penalized least squares: (1/(2n)) ||y - b - X w||^2 + alpha ||w||_1 (sparse w)."""

    def __init__(
        self,
        alpha: float = 1.0,
        fit_intercept: bool = True,
        standardize: bool = False,
        solver: str = "cd",
        max_iter: int = 10000,
        tol: float = 1e-8,
        warm_start: bool = False,
    ) -> None:
        super().__init__(
            alpha=alpha,
            l1_ratio=1.0,
            fit_intercept=fit_intercept,
            standardize=standardize,
            solver=solver,
            max_iter=max_iter,
            tol=tol,
            warm_start=warm_start,
        )


def enet_path(
    X: Any,
    y: Any,
    *,
    l1_ratio: float = 0.5,
    alphas: Any = None,
    n_alphas: int = 100,
    eps: float = 1e-3,
    fit_intercept: bool = True,
    standardize: bool = False,
    solver: str = "cd",
    max_iter: int = 10000,
    tol: float = 1e-8,
) -> tuple[np.ndarray, np.ndarray]:
    """The regularization path: coefficients for a decreasing grid of alphas, warm-started.

    Default grid: ``n_alphas`` log-spaced values from alpha_max = max_j |z_j^T (y - mean y)| /
    (n l1_ratio) (the smallest alpha with all coefficients zero) down to ``eps * alpha_max``.
    Returns ``(alphas, coefs)`` with coefs of shape (n_features, n_alphas) in original units.
    """
    X, y = check_X_y(X, y, "enet_path")
    if l1_ratio <= 0 and alphas is None:
        raise ValueError("enet_path: give alphas explicitly when l1_ratio = 0 (no alpha_max)")
    Z, yc, _, scale, _ = _center_scale(X, y, fit_intercept, standardize)
    n = X.shape[0]
    if alphas is None:
        alpha_max = float(np.max(np.abs(Z.T @ yc))) / (n * l1_ratio)
        alphas = np.geomspace(alpha_max, alpha_max * eps, n_alphas)
    else:
        alphas = np.sort(np.atleast_1d(np.asarray(alphas, dtype=np.float64)))[::-1]
    coefs = np.empty((X.shape[1], alphas.size))
    w = np.zeros(X.shape[1])
    for k, a in enumerate(alphas):
        w, _, ok = _solve(Z, yc, a, l1_ratio, w.copy(), solver, max_iter, tol)
        if not ok:
            warnings.warn(
                f"enet_path: alpha={a:.3g} did not converge", ConvergenceWarning, stacklevel=2
            )
        coefs[:, k] = w / scale
    return alphas, coefs


def lasso_path(X: Any, y: Any, **kwargs: Any) -> tuple[np.ndarray, np.ndarray]:
    """:func:`enet_path` with l1_ratio = 1 (the lasso)."""
    return enet_path(X, y, l1_ratio=1.0, **kwargs)
