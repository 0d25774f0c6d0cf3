"""Week 1: classical linear models with analytic solutions and inference (scikit-learn API)."""

from .base import BaseEstimator, NotFittedError, clone
from .ols import LinearRegression, RankDeficientWarning

__all__ = ["BaseEstimator", "NotFittedError", "clone", "LinearRegression", "RankDeficientWarning"]
