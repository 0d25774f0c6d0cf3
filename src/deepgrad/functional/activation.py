"""Activation functions, each with its backward beside it (torch.nn.functional names).

Notation: ``delta`` is dC/d(out), the gradient flowing back from the cost C; every backward
returns dC/dx = delta * f'(x). Where f'(x) is a function of the output (sigmoid, tanh, elu,
softmax) the backward reuses the forward's output instead of recomputing from x. Scalars are
cast to the input's dtype so float32 stays float32.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.polynomial import chebyshev as _cheb

from .. import _jit
from .._jit import flat as _flat
from ..tensor import Tensor, make_result
from ._activation_kernels import (  # noqa: F401  (tests switch these here)
    RELU_JIT_MIN,
    _leaky_backward,
    _leaky_forward,
    _relu_backward,
    _relu_forward,
    _relu_runs,
)

__all__ = [
    "relu",
    "leaky_relu",
    "elu",
    "sigmoid",
    "tanh",
    "softplus",
    "gelu",
    "silu",
    "softmax",
    "log_softmax",
]


def _as_1d(t: Tensor) -> np.ndarray:
    """The data, with a 0-d array seen as shape (1,) so in-place ufuncs work (out is reshaped
    back; the engine sums the (1,) gradient back to shape ())."""
    x = t.data
    return x.reshape(1) if x.ndim == 0 else x


def _floating(t: Tensor, op: str) -> np.ndarray:
    """``_as_1d`` for the activations PyTorch defines on floating point only (an integer input
    would be silently truncated or fail inside NumPy)."""
    if t.data.dtype.kind != "f":
        raise TypeError(
            f"{op}: the input must be floating point, got dtype {t.data.dtype} "
            "(convert it with .float())"
        )
    return _as_1d(t)


def _in_place(fn: Any, input: Tensor, op: str, *args: Any) -> Tensor:  # noqa: A002
    """``inplace=True`` (PyTorch's flag): ``input`` takes the value fn(input) (see inplace.py:
    recorded in the graph, refused for a leaf that requires grad, version bumped)."""
    from ..tensor import commit_inplace

    return commit_inplace(input, lambda t: fn(t, *args), op)


def _float_1d(t: Tensor) -> np.ndarray:
    """:func:`_as_1d`, integers as the default float (float32), as PyTorch's sigmoid/tanh."""
    x = _as_1d(t)
    return x if x.dtype.kind in "fc" else x.astype(np.float32)


def relu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """out = max(x, 0);  dC/dx = delta * [out > 0] (0 at the kink, as PyTorch).

    Arrays of at least RELU_JIT_MIN elements take one compiled pass each way, the result in the
    input's memory order (channels-last stays channels-last); smaller ones NumPy.
    ``inplace=True`` writes the result into ``input`` (as PyTorch's flag).
    """
    if inplace:
        return _in_place(relu, input, "relu_")
    x = _as_1d(input)
    runs = None
    if x.size >= RELU_JIT_MIN and _jit.enabled():
        out = np.empty_like(x)  # x's memory order, without gaps
        runs = _relu_runs(x, out)
    if runs is None:
        out = np.maximum(x, 0)
    else:
        dims, (sx, so) = runs
        _relu_forward(_flat(x), sx, _flat(out, True), so, dims)

    def backward(delta: np.ndarray) -> tuple:
        d = delta.reshape(out.shape)
        if out.size >= RELU_JIT_MIN and d.dtype == out.dtype and _jit.enabled():
            g = np.empty_like(out)
            runs = _relu_runs(out, d, g)
            if runs is not None:
                dims, (so, sd, sg) = runs
                _relu_backward(_flat(d), sd, _flat(out), so, _flat(g, True), sg, dims)
                return (g,)
        return (d * (out > 0),)

    return make_result(out.reshape(input.shape), (input,), backward, "relu")


