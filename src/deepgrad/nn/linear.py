"""Fully connected layers: Linear (PyTorch), Dense (Keras, lazy input size), Identity, Flatten.

Both dense layers store ``weight`` in PyTorch's layout (out_features, in_features) and compute
out = x W^T + b, so their state_dict entries ("weight", "bias") load from a torch ``nn.Linear``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..functional import plain as F  # the ops unwrapped: layers get Tensors
from ..tensor import Tensor
from . import init
from .activation import get_activation
from .module import Module, Parameter
from .parameter import parameter_dtype
from .regularizers import get_constraint, get_regularizer

__all__ = ["Linear", "LazyLinear", "Dense", "Identity", "Flatten", "Unflatten"]


def _reset_torch_linear(weight: Parameter, bias: Parameter | None) -> None:
    # PyTorch's default: kaiming_uniform_(a=sqrt(5)) => U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
    # and the bias from the same interval.
    init.kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in = weight.shape[1]
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        init.uniform_(bias, -bound, bound)


class Linear(Module):
    """Fully connected layer: out = x W^T + b, W of shape (out_features, in_features).

    Default init (PyTorch's): W and b ~ U(-1/sqrt(in_features), 1/sqrt(in_features)).
    Input (*, in_features) -> output (*, out_features).
    """

    def __init__(
        self, in_features: int, out_features: int, bias: bool = True, dtype: Any = None
    ) -> None:
        super().__init__()
        if in_features is None:
            raise ValueError("Linear: in_features is None; use LazyLinear or Dense for a lazy size")
        if int(in_features) < 0 or int(out_features) <= 0:
            raise ValueError(
                f"Linear: sizes must be positive, got in_features={in_features}, "
                f"out_features={out_features}"
            )
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        dt = parameter_dtype(dtype, type(self).__name__)
        self.weight = Parameter(np.empty((self.out_features, self.in_features), dtype=dt))
        if bias:
            self.bias = Parameter(np.empty(self.out_features, dtype=dt))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw fresh weights with the default initialisation."""
        _reset_torch_linear(self.weight, self.bias)

    def forward(self, x: Tensor) -> Tensor:
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class _LazyDense(Module):
    """Shared machinery of LazyLinear and Dense: weights created at the first call."""

    in_features: int | None

    def _param_dtype(self, x: Tensor) -> np.dtype:
        dt = self.__dict__.get("_dtype")
        if dt is not None:
            return dt
        return x.dtype if x.dtype.kind == "f" else np.dtype(np.float32)

    def _build(self, in_features: int, dtype: Any) -> None:
        self.in_features = int(in_features)
        self.weight = Parameter(np.empty((self.out_features, self.in_features), dtype=dtype))
        if self._use_bias:
            self.bias = Parameter(np.empty(self.out_features, dtype=dtype))
        self.reset_parameters()

    @property
    def built(self) -> bool:
        return self.in_features is not None

    def _ensure_built(self, x: Tensor) -> None:
        if self.in_features is None:
            if x.ndim == 0:
                raise ValueError(f"{type(self).__name__}: input must have a feature dim")
            self._build(x.shape[-1], self._param_dtype(x))
            self.__dict__["_build_input_shape"] = (None, *x.shape[1:])

    def _load_from_state_dict(
        self, state_dict: dict, prefix: str, missing: list[str], errors: list[str]
    ) -> None:
        key = prefix + "weight"
        if self.in_features is None and key in state_dict:
            shape = np.shape(state_dict[key])
            if len(shape) == 2:
                self._build(shape[1], self.__dict__.get("_dtype") or np.float32)
        elif self.in_features is None:
            missing.append(key)
        super()._load_from_state_dict(state_dict, prefix, missing, errors)


class LazyLinear(_LazyDense):
    """Linear whose in_features is inferred from the first input (PyTorch's LazyLinear)."""

    def __init__(self, out_features: int, bias: bool = True) -> None:
        super().__init__()
        self.in_features = None
        self.out_features = int(out_features)
        self._use_bias = bool(bias)
        self.register_parameter("weight", None)
        self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        if self.weight is not None:
            _reset_torch_linear(self.weight, self.bias)

    def forward(self, x: Tensor) -> Tensor:
        self._ensure_built(x)
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self._use_bias}"
        )


