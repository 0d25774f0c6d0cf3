"""Ridge regression (L2 penalty), in closed form.

    minimize_w,b   ||y - b - X w||_2^2 + alpha ||w||_2^2          (the intercept b is not penalized)
    w_hat = (Z^T Z + alpha I)^{-1} Z^T (y - mean y)   on the centered inputs Z,

two ways (scikit-learn's solver names):

* ``solver="svd"``: from the thin SVD Z = U S V^T,
  w_hat = V diag(s / (s^2 + alpha)) U^T (y - mean y): each principal direction is shrunk by
  s_j^2 / (s_j^2 + alpha), and
  df(alpha) = sum_j s_j^2 / (s_j^2 + alpha) is the effective number of parameters;
* ``solver="cholesky"`` (and ``"auto"``, as in scikit-learn): the normal equations
  (Z^T Z + alpha I) w = Z^T (y - mean y) by a Cholesky factorization (when p > n, the same
  solution in its kernel form w = Z^T (Z Z^T + alpha I)^{-1} (y - mean y)); it falls back to the
  SVD when the system is singular (alpha = 0 with collinear inputs).

``positive=True`` (with ``solver="auto"``) constrains w >= 0 and is solved exactly as the
non-negative least-squares problem of the augmented rows [Z; sqrt(alpha) I] w ~ [y - mean y; 0].

Penalty parameterizations:

* this ``alpha`` is scikit-learn's ``Ridge(alpha)`` exactly (sum of squares, not mean);
* with the notes' "mean loss + lambda R(w)", (1/n) ||y - X w||^2 + lambda ||w||^2:
  alpha = n * lambda;
* the constrained form ||w||^2 <= C has a one-to-one, decreasing map C(alpha) = ||w_hat(alpha)||^2.

Ridge is not equivariant under scaling of the inputs: the penalty treats every coefficient alike,
so the inputs should be on comparable scales. Standardizing them is the user's step, as in
scikit-learn: ``make_pipeline(StandardScaler(), Ridge(alpha))``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import linalg
from scipy.optimize import nnls
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_X_y, validate_data

from .base import center, linear_score, sample_weights

__all__ = ["Ridge", "ridge_path"]

_SOLVERS = ("auto", "svd", "cholesky")
_NO_ITERATIONS = (
    "closed-form solvers take no iterations: n_iter_ is None, as for scikit-learn's Ridge with "
    "solver 'svd' or 'cholesky' (max_iter is a parameter of its iterative solvers)"
)
_SKLEARN_ONLY = ("lsqr", "sparse_cg", "sag", "saga", "lbfgs", "cholesky_scaled")


def _svd_solve(Z: np.ndarray, yc: np.ndarray, alpha: float) -> tuple[np.ndarray, float]:
    U, s, Vt = np.linalg.svd(Z, full_matrices=False)
    tol = np.finfo(float).eps * max(Z.shape) * (s[0] if s.size else 0.0)
    s_ok = s > tol if alpha == 0 else s > 0
    d = np.zeros_like(s)
    d[s_ok] = s[s_ok] / (s[s_ok] ** 2 + alpha)
    return Vt.T @ (d * (U.T @ yc)), float(np.sum((s**2 / (s**2 + alpha))[s_ok]))


def _cholesky_solve(Z: np.ndarray, yc: np.ndarray, alpha: float) -> np.ndarray:
    n, p = Z.shape
    if p <= n:  # (Z^T Z + alpha I) w = Z^T y
        return linalg.cho_solve(linalg.cho_factor(Z.T @ Z + alpha * np.eye(p)), Z.T @ yc)
    # kernel form: w = Z^T (Z Z^T + alpha I)^{-1} y
    return Z.T @ linalg.cho_solve(linalg.cho_factor(Z @ Z.T + alpha * np.eye(n)), yc)


def ridge_path(
    X: Any,
    y: Any,
    alphas: Any,
    *,
    fit_intercept: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ridge coefficients for every alpha from a single SVD.

    Returns ``(alphas, coefs, intercepts)`` with coefs of shape (n_features, n_alphas), the
    regularization path of the notes' L2 picture (each column equals ``Ridge(alpha).fit``).
    """
    X, y = check_X_y(X, y, dtype=np.float64, y_numeric=True)
    alphas = np.atleast_1d(np.asarray(alphas, dtype=np.float64))
    if np.any(alphas < 0):
        raise ValueError(f"ridge_path: alphas must be >= 0, got min {alphas.min()}")
    Z, yc, x_mean, y_mean, _ = center(X, y, fit_intercept)
    U, s, Vt = np.linalg.svd(Z, full_matrices=False)
    uty = U.T @ yc
    with np.errstate(divide="ignore", invalid="ignore"):
        d = s[:, None] / (s[:, None] ** 2 + alphas[None, :])  # (r, n_alphas)
    d = np.where(s[:, None] > 0, d, 0.0)
    coefs = Vt.T @ (d * uty[:, None])
    intercepts = y_mean - x_mean @ coefs
    return alphas, coefs, intercepts


