"""Weight initialisation, in place, drawing from ``deepgrad.random.get_rng()`` (PyTorch's names).

Why it matters (the notes, "Weights Initialization"): with ``zeros_`` or ``constant_`` every
hidden unit of a layer computes the same function, receives the same delta and the same update,
and so stays identical forever: the *symmetry* is never broken. Random schemes break it and keep
the variance of each layer's outputs (and of the backpropagated deltas) constant across depth:

* Xavier/Glorot (tanh, sigmoid): Var(w) = gain^2 * 2 / (fan_in + fan_out)
* Kaiming/He (ReLU): Var(w) = gain^2 / fan_in (mode='fan_in') with gain = sqrt(2) for ReLU
* orthogonal: W^T W = I (rows or columns orthonormal), scaled by ``gain``

``fan_in`` = in_features (times the kernel area for a conv), ``fan_out`` = out_features (times
the kernel area). Layers' defaults: Linear/Conv* use PyTorch's ``kaiming_uniform_(a=sqrt(5))``,
i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)) and the same bound for the bias; Dense uses Keras'
``glorot_uniform`` and zero bias; Embedding uses N(0, 1).

Each function takes a Tensor (or Parameter, or NumPy array), fills it without recording a graph,
and returns it; ``generator=`` replaces the global generator.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..random import get_rng
from ..tensor import Tensor

__all__ = [
    "calculate_gain",
    "zeros_",
    "ones_",
    "constant_",
    "normal_",
    "uniform_",
    "trunc_normal_",
    "xavier_uniform_",
    "xavier_normal_",
    "glorot_uniform_",
    "glorot_normal_",
    "kaiming_uniform_",
    "kaiming_normal_",
    "he_uniform_",
    "he_normal_",
    "orthogonal_",
    "eye_",
    "get_initializer",
]


def _arr(tensor: Any) -> np.ndarray:
    if isinstance(tensor, Tensor):
        return tensor.data
    if isinstance(tensor, np.ndarray):
        return tensor
    raise TypeError(f"nn.init: expected a Tensor or ndarray, got {type(tensor).__name__}")


def _fill(tensor: Any, values: np.ndarray) -> Any:
    arr = _arr(tensor)
    arr[...] = values.astype(arr.dtype, copy=False)
    return tensor


def _rng(generator: np.random.Generator | None) -> np.random.Generator:
    return get_rng() if generator is None else generator


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The gain that keeps the output variance of ``nonlinearity`` equal to its input's.

    linear/conv/sigmoid: 1; tanh: 5/3; relu: sqrt(2); leaky_relu: sqrt(2 / (1 + slope^2));
    selu: 3/4.
    """
    linear = {"linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d"}
    if nonlinearity in linear or nonlinearity == "sigmoid":
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if isinstance(slope, bool) or not isinstance(slope, int | float):
            raise ValueError(f"calculate_gain: negative_slope {slope!r} is not a number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def _calculate_fan_in_and_fan_out(tensor: Any) -> tuple[int, int]:
    """(fan_in, fan_out) for PyTorch's layouts: (out, in) and (out, in/groups, *kernel)."""
    shape = _arr(tensor).shape
    if len(shape) < 2:
        raise ValueError(
            f"nn.init: fan in and fan out need a tensor with at least 2 dims, got shape {shape}"
        )
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def _fan(tensor: Any, mode: str) -> int:
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    if mode == "fan_in":
        return fan_in
    if mode == "fan_out":
        return fan_out
    if mode == "fan_avg":
        return (fan_in + fan_out) / 2
    raise ValueError(f"nn.init: mode must be 'fan_in', 'fan_out' or 'fan_avg', got {mode!r}")


def zeros_(tensor: Any) -> Any:
    """w = 0 (fine for biases; for weights it leaves the symmetry unbroken)."""
    _arr(tensor)[...] = 0
    return tensor


def ones_(tensor: Any) -> Any:
    """w = 1."""
    _arr(tensor)[...] = 1
    return tensor


def constant_(tensor: Any, val: float) -> Any:
    """w = val everywhere: every unit of the layer identical (the notes' symmetry problem)."""
    _arr(tensor)[...] = val
    return tensor


def eye_(tensor: Any) -> Any:
    """The 2-D identity matrix (an identity layer)."""
    arr = _arr(tensor)
    if arr.ndim != 2:
        raise ValueError(f"eye_: expected a 2-D tensor, got shape {arr.shape}")
    arr[...] = np.eye(*arr.shape)
    return tensor


def uniform_(
    tensor: Any, a: float = 0.0, b: float = 1.0, generator: np.random.Generator | None = None
) -> Any:
    """w ~ U(a, b)."""
    arr = _arr(tensor)
    return _fill(tensor, _rng(generator).uniform(a, b, arr.shape))


def normal_(
    tensor: Any, mean: float = 0.0, std: float = 1.0, generator: np.random.Generator | None = None
) -> Any:
    """w ~ N(mean, std^2)."""
    arr = _arr(tensor)
    return _fill(tensor, _rng(generator).normal(mean, std, arr.shape))


def trunc_normal_(
    tensor: Any,
    mean: float = 0.0,
    std: float = 1.0,
    a: float = -2.0,
    b: float = 2.0,
    generator: np.random.Generator | None = None,
) -> Any:
    """w ~ N(mean, std^2) restricted to [a, b] (absolute bounds, as PyTorch), by resampling."""
    arr = _arr(tensor)
    rng = _rng(generator)
    out = rng.normal(mean, std, arr.size)
    bad = (out < a) | (out > b)
    while bad.any():
        out[bad] = rng.normal(mean, std, int(bad.sum()))
        bad = (out < a) | (out > b)
    return _fill(tensor, out.reshape(arr.shape))


def xavier_uniform_(
    tensor: Any, gain: float = 1.0, generator: np.random.Generator | None = None
) -> Any:
    """Glorot: w ~ U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out)) (Keras' glorot_uniform)."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(
    tensor: Any, gain: float = 1.0, generator: np.random.Generator | None = None
) -> Any:
    """Glorot: w ~ N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def kaiming_uniform_(
    tensor: Any,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: np.random.Generator | None = None,
) -> Any:
    """He: w ~ U(-b, b), b = gain * sqrt(3 / fan), gain = calculate_gain(nonlinearity, a).

    With the defaults (a=0, leaky_relu) gain = sqrt(2): Var(w) = 2 / fan_in, right for ReLU.
    """
    gain = calculate_gain(nonlinearity, a)
    bound = gain * math.sqrt(3.0 / _fan(tensor, mode))
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(
    tensor: Any,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: np.random.Generator | None = None,
) -> Any:
    """He: w ~ N(0, std^2), std = gain / sqrt(fan) (= sqrt(2 / fan_in) for ReLU)."""
    gain = calculate_gain(nonlinearity, a)
    std = gain / math.sqrt(_fan(tensor, mode))
    return normal_(tensor, 0.0, std, generator)


def orthogonal_(
    tensor: Any, gain: float = 1.0, generator: np.random.Generator | None = None
) -> Any:
    """A (semi-)orthogonal matrix from the QR decomposition of a Gaussian matrix (Saxe et al.).

    The tensor is viewed as (rows, cols) = (shape[0], prod(shape[1:])); the rows are
    orthonormal when rows <= cols, else the columns are. Scaled by ``gain``.
    """
    arr = _arr(tensor)
    if arr.ndim < 2:
        raise ValueError(f"orthogonal_: needs at least 2 dims, got shape {arr.shape}")
    rows = arr.shape[0]
    cols = arr.size // rows
    flat = _rng(generator).standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))  # make the decomposition unique (uniform over orthogonal group)
    if rows < cols:
        q = q.T
    return _fill(tensor, gain * q.reshape(arr.shape))


