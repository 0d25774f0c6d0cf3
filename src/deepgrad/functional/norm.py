"""Normalization ops: batch_norm, layer_norm, group_norm, each with a fused backward beside it.

Batch normalization controls the mean and variance of the outputs before the activations (the
notes, week 2): every channel c of a pre-activation x is standardized and then rescaled by
learned parameters,

    xhat = (x - mu) / sqrt(sigma^2 + eps),      out = gamma * xhat + beta.

The ops differ only in *which* elements share mu and sigma^2: batch_norm pools a channel over
the batch and the spatial positions, layer_norm pools each sample's last dimensions, group_norm
pools each sample's channel groups. Their backward passes are written in closed form (one
fused expression per input, not a graph of small ops), in the input's dtype, with few
temporaries. With m elements per statistic and delta = dC/d(out):

    dC/dbeta  = sum delta
    dC/dgamma = sum delta * xhat
    dC/dx     = (1/m) * inv_std * (m * g - sum(g) - xhat * sum(g * xhat)),   g = gamma * delta
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._jit import enabled as jit_enabled
from ..tensor import Tensor, make_result
from . import _norm_kernels as K

__all__ = ["batch_norm", "layer_norm", "group_norm"]

Stat = np.ndarray | Tensor | None


# ---------------------------------------------------------------------- helpers
def _float_input(input: Any, op: str, min_ndim: int) -> np.ndarray:  # noqa: A002
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input must be a deepgrad Tensor, got {type(input).__name__}")
    x = input.data
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: input must be floating point, got dtype {x.dtype}")
    if x.ndim < min_ndim:
        raise ValueError(
            f"{op}: expected an input with at least {min_ndim} dimensions, got shape {x.shape}"
        )
    return x


def _param(p: Tensor | None, shape: tuple[int, ...], dtype: np.dtype, what: str, op: str):
    """The array behind an optional per-feature parameter, checked and cast to ``dtype``."""
    if p is None:
        return None
    arr = p.data if isinstance(p, Tensor) else np.asarray(p)
    if arr.shape != shape:
        raise ValueError(f"{op}: {what} must have shape {shape}, got {arr.shape}")
    return arr.astype(dtype, copy=False)


def _stat(s: Stat, c: int, op: str, name: str, shape: tuple[int, ...]) -> np.ndarray | None:
    if s is None:
        return None
    arr = s.data if isinstance(s, Tensor) else s
    if not isinstance(arr, np.ndarray) or arr.dtype.kind != "f":
        raise TypeError(f"{op}: {name} must be a floating-point NumPy array (or Tensor)")
    if arr.shape != (c,):
        raise ValueError(
            f"{op}: {name} must have shape ({c},), one entry per channel of the input "
            f"(input shape {shape}, {c} channels), got {arr.shape}"
        )
    return arr


def _to3(a: np.ndarray, channels_last: bool) -> np.ndarray:
    """View ``a`` (N, C, *) as a C-ordered (A, C, B) array: B=1 for channels-last memory."""
    if channels_last:
        return np.moveaxis(a, 1, -1).reshape(-1, a.shape[1], 1)
    return a.reshape(a.shape[0], a.shape[1], -1)


def _from3(a3: np.ndarray, channels_last: bool, shape: tuple[int, ...]) -> np.ndarray:
    """Inverse of :func:`_to3`: an array of ``shape`` with the original memory layout."""
    if channels_last:
        return np.moveaxis(a3.reshape((shape[0],) + shape[2:] + (shape[1],)), -1, 1)
    return a3.reshape(shape)


def _channels_last(x: np.ndarray) -> bool:
    """True when ``x`` (N, C, *) lies in channels-last memory (e.g. NHWC under an NCHW shape)."""
    if x.ndim < 3 or x.flags.c_contiguous:
        return False
    return np.moveaxis(x, 1, -1).flags.c_contiguous


def _csum(a3: np.ndarray) -> np.ndarray:
    """Per-channel sum of an (A, C, B) array."""
    return a3.sum(axis=(0, 2))


def _cdot(a3: np.ndarray, b3: np.ndarray) -> np.ndarray:
    """Per-channel sum of a3 * b3 without the product temporary."""
    return np.einsum("acb,acb->c", a3, b3)


# ---------------------------------------------------------------------- batch norm
def batch_norm(
    input: Tensor,  # noqa: A002
    running_mean: Stat,
    running_var: Stat,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Batch normalization over channel 1 of an (N, C), (N, C, L) or (N, C, H, W) input.

    For each channel c, with m = N * L (or N * H * W) values x_i:

        mu = (1/m) sum_i x_i,   sigma^2 = (1/m) sum_i (x_i - mu)^2            (training)
        xhat_i = (x_i - mu) / sqrt(sigma^2 + eps),   out_i = gamma * xhat_i + beta

    In training mode the batch statistics are used and, when given, ``running_mean`` and
    ``running_var`` (NumPy arrays of shape (C,), or Tensors) are updated IN PLACE as
    exponential moving averages with the unbiased batch variance, as PyTorch does:

        running_mean = (1 - momentum) * running_mean + momentum * mu
        running_var  = (1 - momentum) * running_var  + momentum * sigma^2 * m / (m - 1)

    In evaluation mode (``training=False``) mu and sigma^2 are the running statistics, so the
    op is the affine map out = x * gamma / sqrt(rv + eps) + (beta - rm * gamma / sqrt(rv + eps)).
    ``weight`` (gamma) and ``bias`` (beta) are optional, shape (C,).

    Backward in training mode (the fused form; inv_std = 1 / sqrt(sigma^2 + eps)):

        dC/dx = (1/m) * gamma * inv_std * (m * delta - sum(delta) - xhat * sum(delta * xhat))

    and in evaluation mode dC/dx = delta * gamma * inv_std. Both modes: dC/dgamma =
    sum(delta * xhat), dC/dbeta = sum(delta). Channels-last memory is kept in the output.
    Large float32/float64 inputs in channels-last or NCHW memory take a compiled path (the
    same equations, statistics in float64; see :func:`_batch_norm_compiled`).
    """
    op = "batch_norm"
    x = _float_input(input, op, 2)
    shape = x.shape
    c = shape[1]
    dt = x.dtype
    rm = _stat(running_mean, c, op, "running_mean", shape)
    rv = _stat(running_var, c, op, "running_var", shape)
    w = _param(weight, (c,), dt, f"weight (one per channel, {c} channels)", op)
    b = _param(bias, (c,), dt, f"bias (one per channel, {c} channels)", op)
    m = x.size // c if c else 0
    if training and m == 1:
        raise ValueError(
            f"{op}: Expected more than 1 value per channel when training, got input size {shape}"
        )
    if not training and (rm is None or rv is None):
        raise ValueError(
            f"{op}: running_mean and running_var must be given in evaluation mode "
            "(training=False); pass training=True to normalize with the batch statistics"
        )
    parents = tuple(t for t in (input, weight, bias) if t is not None)
    if x.size == 0:
        return make_result(np.empty(shape, dt), parents, _zero_grads(parents), op)
    lay = K.layout_of(x) if x.size >= K.MIN_SIZE and jit_enabled() else None
    if lay is not None:
        out, backward = _batch_norm_compiled(input, weight, bias, lay, w, b, rm, rv, training,
                                             momentum, eps)  # fmt: skip
        return make_result(out, parents, backward, op)

    cl = _channels_last(x)
    x3 = _to3(x, cl)
    col = (1, c, 1)

    if training:
        mean = _csum(x3) / dt.type(m)
        xhat = x3 - mean.reshape(col)
        var = _cdot(xhat, xhat) / dt.type(m)
        inv_std = 1.0 / np.sqrt(var + dt.type(eps))
        xhat *= inv_std.reshape(col)
        if rm is not None and rv is not None:
            _update_running(rm, rv, mean, var, m, momentum)
        scale = inv_std if w is None else w * inv_std
        if w is None and b is None:
            out3 = xhat
        else:
            out3 = xhat * w.reshape(col) if w is not None else xhat.copy()
            if b is not None:
                out3 += b.reshape(col)
    else:
        rmc = rm.astype(dt, copy=False)
        inv_std = (1.0 / np.sqrt(rv.astype(dt, copy=False) + dt.type(eps))).astype(dt)
        scale = inv_std if w is None else w * inv_std
        shift = -rmc * scale if b is None else b - rmc * scale
        out3 = x3 * scale.reshape(col)
        out3 += shift.reshape(col)
        xhat = None

    def backward(delta: np.ndarray) -> tuple:
        d3 = _to3(delta.astype(dt, copy=False), cl)
        want_w = weight is not None and weight.requires_grad
        want_b = bias is not None and bias.requires_grad
        xh = xhat
        if xh is None and want_w:  # evaluation mode: rebuild xhat only when gamma needs it
            xh = (x3 - rmc.reshape(col)) * inv_std.reshape(col)
        gx = gw = gb = None
        if training and input.requires_grad:
            dbeta = _csum(d3)
            dgamma = _cdot(d3, xh)
            gx = xh * (dgamma / dt.type(m)).reshape(col)
            gx += (dbeta / dt.type(m)).reshape(col)
            np.subtract(d3, gx, out=gx)
            gx *= scale.reshape(col)
            gw = dgamma if want_w else None
            gb = dbeta if want_b else None
        else:
            if input.requires_grad:
                gx = d3 * scale.reshape(col)
            if want_w:
                gw = _cdot(d3, xh)
            if want_b:
                gb = _csum(d3)
        if gx is not None:
            gx = _from3(gx, cl, shape)
        return _present((gx, gw, gb), (input, weight, bias))

    return make_result(_from3(out3, cl, shape), parents, backward, op)