def leaky_relu(
    input: Tensor,
    negative_slope: float = 0.01,
    inplace: bool = False,  # noqa: A002
) -> Tensor:
    """out = x if x > 0 else negative_slope * x;  dC/dx = delta * (1 or negative_slope).

    With a positive slope and at least RELU_JIT_MIN elements: one compiled pass each way, as
    relu (``_leaky_relu_compiled``); otherwise NumPy.
    """
    if inplace:
        return _in_place(leaky_relu, input, "leaky_relu_", negative_slope)
    x = _floating(input, "leaky_relu")
    slope = x.dtype.type(negative_slope)
    if slope > 0 and x.size >= RELU_JIT_MIN and _jit.enabled():
        fast = _leaky_relu_compiled(input, x, slope)
        if fast is not None:
            return fast
    scale = (x > 0).astype(x.dtype)  # local derivative: 1 where x > 0, slope elsewhere
    scale *= 1 - slope
    scale += slope
    out = x * scale

    def backward(delta: np.ndarray) -> tuple:
        return (delta * scale,)

    return make_result(out.reshape(input.shape), (input,), backward, "leaky_relu")


def _leaky_relu_compiled(input: Tensor, x: np.ndarray, slope: np.floating) -> Tensor | None:  # noqa: A002
    """leaky_relu by one compiled pass forward and one backward (slope > 0, so the backward
    reads the output's sign: out > 0 exactly where x > 0); None when the layout does not fit."""
    out = np.empty_like(x)  # x's memory order, without gaps
    runs = _relu_runs(x, out)
    if runs is None:
        return None
    dims, (sx, so) = runs
    _leaky_forward(_flat(x), sx, _flat(out, True), so, dims, slope)

    def backward(delta: np.ndarray) -> tuple:
        d = delta.reshape(out.shape)
        if d.dtype == out.dtype:
            g = np.empty_like(out)
            runs = _relu_runs(out, d, g)
            if runs is not None:
                dims, (so, sd, sg) = runs
                _leaky_backward(_flat(d), sd, _flat(out), so, _flat(g, True), sg, dims, slope)
                return (g,)
        scale = (out > 0).astype(out.dtype)  # layouts with no common run: NumPy's passes
        scale *= 1 - slope
        scale += slope
        return (d * scale,)

    return make_result(out.reshape(input.shape), (input,), backward, "leaky_relu")


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """out = x if x > 0 else alpha (e^x - 1);  dC/dx = delta * (1 if x > 0 else out + alpha)."""
    if inplace:
        return _in_place(elu, input, "elu_", alpha)
    x = _floating(input, "elu")
    a = x.dtype.type(alpha)
    e = np.minimum(x, 0)
    np.exp(e, out=e)  # e = exp(min(x, 0)): 1 where x > 0
    out = np.maximum(x, 0)
    out += a * e
    out -= a

    def backward(delta: np.ndarray) -> tuple:
        local = (x > 0).astype(x.dtype)  # alpha e^x below 0, 1 above: alpha e + (1 - alpha)[x>0]
        local *= 1 - a
        local += a * e
        local *= delta
        return (local,)

    return make_result(out.reshape(input.shape), (input,), backward, "elu")


def _sigmoid_array(x: np.ndarray) -> np.ndarray:
    """sigma(x) = 1 / (1 + e^-x) = 0.5 tanh(x / 2) + 0.5 (no overflow, ~4x faster than exp)."""
    out = np.multiply(x, x.dtype.type(0.5))
    np.tanh(out, out=out)
    out *= 0.5
    out += 0.5
    return out


def sigmoid(input: Tensor) -> Tensor:  # noqa: A002
    """out = 1 / (1 + e^-x) (computed as 0.5 tanh(x/2) + 0.5);  dC/dx = delta out (1 - out)."""
    out = _sigmoid_array(_float_1d(input))

    def backward(delta: np.ndarray) -> tuple:
        g = np.subtract(1, out)
        g *= out
        g *= delta
        return (g,)

    return make_result(out.reshape(input.shape), (input,), backward, "sigmoid")


