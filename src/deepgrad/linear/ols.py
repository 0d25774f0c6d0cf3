"""Ordinary least squares: the analytic solution, the hat matrix, and inference on beta.

With the design matrix X (a leading column of ones when ``fit_intercept``), the notes' formulas:

    RSS(beta)   = (y - X beta)^T (y - X beta)
    beta_hat    = (X^T X)^{-1} X^T y
    y_hat       = X beta_hat = H y,        H = X (X^T X)^{-1} X^T   (the "hat" matrix)
    Var(beta_hat) = (X^T X)^{-1} sigma^2,  sigma_hat^2 = RSS / (n - p - 1)

They are computed through the thin SVD X = U S V^T (never by inverting X^T X, whose condition
number is the square of X's): beta_hat = V S^{-1} U^T y, H = U U^T so the leverage of sample i
is h_ii = sum_j U_ij^2, and (X^T X)^{-1} = V S^{-2} V^T. The coefficients themselves are solved
as scikit-learn does: the intercept is eliminated by centering (beta_0 = mean y - mean x^T w),
and w = pinv(Z) (y - mean y) on the centered inputs Z.

If X is rank deficient (e.g. x_2 = 3 x_1, or p + 1 > n), X^T X is singular and beta_hat is not
unique; y_hat is still the orthogonal projection of y onto the column space of X. Singular values
below ``tol * s_max`` (scikit-learn's ``tol``, default 1e-6, which it passes as the ``cond`` of
``scipy.linalg.lstsq``) are dropped, which yields the minimum-norm w = pinv(Z) (y - mean y)
(scikit-learn's solution; the intercept is not part of the norm). A :class:`RankDeficientWarning`
is issued, and the standard errors, t values, p-values and intervals are NaN: those coefficients
are not estimable.
"""

from __future__ import annotations

import sys
import warnings
from typing import Any, TextIO

import numpy as np
from scipy import stats
from scipy.optimize import nnls
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from .base import ConvergenceWarning, center, linear_score, sample_weights
from .gradient import least_squares_gd

__all__ = ["LinearRegression", "RankDeficientWarning"]


class RankDeficientWarning(UserWarning):
    """The design matrix is rank deficient: the least-squares solution is not unique."""