glorot_uniform_ = xavier_uniform_
glorot_normal_ = xavier_normal_


def he_uniform_(tensor: Any, generator: np.random.Generator | None = None) -> Any:
    """Keras' he_uniform: U(-b, b), b = sqrt(6 / fan_in)."""
    return kaiming_uniform_(tensor, 0.0, "fan_in", "relu", generator)


def he_normal_(tensor: Any, generator: np.random.Generator | None = None) -> Any:
    """Keras' he_normal: truncated normal (at 2 std) with std sqrt(2 / fan_in) after truncation."""
    return _variance_scaling(tensor, 2.0, "fan_in", generator)


def _variance_scaling(tensor: Any, scale: float, mode: str, generator: Any) -> Any:
    # Keras' VarianceScaling(distribution="truncated_normal"): the truncation at +-2 std shrinks
    # the standard deviation by 0.8796..., so the draw is scaled up to compensate.
    std = math.sqrt(scale / _fan(tensor, mode)) / 0.87962566103423978
    return trunc_normal_(tensor, 0.0, std, -2 * std, 2 * std, generator)


def _keras_normal(scale: float, mode: str) -> Callable[[Any], Any]:
    return lambda t: _variance_scaling(t, scale, mode, None)


_INITIALIZERS: dict[str, Callable[[Any], Any]] = {
    "zeros": zeros_,
    "ones": ones_,
    "glorot_uniform": xavier_uniform_,
    "xavier_uniform": xavier_uniform_,
    "glorot_normal": _keras_normal(1.0, "fan_avg"),
    "xavier_normal": xavier_normal_,
    "he_uniform": he_uniform_,
    "kaiming_uniform": lambda t: kaiming_uniform_(t, nonlinearity="relu"),
    "he_normal": he_normal_,
    "kaiming_normal": lambda t: kaiming_normal_(t, nonlinearity="relu"),
    "lecun_uniform": lambda t: kaiming_uniform_(t, nonlinearity="linear"),
    "lecun_normal": _keras_normal(1.0, "fan_in"),
    "orthogonal": orthogonal_,
    "random_normal": lambda t: normal_(t, 0.0, 0.05),  # Keras' RandomNormal defaults
    "random_uniform": lambda t: uniform_(t, -0.05, 0.05),
    "normal": normal_,
    "uniform": uniform_,
    "identity": eye_,
}


def get_initializer(spec: str | Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A Keras initializer name ('glorot_uniform', 'he_normal', 'zeros', 'orthogonal', ...) or a
    callable ``fn(tensor)`` -> the in-place function."""
    if callable(spec):
        return spec
    if isinstance(spec, str):
        fn = _INITIALIZERS.get(spec.lower())
        if fn is not None:
            return fn
    raise ValueError(
        f"nn.init.get_initializer: unknown initializer {spec!r}; "
        f"known: {', '.join(sorted(_INITIALIZERS))}"
    )
