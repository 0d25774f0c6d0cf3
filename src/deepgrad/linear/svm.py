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
below ``tol`` (liblinear's criterion; liblinear also shrinks the active set, which changes
the path, not the optimum). The samples with a_i > 0 are the support vectors.

This is scikit-learn's ``LinearSVC`` (its parameters and defaults: ``loss="squared_hinge"``,
``tol=1e-4``, ``max_iter=1000``): per-sample costs C_i = C * class_weight[y_i] * sample_weight_i
replace C, and K > 2 classes are fitted one-vs-rest (K binary problems, class k against the
rest, as liblinear does).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import validate_data

from ._newton import newton
from .base import (
    ConvergenceWarning,
    LinearClassifierMixin,
    class_sample_weights,
    encode_classes,
    sample_weights,
)

__all__ = ["LinearSVC", "hinge_loss"]


def hinge_loss(margin: np.ndarray) -> np.ndarray:
    """max(0, 1 - m) for margins m = y (w^T x + b)."""
    return np.maximum(0.0, 1.0 - np.asarray(margin))


def dual_cd(
    A: np.ndarray,
    ys: np.ndarray,
    cost: np.ndarray,
    squared: bool,
    max_iter: int,
    tol: float,
    rng: np.random.RandomState,
) -> tuple[np.ndarray, np.ndarray, int, bool]:
    """Dual coordinate descent for one binary problem; returns (w, alpha, epochs, converged).

    ``cost`` holds C_i per sample: the box 0 <= a_i <= C_i (hinge) or the diagonal
    D_ii = 1 / (2 C_i) with a_i >= 0 (squared hinge).
    """
    n = A.shape[0]
    with np.errstate(divide="ignore"):
        upper = np.full(n, np.inf) if squared else cost.astype(np.float64)
        diag = 0.5 / cost if squared else np.zeros(n)
    Qii = np.einsum("ij,ij->i", A, A) + diag
    alpha = np.zeros(n)
    w = np.zeros(A.shape[1])
    active = np.flatnonzero(cost > 0)  # samples of weight 0 take no part
    epoch = 0
    while epoch < max_iter:
        epoch += 1
        pg_max, pg_min = -np.inf, np.inf
        for i in active[rng.permutation(active.size)]:
            G = ys[i] * (A[i] @ w) - 1.0 + diag[i] * alpha[i]
            if alpha[i] == 0.0:
                pg = min(G, 0.0)
            elif alpha[i] == upper[i]:
                pg = max(G, 0.0)
            else:
                pg = G
            pg_max, pg_min = max(pg_max, pg), min(pg_min, pg)
            if pg != 0.0 and Qii[i] > 0:
                old = alpha[i]
                alpha[i] = min(max(old - G / Qii[i], 0.0), upper[i])
                w += (alpha[i] - old) * ys[i] * A[i]
        if pg_max - pg_min <= tol:
            return w, alpha, epoch, True
    return w, alpha, epoch, False


