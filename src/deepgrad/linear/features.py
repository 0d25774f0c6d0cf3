"""Where the inputs X_j of a linear model come from (week 1): the model is linear in beta, not in x.

* :class:`StandardScaler`: z_j = (x_j - mean_j) / std_j, so that penalties (ridge, lasso) and
  gradient steps treat every input alike (ridge is not equivariant under scaling of the inputs);
* :class:`PolynomialFeatures`: basis expansions X_2 = X_1^2, X_3 = X_1^3, ... and interactions
  X_3 = X_1 * X_2 (``interaction_only=True`` keeps only products of distinct inputs);
* :class:`OneHotEncoder`: numeric "dummy" coding of the levels of qualitative inputs (with
  ``drop="first"`` the redundant level is dropped, which avoids the rank deficiency of
  one column per level plus an intercept).
"""

from __future__ import annotations

from itertools import combinations, combinations_with_replacement
from typing import Any

import numpy as np

from .base import BaseEstimator, TransformerMixin, check_array, check_is_fitted

__all__ = ["StandardScaler", "PolynomialFeatures", "OneHotEncoder", "standardize"]


def _check_width(est: Any, X: np.ndarray, who: str) -> None:
    if X.shape[1] != est.n_features_in_:
        raise ValueError(
            f"{who}: X has {X.shape[1]} features, but {type(est).__name__} was fitted with "
            f"{est.n_features_in_} features"
        )


class StandardScaler(TransformerMixin, BaseEstimator):
    """z = (x - mean_) / scale_, column by column; scale_ is the population std (ddof=0).

    Constant columns get scale_ = 1 (they are only centered), as in scikit-learn.
    """

    def __init__(self, with_mean: bool = True, with_std: bool = True) -> None:
        self.with_mean = with_mean
        self.with_std = with_std

    def fit(self, X: Any, y: Any = None) -> StandardScaler:
        """Learn mean_ and scale_ from X."""
        X = check_array(X, "StandardScaler.fit")
        self.n_features_in_ = X.shape[1]
        self.mean_ = X.mean(axis=0) if self.with_mean else np.zeros(X.shape[1])
        if self.with_std:
            std = X.std(axis=0)
            # numerically constant columns (rounding noise only) are left unscaled
            tiny = std <= 10 * np.finfo(float).eps * np.maximum(np.abs(self.mean_), 1.0)
            self.scale_ = np.where(tiny, 1.0, std)
        else:
            self.scale_ = np.ones(X.shape[1])
        return self

    def transform(self, X: Any) -> np.ndarray:
        """(X - mean_) / scale_."""
        check_is_fitted(self, "mean_")
        X = check_array(X, "StandardScaler.transform")
        _check_width(self, X, "StandardScaler.transform")
        return (X - self.mean_) / self.scale_

    def inverse_transform(self, Z: Any) -> np.ndarray:
        """Z * scale_ + mean_."""
        check_is_fitted(self, "mean_")
        Z = check_array(Z, "StandardScaler.inverse_transform")
        _check_width(self, Z, "StandardScaler.inverse_transform")
        return Z * self.scale_ + self.mean_


def standardize(X: Any) -> np.ndarray:
    """Shortcut: ``StandardScaler().fit_transform(X)``."""
    return StandardScaler().fit_transform(X)