def _batch_norm_compiled(input, weight, bias, lay, w, b, rm, rv, training, momentum, eps):  # noqa: A002
    """batch_norm's compiled path (float32/float64; channels-last or NCHW-plane memory).

    The same equations, with the per-channel statistics and constants in float64 and one
    pass over memory per step (``_norm_kernels``); xhat is recomputed, never stored:

        forward:   mu, sigma^2 (one pass, shifted sums)
                   out = (x - mu) * k + beta,                       k = gamma * inv_std
        backward:  sd = sum delta, sdx = sum delta * (x - mu)       (one pass)
                   dC/dbeta = sd, dC/dgamma = sdx * inv_std
                   dC/dx = k * delta - (k * inv_std * dC/dgamma / m) * (x - mu) - k * sd / m
                         = (1/m) k (m delta - sum(delta) - xhat sum(delta xhat))
    (evaluation: mu, sigma^2 = running statistics and dC/dx = k * delta).
    Returns (out, backward); out keeps the input's memory order.
    """
    x = input.data
    dt = x.dtype
    c = lay.c
    m = x.size // c
    if training:
        mu, var = K.stats(x, lay)
        if rm is not None and rv is not None:
            _update_running(rm, rv, mu, var, m, momentum)
    else:
        mu, var = rm.astype(np.float64), rv.astype(np.float64)
    inv_std = 1.0 / np.sqrt(var + float(eps))
    k = inv_std if w is None else w.astype(np.float64) * inv_std
    beta = np.zeros(c) if b is None else b.astype(np.float64)
    out = K.affine(x, lay, mu, k, beta)

    def backward(delta: np.ndarray) -> tuple:
        delta = delta.astype(dt, copy=False)
        want_w = weight is not None and weight.requires_grad
        want_b = bias is not None and bias.requires_grad
        gx = gw = gb = None
        if (training and input.requires_grad) or want_w or want_b:
            sd, sdx = K.reduce(delta, x, lay, mu)
            dgamma = sdx * inv_std
            gw = dgamma.astype(dt) if want_w else None
            gb = sd.astype(dt) if want_b else None
        if input.requires_grad and training:
            gx = K.dx(delta, x, lay, mu, k, -k * inv_std * dgamma / m, -k * sd / m)
        elif input.requires_grad:
            zero = np.zeros(c)
            gx = K.affine(delta, lay, zero, k, zero)
        return _present((gx, gw, gb), (input, weight, bias))

    return out, backward


