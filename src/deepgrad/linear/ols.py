"""Ordinary least squares: the analytic solution, the hat matrix, and inference on beta.

With the design matrix X (a leading column of ones when ``fit_intercept``), the notes' formulas:

    RSS(beta)   = (y - X beta)^T (y - X beta)
    beta_hat    = (X^T X)^{-1} X^T y
    y_hat       = X beta_hat = H y,        H = X (X^T X)^{-1} X^T   (the "hat" matrix)
    Var(beta_hat) = (X^T X)^{-1} sigma^2,  sigma_hat^2 = RSS / (n - p - 1)

They are computed through the thin SVD X = U S V^T (never by inverting X^T X, whose condition
number is the square of X's): beta_hat = V S^{-1} U^T y, H = U U^T so the leverage of sample i
is h_ii = sum_j U_ij^2, and (X^T X)^{-1} = V S^{-2} V^T.

If X is rank deficient (e.g. x_2 = 3 x_1, or p + 1 > n), X^T X is singular and beta_hat is not
unique; y_hat is still the orthogonal projection of y onto the column space of X. Singular values
below ``rcond * s_max`` (default rcond = eps * max(n, p + 1), as in ``numpy.linalg.lstsq``) are
dropped, which yields the minimum-norm solution pinv(X) y (the norm includes the intercept, which
is the first entry of the parameter vector). A :class:`RankDeficientWarning` is issued, and the
standard errors, t values, p-values and intervals are NaN: those coefficients are not estimable.
"""

from __future__ import annotations

import sys
import warnings
from typing import Any, TextIO

import numpy as np
from scipy import stats

from .base import (
    BaseEstimator,
    RegressorMixin,
    check_array,
    check_is_fitted,
    check_n_features,
    check_X_y,
)
from .gradient import least_squares_gd

__all__ = ["LinearRegression", "RankDeficientWarning"]


class RankDeficientWarning(UserWarning):
    """The design matrix is rank deficient: the least-squares solution is not unique."""