class PolynomialFeatures(TransformerMixin, BaseEstimator):
    """All monomials of the inputs up to total degree ``degree`` (scikit-learn's column order).

    For inputs (a, b) and degree 2: [1, a, b, a^2, a b, b^2]; with ``interaction_only``:
    [1, a, b, a b]. ``powers_[k, j]`` is the exponent of input j in output column k.
    """

    def __init__(
        self, degree: int = 2, interaction_only: bool = False, include_bias: bool = True
    ) -> None:
        self.degree = degree
        self.interaction_only = interaction_only
        self.include_bias = include_bias

    def fit(self, X: Any, y: Any = None) -> PolynomialFeatures:
        """Enumerate the monomials for X's number of columns."""
        X = check_array(X, "PolynomialFeatures.fit")
        if not isinstance(self.degree, (int, np.integer)) or self.degree < 0:
            raise ValueError(
                f"PolynomialFeatures: degree must be a non-negative int, got {self.degree!r}"
            )
        p = X.shape[1]
        self.n_features_in_ = p
        combo = combinations if self.interaction_only else combinations_with_replacement
        terms: list[tuple[int, ...]] = []
        for d in range(0 if self.include_bias else 1, self.degree + 1):
            terms.extend(combo(range(p), d))
        powers = np.zeros((len(terms), p), dtype=np.int64)
        for k, t in enumerate(terms):
            for j in t:
                powers[k, j] += 1
        self.powers_ = powers
        self.n_output_features_ = len(terms)
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Column k = prod_j x_j ** powers_[k, j]."""
        check_is_fitted(self, "powers_")
        X = check_array(X, "PolynomialFeatures.transform")
        _check_width(self, X, "PolynomialFeatures.transform")
        out = np.ones((X.shape[0], self.n_output_features_))
        for k, row in enumerate(self.powers_):
            for j in np.flatnonzero(row):
                out[:, k] *= X[:, j] ** row[j]
        return out

    def get_feature_names_out(self, input_features: list[str] | None = None) -> list[str]:
        """Names like ``'1'``, ``'x0'``, ``'x0^2'``, ``'x0 x1'``."""
        check_is_fitted(self, "powers_")
        names = input_features or [f"x{j}" for j in range(self.n_features_in_)]
        out = []
        for row in self.powers_:
            parts = [names[j] + (f"^{e}" if e > 1 else "") for j, e in enumerate(row) if e]
            out.append(" ".join(parts) if parts else "1")
        return out


class OneHotEncoder(TransformerMixin, BaseEstimator):
    """Dummy coding: one 0/1 column per level of each (qualitative) input column.

    ``drop="first"`` omits each column's first (sorted) level, so that the dummies plus an
    intercept are not linearly dependent. ``handle_unknown="ignore"`` codes a level unseen in
    ``fit`` as all zeros; ``"error"`` raises.
    """

    def __init__(self, drop: str | None = None, handle_unknown: str = "error") -> None:
        self.drop = drop
        self.handle_unknown = handle_unknown

    @staticmethod
    def _as_2d(X: Any, who: str) -> np.ndarray:
        X = np.asarray(X)
        if X.ndim != 2:
            raise ValueError(
                f"{who}: expected a 2-D array (n_samples, n_features) of categories, "
                f"got shape {X.shape}"
            )
        return X

    def fit(self, X: Any, y: Any = None) -> OneHotEncoder:
        """Learn the sorted levels of each column (``categories_``)."""
        if self.drop not in (None, "first"):
            raise ValueError(f"OneHotEncoder: drop must be None or 'first', got {self.drop!r}")
        if self.handle_unknown not in ("error", "ignore"):
            raise ValueError(
                f"OneHotEncoder: handle_unknown must be 'error' or 'ignore', "
                f"got {self.handle_unknown!r}"
            )
        X = self._as_2d(X, "OneHotEncoder.fit")
        self.n_features_in_ = X.shape[1]
        self.categories_ = [np.unique(X[:, j]) for j in range(X.shape[1])]
        return self

    def transform(self, X: Any) -> np.ndarray:
        """The 0/1 matrix, columns grouped by input column, levels in sorted order."""
        check_is_fitted(self, "categories_")
        X = self._as_2d(X, "OneHotEncoder.transform")
        _check_width(self, X, "OneHotEncoder.transform")
        blocks = []
        for j, cats in enumerate(self.categories_):
            col = X[:, j]
            idx = np.searchsorted(cats, col)
            idx = np.clip(idx, 0, len(cats) - 1)
            known = cats[idx] == col
            if not np.all(known) and self.handle_unknown == "error":
                bad = np.unique(col[~known])[:5].tolist()
                raise ValueError(
                    f"OneHotEncoder.transform: column {j} has levels unseen in fit: {bad}; "
                    f"known levels are {cats.tolist()} (use handle_unknown='ignore')"
                )
            block = np.zeros((X.shape[0], len(cats)))
            rows = np.flatnonzero(known)
            block[rows, idx[known]] = 1.0
            blocks.append(block[:, 1:] if self.drop == "first" else block)
        return np.hstack(blocks)

    def get_feature_names_out(self, input_features: list[str] | None = None) -> list[str]:
        """Names ``'<input>_<level>'``."""
        check_is_fitted(self, "categories_")
        names = input_features or [f"x{j}" for j in range(self.n_features_in_)]
        start = 1 if self.drop == "first" else 0
        return [f"{names[j]}_{c}" for j, cats in enumerate(self.categories_) for c in cats[start:]]
