"""Estimator base classes and input validation for ``deepgrad.linear``.

The scikit-learn estimator contract, which every model in this package follows:

* the constructor only stores its arguments, under the same names, and validates nothing;
* ``fit(X, y)`` validates, learns attributes whose names end in ``_`` (``coef_``,
  ``intercept_``...) and returns ``self``;
* ``get_params()`` / ``set_params(**p)`` read and write the constructor arguments, so that
  :func:`clone` (and model selection) can build a fresh, unfitted copy;
* NumPy arrays in, NumPy arrays out.
"""

from __future__ import annotations

import copy
import inspect
from typing import Any

import numpy as np

__all__ = [
    "BaseEstimator",
    "RegressorMixin",
    "ClassifierMixin",
    "TransformerMixin",
    "NotFittedError",
    "clone",
    "check_array",
    "check_X_y",
    "check_is_fitted",
    "r2_score",
    "accuracy_score",
]


class NotFittedError(ValueError, AttributeError):
    """Raised when an estimator is used before ``fit``."""


class BaseEstimator:
    """Parameters are the constructor's keyword arguments; nothing else is a parameter."""

    @classmethod
    def _param_names(cls) -> list[str]:
        init = cls.__init__
        if init is object.__init__:
            return []
        sig = inspect.signature(init)
        names = []
        for p in sig.parameters.values():
            if p.name == "self":
                continue
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                raise TypeError(f"{cls.__name__}: estimators must not take *args or **kwargs")
            names.append(p.name)
        return sorted(names)

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor arguments; with ``deep``, nested estimators' as ``name__param``."""
        out: dict[str, Any] = {}
        for name in self._param_names():
            value = getattr(self, name)
            if deep and isinstance(value, BaseEstimator):
                for k, v in value.get_params(deep=True).items():
                    out[f"{name}__{k}"] = v
            out[name] = value
        return out

    def set_params(self, **params: Any) -> BaseEstimator:
        """Set constructor arguments (``name__param`` reaches a nested estimator); returns self."""
        valid = self._param_names()
        nested: dict[str, dict[str, Any]] = {}
        for key, value in params.items():
            name, _, sub = key.partition("__")
            if name not in valid:
                raise ValueError(
                    f"{type(self).__name__}.set_params: invalid parameter {name!r}; "
                    f"valid parameters are {valid}"
                )
            if sub:
                nested.setdefault(name, {})[sub] = value
            else:
                setattr(self, name, value)
        for name, sub_params in nested.items():
            getattr(self, name).set_params(**sub_params)
        return self

    def __repr__(self) -> str:
        defaults = {
            p.name: p.default
            for p in inspect.signature(type(self).__init__).parameters.values()
            if p.default is not p.empty
        }
        shown = []
        for k, v in self.get_params(deep=False).items():
            d = defaults.get(k, inspect.Parameter.empty)
            try:
                same = d is not inspect.Parameter.empty and bool(d == v)
            except (ValueError, TypeError):
                same = False
            if not same:
                shown.append(f"{k}={v!r}")
        return f"{type(self).__name__}({', '.join(shown)})"


def clone(estimator: BaseEstimator) -> BaseEstimator:
    """A new unfitted estimator with the same parameters (nested estimators cloned too)."""
    if not isinstance(estimator, BaseEstimator):
        raise TypeError(f"clone: expected a deepgrad.linear estimator, got {type(estimator)}")
    params = estimator.get_params(deep=False)
    return type(estimator)(**{k: _clone_param(v) for k, v in params.items()})


def _clone_param(v: Any) -> Any:
    if isinstance(v, BaseEstimator):
        return clone(v)
    if isinstance(v, list) and all(
        isinstance(t, tuple) and len(t) == 2 and isinstance(t[1], BaseEstimator) for t in v
    ):  # a Pipeline's steps
        return [(name, clone(est)) for name, est in v]
    return copy.deepcopy(v)


