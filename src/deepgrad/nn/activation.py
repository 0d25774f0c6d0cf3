"""Activation functions as layers (PyTorch's names), and Keras' activation strings.

``get_activation('relu')`` turns a Keras name (or a callable, or a Module, or None) into the
callable that ``Dense(..., activation=...)`` and ``Conv2d(..., activation=...)`` apply.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..functional import plain as F  # the ops unwrapped: layers get Tensors
from ..tensor import Tensor
from .module import Module

__all__ = [
    "ReLU",
    "LeakyReLU",
    "ReLU6",
    "ELU",
    "SELU",
    "Sigmoid",
    "Tanh",
    "Softplus",
    "GELU",
    "SiLU",
    "Softmax",
    "LogSoftmax",
    "Lambda",
    "get_activation",
]


class ReLU(Module):
    """out = max(0, x); its derivative is 1 for x > 0 and 0 otherwise (units can "die")."""

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(x)


class ReLU6(Module):
    """out = min(max(0, x), 6) (MobileNet, EfficientNet-Lite: a bounded ReLU that quantizes
    well); its derivative is 1 for 0 < x < 6 and 0 elsewhere, as PyTorch's hardtanh."""

    def forward(self, x: Tensor) -> Tensor:
        return F.hardtanh(x, 0.0, 6.0)


class LeakyReLU(Module):
    """out = x for x > 0, negative_slope * x otherwise (no dead units)."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x: Tensor) -> Tensor:
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class ELU(Module):
    """out = x for x > 0, alpha * (exp(x) - 1) otherwise."""

    def __init__(self, alpha: float = 1.0) -> None:
        super().__init__()
        self.alpha = alpha

    def forward(self, x: Tensor) -> Tensor:
        return F.elu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class SELU(Module):
    """out = scale * (x for x > 0, alpha * (exp(x) - 1) otherwise), self-normalising constants."""

    alpha = 1.6732632423543772
    scale = 1.0507009873554805

    def forward(self, x: Tensor) -> Tensor:
        selu = getattr(F, "selu", None)
        if callable(selu):
            return selu(x)
        return F.elu(x, self.alpha) * self.scale


class Sigmoid(Module):
    """out = 1 / (1 + exp(-x)); derivative out (1 - out) (vanishes for large |x|)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.sigmoid(x)


class Tanh(Module):
    """out = tanh(x), zero-centred; derivative 1 - out^2."""

    def forward(self, x: Tensor) -> Tensor:
        return F.tanh(x)


class Softplus(Module):
    """out = log(1 + exp(beta x)) / beta (linear above ``threshold`` for stability)."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, x: Tensor) -> Tensor:
        return F.softplus(x, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class GELU(Module):
    """out = x Phi(x) (Phi the standard normal CDF); ``approximate='tanh'`` for the tanh form."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, x: Tensor) -> Tensor:
        return F.gelu(x, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """out = x sigmoid(x) (swish)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.silu(x)


class Softmax(Module):
    """out_i = exp(x_i) / sum_j exp(x_j) along ``dim`` (default the last, as Keras' axis=-1)."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return F.softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """out_i = x_i - log sum_j exp(x_j) along ``dim`` (pairs with NLLLoss)."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return F.log_softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Lambda(Module):
    """Wrap any function ``fn(x) -> Tensor`` as a layer (Keras' Lambda)."""

    def __init__(self, fn: Callable[[Tensor], Tensor]) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, x: Tensor) -> Tensor:
        return self.fn(x)

    def extra_repr(self) -> str:
        return getattr(self.fn, "__name__", repr(self.fn))


_ACTIVATIONS: dict[str, Callable[[], Module]] = {
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "elu": ELU,
    "selu": SELU,
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "softplus": Softplus,
    "gelu": GELU,
    "silu": SiLU,
    "swish": SiLU,
    "softmax": Softmax,
    "log_softmax": LogSoftmax,
}


def get_activation(spec: str | Callable | Module | None) -> Callable[[Any], Any] | None:
    """Keras' activation argument -> a callable: a name ('relu', 'sigmoid', 'tanh', 'softmax',
    'elu', 'selu', 'softplus', 'gelu', 'swish', 'leaky_relu', 'log_softmax'), 'linear' or None
    (no activation -> None), a Module or any callable (returned as is)."""
    if spec is None:
        return None
    if isinstance(spec, str):
        key = spec.lower()
        if key in ("linear", "identity", "none"):
            return None
        cls = _ACTIVATIONS.get(key)
        if cls is None:
            raise ValueError(
                f"get_activation: unknown activation {spec!r}; known: "
                f"{', '.join(sorted(_ACTIVATIONS))}, linear"
            )
        return cls()
    if callable(spec):
        return spec
    raise TypeError(f"get_activation: expected a name, callable or Module, got {spec!r}")