class LinearRegression(RegressorMixin, BaseEstimator):
    """Least-squares linear regression f(x) = beta_0 + sum_j x_j beta_j, with inference.

    Parameters
    ----------
    fit_intercept : bool
        Add beta_0 (a column of ones first in the design matrix).
    solver : "svd" | "gd" | "sgd"
        "svd": the analytic solution (default). "gd": full-batch gradient descent; "sgd":
        stochastic (``batch_size=1``) or mini-batch gradient descent, on standardized columns
        (see :mod:`deepgrad.linear.gradient`). The statistics are computed at whatever
        coefficients the solver reached.
    rcond : float or None
        Relative cut-off for small singular values (None: eps * max(n, p + 1)).
    learning_rate, max_iter, batch_size, tol, random_state :
        Settings of the gradient solvers (``max_iter`` counts epochs).
    optimizer : deepgrad optimizer class or None
        HOOK for ``deepgrad.optim``: a class called as ``optimizer([w, b], lr=learning_rate,
        **optimizer_kwargs)`` with ``zero_grad()`` / ``step()``, e.g. ``deepgrad.optim.Adam``.
        None: the plain GD update written in NumPy.
    optimizer_kwargs : dict or None
        Extra arguments for ``optimizer`` (e.g. ``{"momentum": 0.9}``).

    Attributes
    ----------
    coef_, intercept_ : the fitted beta_1..beta_p and beta_0.
    params_ : (p + 1,) beta with the intercept first (when ``fit_intercept``).
    rank_, singular_ : rank and singular values of the design matrix.
    fitted_values_, residuals_, leverage_ : y_hat, y - y_hat, diag(H) on the training data.
    sigma2_ : RSS / (n - rank).   cov_params_ : sigma2_ (X^T X)^{-1}.
    stderr_, tvalues_, pvalues_ : per parameter, intercept first; t = beta / se, p = 2 P(T > |t|)
        with T ~ Student t with n - rank degrees of freedom.
    rsquared_, rsquared_adj_ : R^2 = 1 - RSS/TSS (TSS centered if fit_intercept, uncentered
        otherwise) and 1 - (1 - R^2)(n - k0)/(n - rank) with k0 = 1 if fit_intercept else 0.
    fvalue_, f_pvalue_ : the F test that all non-intercept coefficients are zero.
    df_resid_, df_model_ : n - rank and rank - k0.
    loss_curve_ : MSE per epoch (gradient solvers only).
    """

    def __init__(
        self,
        fit_intercept: bool = True,
        solver: str = "svd",
        rcond: float | None = None,
        learning_rate: float | None = None,
        max_iter: int = 1000,
        batch_size: int | None = None,
        tol: float = 1e-10,
        random_state: int | None = 0,
        optimizer: Any = None,
        optimizer_kwargs: dict | None = None,
    ) -> None:
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.rcond = rcond
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.tol = tol
        self.random_state = random_state
        self.optimizer = optimizer
        self.optimizer_kwargs = optimizer_kwargs

    # ------------------------------------------------------------------ fitting
    def _design(self, X: np.ndarray) -> np.ndarray:
        if self.fit_intercept:
            return np.column_stack([np.ones(X.shape[0]), X])
        return X

    def fit(self, X: Any, y: Any) -> LinearRegression:
        """Fit beta by least squares and compute the statistics; returns self."""
        X, y = check_X_y(X, y, "LinearRegression.fit")
        if self.solver not in ("svd", "gd", "sgd"):
            raise ValueError(
                f"LinearRegression: solver must be 'svd', 'gd' or 'sgd', got {self.solver!r}"
            )
        n, p = X.shape
        self.n_features_in_ = p
        D = self._design(X)
        U, s, Vt = np.linalg.svd(D, full_matrices=False)
        rcond = self.rcond if self.rcond is not None else np.finfo(float).eps * max(D.shape)
        keep = s > rcond * (s[0] if s.size else 0.0)
        r = int(keep.sum())
        self.rank_ = r
        self.singular_ = s
        U_r, s_r, V_r = U[:, keep], s[keep], Vt[keep].T
        if r < D.shape[1]:
            warnings.warn(
                f"LinearRegression: the design matrix ({n} x {D.shape[1]}"
                f"{', intercept column included' if self.fit_intercept else ''}) has rank {r} < "
                f"{D.shape[1]} columns; X^T X is singular and the least-squares coefficients are "
                "not unique. Returning the minimum-norm solution pinv(X) y; standard errors, "
                "t values, p-values and intervals are NaN (the coefficients are not estimable). "
                "Drop or recode redundant columns, or regularize (Ridge).",
                RankDeficientWarning,
                stacklevel=2,
            )

        if self.solver == "svd":
            params = V_r @ ((U_r.T @ y) / s_r)
            self.loss_curve_ = None
        else:
            res = least_squares_gd(
                X,
                y,
                fit_intercept=self.fit_intercept,
                solver=self.solver,
                learning_rate=self.learning_rate,
                max_iter=self.max_iter,
                batch_size=self.batch_size,
                tol=self.tol,
                random_state=self.random_state,
                optimizer=self.optimizer,
                optimizer_kwargs=self.optimizer_kwargs,
            )
            params = np.concatenate([[res.intercept], res.coef]) if self.fit_intercept else res.coef
            self.loss_curve_ = res.losses
            self.n_iter_ = res.n_iter
            if not res.converged:
                warnings.warn(
                    f"LinearRegression(solver={self.solver!r}): did not converge in "
                    f"{self.max_iter} epochs (tol={self.tol})",
                    RuntimeWarning,
                    stacklevel=2,
                )
        self.params_ = params
        self.intercept_ = float(params[0]) if self.fit_intercept else 0.0
        self.coef_ = params[1:].copy() if self.fit_intercept else params.copy()
        self._U_r = U_r
        self._inference(D, y, V_r, s_r)
        return self

    def _inference(self, D: np.ndarray, y: np.ndarray, V_r: np.ndarray, s_r: np.ndarray) -> None:
        n, k = D.shape
        r = self.rank_
        self.fitted_values_ = D @ self.params_
        self.residuals_ = y - self.fitted_values_
        self.leverage_ = np.sum(self._U_r**2, axis=1)
        rss = float(self.residuals_ @ self.residuals_)
        self.rss_ = rss
        k0 = 1 if self.fit_intercept else 0
        self.df_resid_ = n - r
        self.df_model_ = r - k0
        self.sigma2_ = rss / self.df_resid_ if self.df_resid_ > 0 else np.nan
        xtx_inv = (V_r / s_r**2) @ V_r.T  # (X^T X)^{-1}, or its pseudo-inverse
        self.cov_params_ = self.sigma2_ * xtx_inv
        if r < k or self.df_resid_ <= 0:
            nan = np.full(k, np.nan)
            self.stderr_, self.tvalues_, self.pvalues_ = nan, nan.copy(), nan.copy()
        else:
            self.stderr_ = np.sqrt(np.diag(self.cov_params_))
            self.tvalues_ = self.params_ / self.stderr_
            self.pvalues_ = 2.0 * stats.t.sf(np.abs(self.tvalues_), self.df_resid_)
        tss = float(np.sum((y - y.mean()) ** 2)) if self.fit_intercept else float(y @ y)
        self.tss_ = tss
        self.rsquared_ = 1.0 - rss / tss if tss > 0 else np.nan
        if self.df_resid_ > 0 and tss > 0:
            self.rsquared_adj_ = 1.0 - (1.0 - self.rsquared_) * (n - k0) / self.df_resid_
        else:
            self.rsquared_adj_ = np.nan
        if self.df_model_ > 0 and self.df_resid_ > 0 and rss > 0:
            self.fvalue_ = ((tss - rss) / self.df_model_) / (rss / self.df_resid_)
            self.f_pvalue_ = float(stats.f.sf(self.fvalue_, self.df_model_, self.df_resid_))
        else:
            self.fvalue_ = self.f_pvalue_ = np.nan

    # ------------------------------------------------------------------ use
    def predict(self, X: Any) -> np.ndarray:
        """y_hat = X coef_ + intercept_."""
        check_is_fitted(self)
        X = check_array(X, "LinearRegression.predict")
        check_n_features(self, X)
        return X @ self.coef_ + self.intercept_

    def conf_int(self, alpha: float = 0.05) -> np.ndarray:
        """(p + 1, 2) intervals beta_j -/+ t_{1-alpha/2, n-rank} se_j, intercept first."""
        check_is_fitted(self)
        if not 0.0 < alpha < 1.0:
            raise ValueError(f"LinearRegression.conf_int: alpha must be in (0, 1), got {alpha}")
        q = stats.t.ppf(1.0 - alpha / 2.0, self.df_resid_) if self.df_resid_ > 0 else np.nan
        half = q * self.stderr_
        return np.column_stack([self.params_ - half, self.params_ + half])

    def hat_matrix(self) -> np.ndarray:
        """H = X (X^T X)^{-1} X^T = U U^T on the training data (n x n): y_hat = H y."""
        check_is_fitted(self)
        return self._U_r @ self._U_r.T

    def summary(
        self,
        feature_names: list[str] | None = None,
        alpha: float = 0.05,
        print_table: bool = True,
        file: TextIO | None = None,
    ) -> str:
        """Print (to ``file``, default stdout, if ``print_table``) and return the usual table."""
        check_is_fitted(self)
        p = self.n_features_in_
        names = (
            list(feature_names) if feature_names is not None else [f"x{j + 1}" for j in range(p)]
        )
        if len(names) != p:
            raise ValueError(
                f"LinearRegression.summary: {len(names)} feature names for {p} features"
            )
        if self.fit_intercept:
            names = ["const"] + names
        ci = self.conf_int(alpha)
        lo, hi = f"[{alpha / 2:.3g}", f"{1 - alpha / 2:.3g}]"
        w = max(8, max(len(s) for s in names))
        n = self.fitted_values_.shape[0]
        rule = "=" * (w + 68)
        lines = [
            rule,
            "OLS regression results".center(w + 68),
            rule,
            f"{'No. observations:':<22}{n:>12d}    {'R-squared:':<22}{self.rsquared_:>12.4f}",
            f"{'Df residuals:':<22}{self.df_resid_:>12d}    {'Adj. R-squared:':<22}"
            f"{self.rsquared_adj_:>12.4f}",
            f"{'Df model:':<22}{self.df_model_:>12d}    {'F-statistic:':<22}{self.fvalue_:>12.4g}",
            f"{'sigma^2:':<22}{self.sigma2_:>12.4g}    {'Prob (F-statistic):':<22}"
            f"{self.f_pvalue_:>12.4g}",
            rule,
            f"{'':<{w}}{'coef':>11}{'std err':>11}{'t':>10}{'P>|t|':>9}{lo:>13}{hi:>13}",
            "-" * (w + 68),
        ]
        for j, name in enumerate(names):
            lines.append(
                f"{name:<{w}}{self.params_[j]:>11.4g}{self.stderr_[j]:>11.4g}"
                f"{self.tvalues_[j]:>10.3f}{self.pvalues_[j]:>9.3f}{ci[j, 0]:>13.4g}"
                f"{ci[j, 1]:>13.4g}"
            )
        lines.append(rule)
        if self.rank_ < len(names):
            lines.append(
                f"Warning: rank {self.rank_} < {len(names)} parameters; minimum-norm "
                "solution, inference undefined."
            )
        text = "\n".join(lines)
        if print_table:
            print(text, file=file if file is not None else sys.stdout)
        return text