class Dense(_LazyDense):
    """Keras' Dense: out = activation(x W^T + b), input size inferred at the first call.

    ``Dense(units, activation=None, use_bias=True, kernel_initializer='glorot_uniform',
    bias_initializer='zeros', kernel_regularizer=None, bias_regularizer=None,
    kernel_constraint=None, bias_constraint=None, input_dim=None, input_shape=None)``.

    The kernel is stored transposed relative to Keras, as PyTorch's ``weight`` of shape
    (units, in_features); ``kernel`` is a read-only view in Keras' (in_features, units) layout.
    Regularizers (``'l2'`` or ``nn.L2(1e-4)``) are summed by ``model.regularization_loss()``;
    constraints (``nn.MaxNorm(3)``) are applied by ``model.apply_constraints()``. As in Keras,
    ``input_shape=(30,)`` (the input without its batch dim) or ``input_dim=30`` creates the
    weights at once, and ``model.summary()`` of a Sequential starting with this layer needs no
    shape; otherwise the weights exist after the first call (or ``model.build(shape)``,
    ``model.summary(shape)``, ``fit``). A PyTorch-style optimizer made from
    ``model.parameters()`` must come after that; one made Keras' way (``Adam(learning_rate=..)``)
    is bound by ``fit``.
    """

    def __init__(
        self,
        units: int,
        activation: str | Callable | Module | None = None,
        use_bias: bool = True,
        kernel_initializer: str | Callable = "glorot_uniform",
        bias_initializer: str | Callable = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        input_dim: int | None = None,
        input_shape: tuple[int | None, ...] | None = None,
    ) -> None:
        super().__init__()
        if int(units) <= 0:
            raise ValueError(f"Dense: units must be positive, got {units}")
        self.in_features = None
        self.out_features = self.units = int(units)
        self._use_bias = bool(use_bias)
        self.__dict__["activation"] = get_activation(activation)  # not a child: one layer
        self.__dict__["_activation_name"] = (
            activation if isinstance(activation, str) or activation is None else None
        )
        self.kernel_initializer = init.get_initializer(kernel_initializer)
        self.bias_initializer = init.get_initializer(bias_initializer)
        self.register_parameter("weight", None)
        self.register_parameter("bias", None)
        self.add_regularizer("weight", get_regularizer(kernel_regularizer))
        self.add_regularizer("bias", get_regularizer(bias_regularizer))
        self.add_constraint("weight", get_constraint(kernel_constraint))
        self.add_constraint("bias", get_constraint(bias_constraint))
        shape = _keras_input_shape(input_dim, input_shape)
        if shape is not None:
            self._build(shape[-1], np.float32)
            self.__dict__["_build_input_shape"] = (None, *shape)

    @property
    def kernel(self) -> np.ndarray | None:
        """Keras' layout (in_features, units), a view of ``weight.data``."""
        return None if self.weight is None else self.weight.data.T

    def reset_parameters(self) -> None:
        if self.weight is not None:
            self.kernel_initializer(self.weight)
        if self.bias is not None:
            self.bias_initializer(self.bias)

    def forward(self, x: Tensor) -> Tensor:
        self._ensure_built(x)
        out = F.linear(x, self.weight, self.bias)
        return out if self.activation is None else self.activation(out)

    def extra_repr(self) -> str:
        act = self._activation_name
        if act is None and self.activation is not None:
            act = getattr(self.activation, "__name__", type(self.activation).__name__)
        s = f"units={self.units}, in_features={self.in_features}"
        if act is not None:
            s += f", activation={act}"
        if not self._use_bias:
            s += ", use_bias=False"
        return s


def _keras_input_shape(input_dim: Any, input_shape: Any) -> tuple | None:
    """Keras' ``input_shape`` (no batch dim; None for a free length) or ``input_dim`` (n,)."""
    if input_shape is None:
        return None if input_dim is None else (_positive("input_dim", input_dim),)
    if isinstance(input_shape, int | np.integer):
        input_shape = (input_shape,)
    if not isinstance(input_shape, tuple | list) or not input_shape:
        raise TypeError(f"Dense: input_shape must be a tuple such as (30,), got {input_shape!r}")
    shape = (*(None if d is None else _positive("input_shape", d) for d in input_shape[:-1]),
             _positive("input_shape", input_shape[-1]))
    if input_dim is not None and int(input_dim) != shape[-1]:
        raise ValueError(f"Dense: input_dim={input_dim} disagrees with input_shape={shape}")
    return shape


def _positive(what: str, d: Any) -> int:
    if d is None or int(d) <= 0 or int(d) != d:
        raise ValueError(f"Dense: {what} needs positive integer sizes (last dim known), got {d!r}")
    return int(d)


class Identity(Module):
    """out = x (a placeholder layer; accepts and ignores any constructor arguments)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, x: Any) -> Any:
        return x


class Flatten(Module):
    """Collapse dims start_dim..end_dim into one: (N, C, H, W) -> (N, C*H*W) by default."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, x: Tensor) -> Tensor:
        return F.flatten(x, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Expand dim ``dim`` into ``unflattened_size``: (N, 784) -> (N, 1, 28, 28)."""

    def __init__(self, dim: int, unflattened_size: tuple[int, ...]) -> None:
        super().__init__()
        self.dim = dim
        self.unflattened_size = tuple(unflattened_size)

    def forward(self, x: Tensor) -> Tensor:
        d = self.dim % x.ndim
        shape = x.shape[:d] + self.unflattened_size + x.shape[d + 1 :]
        return F.reshape(x, shape)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
