"""Rosenblatt's perceptron: the linear classifier a(x) = sign(w^T x + b) trained on its mistakes.

With labels y in {-1, +1}, each epoch visits the samples (shuffled) and, whenever the margin
y_i (w^T x_i + b) <= 0 (a mistake), updates

    w <- w + eta y_i x_i,   b <- b + eta y_i,

which is stochastic (sub)gradient descent on the perceptron loss max(0, -y (w^T x + b)). On
linearly separable data it stops after finitely many mistakes (Novikoff's theorem); training
ends after an epoch without mistakes or after ``max_iter`` epochs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import (
    BaseEstimator,
    ClassifierMixin,
    check_array,
    check_is_fitted,
    check_n_features,
    check_X_y,
)

__all__ = ["Perceptron"]


class Perceptron(ClassifierMixin, BaseEstimator):
    """Binary perceptron (use ``OneVsRestClassifier(Perceptron())`` for K > 2 classes).

    Attributes: ``classes_`` (2,), ``coef_`` (1, n_features), ``intercept_`` (1,), ``n_iter_``
    (epochs run), ``mistakes_`` (updates made per epoch), ``converged_`` (an epoch without
    mistakes happened).
    """

    def __init__(
        self,
        eta0: float = 1.0,
        max_iter: int = 1000,
        fit_intercept: bool = True,
        shuffle: bool = True,
        random_state: int | None = 0,
    ) -> None:
        self.eta0 = eta0
        self.max_iter = max_iter
        self.fit_intercept = fit_intercept
        self.shuffle = shuffle
        self.random_state = random_state

    def fit(self, X: Any, y: Any) -> Perceptron:
        """Run perceptron epochs until no mistakes (or max_iter); returns self."""
        who = "Perceptron.fit"
        X, y = check_X_y(X, y, who, y_numeric=False)
        y_idx = self._encode_labels(y, who)
        if self.classes_.size > 2:
            raise ValueError(
                f"{who}: binary only, got {self.classes_.size} classes; use "
                "OneVsRestClassifier(Perceptron())"
            )
        if not self.eta0 > 0:
            raise ValueError(f"{who}: eta0 must be > 0, got {self.eta0!r}")
        ys = 2.0 * y_idx - 1.0  # {-1, +1}
        n, p = X.shape
        self.n_features_in_ = p
        rng = np.random.default_rng(self.random_state)
        w, b = np.zeros(p), 0.0
        self.mistakes_ = []
        self.converged_ = False
        epoch = 0
        while epoch < self.max_iter:
            epoch += 1
            order = rng.permutation(n) if self.shuffle else np.arange(n)
            mistakes = 0
            for i in order:
                if ys[i] * (X[i] @ w + b) <= 0.0:
                    w += self.eta0 * ys[i] * X[i]
                    if self.fit_intercept:
                        b += self.eta0 * ys[i]
                    mistakes += 1
            self.mistakes_.append(mistakes)
            if mistakes == 0:
                self.converged_ = True
                break
        self.n_iter_ = epoch
        self.coef_ = w[None, :]
        self.intercept_ = np.array([b])
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        """The score w^T x + b."""
        check_is_fitted(self)
        X = check_array(X, "Perceptron.decision_function")
        check_n_features(self, X)
        return X @ self.coef_[0] + self.intercept_[0]

    def predict(self, X: Any) -> np.ndarray:
        """sign of the score: classes_[1] if > 0 else classes_[0]."""
        return self.classes_[(self.decision_function(X) > 0).astype(int)]
