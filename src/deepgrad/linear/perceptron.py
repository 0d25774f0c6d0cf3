"""Rosenblatt's perceptron: the linear classifier a(x) = sign(w^T x + b) trained on its mistakes.

With labels y in {-1, +1}, each epoch visits the samples (shuffled) and, whenever the margin
y_i (w^T x_i + b) <= 0 (a mistake), updates

    w <- w + eta y_i x_i,   b <- b + eta y_i,

which is stochastic (sub)gradient descent on the perceptron loss max(0, -y (w^T x + b)). On
linearly separable data it makes finitely many mistakes (Novikoff's theorem).

This is scikit-learn's ``Perceptron`` (SGD with the perceptron loss and a constant learning rate
``eta0``), with its parameters, defaults and epoch logic: the update is scaled by the sample's
weight and its class's weight; an optional penalty shrinks w at every step (L2: w <- (1 - eta
alpha (1 - l1_ratio)) w before the update; L1: the cumulative truncated gradient of Tsuruoka et
al. after it); training stops when the epoch's mean loss (plus penalty) has not improved by
``tol`` on the best one for ``n_iter_no_change`` epochs in a row (or after ``max_iter``
epochs). K > 2 classes: one binary perceptron per class against the rest (the notes'
one-vs-rest scheme), predicting the class with the largest score.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import check_random_state
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.validation import validate_data

from .base import ConvergenceWarning, LinearClassifierMixin, encode_classes, sample_weights

__all__ = ["Perceptron"]

_PENALTIES = (None, "l2", "l1", "elasticnet")


def perceptron_epochs(
    X: np.ndarray,
    ys: np.ndarray,
    weight: np.ndarray,
    w: np.ndarray,
    b: float,
    *,
    eta: float,
    penalty: str | None,
    alpha: float,
    l1_ratio: float,
    fit_intercept: bool,
    max_iter: int,
    tol: float,
    n_iter_no_change: int,
    order_of: Any,
) -> tuple[np.ndarray, float, int, list[int]]:
    """Binary perceptron epochs on labels ys in {-1, +1}; returns (w, b, epochs, mistakes)."""
    n = X.shape[0]
    l1_ratio = {None: 0.0, "l2": 0.0, "l1": 1.0}.get(penalty, l1_ratio)
    shrink = penalty in ("l2", "elasticnet")
    truncate = penalty in ("l1", "elasticnet")
    u, q = 0.0, np.zeros_like(w)  # the cumulative L1 penalty (Tsuruoka et al., 2009)
    best, no_improvement = np.inf, 0
    mistakes: list[int] = []
    # the penalty in the stopping objective uses the norms as scikit-learn's weight vector keeps
    # them: recomputed at each update, scaled with the L2 shrinkage, not refreshed by the L1
    # truncation; so the epochs stop exactly where scikit-learn's stop
    sq_norm, l1_norm = float(w @ w), float(np.abs(w).sum())
    epoch = 0
    for epoch in range(1, max_iter + 1):
        objective, count = 0.0, 0
        for i in order_of():
            z = ys[i] * (X[i] @ w + b)  # the margin
            if z <= 0.0:
                objective -= z  # the perceptron loss max(0, -z)
            if penalty is not None:
                objective += alpha * ((1 - l1_ratio) * 0.5 * sq_norm + l1_ratio * l1_norm)
            if shrink:
                c = max(0.0, 1.0 - (1.0 - l1_ratio) * eta * alpha)
                w *= c
                sq_norm, l1_norm = sq_norm * c * c, l1_norm * c
            if z <= 0.0:
                update = eta * ys[i] * weight[i]
                if update != 0.0:
                    w += update * X[i]
                    sq_norm, l1_norm = float(w @ w), float(np.abs(w).sum())
                    if fit_intercept:
                        b += update
                count += 1
            if truncate:
                u += l1_ratio * eta * alpha
                old = w.copy()
                pos, neg = w > 0, w < 0
                w[pos] = np.maximum(0.0, w[pos] - (u + q[pos]))
                w[neg] = np.minimum(0.0, w[neg] + (u - q[neg]))
                q += w - old
        mistakes.append(count)
        if not (np.isfinite(b) and np.all(np.isfinite(w))):
            raise ValueError(
                f"Perceptron: floating-point under-/overflow occurred at epoch #{epoch}. "
                "Scaling input data with StandardScaler or MinMaxScaler might help."
            )
        objective /= n
        no_improvement = no_improvement + 1 if objective > best - tol else 0
        best = min(best, objective)
        if no_improvement >= n_iter_no_change:
            break
    return w, b, epoch, mistakes


class Perceptron(LinearClassifierMixin, ClassifierMixin, BaseEstimator):
    """The perceptron: scikit-learn's ``Perceptron`` (module docstring).

    ``verbose`` and ``n_jobs`` have no effect; ``early_stopping=True`` (scikit-learn holds out a
    validation set) is not implemented. With ``shuffle=True`` the visiting order comes from
    NumPy's generator seeded by ``random_state``, not from scikit-learn's, so the coefficients
    differ from scikit-learn's (both are valid perceptron runs); with ``shuffle=False`` they are
    the same.

    Attributes: ``classes_``, ``coef_`` (1, p) or (K, p), ``intercept_`` (1,) or (K,),
    ``n_iter_`` (epochs; the largest over the K binary problems), ``t_`` (updates considered + 1),
    and deepgrad's ``mistakes_`` (for two classes the updates made in each epoch; for K classes
    one such list per class) and ``converged_`` (every binary problem had an epoch without
    mistakes).
    """

    def __init__(
        self,
        *,
        penalty: str | None = None,
        alpha: float = 0.0001,
        l1_ratio: float = 0.15,
        fit_intercept: bool = True,
        max_iter: int = 1000,
        tol: float | None = 1e-3,
        shuffle: bool = True,
        verbose: int = 0,
        eta0: float = 1.0,
        n_jobs: int | None = None,
        random_state: Any = 0,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 5,
        class_weight: Any = None,
        warm_start: bool = False,
    ) -> None:
        self.penalty = penalty
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.shuffle = shuffle
        self.verbose = verbose
        self.eta0 = eta0
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.class_weight = class_weight
        self.warm_start = warm_start

    def _expected_failed_checks(self) -> dict[str, str]:
        return {
            "check_sample_weight_equivalence_on_dense_data": (
                "stochastic gradient steps: a sample of weight k makes one step k times as "
                "long, k repeated samples make k steps, so sample_weight is not equivalent to "
                "repeating samples (as in scikit-learn's SGD-based Perceptron)"
            )
        }

    def _check_params(self) -> None:
        who = "Perceptron"
        if self.penalty not in _PENALTIES:
            raise ValueError(f"{who}: penalty must be one of {_PENALTIES}, got {self.penalty!r}")
        if not self.eta0 > 0:
            raise ValueError(f"{who}: eta0 must be > 0, got {self.eta0!r}")
        if not self.alpha >= 0:
            raise ValueError(f"{who}: alpha must be >= 0, got {self.alpha!r}")
        if self.penalty == "elasticnet" and not 0 <= (self.l1_ratio or 0) <= 1:
            raise ValueError(f"{who}: l1_ratio must be in [0, 1], got {self.l1_ratio!r}")
        if not (isinstance(self.max_iter, int | np.integer) and self.max_iter >= 1):
            raise ValueError(f"{who}: max_iter must be an int >= 1, got {self.max_iter!r}")
        if self.early_stopping:
            raise ValueError(
                f"{who}: early_stopping=True (a held-out validation score) is not implemented "
                "in deepgrad; use sklearn.linear_model.Perceptron for it"
            )

    def fit(
        self,
        X: Any,
        y: Any,
        coef_init: Any = None,
        intercept_init: Any = None,
        sample_weight: Any = None,
    ) -> Perceptron:
        """Run perceptron epochs (module docstring); returns self."""
        self._check_params()
        X, y = validate_data(self, X, y, dtype=np.float64)
        n, p = X.shape
        y_idx = encode_classes(self, y, "Perceptron")
        K = self.classes_.size
        rows = 1 if K == 2 else K
        sw = sample_weights(sample_weight, n, "Perceptron")
        cw = compute_class_weight(self.class_weight, classes=self.classes_, y=y)
        W, B = np.zeros((rows, p)), np.zeros(rows)
        if coef_init is not None:
            W[:] = np.asarray(coef_init, dtype=np.float64).reshape(rows, p)
        elif self.warm_start and getattr(self, "coef_", None) is not None:
            if self.coef_.shape == (rows, p):
                W[:], B[:] = self.coef_, self.intercept_
        if intercept_init is not None:
            B[:] = np.asarray(intercept_init, dtype=np.float64).reshape(rows)
        rng = check_random_state(self.random_state)
        seeds = rng.randint(np.iinfo(np.int32).max, size=rows)
        tol = self.tol if self.tol is not None else -np.inf
        self.mistakes_, n_iters = [], []
        for k in range(rows):
            if K == 2:  # positive class: classes_[1]
                ys = np.where(y_idx == 1, 1.0, -1.0)
                weight = sw * np.where(y_idx == 1, cw[1], cw[0])
            else:  # class k against the rest
                ys = np.where(y_idx == k, 1.0, -1.0)
                weight = sw * np.where(y_idx == k, cw[k], 1.0)
            order_rng = np.random.default_rng(seeds[k])

            def order_of(order_rng=order_rng) -> np.ndarray:
                return order_rng.permutation(n) if self.shuffle else np.arange(n)

            W[k], B[k], it, mistakes = perceptron_epochs(
                X,
                ys,
                weight,
                W[k].copy(),
                float(B[k]),
                eta=float(self.eta0),
                penalty=self.penalty,
                alpha=float(self.alpha),
                l1_ratio=float(self.l1_ratio if self.l1_ratio is not None else 0.0),
                fit_intercept=self.fit_intercept,
                max_iter=self.max_iter,
                tol=tol,
                n_iter_no_change=self.n_iter_no_change,
                order_of=order_of,
            )
            n_iters.append(it)
            self.mistakes_.append(mistakes)
        self.converged_ = all(0 in m for m in self.mistakes_)
        if K == 2:
            self.mistakes_ = self.mistakes_[0]
        self.n_iter_ = max(n_iters)
        self.t_ = float(self.n_iter_ * n + 1)
        self.coef_, self.intercept_ = W, B
        if tol > -np.inf and self.n_iter_ == self.max_iter:
            warnings.warn(
                "Maximum number of iteration reached before convergence. Consider increasing "
                "max_iter to improve the fit.",
                ConvergenceWarning,
                stacklevel=2,
            )
        return self
