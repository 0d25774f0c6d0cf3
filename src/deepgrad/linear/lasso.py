"""Lasso and elastic net: the L1 penalty, which needs other techniques than plain gradients.

Objective (scikit-learn's ``ElasticNet`` / ``Lasso``: the same parameters, defaults and results):

    (1/(2n)) ||y - b - X w||_2^2 + alpha * l1_ratio * ||w||_1 + (alpha (1 - l1_ratio) / 2) ||w||_2^2

``Lasso(alpha)`` is ``l1_ratio = 1``. Mapping to the notes' "mean loss + lambda R(w)" with
(1/n)||y - X w||^2 + lambda ||w||_1: lambda = 2 alpha. To glmnet's lambda: identical. The
intercept b is not penalized (it is eliminated by centering). The penalty treats every
coefficient alike, so the inputs should be on comparable scales: standardizing them is the
user's step, ``make_pipeline(StandardScaler(), Lasso(alpha))``.

|w_j| is not differentiable at 0, which is exactly where the lasso puts many coefficients, so
plain gradient descent does not give exact zeros. Two solvers that do
(:mod:`deepgrad.linear._enet_solvers`), chosen by deepgrad's extra parameter ``solver``:

* ``"cd"`` (default, scikit-learn's algorithm): coordinate descent, each coordinate set to its
  closed-form minimizer, w_j <- S(z_j^T r_(j) / n, alpha l1_ratio) / (z_j^T z_j / n +
  alpha (1 - l1_ratio)) with S the soft-thresholding operator; ``precompute=True`` runs the same
  sweeps on the Gram matrix, ``selection="random"`` visits random coordinates;
* ``"proximal"``: proximal gradient (FISTA with adaptive restart), a gradient step on the smooth
  part, then the proximal map of the L1 term (soft-thresholding).

Both stop when the duality gap falls below ``tol * ||y - mean y||^2`` (scikit-learn's
criterion), which bounds the distance to the optimal objective.
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array, validate_data

from ._enet_solvers import SOLVERS, soft_threshold
from .base import ConvergenceWarning, center, linear_score, sample_weights

__all__ = ["ElasticNet", "Lasso", "enet_path", "lasso_path", "soft_threshold"]

_CONVERGENCE = (
    "Objective did not converge. You might want to increase the number of iterations, check "
    "the scale of the features or consider increasing regularisation."
)


def _pick_solver(who: str, solver: str, precompute: Any) -> str:
    if solver not in ("cd", "proximal"):
        raise ValueError(f"{who}: solver must be 'cd' or 'proximal', got {solver!r}")
    if hasattr(precompute, "__array__"):
        raise ValueError(
            f"{who}: a precomputed Gram matrix is not supported by deepgrad; pass "
            "precompute=True to have it computed"
        )
    if not isinstance(precompute, bool | np.bool_):
        raise ValueError(f"{who}: precompute must be True or False, got {precompute!r}")
    return "cd_gram" if solver == "cd" and precompute else solver


def _solve(
    who, Z, yc, alpha, l1_ratio, w0, solver, max_iter, tol, positive, rng
) -> tuple[np.ndarray, float, int]:
    n = Z.shape[0]
    l1, l2 = alpha * l1_ratio * n, alpha * (1.0 - l1_ratio) * n  # the n-scaled penalties
    w, gap, n_iter, ok = SOLVERS[solver](Z, yc, w0, l1, l2, max_iter, tol, positive, rng)
    if not ok:
        warnings.warn(
            f"{who}: {_CONVERGENCE} Duality gap: {gap:.6e}, tolerance: {tol * float(yc @ yc):.3e}",
            ConvergenceWarning,
            stacklevel=3,
        )
    return w, gap / n, n_iter


class ElasticNet(RegressorMixin, BaseEstimator):
    """L1 + L2 penalized least squares: scikit-learn's ``ElasticNet`` (module docstring).

    ``copy_X`` has no effect (X is never modified). deepgrad's extra parameter ``solver``:
    "cd" (coordinate descent, default) or "proximal" (FISTA).

    Attributes: ``coef_``, ``intercept_``, ``n_iter_`` (sweeps for "cd", steps for "proximal"),
    ``dual_gap_`` (the final duality gap, in the 1/(2n)-scaled objective's units),
    ``sparse_coef_``.
    """

    def __init__(
        self,
        alpha: float = 1.0,
        *,
        l1_ratio: float = 0.5,
        fit_intercept: bool = True,
        precompute: bool = False,
        max_iter: int = 1000,
        copy_X: bool = True,
        tol: float = 1e-4,
        warm_start: bool = False,
        positive: bool = False,
        random_state: Any = None,
        selection: str = "cyclic",
        solver: str = "cd",
    ) -> None:
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.precompute = precompute
        self.max_iter = max_iter
        self.copy_X = copy_X
        self.tol = tol
        self.warm_start = warm_start
        self.positive = positive
        self.random_state = random_state
        self.selection = selection
        self.solver = solver

    def fit(self, X: Any, y: Any, sample_weight: Any = None, check_input: bool = True):
        """Minimize the elastic-net objective; returns self.

        ``check_input`` is accepted for scikit-learn compatibility; the input is always checked.
        """
        who = type(self).__name__
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True)
        if not np.isscalar(self.alpha) or not self.alpha >= 0:
            raise ValueError(f"{who}: alpha must be a scalar >= 0, got {self.alpha!r}")
        if not 0.0 <= self.l1_ratio <= 1.0:
            raise ValueError(f"{who}: l1_ratio must be in [0, 1], got {self.l1_ratio!r}")
        if self.selection not in ("cyclic", "random"):
            raise ValueError(
                f"{who}: selection must be 'cyclic' or 'random', got {self.selection!r}"
            )
        n, p = X.shape
        solver = _pick_solver(who, self.solver, self.precompute)
        if self.alpha == 0:
            warnings.warn(
                "With alpha=0, this algorithm does not converge well. You are advised to use "
                "the LinearRegression estimator",
                stacklevel=2,
            )
        sw = None
        if sample_weight is not None and not isinstance(sample_weight, numbers.Number):
            sw = sample_weights(sample_weight, n, who)
            sw = sw * (n / sw.sum())  # scikit-learn's normalization: the weights sum to n
        Z, yc, x_mean, y_mean, _ = center(X, y, self.fit_intercept, sw)
        if (
            self.warm_start
            and getattr(self, "coef_", None) is not None
            and self.coef_.shape == (p,)
        ):
            w0 = self.coef_.copy()
        else:
            w0 = np.zeros(p)
        rng = check_random_state(self.random_state) if self.selection == "random" else None
        w, self.dual_gap_, self.n_iter_ = _solve(
            who,
            Z,
            yc,
            float(self.alpha),
            self.l1_ratio,
            w0,
            solver,
            self.max_iter,
            self.tol,
            self.positive,
            rng,
        )
        self.coef_ = w
        self.intercept_ = float(y_mean - x_mean @ w) if self.fit_intercept else 0.0
        return self

    @property
    def sparse_coef_(self) -> sparse.csr_array:
        """``coef_`` as a (1, n_features) sparse matrix (scikit-learn's attribute)."""
        return sparse.csr_array(np.atleast_2d(self.coef_))

    def predict(self, X: Any) -> np.ndarray:
        """y_hat = X coef_ + intercept_."""
        return linear_score(self, X)


class Lasso(ElasticNet):
    """L1-penalized least squares: (1/(2n)) ||y - b - X w||^2 + alpha ||w||_1 (sparse w);
    scikit-learn's ``Lasso``."""

    def __init__(
        self,
        alpha: float = 1.0,
        *,
        fit_intercept: bool = True,
        precompute: bool = False,
        copy_X: bool = True,
        max_iter: int = 1000,
        tol: float = 1e-4,
        warm_start: bool = False,
        positive: bool = False,
        random_state: Any = None,
        selection: str = "cyclic",
        solver: str = "cd",
    ) -> None:
        super().__init__(
            alpha=alpha,
            l1_ratio=1.0,
            fit_intercept=fit_intercept,
            precompute=precompute,
            copy_X=copy_X,
            max_iter=max_iter,
            tol=tol,
            warm_start=warm_start,
            positive=positive,
            random_state=random_state,
            selection=selection,
            solver=solver,
        )


def enet_path(
    X: Any,
    y: Any,
    *,
    l1_ratio: float = 0.5,
    eps: float = 1e-3,
    alphas: Any = 100,
    coef_init: Any = None,
    return_n_iter: bool = False,
    positive: bool = False,
    max_iter: int = 1000,
    tol: float = 1e-4,
    selection: str = "cyclic",
    random_state: Any = None,
    solver: str = "cd",
) -> tuple:
    """The regularization path: coefficients for a decreasing grid of alphas, warm-started.

    scikit-learn's ``enet_path``: X and y are used as given (no intercept, no centering: center
    them first, or see ``ElasticNet``). ``alphas`` is either the number of alphas of the default
    grid, log-spaced from alpha_max = max_j |x_j^T y| / (n l1_ratio) (the smallest alpha with all
    coefficients zero) down to ``eps * alpha_max``, or the alphas themselves (sorted
    decreasingly). Returns ``(alphas, coefs, dual_gaps)`` with coefs of shape
    (n_features, n_alphas), and the iteration counts too with ``return_n_iter``.
    """
    X = check_array(X, dtype=np.float64)
    y = check_array(y, dtype=np.float64, ensure_2d=False)
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise ValueError(
            f"enet_path: y must be 1-D with one value per row of X ({X.shape[0]}), "
            f"got shape {y.shape}"
        )
    n, p = X.shape
    if isinstance(alphas, numbers.Integral):
        if l1_ratio <= 0:
            raise ValueError("enet_path: give the alphas explicitly when l1_ratio = 0")
        Xy = X.T @ y
        alpha_max = (max(0.0, float(Xy.max())) if positive else float(np.abs(Xy).max())) / (
            n * l1_ratio
        )
        if alpha_max <= np.finfo(np.float64).resolution:
            grid = np.full(alphas, np.finfo(np.float64).resolution)
        else:
            grid = np.geomspace(alpha_max, alpha_max * eps, num=alphas)
    else:
        grid = np.sort(np.atleast_1d(np.asarray(alphas, dtype=np.float64)))[::-1]
    w = np.zeros(p) if coef_init is None else np.array(coef_init, dtype=np.float64)
    rng = check_random_state(random_state) if selection == "random" else None
    solver = _pick_solver("enet_path", solver, False)
    coefs = np.empty((p, grid.size))
    gaps = np.empty(grid.size)
    n_iters = []
    for k, a in enumerate(grid):
        w, gaps[k], it = _solve(
            "enet_path", X, y, a, l1_ratio, w.copy(), solver, max_iter, tol, positive, rng
        )
        coefs[:, k] = w
        n_iters.append(it)
    if return_n_iter:
        return grid, coefs, gaps, n_iters
    return grid, coefs, gaps


def lasso_path(X: Any, y: Any, **kwargs: Any) -> tuple:
    """:func:`enet_path` with l1_ratio = 1 (the lasso)."""
    return enet_path(X, y, l1_ratio=1.0, **kwargs)
