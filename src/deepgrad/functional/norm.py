"""Batch normalization (batch_norm), with its fused backward beside it; layer_norm and group_norm
are in layer_norm.py (re-exported here). ``norm_plain.py`` is the same batch norm in five lines
of deepgrad ops, whose backward autodiff derives: read it first.

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

import numpy as np

from .._jit import enabled as jit_enabled
from ..tensor import Tensor, make_result
from . import _norm_kernels as K
from ._norm_common import _float_input, _param, _present, _zero_grads
from .layer_norm import group_norm, layer_norm

__all__ = ["batch_norm", "layer_norm", "group_norm"]  # (the last two from layer_norm.py)

Stat = np.ndarray | Tensor | None


# ---------------------------------------------------------------------- helpers
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


def _channels_last_contiguous(x: np.ndarray) -> bool:
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
    if isinstance(momentum, bool) or not isinstance(momentum, int | float | np.floating):
        raise TypeError(f"{op}: momentum must be a number, got {momentum!r} (momentum=None, a "
                        "cumulative average, is the layers' option: nn.BatchNorm2d(momentum=None))")
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

    cl = _channels_last_contiguous(x)
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
        delta = lay.conform(delta.astype(dt, copy=False))  # one copy for both passes, if any
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
