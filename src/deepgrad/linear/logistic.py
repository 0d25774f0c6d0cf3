"""Logistic regression: a linear score turned into a probability by the sigmoid (or the softmax).

    two classes:  P(y = 1 | x) = sigma(x^T w + b),   sigma(z) = 1 / (1 + e^{-z}),
    K classes:    P(y = k | x) = softmax(W x + b)_k   (multinomial, as scikit-learn),

fitted by minimizing the cross-entropy (for two classes the logistic loss of the margin
m = y~ (x^T w + b), y~ in {-1, +1}: log(1 + e^{-m})) plus a penalty on w, never on the
intercept b. scikit-learn's ``LogisticRegression`` (same parameters, defaults and results):

    C sum_i CE_i + ((1 - l1_ratio)/2) ||w||_2^2 + l1_ratio ||w||_1         (C = inf: no penalty)

``l1_ratio=0`` (default) is the L2 penalty, ``1`` the lasso's L1, in between the elastic net
(scikit-learn 1.8 deprecated ``penalty`` in favour of ``l1_ratio`` and ``C=np.inf``; the old
``penalty`` values are still accepted with scikit-learn's FutureWarning). With the notes'
"mean loss + lambda R(w)": (1/n) sum CE + lambda ||w||^2 <=> C = 1 / (2 n lambda), and with
lambda ||w||_1, C = 1 / (n lambda). ``tol`` bounds the largest gradient entry of the mean loss
(scikit-learn's scaling, :mod:`deepgrad.linear._logistic_loss`).

Solvers (``solver``):

* ``"lbfgs"`` (default, as scikit-learn): scipy's L-BFGS-B on deepgrad's loss and gradient,
  called with scikit-learn's options; L2 or no penalty;
* ``"newton-cholesky"``: Newton's method, the Hessian A^T diag(p (1 - p)) A + I/C solved by
  Cholesky (:mod:`deepgrad.linear._newton`); L2 or no penalty, as scikit-learn's;
* ``"proximal-newton"`` (deepgrad's, for any penalty incl. L1 and the elastic net, which
  scikit-learn fits with "saga" or "liblinear"): proximal Newton with coordinate descent on the
  local quadratic model (glmnet's scheme). scikit-learn's "liblinear" (which also penalizes the
  intercept), "newton-cg", "sag" and "saga" are not implemented.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from scipy import optimize
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import validate_data

from ._logistic_loss import binary_objective, multinomial_objective, sigmoid, softmax
from ._newton import newton, prox_newton
from .base import (
    ConvergenceWarning,
    LinearClassifierMixin,
    class_sample_weights,
    encode_classes,
    sample_weights,
)

__all__ = ["LogisticRegression", "sigmoid", "log_loss", "fit_logistic"]

_SOLVERS = ("lbfgs", "newton-cholesky", "proximal-newton")
_SKLEARN_ONLY = ("liblinear", "newton-cg", "sag", "saga")
_HESSIAN_LIMIT = 5000
_EPS = np.finfo(float).eps


def log_loss(y01: np.ndarray, z: np.ndarray) -> float:
    """sum_i log(1 + e^{z_i}) - y_i z_i: the cross-entropy of labels y in {0, 1} and logits z."""
    return float(np.sum(np.logaddexp(0.0, z) - y01 * z))


def fit_logistic(
    X: np.ndarray,
    y_idx: np.ndarray,
    K: int,
    s: np.ndarray,
    *,
    C: float,
    l1_ratio: float,
    fit_intercept: bool,
    solver: str,
    max_iter: int,
    tol: float,
    multinomial: bool,
    theta0: np.ndarray | None = None,
    who: str = "LogisticRegression",
) -> tuple[np.ndarray, np.ndarray, int]:
    """Minimize the penalized cross-entropy; returns ``(coef, intercept, n_iter)``.

    ``multinomial=False`` with K = 2: one score (coef of shape (1, p)); otherwise K scores
    (coef (K, p)) with the intercepts centered (the softmax is shift invariant).
    """
    n, p = X.shape
    A = np.column_stack([np.ones(n), X]) if fit_intercept else X
    q = A.shape[1]
    k0 = 1 if fit_intercept else 0
    inv_c = 0.0 if np.isinf(C) else 1.0 / C
    l2, l1 = inv_c * (1.0 - l1_ratio), inv_c * l1_ratio
    rows = 1 if not multinomial else K
    ridge = np.full((rows, q), l2)
    ridge[:, :k0] = 0.0
    ridge = ridge.ravel()
    if multinomial:
        Y = np.zeros((n, K))
        Y[np.arange(n), y_idx] = 1.0
        if solver != "lbfgs" and K * q > _HESSIAN_LIMIT:
            raise ValueError(
                f"{who}: {K} classes x {q} inputs = {K * q} parameters is too many for the "
                f"full-Hessian solver {solver!r} (limit {_HESSIAN_LIMIT}); use solver='lbfgs'"
            )
        f, fg, fgh = multinomial_objective(A, Y, s, ridge)
    else:
        f, fg, fgh = binary_objective(A, y_idx.astype(np.float64), s, ridge)
    theta = np.zeros(rows * q) if theta0 is None else theta0.ravel().copy()

    if solver == "lbfgs":
        res = optimize.minimize(
            fg,
            theta,
            method="L-BFGS-B",
            jac=True,
            options={"maxiter": max_iter, "maxls": 50, "gtol": tol, "ftol": 64 * _EPS},
        )
        theta, it, ok = res.x, min(int(res.nit), max_iter), res.status == 0
        detail = f"lbfgs failed to converge after {it} iteration(s) (status={res.status}): "
        detail += str(res.message)
    elif solver == "newton-cholesky":
        theta, it, ok = newton(fgh, f, theta, max_iter, tol)
        detail = f"newton-cholesky did not converge in {max_iter} iterations"
    else:
        penalized = np.arange(rows * q) % q >= k0  # not the intercepts
        lam = l1 / float(s.sum())
        if lam > 0:
            theta, it, ok = prox_newton(fgh, f, theta, lam, penalized, max_iter, tol)
        else:
            theta, it, ok = newton(fgh, f, theta, max_iter, tol)
        detail = f"proximal-newton did not converge in {max_iter} iterations"
    if not ok:
        warnings.warn(
            f"{who}: {detail}. Increase the number of iterations (max_iter) or scale the data "
            "(separable classes without a penalty have no finite optimum)",
            ConvergenceWarning,
            stacklevel=3,
        )
    Theta = theta.reshape(rows, q)
    if multinomial:  # the shift-invariant directions: report the centered representative
        shift = np.arange(q) < k0 if inv_c > 0 else np.ones(q, dtype=bool)
        Theta = Theta - Theta.mean(axis=0, keepdims=True) * shift
    intercept = Theta[:, 0].copy() if fit_intercept else np.zeros(rows)
    return Theta[:, k0:].copy(), intercept, max(int(it), 1)


def _resolve_penalty(penalty: Any, l1_ratio: Any, C: float) -> tuple[float, float]:
    """scikit-learn 1.9's rules: the effective (C, l1_ratio) from penalty / l1_ratio / C."""
    if penalty == "deprecated":
        if l1_ratio is None:
            warnings.warn(
                "'l1_ratio=None' was deprecated in version 1.8 and will trigger an error in "
                "1.10. Use 0<=l1_ratio<=1 instead.",
                FutureWarning,
                stacklevel=3,
            )
            l1_ratio = 0.0
        return C, float(l1_ratio)
    warnings.warn(
        "'penalty' was deprecated in version 1.8 and will be removed in 1.10. To avoid this "
        "warning, leave 'penalty' set to its default value and use 'l1_ratio' or 'C' instead. "
        "Use l1_ratio=0 instead of penalty='l2', l1_ratio=1 instead of penalty='l1', l1_ratio "
        "set to a float between 0 and 1 instead of penalty='elasticnet', and C=np.inf instead "
        "of penalty=None.",
        FutureWarning,
        stacklevel=3,
    )
    if penalty is None:
        return np.inf, 0.0
    if penalty == "l2":
        return C, 0.0
    if penalty == "l1":
        return C, 1.0
    if penalty == "elasticnet":
        if l1_ratio is None:
            raise ValueError("l1_ratio must be specified when penalty is elasticnet.")
        return C, float(l1_ratio)
    raise ValueError(
        f"LogisticRegression: penalty must be 'l1', 'l2', 'elasticnet' or None, got {penalty!r}"
    )