def _update_running(rm: np.ndarray, rv: np.ndarray, mean, var, m: int, momentum: float) -> None:
    """running = (1 - momentum) * running + momentum * batch statistic, in place, the variance
    unbiased (times m / (m - 1)); in float64, rounded once (as PyTorch)."""
    mom = float(momentum)
    rm[...] = rm.astype(np.float64) * (1.0 - mom) + np.asarray(mean, np.float64) * mom
    unbiased = np.asarray(var, np.float64) * (m / (m - 1))
    rv[...] = rv.astype(np.float64) * (1.0 - mom) + unbiased * mom


def _present(grads: tuple, inputs: tuple) -> tuple:
    """The gradients of the inputs that were given (optional weight and bias may be None)."""
    return tuple(g for g, t in zip(grads, inputs, strict=True) if t is not None)


def _zero_grads(parents: Sequence[Tensor]):
    def backward(delta: np.ndarray) -> tuple:
        return tuple(np.zeros(p.data.shape, p.data.dtype) for p in parents)

    return backward


# ---------------------------------------------------------------------- row normalization
def _rows_forward(x2: np.ndarray, eps: float) -> tuple[np.ndarray, np.ndarray]:
    """Standardize each row of a 2-D array: returns (xhat, inv_std) with biased variance."""
    d = x2.dtype.type(x2.shape[1])
    xhat = x2 - (x2.sum(axis=1) / d)[:, None]
    var = np.einsum("md,md->m", xhat, xhat) / d
    inv_std = 1.0 / np.sqrt(var + x2.dtype.type(eps))
    xhat *= inv_std[:, None]
    return xhat, inv_std


