"""One-vs-rest: "a separate classifier for each class, and the sample gets the class whose
classifier gives the largest score" (the notes' multi-class scheme).

For K classes, K binary copies of the base estimator are fitted, copy k on the labels
[y = class_k] (1 for the class, 0 for the rest); ``predict`` is argmax_k score_k(x), with score_k
the copy's ``decision_function`` (or its probability of the class when it has none).
``predict_proba`` normalizes the K one-vs-rest probabilities to sum to one.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import BaseEstimator, ClassifierMixin, check_array, check_is_fitted, check_X_y, clone

__all__ = ["OneVsRestClassifier"]


class OneVsRestClassifier(ClassifierMixin, BaseEstimator):
    """K binary classifiers, one per class (any binary estimator of this package)."""

    def __init__(self, estimator: BaseEstimator) -> None:
        self.estimator = estimator

    def fit(self, X: Any, y: Any) -> OneVsRestClassifier:
        """Fit one clone of ``estimator`` per class; returns self."""
        who = "OneVsRestClassifier.fit"
        if not isinstance(self.estimator, BaseEstimator):
            raise TypeError(
                f"{who}: estimator must be a deepgrad.linear estimator, "
                f"got {type(self.estimator).__name__}"
            )
        X, y = check_X_y(X, y, who, y_numeric=False)
        y_idx = self._encode_labels(y, who)
        self.n_features_in_ = X.shape[1]
        self.estimators_ = [
            clone(self.estimator).fit(X, (y_idx == k).astype(int))
            for k in range(self.classes_.size)
        ]
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        """(n, K): score of each one-vs-rest classifier for its own class."""
        check_is_fitted(self, "estimators_")
        X = check_array(X, "OneVsRestClassifier.decision_function")
        cols = []
        for est in self.estimators_:
            if hasattr(est, "decision_function"):
                cols.append(est.decision_function(X))
            else:
                cols.append(est.predict_proba(X)[:, 1])
        return np.column_stack(cols)

    def predict_proba(self, X: Any) -> np.ndarray:
        """(n, K): P_k(class k | x) of each binary model, normalized over k."""
        check_is_fitted(self, "estimators_")
        X = check_array(X, "OneVsRestClassifier.predict_proba")
        if not all(hasattr(e, "predict_proba") for e in self.estimators_):
            raise AttributeError(
                f"OneVsRestClassifier.predict_proba: {type(self.estimator).__name__} has no "
                "predict_proba"
            )
        P = np.column_stack([e.predict_proba(X)[:, 1] for e in self.estimators_])
        return P / np.maximum(P.sum(axis=1, keepdims=True), 1e-300)

    def predict(self, X: Any) -> np.ndarray:
        """The class whose classifier gives the largest score."""
        return self.classes_[np.argmax(self.decision_function(X), axis=1)]
