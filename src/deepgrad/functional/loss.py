"""Loss functions (torch.nn.functional names), each with its backward beside it.

Regression: mse_loss, l1_loss, huber_loss, smooth_l1_loss.  Binary: binary_cross_entropy,
binary_cross_entropy_with_logits. Re-exported here: the softmax family (cross_entropy, nll_loss,
focal_loss) from ``xent.py``, and torchvision's sigmoid_focal_loss and Keras' hinge_loss from
``loss_others.py``.

Every loss takes ``reduction`` in {'none', 'mean', 'sum'} (keyword-only where PyTorch has the
legacy size_average/reduce arguments before it, so a positional call cannot silently misbind):
'none' keeps the per-element loss, 'sum' adds it up, 'mean' divides the sum by the number of
elements. The backward of the reduction hands each element d = delta (none), delta (sum) or
delta / n (mean), and each loss multiplies d by its local derivative. Targets are cast to the
input's dtype (no float64 promotion); a target that requires grad gets its gradient too (as in
PyTorch).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from ..tensor import Tensor, make_result
from .math import cast
from .xent import _check_reduction, cross_entropy, focal_loss, nll_loss

__all__ = [
    "cross_entropy",
    "nll_loss",
    "focal_loss",
    "mse_loss",
    "l1_loss",
    "huber_loss",
    "smooth_l1_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
]


def _like(t: Any, like: Tensor) -> Tensor:
    """``t`` as a Tensor of ``like``'s dtype (a differentiable cast if it needs a gradient)."""
    dtype = like.data.dtype
    if isinstance(t, Tensor):
        if t.data.dtype == dtype:
            return t
        return cast(t, dtype) if t.requires_grad else Tensor(t.data, dtype=dtype)
    return Tensor(np.asarray(t), dtype=dtype)


def _pair(input: Tensor, target: Any, op: str, same_shape: bool) -> tuple[Tensor, Tensor]:  # noqa: A002
    target = _like(target, input)
    if input.shape != target.shape:
        if same_shape:
            raise ValueError(
                f"{op}: target has shape {target.shape} but input has shape {input.shape}; "
                "they must be the same"
            )
        try:
            np.broadcast_shapes(input.shape, target.shape)
        except ValueError:
            raise ValueError(
                f"{op}: target shape {target.shape} cannot be broadcast with input shape "
                f"{input.shape}"
            ) from None
        warnings.warn(
            f"{op}: target shape {target.shape} differs from input shape {input.shape}; "
            "broadcasting them (as PyTorch does), which is often a bug",
            stacklevel=3,
        )
    return input, target


def _finish(
    loss: np.ndarray,
    reduction: str,
    parents: tuple[Tensor, ...],
    local_grads: Callable[[np.ndarray], tuple],
    op: str,
    shape: tuple[int, ...] | None = None,
) -> Tensor:
    """Reduce the elementwise loss and attach the backward of the reduction (``shape``: that of
    the 'none' result, when the loss was computed on a reshaped view)."""
    n = loss.size
    if reduction == "none":
        out = loss if shape is None else loss.reshape(shape)
    elif reduction == "sum":
        out = np.asarray(loss.sum())
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            out = (
                np.asarray(loss.sum() / loss.dtype.type(n)) if n else np.asarray(np.nan, loss.dtype)
            )

    def backward(delta: np.ndarray) -> tuple:
        d = delta / delta.dtype.type(n) if reduction == "mean" else delta
        return local_grads(d)

    return make_result(out, parents, backward, op)


def _needs(t: Tensor | None) -> bool:
    return t is not None and t.requires_grad


# ---------------------------------------------------------------- regression
def _weighted(
    fn: Callable[..., Tensor], input: Tensor, target: Any, weight: Any, reduction: str, op: str,  # noqa: A002
    mean_by: str, **kw: Any,
) -> Tensor:
    """PyTorch's optional elementwise ``weight`` of mse/l1/huber: loss = w * l(x, t); 'mean'
    divides by sum(w) (mean_by='weight': mse, l1) or by the number of elements ('count':
    huber). The weight gets its gradient (it is part of the graph, as in PyTorch)."""
    from .math import div, mul
    from .reduce import mean, sum

    _check_reduction(reduction, op)
    w = _like(weight, input)
    if w.shape != input.shape:
        raise ValueError(
            f"{op}: Weights and input must have the same size (weight shape {w.shape}, input "
            f"shape {input.shape})"
        )
    loss = mul(fn(input, target, reduction="none", **kw), w)
    if reduction == "none":
        return loss
    if reduction == "sum":
        return sum(loss)
    return div(sum(loss), sum(w)) if mean_by == "weight" else mean(loss)