class Ridge(RegressorMixin, BaseEstimator):
    """L2-penalized least squares, closed form: scikit-learn's ``Ridge`` (same parameters,
    defaults and results; see the module docstring for alpha's meaning and the solvers).

    ``max_iter``, ``tol`` and ``random_state`` belong to scikit-learn's iterative solvers, which
    are not implemented here; as for scikit-learn's closed-form solvers they have no effect.

    Attributes: ``coef_``, ``intercept_``, ``n_iter_`` (None: no iterations), ``solver_`` (the
    solver used), ``df_`` (deepgrad's: the effective degrees of freedom
    sum s^2/(s^2 + alpha) of the centered inputs).
    """

    def __init__(
        self,
        alpha: float = 1.0,
        *,
        fit_intercept: bool = True,
        copy_X: bool = True,
        max_iter: int | None = None,
        tol: float = 1e-4,
        solver: str = "auto",
        positive: bool = False,
        random_state: Any = None,
    ) -> None:
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.copy_X = copy_X
        self.max_iter = max_iter
        self.tol = tol
        self.solver = solver
        self.positive = positive
        self.random_state = random_state

    def _expected_failed_checks(self) -> dict[str, str]:
        return {"check_non_transformer_estimators_n_iter": _NO_ITERATIONS}

    def _check_params(self) -> str:
        if not np.isscalar(self.alpha) or not self.alpha >= 0:
            raise ValueError(f"Ridge: alpha must be a scalar >= 0, got {self.alpha!r}")
        if self.solver in _SKLEARN_ONLY:
            raise ValueError(
                f"Ridge: solver={self.solver!r} is one of scikit-learn's iterative solvers, not "
                f"implemented in deepgrad; use one of {_SOLVERS} (all exact)"
            )
        if self.solver not in _SOLVERS:
            raise ValueError(f"Ridge: solver must be one of {_SOLVERS}, got {self.solver!r}")
        if self.positive and self.solver != "auto":
            raise ValueError(
                f"Ridge: solver={self.solver!r} does not support positive fitting; set "
                "solver='auto' (scikit-learn's rule)"
            )
        if self.positive:
            return "nnls"
        return "cholesky" if self.solver == "auto" else self.solver

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> Ridge:
        """Solve the ridge problem in closed form; returns self."""
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True)
        solver = self._check_params()
        alpha = float(self.alpha)
        n, p = X.shape
        sw = None if sample_weight is None else sample_weights(sample_weight, n, "Ridge")
        Z, yc, x_mean, y_mean, _ = center(X, y, self.fit_intercept, sw)
        s = np.linalg.svd(Z, compute_uv=False)
        s_ok = s > (np.finfo(float).eps * max(Z.shape) * s[0] if alpha == 0 and s.size else 0)
        self.df_ = float(np.sum((s**2 / (s**2 + alpha))[s_ok]))
        if solver == "nnls":
            A = np.vstack([Z, np.sqrt(alpha) * np.eye(p)])
            w = nnls(A, np.concatenate([yc, np.zeros(p)]))[0] if p else np.zeros(0)
        elif solver == "cholesky":
            try:
                w = _cholesky_solve(Z, yc, alpha)
            except linalg.LinAlgError:  # singular: scikit-learn falls back to the SVD too
                solver = "svd"
        if solver == "svd":
            w, _ = _svd_solve(Z, yc, alpha)
        self.solver_ = solver  # "nnls" where scikit-learn's positive ridge reports "lbfgs"
        self.coef_ = w
        self.intercept_ = float(y_mean - x_mean @ w) if self.fit_intercept else 0.0
        self.n_iter_ = None
        return self

    def predict(self, X: Any) -> np.ndarray:
        """y_hat = X coef_ + intercept_."""
        return linear_score(self, X)