def tanh(input: Tensor) -> Tensor:  # noqa: A002
    """out = tanh(x);  dC/dx = delta (1 - out^2)."""
    out = np.tanh(_float_1d(input))

    def backward(delta: np.ndarray) -> tuple:
        g = np.multiply(out, out)
        np.subtract(1, g, out=g)
        g *= delta
        return (g,)

    return make_result(out.reshape(input.shape), (input,), backward, "tanh")


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:  # noqa: A002
    """out = log(1 + e^(beta x)) / beta, and out = x where beta x > threshold (as PyTorch).

    Computed stably as (max(bx, 0) + log1p(e^-|bx|)) / beta.
    dC/dx = delta * sigma(beta x) (1 above the threshold).
    """
    x = _floating(input, "softplus")
    b = x.dtype.type(beta)
    bx = x * b
    out = np.abs(bx)
    np.negative(out, out=out)
    np.exp(out, out=out)
    np.log1p(out, out=out)
    out += np.maximum(bx, 0)
    if b != 1:
        out /= b
    linear = bx > threshold
    if linear.any():
        out[linear] = x[linear]

    def backward(delta: np.ndarray) -> tuple:
        g = _sigmoid_array(bx)
        g[linear] = 1
        g *= delta
        return (g,)

    return make_result(out.reshape(input.shape), (input,), backward, "softplus")


# ---------------------------------------------------------------- the Gaussian CDF for GELU
# erfc(z) = e^(-z^2) erfcx(z) for z >= 0; erfcx is smooth and slowly varying, so a Chebyshev
# series in t = (z - K) / (z + K) in [-1, 1) represents it to ~1e-12 relative with 26 terms.
# The coefficients are computed at import from math.erfc (no magic constants); SciPy's erfc is
# used instead when it is installed (same values, one C loop).
_K = 3.0


def _erfcx_nodes(t: np.ndarray) -> np.ndarray:
    z = _K * (1 + t) / np.maximum(1 - t, 1e-300)
    return np.array([math.erfc(v) * math.exp(v * v) if v < 26 else _erfcx_tail(v) for v in z])


def _erfcx_tail(z: float) -> float:
    """erfcx for large z by its asymptotic series (four terms, exact in double for z >= 26)."""
    u = 1 / (2 * z * z)
    return (1 - u + 3 * u * u - 15 * u**3) / (z * math.sqrt(math.pi))


_ERFCX_CHEB = _cheb.chebinterpolate(_erfcx_nodes, 26)

_scipy_erfc: Any = False  # False: not looked up yet; None: SciPy absent


def _erfc_nonneg(z: np.ndarray, use_scipy: bool = True) -> np.ndarray:
    """erfc(z) for z >= 0 with full relative accuracy in the tail, in z's dtype."""
    global _scipy_erfc
    if use_scipy and _scipy_erfc is False:
        try:  # optional fast path, imported on first use so `import deepgrad` needs no SciPy
            from scipy.special import erfc as _scipy_erfc
        except ImportError:  # pragma: no cover - scipy is an optional extra
            _scipy_erfc = None
    if use_scipy and _scipy_erfc is not None:
        return _scipy_erfc(z).astype(z.dtype, copy=False)
    z64 = z.astype(np.float64)  # float64 inside: e^(-z^2) in float32 loses ~z^2 ulps
    out = _cheb.chebval((z64 - _K) / (z64 + _K), _ERFCX_CHEB)
    out *= np.exp(-(z64 * z64))
    return out.astype(z.dtype, copy=False)


# float32: erfcx as an ordinary polynomial of degree 10 in t (Horner, in place, in float32):
# 3e-7 relative, below the ~z^2 ulps that e^(-z^2) itself carries in float32.
_ERFCX_POLY32 = _cheb.cheb2poly(_cheb.chebinterpolate(_erfcx_nodes, 10)).astype(np.float32)


