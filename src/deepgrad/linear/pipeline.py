"""Pipeline: feature steps then a model, as one estimator (so that model selection refits the
features on each training fold, never on the validation data).

    make_pipeline(PolynomialFeatures(5), StandardScaler(), Ridge(1.0))

Parameters of a step are reached as ``<step name>__<param>`` (e.g.
``polynomialfeatures__degree``), which is what :func:`validation_curve` varies.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import BaseEstimator

__all__ = ["Pipeline", "make_pipeline"]


class Pipeline(BaseEstimator):
    """``steps``: a list of (name, estimator); all but the last must have ``transform``."""

    def __init__(self, steps: list[tuple[str, BaseEstimator]]) -> None:
        self.steps = steps

    def _validate(self) -> None:
        if not self.steps:
            raise ValueError("Pipeline: steps is empty")
        names = [n for n, _ in self.steps]
        if len(set(names)) != len(names):
            raise ValueError(f"Pipeline: step names must be unique, got {names}")
        for name, est in self.steps[:-1]:
            if not hasattr(est, "transform"):
                raise TypeError(
                    f"Pipeline: intermediate step {name!r} ({type(est).__name__}) "
                    "has no transform()"
                )

    @property
    def named_steps(self) -> dict[str, BaseEstimator]:
        return dict(self.steps)

    @property
    def _final(self) -> Any:
        return self.steps[-1][1]

    def __getitem__(self, i: int | str) -> BaseEstimator:
        return self.named_steps[i] if isinstance(i, str) else self.steps[i][1]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {"steps": self.steps}
        if deep:
            for name, est in self.steps:
                out[name] = est
                for k, v in est.get_params(deep=True).items():
                    out[f"{name}__{k}"] = v
        return out

    def set_params(self, **params: Any) -> Pipeline:
        if "steps" in params:
            self.steps = params.pop("steps")
        named = self.named_steps
        for key, value in params.items():
            name, _, sub = key.partition("__")
            if name not in named:
                raise ValueError(
                    f"Pipeline.set_params: no step named {name!r}; steps are {list(named)}"
                )
            if sub:
                named[name].set_params(**{sub: value})
            else:
                self.steps = [(n, value if n == name else e) for n, e in self.steps]
                named = self.named_steps
        return self

    def _transform(self, X: Any) -> Any:
        for _, est in self.steps[:-1]:
            X = est.transform(X)
        return X

    def fit(self, X: Any, y: Any = None) -> Pipeline:
        """Fit each transform on the output of the previous one, then the final step."""
        self._validate()
        for _, est in self.steps[:-1]:
            X = (
                est.fit_transform(X, y)
                if hasattr(est, "fit_transform")
                else est.fit(X, y).transform(X)
            )
        self._final.fit(X, y)
        return self

    def predict(self, X: Any) -> np.ndarray:
        return self._final.predict(self._transform(X))

    def predict_proba(self, X: Any) -> np.ndarray:
        return self._final.predict_proba(self._transform(X))

    def decision_function(self, X: Any) -> np.ndarray:
        return self._final.decision_function(self._transform(X))

    def transform(self, X: Any) -> np.ndarray:
        return self._final.transform(self._transform(X))

    def score(self, X: Any, y: Any) -> float:
        return self._final.score(self._transform(X), y)


def make_pipeline(*steps: BaseEstimator) -> Pipeline:
    """A :class:`Pipeline` whose step names are the lower-cased class names."""
    names = [type(s).__name__.lower() for s in steps]
    for i, name in enumerate(names):
        if names.count(name) > 1:
            names[i] = f"{name}-{names[: i + 1].count(name)}"
    return Pipeline(list(zip(names, steps, strict=True)))