class LinearRegression(RegressorMixin, BaseEstimator):
    """Least-squares linear regression f(x) = beta_0 + sum_j x_j beta_j, with inference.

    scikit-learn's ``LinearRegression`` (same parameters, defaults and results), plus the
    statistics of OLS and a choice of the course's solvers.

    Parameters
    ----------
    fit_intercept : bool
        Add beta_0 (a column of ones first in the design matrix).
    copy_X : bool
        scikit-learn's; X is never modified here, so it has no effect.
    tol : float
        scikit-learn's: with ``solver="svd"`` the relative cut-off for small singular values
        (those below tol * s_max count as zero: scikit-learn's ``cond`` of
        ``scipy.linalg.lstsq``); with the gradient solvers their stopping tolerance (as
        scikit-learn's ``tol`` is the tolerance of its iterative solver on sparse input; see
        :mod:`deepgrad.linear.gradient`).
    n_jobs : int or None
        Accepted for scikit-learn compatibility; the solve is one SVD (BLAS threads).
    positive : bool
        Constrain the coefficients to be >= 0 (non-negative least squares, solved exactly by
        scipy's NNLS as in scikit-learn). The t-based inference does not apply to a constrained
        fit: standard errors, t and p-values are then NaN.
    solver : "svd" | "gd" | "sgd"  (deepgrad's)
        "svd": the analytic solution (default). "gd": full-batch gradient descent; "sgd":
        stochastic (``batch_size=1``) or mini-batch gradient descent, on internally
        standardized columns. The statistics are computed at whatever coefficients the solver
        reached.
    learning_rate, max_iter, batch_size, random_state :  (deepgrad's)
        Settings of the gradient solvers (``max_iter`` counts epochs).
    optimizer : deepgrad optimizer class or None  (deepgrad's)
        HOOK for ``deepgrad.optim``: a class called as ``optimizer([w, b], lr=learning_rate,
        **optimizer_kwargs)`` with ``zero_grad()`` / ``step()``, e.g. ``deepgrad.optim.Adam``.
        None: the plain GD update written in NumPy.
    optimizer_kwargs : dict or None  (deepgrad's)
        Extra arguments for ``optimizer`` (e.g. ``{"momentum": 0.9}``).

    Attributes
    ----------
    coef_, intercept_ : the fitted beta_1..beta_p and beta_0 (scikit-learn's).
    rank_, singular_ : rank and singular values of the centered inputs (scikit-learn's).
    n_iter_ : epochs of the gradient solvers; None for the closed form.
    params_ : (p + 1,) beta with the intercept first (when ``fit_intercept``).
    fitted_values_, residuals_, leverage_ : y_hat, y - y_hat, diag(H) on the training data.
    sigma2_ : RSS / (n - rank).   cov_params_ : sigma2_ (X^T X)^{-1}.
    stderr_, tvalues_, pvalues_ : per parameter, intercept first; t = beta / se, p = 2 P(T > |t|)
        with T ~ Student t with n - rank degrees of freedom (rank of the design matrix with
        its column of ones).
    rsquared_, rsquared_adj_ : R^2 = 1 - RSS/TSS (TSS centered if fit_intercept, uncentered
        otherwise) and 1 - (1 - R^2)(n - k0)/(n - rank) with k0 = 1 if fit_intercept else 0.
    fvalue_, f_pvalue_ : the F test that all non-intercept coefficients are zero.
    df_resid_, df_model_ : n - rank and rank - k0.
    loss_curve_ : MSE per epoch (gradient solvers only).

    With ``sample_weight`` s_i the fit is weighted least squares, min sum_i s_i (y_i - f(x_i))^2,
    and the statistics are those of WLS (RSS, TSS and H of the rows scaled by sqrt(s_i)).
    """

    def __init__(
        self,
        *,
        fit_intercept: bool = True,
        copy_X: bool = True,
        tol: float = 1e-6,
        n_jobs: int | None = None,
        positive: bool = False,
        solver: str = "svd",
        learning_rate: float | None = None,
        max_iter: int = 1000,
        batch_size: int | None = None,
        random_state: int | None = 0,
        optimizer: Any = None,
        optimizer_kwargs: dict | None = None,
    ) -> None:
        self.fit_intercept = fit_intercept
        self.copy_X = copy_X
        self.tol = tol
        self.n_jobs = n_jobs
        self.positive = positive
        self.solver = solver
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.random_state = random_state
        self.optimizer = optimizer
        self.optimizer_kwargs = optimizer_kwargs

    def _expected_failed_checks(self) -> dict[str, str]:
        if self.solver != "svd":
            return {}
        return {
            "check_non_transformer_estimators_n_iter": (
                "the closed form takes no iterations: n_iter_ is None (max_iter counts the "
                "epochs of the gradient solvers only)"
            )
        }

    # ------------------------------------------------------------------ fitting
    def _design(self, X: np.ndarray) -> np.ndarray:
        if self.fit_intercept:
            return np.column_stack([np.ones(X.shape[0]), X])
        return X

    def _rcond(self, shape: tuple[int, int]) -> float:
        return float(self.tol) if self.solver == "svd" else np.finfo(float).eps * max(shape)

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> LinearRegression:
        """Fit beta by (weighted) least squares and compute the statistics; returns self."""
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True)
        if self.solver not in ("svd", "gd", "sgd"):
            raise ValueError(
                f"LinearRegression: solver must be 'svd', 'gd' or 'sgd', got {self.solver!r}"
            )
        if self.positive and self.solver != "svd":
            raise ValueError(
                f"LinearRegression: positive=True needs solver='svd' (exact NNLS), "
                f"got solver={self.solver!r}"
            )
        n, p = X.shape
        sw = None if sample_weight is None else sample_weights(sample_weight, n, "LinearRegression")
        root = np.sqrt(sw) if sw is not None else np.ones(n)
        D = self._design(X) * root[:, None]  # the (weighted) design matrix, for inference
        U, s, Vt = np.linalg.svd(D, full_matrices=False)
        keep = s > self._rcond(D.shape) * (s[0] if s.size else 0.0)
        r = int(keep.sum())
        U_r, s_r, V_r = U[:, keep], s[keep], Vt[keep].T
        if r < D.shape[1] and not self.positive:
            warnings.warn(
                f"LinearRegression: the design matrix ({n} x {D.shape[1]}"
                f"{', intercept column included' if self.fit_intercept else ''}) has rank {r} < "
                f"{D.shape[1]} columns; X^T X is singular and the least-squares coefficients are "
                "not unique. Returning the minimum-norm solution (of the centered problem, as "
                "scikit-learn); standard errors, t values, p-values and intervals are NaN (the "
                "coefficients are not estimable). Drop or recode redundant columns, or "
                "regularize (Ridge).",
                RankDeficientWarning,
                stacklevel=2,
            )

        # scikit-learn's solution: eliminate the intercept by centering, then the minimum-norm
        # least squares (or NNLS) solution on the centered inputs Z
        Z, yc, x_mean, y_mean, _ = center(X, y, self.fit_intercept, sw)
        Uz, sz, Vzt = np.linalg.svd(Z, full_matrices=False)
        kz = sz > self._rcond(Z.shape) * (sz[0] if sz.size else 0.0)
        self.rank_, self.singular_ = int(kz.sum()), sz
        self.n_iter_ = None
        self.loss_curve_ = None
        if self.solver == "svd":
            if self.positive:
                coef = nnls(Z, yc)[0] if p else np.zeros(0)
            else:
                coef = Vzt[kz].T @ ((Uz[:, kz].T @ yc) / sz[kz])
            intercept = y_mean - float(x_mean @ coef)
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
                sample_weight=sw,
            )
            coef, intercept = res.coef, res.intercept
            self.loss_curve_ = res.losses
            self.n_iter_ = res.n_iter
            if not res.converged:
                warnings.warn(
                    f"LinearRegression(solver={self.solver!r}): did not converge in "
                    f"{self.max_iter} epochs (tol={self.tol})",
                    ConvergenceWarning,
                    stacklevel=2,
                )
        self.coef_ = np.asarray(coef, dtype=np.float64)
        self.intercept_ = float(intercept) if self.fit_intercept else 0.0
        self.params_ = (
            np.concatenate([[self.intercept_], self.coef_]) if self.fit_intercept else self.coef_
        )
        self._U_r = U_r
        self._inference(D, X, y, root, V_r, s_r)
        return self

    def _inference(
        self,
        D: np.ndarray,
        X: np.ndarray,
        y: np.ndarray,
        root: np.ndarray,
        V_r: np.ndarray,
        s_r: np.ndarray,
    ) -> None:
        n, k = D.shape  # D: the design matrix, rows scaled by sqrt(s_i)
        r = s_r.size
        self.fitted_values_ = X @ self.coef_ + self.intercept_
        self.residuals_ = y - self.fitted_values_
        self.leverage_ = np.sum(self._U_r**2, axis=1)
        wres = root * self.residuals_
        rss = float(wres @ wres)
        self.rss_ = rss
        k0 = 1 if self.fit_intercept else 0
        self.df_resid_ = n - r
        self.df_model_ = r - k0
        self.sigma2_ = rss / self.df_resid_ if self.df_resid_ > 0 else np.nan
        xtx_inv = (V_r / s_r**2) @ V_r.T  # (X^T X)^{-1}, or its pseudo-inverse
        self.cov_params_ = self.sigma2_ * xtx_inv
        if r < k or self.df_resid_ <= 0 or self.positive:
            nan = np.full(k, np.nan)
            self.stderr_, self.tvalues_, self.pvalues_ = nan, nan.copy(), nan.copy()
        else:
            self.stderr_ = np.sqrt(np.diag(self.cov_params_))
            self.tvalues_ = self.params_ / self.stderr_
            self.pvalues_ = 2.0 * stats.t.sf(np.abs(self.tvalues_), self.df_resid_)
        w = root**2
        if self.fit_intercept:
            tss = float(w @ (y - np.average(y, weights=w)) ** 2)
        else:
            tss = float(w @ y**2)
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
        return linear_score(self, X)

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
        rank = self.df_model_ + (1 if self.fit_intercept else 0)
        if rank < len(names):
            lines.append(
                f"Warning: rank {rank} < {len(names)} parameters; minimum-norm "
                "solution, inference undefined."
            )
        text = "\n".join(lines)
        if print_table:
            print(text, file=file if file is not None else sys.stdout)
        return text