def mse_loss(
    input: Tensor,  # noqa: A002
    target: Any,
    *,
    reduction: str = "mean",
    weight: Any = None,
) -> Tensor:
    """loss = (x - t)^2;  dC/dx = 2 (x - t) d,  dC/dt = -2 (x - t) d. With ``weight`` w (the
    input's shape): loss = w (x - t)^2 and 'mean' divides by sum(w), as PyTorch."""
    if weight is not None:
        return _weighted(mse_loss, input, target, weight, reduction, "mse_loss", "weight")
    _check_reduction(reduction, "mse_loss")
    input, target = _pair(input, target, "mse_loss", same_shape=False)
    diff = input.data - target.data

    def local(d: np.ndarray) -> tuple:
        g = diff * (2 * d)
        return g, (-g if target.requires_grad else None)

    return _finish(diff * diff, reduction, (input, target), local, "mse_loss")


def l1_loss(
    input: Tensor,  # noqa: A002
    target: Any,
    *,
    reduction: str = "mean",
    weight: Any = None,
) -> Tensor:
    """loss = |x - t|;  dC/dx = sign(x - t) d (0 at x = t),  dC/dt = -dC/dx. With ``weight`` w:
    loss = w |x - t| and 'mean' divides by sum(w), as PyTorch."""
    if weight is not None:
        return _weighted(l1_loss, input, target, weight, reduction, "l1_loss", "weight")
    _check_reduction(reduction, "l1_loss")
    input, target = _pair(input, target, "l1_loss", same_shape=False)
    diff = input.data - target.data

    def local(d: np.ndarray) -> tuple:
        g = np.sign(diff) * d
        return g, (-g if target.requires_grad else None)

    return _finish(np.abs(diff), reduction, (input, target), local, "l1_loss")


def huber_loss(
    input: Tensor,  # noqa: A002
    target: Any,
    reduction: str = "mean",
    delta: float = 1.0,
    weight: Any = None,
) -> Tensor:
    """loss = (x - t)^2 / 2 if |x - t| < delta else delta (|x - t| - delta / 2).

    dC/dx = clip(x - t, -delta, delta) d,  dC/dt = -dC/dx.
    (``delta`` is the loss's threshold here, PyTorch's name; the upstream gradient is d.)
    With ``weight`` w: loss = w * loss and 'mean' is the plain mean (PyTorch's choice for huber).
    """
    if weight is not None:
        return _weighted(huber_loss, input, target, weight, reduction, "huber_loss", "count",
                         delta=delta)
    _check_reduction(reduction, "huber_loss")
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be > 0, got {delta}")
    input, target = _pair(input, target, "huber_loss", same_shape=False)
    diff = input.data - target.data
    k = diff.dtype.type(delta)
    ad = np.abs(diff)
    quad = ad < k
    loss = np.where(quad, 0.5 * diff * diff, k * (ad - 0.5 * k))

    def local(d: np.ndarray) -> tuple:
        g = np.clip(diff, -k, k) * d
        return g, (-g if target.requires_grad else None)

    return _finish(loss, reduction, (input, target), local, "huber_loss")


def smooth_l1_loss(
    input: Tensor,  # noqa: A002
    target: Any,
    *,
    reduction: str = "mean",
    beta: float = 1.0,
) -> Tensor:
    """loss = (x - t)^2 / (2 beta) if |x - t| < beta else |x - t| - beta / 2 (l1 for beta = 0).

    dC/dx = clip((x - t) / beta, -1, 1) d,  dC/dt = -dC/dx.
    """
    _check_reduction(reduction, "smooth_l1_loss")
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be >= 0, got {beta}")
    if beta == 0:
        return l1_loss(input, target, reduction=reduction)
    input, target = _pair(input, target, "smooth_l1_loss", same_shape=False)
    diff = input.data - target.data
    b = diff.dtype.type(beta)
    ad = np.abs(diff)
    loss = np.where(ad < b, 0.5 * diff * diff / b, ad - 0.5 * b)

    def local(d: np.ndarray) -> tuple:
        g = np.clip(diff / b, -1, 1) * d
        return g, (-g if target.requires_grad else None)

    return _finish(loss, reduction, (input, target), local, "smooth_l1_loss")