def primal_newton(
    A: np.ndarray, ys: np.ndarray, cost: np.ndarray, max_iter: int, tol: float
) -> tuple[np.ndarray, np.ndarray, int, bool]:
    """The squared-hinge primal by Newton's method; returns (w, alpha, iterations, converged).

        f(w) = (1/2) ||w||^2 + sum_i C_i max(0, 1 - m_i)^2,   m_i = y_i a_i^T w,
        grad f = w - 2 sum_{i in I} C_i (1 - m_i) y_i a_i,   I = {i : m_i < 1},
        H = I + 2 sum_{i in I} C_i a_i a_i^T   (the generalized Hessian: f is piecewise quadratic)

    (Keerthi & DeCoste, 2005; liblinear's primal solver is a trust-region Newton method on the
    same f). Stops when ||grad f||_inf <= tol ||grad f(0)||_inf. alpha_i = 2 C_i max(0, 1 - m_i)
    are the dual coefficients (w = sum_i alpha_i y_i a_i).
    """

    def parts(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        slack = np.maximum(0.0, 1.0 - ys * (A @ w))
        return slack, cost * slack

    def f_only(w: np.ndarray) -> float:
        slack, cs = parts(w)
        return 0.5 * float(w @ w) + float(cs @ slack)

    def fgh(w: np.ndarray):
        slack, cs = parts(w)
        g = w - 2.0 * A.T @ (cs * ys)
        act = slack > 0
        Aa = A[act]
        H = np.eye(w.size) + 2.0 * (Aa * cost[act][:, None]).T @ Aa
        return 0.5 * float(w @ w) + float(cs @ slack), g, H

    w0 = np.zeros(A.shape[1])
    g0 = float(np.max(np.abs(fgh(w0)[1]))) if w0.size else 0.0
    w, it, ok = newton(fgh, f_only, w0, max_iter, tol * max(g0, 1e-300))
    return w, 2.0 * parts(w)[1], max(it, 1), ok


class LinearSVC(LinearClassifierMixin, ClassifierMixin, BaseEstimator):
    """Linear SVM by dual coordinate descent: scikit-learn's ``LinearSVC`` (module docstring).

    Only the L2 penalty (``penalty="l2"``) and ``multi_class="ovr"`` are implemented. ``dual``
    follows scikit-learn: True solves the dual by coordinate descent, False the squared-hinge
    primal by Newton's method (:func:`primal_newton`; liblinear uses a trust-region Newton
    method), "auto" picks the dual when p > n or for the hinge loss. ``verbose`` has no effect.

    Attributes: ``classes_``, ``coef_`` (1, p) or (K, p), ``intercept_`` (1,) or (K,),
    ``n_iter_`` (the largest number of epochs or Newton steps over the binary problems), and
    deepgrad's
    ``dual_coef_`` (a_i y_i per sample; (K, n) for K classes) and ``support_`` (indices with
    a_i > 0, two classes only).
    """

    def __init__(
        self,
        penalty: str = "l2",
        loss: str = "squared_hinge",
        *,
        dual: bool | str = "auto",
        tol: float = 1e-4,
        C: float = 1.0,
        multi_class: str = "ovr",
        fit_intercept: bool = True,
        intercept_scaling: float = 1,
        class_weight: Any = None,
        verbose: int = 0,
        random_state: Any = None,
        max_iter: int = 1000,
    ) -> None:
        self.penalty = penalty
        self.loss = loss
        self.dual = dual
        self.tol = tol
        self.C = C
        self.multi_class = multi_class
        self.fit_intercept = fit_intercept
        self.intercept_scaling = intercept_scaling
        self.class_weight = class_weight
        self.verbose = verbose
        self.random_state = random_state
        self.max_iter = max_iter

    def _expected_failed_checks(self) -> dict[str, str]:
        if self.tol <= 1e-10:
            return {}
        return {
            "check_sample_weight_equivalence_on_dense_data": (
                f"weighted and repeated samples have the same optimum, but tol={self.tol} "
                "stops both fits only that close to it, not to the check's rtol=1e-7 (with "
                "tol=1e-12 the check passes)"
            )
        }

    def _check_params(self) -> None:
        who = "LinearSVC"
        if self.loss not in ("hinge", "squared_hinge"):
            raise ValueError(f"{who}: loss must be 'hinge' or 'squared_hinge', got {self.loss!r}")
        if self.penalty != "l2":
            raise ValueError(
                f"{who}: only penalty='l2' is implemented in deepgrad, got {self.penalty!r} "
                "(use sklearn.svm.LinearSVC for the L1 penalty)"
            )
        if self.multi_class != "ovr":
            raise ValueError(
                f"{who}: only multi_class='ovr' is implemented in deepgrad, got "
                f"{self.multi_class!r}"
            )
        if self.dual not in ("auto", True, False):
            raise ValueError(f"{who}: dual must be 'auto', True or False, got {self.dual!r}")
        if self.loss == "hinge" and self.dual is False:
            raise ValueError(
                "Unsupported set of arguments: The combination of penalty='l2' and loss='hinge' "
                "are not supported when dual=False"
            )
        if not self.C > 0:
            raise ValueError(f"{who}: C must be > 0, got {self.C!r}")

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> LinearSVC:
        """Solve the dual by coordinate descent (one binary problem per class); returns self."""
        self._check_params()
        X, y = validate_data(self, X, y, dtype=np.float64)
        y_idx = encode_classes(self, y, "LinearSVC")
        K = self.classes_.size
        sw = sample_weights(sample_weight, X.shape[0], "LinearSVC")
        cost = self.C * class_sample_weights(self.class_weight, self.classes_, y_idx, sw)
        n = X.shape[0]
        A = np.column_stack([X, np.full(n, self.intercept_scaling)]) if self.fit_intercept else X
        rng = check_random_state(self.random_state)
        dual = self.dual
        if dual == "auto":  # scikit-learn's rule: the dual when p > n or for the hinge
            dual = X.shape[0] < X.shape[1] or self.loss == "hinge"
        positives = [1] if K == 2 else list(range(K))
        W, B, duals, n_iter, ok = [], [], [], 0, True
        for k in positives:
            ys = np.where(y_idx == k, 1.0, -1.0)
            if dual:
                w, a, it, conv = dual_cd(
                    A, ys, cost, self.loss == "squared_hinge", self.max_iter, self.tol, rng
                )
            else:
                w, a, it, conv = primal_newton(A, ys, cost, self.max_iter, self.tol)
            n_iter, ok = max(n_iter, it), ok and conv
            duals.append(a * ys)
            if self.fit_intercept:
                W.append(w[:-1])
                B.append(w[-1] * self.intercept_scaling)
            else:
                W.append(w)
                B.append(0.0)
        if not ok:
            warnings.warn(
                "Liblinear failed to converge, increase the number of iterations. (deepgrad's "
                f"{'dual coordinate descent' if dual else 'primal Newton method'} did not reach "
                f"tol={self.tol} in {self.max_iter} iterations)",
                ConvergenceWarning,
                stacklevel=2,
            )
        self.n_iter_ = n_iter
        self.coef_, self.intercept_ = np.array(W), np.array(B)
        self.dual_coef_ = duals[0] if K == 2 else np.array(duals)
        if K == 2:
            self.support_ = np.flatnonzero(duals[0] != 0)
        return self