class LogisticRegression(LinearClassifierMixin, ClassifierMixin, BaseEstimator):
    """Logistic regression, binary or multinomial: scikit-learn's ``LogisticRegression``
    (objective, solvers and parameter maps in the module docstring).

    ``dual`` must be False (only liblinear has a dual); ``intercept_scaling``, ``random_state``
    (liblinear / sag only in scikit-learn), ``verbose`` and ``n_jobs`` have no effect.

    Attributes (scikit-learn's shapes): ``classes_`` (K,), ``coef_`` (1, p) for two classes or
    (K, p), ``intercept_`` (1,) or (K,), ``n_iter_`` (1,).
    """

    def __init__(
        self,
        penalty: Any = "deprecated",
        *,
        C: float = 1.0,
        l1_ratio: float = 0.0,
        dual: bool = False,
        tol: float = 1e-4,
        fit_intercept: bool = True,
        intercept_scaling: float = 1,
        class_weight: Any = None,
        random_state: Any = None,
        solver: str = "lbfgs",
        max_iter: int = 100,
        verbose: int = 0,
        warm_start: bool = False,
        n_jobs: int | None = None,
    ) -> None:
        self.penalty = penalty
        self.C = C
        self.l1_ratio = l1_ratio
        self.dual = dual
        self.tol = tol
        self.fit_intercept = fit_intercept
        self.intercept_scaling = intercept_scaling
        self.class_weight = class_weight
        self.random_state = random_state
        self.solver = solver
        self.max_iter = max_iter
        self.verbose = verbose
        self.warm_start = warm_start
        self.n_jobs = n_jobs

    def _check_solver(self, l1_ratio: float, C: float) -> None:
        who = "LogisticRegression"
        if self.solver in _SKLEARN_ONLY:
            raise ValueError(
                f"{who}: solver={self.solver!r} is scikit-learn's, not implemented in deepgrad; "
                f"use one of {_SOLVERS} ('proximal-newton' for L1 and elastic-net penalties)"
            )
        if self.solver not in _SOLVERS:
            raise ValueError(f"{who}: solver must be one of {_SOLVERS}, got {self.solver!r}")
        if self.dual:
            raise ValueError(f"Solver {self.solver} supports only dual=False, got dual=True")
        if not C > 0:
            raise ValueError(f"{who}: C must be > 0, got {C!r}")
        if not 0.0 <= l1_ratio <= 1.0:
            raise ValueError(f"{who}: l1_ratio must be in [0, 1], got {l1_ratio!r}")
        if l1_ratio > 0 and np.isfinite(C) and self.solver != "proximal-newton":
            raise ValueError(
                f"Solver {self.solver} supports only 'l2' or None penalties, got "
                f"l1_ratio={l1_ratio}; use solver='proximal-newton' (deepgrad's) for L1 and "
                "elastic-net penalties"
            )

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> LogisticRegression:
        """Minimize the penalized cross-entropy; returns self."""
        C, l1_ratio = _resolve_penalty(self.penalty, self.l1_ratio, self.C)
        self._check_solver(l1_ratio, C)
        X, y = validate_data(self, X, y, dtype=np.float64)
        y_idx = encode_classes(self, y, "LogisticRegression")
        K = self.classes_.size
        s = sample_weights(sample_weight, X.shape[0], "LogisticRegression")
        s = class_sample_weights(self.class_weight, self.classes_, y_idx, s)
        theta0 = None
        rows = 1 if K == 2 else K
        if self.warm_start and getattr(self, "coef_", None) is not None:
            if self.coef_.shape == (rows, X.shape[1]):
                parts = (
                    [self.intercept_[:, None], self.coef_] if self.fit_intercept else [self.coef_]
                )
                theta0 = np.hstack(parts)
        self.coef_, self.intercept_, it = fit_logistic(
            X,
            y_idx,
            K,
            s,
            C=C,
            l1_ratio=l1_ratio,
            fit_intercept=self.fit_intercept,
            solver=self.solver,
            max_iter=self.max_iter,
            tol=self.tol,
            multinomial=K > 2,
            theta0=theta0,
        )
        self.n_iter_ = np.array([it], dtype=np.int32)
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """(n, K) class probabilities: [1 - sigma(s), sigma(s)] for two classes, else softmax."""
        z = self.decision_function(X)
        if z.ndim == 1:
            return np.column_stack([sigmoid(-z), sigmoid(z)])
        return softmax(z)

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """log of :meth:`predict_proba`, computed stably."""
        z = self.decision_function(X)
        if z.ndim == 1:
            return np.column_stack([-np.logaddexp(0.0, z), -np.logaddexp(0.0, -z)])
        m = z.max(axis=1, keepdims=True)
        return z - m - np.log(np.sum(np.exp(z - m), axis=1, keepdims=True))