# ---------------------------------------------------------------------- validation
def check_array(X: Any, who: str, name: str = "X", ensure_2d: bool = True) -> np.ndarray:
    """``X`` as a finite float64 array; a clear error naming ``who`` otherwise."""
    if hasattr(X, "numpy") and not isinstance(X, np.ndarray):  # a deepgrad / torch tensor
        X = X.numpy()
    try:
        arr = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{who}: {name} must be numeric, got {type(X).__name__} ({e})") from None
    if ensure_2d:
        if arr.ndim == 1:
            raise ValueError(
                f"{who}: expected {name} as a 2-D array (n_samples, n_features), got a 1-D array "
                f"of shape {arr.shape}; use {name}.reshape(-1, 1) for a single feature or "
                f"{name}.reshape(1, -1) for a single sample"
            )
        if arr.ndim != 2:
            raise ValueError(
                f"{who}: expected {name} as a 2-D array (n_samples, n_features), "
                f"got shape {arr.shape}"
            )
        if arr.shape[0] == 0:
            raise ValueError(f"{who}: {name} has 0 samples (shape {arr.shape})")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{who}: {name} contains NaN or infinity")
    return arr


def check_X_y(X: Any, y: Any, who: str, y_numeric: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Validated ``(X, y)``: X 2-D float64, y 1-D with one entry per row of X."""
    X = check_array(X, who, "X")
    y = np.asarray(y.numpy() if hasattr(y, "numpy") and not isinstance(y, np.ndarray) else y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"{who}: expected y as a 1-D array (n_samples,), got shape {y.shape}")
    if y.shape[0] != X.shape[0]:
        raise ValueError(
            f"{who}: X and y have different numbers of samples: X has {X.shape[0]}, "
            f"y has {y.shape[0]}"
        )
    if y_numeric:
        y = check_array(y, who, "y", ensure_2d=False)
    return X, y


def check_n_features(est: Any, X: np.ndarray) -> None:
    """Raise if ``X`` has a different number of columns than the data ``est`` was fitted on."""
    if X.shape[1] != est.n_features_in_:
        raise ValueError(
            f"{type(est).__name__}: X has {X.shape[1]} features, but the estimator was fitted "
            f"with {est.n_features_in_} features"
        )


def check_is_fitted(est: Any, attr: str = "coef_") -> None:
    """Raise :class:`NotFittedError` unless ``est`` has the fitted attribute ``attr``."""
    if not hasattr(est, attr):
        raise NotFittedError(
            f"This {type(est).__name__} instance is not fitted yet; call fit(X, y) first"
        )


# ---------------------------------------------------------------------- scores
def r2_score(y_true: Any, y_pred: Any) -> float:
    """Coefficient of determination R^2 = 1 - RSS / TSS, with TSS = sum (y - mean y)^2."""
    y_true = np.asarray(y_true, dtype=np.float64)
    y_pred = np.asarray(y_pred, dtype=np.float64)
    rss = float(np.sum((y_true - y_pred) ** 2))
    tss = float(np.sum((y_true - y_true.mean()) ** 2))
    if tss == 0.0:
        return 1.0 if rss == 0.0 else 0.0
    return 1.0 - rss / tss


def accuracy_score(y_true: Any, y_pred: Any) -> float:
    """(1/l) sum_i [a(x_i) = y_i]: the fraction of correctly classified samples."""
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))


class RegressorMixin:
    """``score`` = R^2 of ``predict(X)`` against ``y``."""

    _estimator_type = "regressor"

    def score(self, X: Any, y: Any) -> float:
        """R^2 = 1 - sum (y - y_hat)^2 / sum (y - mean y)^2 on (X, y)."""
        return r2_score(y, self.predict(X))  # type: ignore[attr-defined]


class ClassifierMixin:
    """``score`` = accuracy; helpers to map labels to 0..K-1 and back."""

    _estimator_type = "classifier"

    def score(self, X: Any, y: Any) -> float:
        """Accuracy (1/l) sum_i [a(x_i) = y_i] on (X, y)."""
        return accuracy_score(y, self.predict(X))  # type: ignore[attr-defined]

    def _encode_labels(self, y: np.ndarray, who: str, min_classes: int = 2) -> np.ndarray:
        """Store ``classes_`` (sorted unique labels) and return y as indices into it."""
        classes, y_idx = np.unique(y, return_inverse=True)
        if classes.size < min_classes:
            raise ValueError(
                f"{who}: needs samples of at least {min_classes} classes, got {classes.size} "
                f"class(es): {classes.tolist()}"
            )
        self.classes_ = classes
        return y_idx


class TransformerMixin:
    """``fit_transform(X) = fit(X).transform(X)``."""

    def fit_transform(self, X: Any, y: Any = None) -> np.ndarray:
        """Fit to X, then transform X."""
        return self.fit(X, y).transform(X)  # type: ignore[attr-defined]