def _normal_cdf(x: np.ndarray, use_scipy: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Phi(x) = 0.5 erfc(-x / sqrt 2) (relative accuracy in the lower tail) and e^(-x^2/2).

    Phi(-|x|) = 0.5 e^(-z^2) erfcx(z), z = |x| / sqrt 2; Phi(x) = Phi(-|x|) for x < 0 and
    1 - Phi(-|x|) otherwise. The Gaussian factor is returned for the backward's pdf.
    """
    dt = x.dtype.type
    gauss = np.multiply(x, x)
    gauss *= dt(-0.5)
    np.exp(gauss, out=gauss)  # e^(-x^2/2) = e^(-z^2)
    if x.dtype == np.float32:
        z = np.abs(x)
        z *= dt(1 / math.sqrt(2))
        t = z - dt(_K)
        z += dt(_K)
        t /= z
        tail = np.full_like(t, _ERFCX_POLY32[-1])
        for a in _ERFCX_POLY32[-2::-1]:
            tail *= t
            tail += a
        tail *= gauss
        tail *= dt(0.5)  # Phi(-|x|)
    else:
        z = np.abs(x) * dt(1 / math.sqrt(2))
        tail = _erfc_nonneg(z, use_scipy) * dt(0.5)
    pos = x >= 0  # Phi = pos + tail (1 - 2 pos)
    flip = pos.astype(x.dtype)
    flip *= -2
    flip += 1
    tail *= flip
    tail += pos
    return tail, gauss


_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:  # noqa: A002
    """GELU.

    approximate='none':  out = x Phi(x), Phi the standard normal CDF = (1 + erf(x/sqrt 2)) / 2;
        dC/dx = delta (Phi(x) + x phi(x)),  phi(x) = e^(-x^2/2) / sqrt(2 pi).
    approximate='tanh':  out = x/2 (1 + tanh(u)),  u = sqrt(2/pi) (x + 0.044715 x^3);
        dC/dx = delta (0.5 (1 + tanh u) + 0.5 x (1 - tanh^2 u) sqrt(2/pi) (1 + 3 * 0.044715 x^2)).
    """
    x = _floating(input, "gelu")
    dt = x.dtype.type
    if approximate == "none":
        cdf, gauss = _normal_cdf(x)
        out = x * cdf

        def backward(delta: np.ndarray) -> tuple:
            g = gauss * dt(_INV_SQRT_2PI)  # phi(x)
            g *= x
            g += cdf
            g *= delta
            return (g,)

        return make_result(out.reshape(input.shape), (input,), backward, "gelu")
    if approximate != "tanh":
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    k = dt(_SQRT_2_OVER_PI)
    c = dt(0.044715)
    x2 = x * x
    th = x2 * c
    th += 1
    th *= x
    th *= k
    np.tanh(th, out=th)
    out = th + 1
    out *= x
    out *= 0.5

    def backward_tanh(delta: np.ndarray) -> tuple:
        g = np.multiply(th, th)
        np.subtract(1, g, out=g)
        g *= x
        g *= k * 0.5
        g *= x2 * (3 * c) + 1
        g += 0.5 * (1 + th)
        g *= delta
        return (g,)

    return make_result(out.reshape(input.shape), (input,), backward_tanh, "gelu")


def silu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """out = x sigma(x) (swish);  dC/dx = delta sigma(x) (1 + x (1 - sigma(x)))."""
    if inplace:
        return _in_place(silu, input, "silu_")
    x = _floating(input, "silu")
    s = _sigmoid_array(x)
    out = x * s

    def backward(delta: np.ndarray) -> tuple:
        g = np.subtract(1, s)
        g *= x
        g += 1
        g *= s
        g *= delta
        return (g,)

    return make_result(out.reshape(input.shape), (input,), backward, "silu")


from .softmax import log_softmax, softmax  # noqa: E402  (re-exported)