# ---------------------------------------------------------------- binary
def binary_cross_entropy(
    input: Tensor,  # noqa: A002
    target: Any,
    weight: Any = None,
    *,
    reduction: str = "mean",
) -> Tensor:
    """loss = -w (t log x + (1 - t) log(1 - x)), each log clamped at -100 (as PyTorch).

    dC/dx = w (x - t) / max(x (1 - x), 1e-12) d,  dC/dt = w (log(1 - x) - log x) d.
    ``weight`` (broadcast to the input) gets no gradient, as in PyTorch. At saturated inputs
    (x = 0 or 1) dC/dt uses the clamped logs (finite; PyTorch's is inf there).
    """
    op = "binary_cross_entropy"
    _check_reduction(reduction, op)
    input, target = _pair(input, target, op, same_shape=True)
    x, t = _flat1(input), _flat1(target)
    if x.size and (np.nanmin(x) < 0 or np.nanmax(x) > 1):
        raise ValueError(
            f"{op}: input must hold probabilities in [0, 1], got values in "
            f"[{np.nanmin(x):.4g}, {np.nanmax(x):.4g}] (use binary_cross_entropy_with_logits "
            "for logits)"
        )
    w = None if weight is None else _like(weight, input).data
    with np.errstate(divide="ignore"):
        log_x = np.maximum(np.log(x), -100)
        log_1mx = np.maximum(np.log1p(-x), -100)
    loss = t * (log_x - log_1mx)
    loss += log_1mx
    np.negative(loss, out=loss)
    if w is not None:
        loss = loss * w

    def local(d: np.ndarray) -> tuple:
        dd = d if w is None else d * w
        gx = (x - t) / np.maximum(x * (1 - x), x.dtype.type(1e-12)) * dd
        gt = (log_1mx - log_x) * dd if target.requires_grad else None
        return gx, gt

    return _finish(loss, reduction, (input, target), local, op, input.shape)


def _flat1(t: Tensor) -> np.ndarray:
    """The data, a 0-d array seen as shape (1,) so the in-place ufuncs work (the engine sums the
    (1,) gradients back to shape ())."""
    return t.data.reshape(1) if t.data.ndim == 0 else t.data


def _softplus_neg(x: np.ndarray) -> np.ndarray:
    """log(1 + e^-x) = max(-x, 0) + log1p(e^-|x|), stable for any x."""
    out = np.abs(x)
    np.negative(out, out=out)
    np.exp(out, out=out)
    np.log1p(out, out=out)
    out += np.maximum(-x, 0)
    return out


def _sigmoid(x: np.ndarray) -> np.ndarray:
    out = np.multiply(x, x.dtype.type(0.5))
    np.tanh(out, out=out)
    out *= 0.5
    out += 0.5
    return out


def binary_cross_entropy_with_logits(
    input: Tensor,  # noqa: A002
    target: Any,
    weight: Any = None,
    *,
    reduction: str = "mean",
    pos_weight: Any = None,
) -> Tensor:
    """loss = w ((1 - t) x + l softplus(-x)),  l = 1 + (pos_weight - 1) t  (l = 1 if None).

    This is -w (pos_weight t log sigma(x) + (1 - t) log(1 - sigma(x))) without overflow.
    dC/dx = w ((1 - t) - l sigma(-x)) d  (= w (sigma(x) - t) d without pos_weight),
    dC/dt = w (-x + (pos_weight - 1) softplus(-x)) d,  dC/dw = loss / w * d,
    dC/dpos_weight = w t softplus(-x) d.  weight broadcasts to the input, pos_weight along the
    last (class) dimension.
    """
    op = "binary_cross_entropy_with_logits"
    _check_reduction(reduction, op)
    input, target = _pair(input, target, op, same_shape=True)
    w_t = None if weight is None else _like(weight, input)
    pw_t = None if pos_weight is None else _like(pos_weight, input)
    x, t = _flat1(input), _flat1(target)
    sp = _softplus_neg(x)
    if pw_t is None:
        lw = None
        base = x * (1 - t)
        base += sp
    else:
        lw = (pw_t.data - 1) * t
        lw += 1
        base = x * (1 - t)
        base += lw * sp
    loss = base if w_t is None else base * w_t.data

    def local(d: np.ndarray) -> tuple:
        dd = d if w_t is None else d * w_t.data
        if lw is None:
            gx = _sigmoid(x)
            gx -= t
        else:
            gx = _sigmoid(-x)
            gx *= -lw
            gx += 1 - t
        gx *= dd
        gt = None
        if target.requires_grad:
            gt = -x if pw_t is None else (pw_t.data - 1) * sp - x
            gt = gt * dd
        gw = base * d if _needs(w_t) else None
        gpw = t * sp * dd if _needs(pw_t) else None
        grads = (gx, gt)
        if w_t is not None:
            grads += (gw,)
        if pw_t is not None:
            grads += (gpw,)
        return grads

    parents = (input, target) + tuple(p for p in (w_t, pw_t) if p is not None)
    return _finish(loss, reduction, parents, local, op, input.shape)