def _rows_backward(g2: np.ndarray, xhat: np.ndarray, inv_std: np.ndarray) -> np.ndarray:
    """dC/dx of the row standardization, given g = dC/dxhat (fused; one temporary)."""
    d = g2.dtype.type(g2.shape[1])
    gx = xhat * (np.einsum("md,md->m", g2, xhat) / d)[:, None]
    gx += (g2.sum(axis=1) / d)[:, None]
    np.subtract(g2, gx, out=gx)
    gx *= inv_std[:, None]
    return gx


def layer_norm(
    input: Tensor,  # noqa: A002
    normalized_shape: int | Sequence[int],
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Layer normalization over the last ``len(normalized_shape)`` dimensions of each sample.

    With the D = prod(normalized_shape) values x_j of one sample:

        mu = (1/D) sum_j x_j,   sigma^2 = (1/D) sum_j (x_j - mu)^2
        out_j = gamma_j * (x_j - mu) / sqrt(sigma^2 + eps) + beta_j

    ``weight`` (gamma) and ``bias`` (beta) have shape ``normalized_shape`` (elementwise, not
    per channel). Unlike batch_norm it behaves the same in training and evaluation.
    Backward: g = gamma * delta, dC/dx = (inv_std / D) (D g - sum(g) - xhat sum(g xhat)),
    dC/dgamma = sum over samples of delta * xhat, dC/dbeta = sum over samples of delta.
    """
    op = "layer_norm"
    ns = (int(normalized_shape),) if np.isscalar(normalized_shape) else tuple(normalized_shape)
    x = _float_input(input, op, len(ns))
    shape = x.shape
    k = len(ns)
    if k == 0 or shape[x.ndim - k :] != ns:
        raise ValueError(
            f"{op}: normalized_shape={ns} must be non-empty and equal the last dimensions of "
            f"the input (expected shape (*, {', '.join(map(str, ns))})), got input shape {shape}"
        )
    dt = x.dtype
    w = _param(weight, ns, dt, "weight (same shape as normalized_shape)", op)
    b = _param(bias, ns, dt, "bias (same shape as normalized_shape)", op)
    parents = tuple(t for t in (input, weight, bias) if t is not None)
    dsize = math.prod(ns)
    if x.size == 0:
        return make_result(np.empty(shape, dt), parents, _zero_grads(parents), op)
    x2 = x.reshape(-1, dsize)
    xhat, inv_std = _rows_forward(x2, eps)
    w1 = None if w is None else w.reshape(dsize)
    b1 = None if b is None else b.reshape(dsize)
    out = _affine(xhat, w1, b1)

    def backward(delta: np.ndarray) -> tuple:
        d2 = delta.reshape(-1, dsize)
        gx = gw = gb = None
        if input.requires_grad:
            g2 = d2 if w1 is None else d2 * w1
            gx = _rows_backward(g2, xhat, inv_std).reshape(shape)
        if weight is not None and weight.requires_grad:
            gw = np.einsum("md,md->d", d2, xhat).reshape(ns)
        if bias is not None and bias.requires_grad:
            gb = d2.sum(axis=0).reshape(ns)
        return _present((gx, gw, gb), (input, weight, bias))

    return make_result(out.reshape(shape), parents, backward, op)


def _affine(xhat: np.ndarray, w: np.ndarray | None, b: np.ndarray | None) -> np.ndarray:
    """gamma * xhat + beta (broadcast over rows); ``xhat`` itself when both are absent."""
    if w is None and b is None:
        return xhat
    out = xhat * w if w is not None else xhat.copy()
    if b is not None:
        out += b
    return out


def group_norm(
    input: Tensor,  # noqa: A002
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Group normalization: each sample's C channels split into ``num_groups`` groups.

    Each group of one sample (C / G channels times the spatial positions, D values) is
    standardized with its own mu and sigma^2 (biased), then a per-channel affine map applies:
    out = gamma_c * xhat + beta_c. G = 1 is layer normalization over (C, *) with per-channel
    parameters; G = C is instance normalization. Same in training and evaluation. Backward as
    layer_norm with g = gamma_c * delta.
    """
    op = "group_norm"
    x = _float_input(input, op, 2)
    shape = x.shape
    n, c = shape[0], shape[1]
    if not isinstance(num_groups, int | np.integer) or num_groups <= 0 or c % num_groups:
        raise ValueError(
            f"{op}: the number of channels ({c}, input shape {shape}) must be divisible by "
            f"num_groups, got num_groups={num_groups}"
        )
    dt = x.dtype
    w = _param(weight, (c,), dt, f"weight (one per channel, {c} channels)", op)
    b = _param(bias, (c,), dt, f"bias (one per channel, {c} channels)", op)
    parents = tuple(t for t in (input, weight, bias) if t is not None)
    if x.size == 0:
        return make_result(np.empty(shape, dt), parents, _zero_grads(parents), op)
    col = (1, c, 1)
    xhat2, inv_std = _rows_forward(x.reshape(n * num_groups, -1), eps)
    xhat3 = xhat2.reshape(n, c, -1)
    out = _affine(xhat3, *(None if p is None else p.reshape(col) for p in (w, b)))

    def backward(delta: np.ndarray) -> tuple:
        d3 = delta.reshape(n, c, -1)
        gx = gw = gb = None
        if input.requires_grad:
            g3 = d3 if w is None else d3 * w.reshape(col)
            gx = _rows_backward(g3.reshape(n * num_groups, -1), xhat2, inv_std).reshape(shape)
        if weight is not None and weight.requires_grad:
            gw = np.einsum("ncl,ncl->c", d3, xhat3)
        if bias is not None and bias.requires_grad:
            gb = d3.sum(axis=(0, 2))
        return _present((gx, gw, gb), (input, weight, bias))

    return make_result(out.reshape(shape), parents, backward, op)
