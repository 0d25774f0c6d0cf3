"""Weight penalties (Keras' kernel_regularizer) and weight constraints (max-norm).

A *regularizer* adds a penalty to the cost: ``Dense(64, kernel_regularizer=nn.L2(1e-4))``
registers it and ``model.regularization_loss()`` sums every layer's penalties, to be added to the
data loss before ``backward()``:

* L1:   Omega(W) = l1 * sum |w|      (drives weights to exactly zero: sparsity)
* L2:   Omega(W) = l2 * sum w^2      (weight decay: the gradient adds 2 l2 w)
* L1L2: both.

A *constraint* projects a weight back onto a set after each optimizer step
(``model.apply_constraints()``): MaxNorm rescales each unit's incoming weight vector w to
norm <= c, w <- w * min(1, c / ||w||) (used with dropout in the dropout paper).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..tensor import Tensor, no_grad

__all__ = [
    "Regularizer",
    "L1",
    "L2",
    "L1L2",
    "Constraint",
    "MaxNorm",
    "NonNeg",
    "UnitNorm",
    "get_regularizer",
    "get_constraint",
    "PenaltyMixin",
]


class Regularizer:
    """A penalty ``Omega(w)`` on one weight tensor: ``reg(param) -> scalar Tensor``."""

    def __call__(self, weight: Tensor) -> Tensor:
        raise NotImplementedError

    def get_config(self) -> dict[str, float]:
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class L1L2(Regularizer):
    """Omega(W) = l1 * sum |w| + l2 * sum w^2 (Keras' defaults: l1 = l2 = 0)."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        if l1 < 0 or l2 < 0:
            raise ValueError(f"L1L2: factors must be >= 0, got l1={l1}, l2={l2}")
        self.l1 = float(l1)
        self.l2 = float(l2)

    def __call__(self, weight: Tensor) -> Tensor:
        total = None
        if self.l1:
            total = abs(weight).sum() * self.l1
        if self.l2:
            term = (weight * weight).sum() * self.l2
            total = term if total is None else total + term
        if total is None:
            return Tensor(np.zeros((), dtype=weight.dtype))
        return total


class L1(L1L2):
    """Omega(W) = l1 * sum |w| (Keras' default l1 = 0.01)."""

    def __init__(self, l1: float = 0.01) -> None:
        super().__init__(l1=l1)

    def get_config(self) -> dict[str, float]:
        return {"l1": self.l1}


class L2(L1L2):
    """Omega(W) = l2 * sum w^2 (Keras' default l2 = 0.01; note: no factor 1/2)."""

    def __init__(self, l2: float = 0.01) -> None:
        super().__init__(l2=l2)

    def get_config(self) -> dict[str, float]:
        return {"l2": self.l2}


def _unit_axes(arr: np.ndarray, axis: int | tuple[int, ...] | None) -> tuple[int, ...]:
    # PyTorch layout (out, in, *kernel): a unit's incoming weights are everything but axis 0.
    if axis is None:
        return tuple(range(1, arr.ndim)) if arr.ndim > 1 else (0,)
    return (axis,) if isinstance(axis, int) else tuple(axis)


class Constraint:
    """Projects a weight in place after an optimizer step: ``constraint(param)``."""

    def __call__(self, weight: Tensor) -> Tensor:
        raise NotImplementedError

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


class MaxNorm(Constraint):
    """w <- w * min(1, max_value / ||w||), the norm taken over each unit's incoming weights.

    ``axis=None`` means every axis but the first, i.e. per output unit / filter in PyTorch's
    layout (Keras' default axis=0 on its transposed (in, out) kernel is the same thing).
    """

    def __init__(self, max_value: float = 2.0, axis: int | tuple[int, ...] | None = None) -> None:
        if max_value <= 0:
            raise ValueError(f"MaxNorm: max_value must be > 0, got {max_value}")
        self.max_value = float(max_value)
        self.axis = axis

    def __call__(self, weight: Tensor) -> Tensor:
        w = weight.data
        norms = np.sqrt((w * w).sum(axis=_unit_axes(w, self.axis), keepdims=True))
        scale = np.minimum(1, self.max_value / np.maximum(norms, np.finfo(w.dtype).tiny))
        w *= scale.astype(w.dtype, copy=False)
        return weight


class UnitNorm(Constraint):
    """w <- w / ||w|| per unit (same axes as MaxNorm)."""

    def __init__(self, axis: int | tuple[int, ...] | None = None) -> None:
        self.axis = axis

    def __call__(self, weight: Tensor) -> Tensor:
        w = weight.data
        norms = np.sqrt((w * w).sum(axis=_unit_axes(w, self.axis), keepdims=True))
        w /= np.maximum(norms, np.finfo(w.dtype).tiny).astype(w.dtype, copy=False)
        return weight


class NonNeg(Constraint):
    """w <- max(w, 0)."""

    def __call__(self, weight: Tensor) -> Tensor:
        np.maximum(weight.data, 0, out=weight.data)
        return weight


_REGULARIZERS: dict[str, Callable[[], Regularizer]] = {
    "l1": L1,
    "l2": L2,
    "l1_l2": lambda: L1L2(0.01, 0.01),
    "l1l2": lambda: L1L2(0.01, 0.01),
}


def get_regularizer(spec: str | Callable | None) -> Callable[[Tensor], Tensor] | None:
    """'l1', 'l2', 'l1_l2' (Keras' defaults, 0.01), a Regularizer or callable, or None."""
    if spec is None or callable(spec):
        return spec
    if isinstance(spec, str) and spec.lower() in _REGULARIZERS:
        return _REGULARIZERS[spec.lower()]()
    raise ValueError(f"get_regularizer: unknown regularizer {spec!r}; known: l1, l2, l1_l2")


def get_constraint(spec: Any) -> Callable[[Tensor], Tensor] | None:
    """'max_norm', 'non_neg', 'unit_norm', a Constraint or callable, or None."""
    if spec is None or callable(spec):
        return spec
    table = {"max_norm": MaxNorm, "maxnorm": MaxNorm, "non_neg": NonNeg, "unit_norm": UnitNorm}
    if isinstance(spec, str) and spec.lower() in table:
        return table[spec.lower()]()
    raise ValueError(f"get_constraint: unknown constraint {spec!r}; known: {', '.join(table)}")


class PenaltyMixin:
    """How a :class:`~deepgrad.nn.Module` holds and collects penalties and constraints (mixed
    into Module): layers register them per parameter name, the model sums/applies them all."""

    def add_regularizer(self, param_name: str, regularizer: Callable | None) -> None:
        """Attach a penalty ``regularizer(param) -> scalar Tensor`` to one of own parameters."""
        if regularizer is None:
            self._regularizers.pop(param_name, None)
        else:
            self._regularizers[param_name] = regularizer

    def add_constraint(self, param_name: str, constraint: Callable | None) -> None:
        """Attach a constraint ``constraint(param)`` (in place) applied by ``apply_constraints``."""
        if constraint is None:
            self._constraints.pop(param_name, None)
        else:
            self._constraints[param_name] = constraint

    def regularization_loss(self) -> Tensor:
        """Sum of every layer's penalties (L1/L2 kernel_regularizer), to add to the cost."""
        total = None
        for m in self.modules():
            for name, reg in m._regularizers.items():
                p = m._parameters.get(name)
                if p is None:
                    continue
                term = reg(p)
                total = term if total is None else total + term
        if total is None:
            first = next(self.parameters(), None)
            dtype = first.dtype if first is not None else np.float32
            return Tensor(np.zeros((), dtype=dtype))
        return total

    def apply_constraints(self) -> None:
        """Apply every layer's constraints (e.g. MaxNorm) in place; call after optimizer.step()."""
        with no_grad():
            for m in self.modules():
                for name, constraint in m._constraints.items():
                    p = m._parameters.get(name)
                    if p is not None:
                        constraint(p)
