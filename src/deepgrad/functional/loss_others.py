"""Losses that are not torch.nn.functional's: torchvision's sigmoid_focal_loss and Keras'
hinge_loss (re-exported by ``loss.py``), with their backward beside them."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from .loss import _finish, _flat1, _pair, _sigmoid, _softplus_neg
from .xent import _check_reduction

__all__ = ["sigmoid_focal_loss", "hinge_loss"]


def sigmoid_focal_loss(
    inputs: Tensor,
    targets: Any,
    alpha: float = 0.25,
    gamma: float = 2.0,
    reduction: str = "none",
) -> Tensor:
    """torchvision's focal loss for dense detection (Lin et al. 2017), on logits x.

    s = sigma(x), ce = bce_with_logits(x, t) = (1 - t) x + softplus(-x),
    q = 1 - p_t = s + t - 2 s t,  a_t = alpha t + (1 - alpha)(1 - t) (1 if alpha < 0),
    loss = a_t ce q^gamma.  Default reduction 'none', as torchvision.
    dC/dx = a_t ((s - t) q^gamma + ce gamma q^(gamma-1) s (1 - s)(1 - 2t)) d,
    dC/dt = ((2 alpha - 1) ce q^gamma [alpha >= 0] + a_t (-x q^gamma + ce gamma q^(gamma-1)
    (1 - 2s))) d.
    """
    op = "sigmoid_focal_loss"
    _check_reduction(reduction, op)
    inputs, targets = _pair(inputs, targets, op, same_shape=True)
    x, t = _flat1(inputs), _flat1(targets)
    dt = x.dtype.type
    g = dt(gamma)
    s = _sigmoid(x)
    ce = x * (1 - t)
    ce += _softplus_neg(x)
    q = s + t - 2 * s * t
    qg = q**g
    a_t = None if alpha < 0 else dt(alpha) * t + dt(1 - alpha) * (1 - t)
    loss = ce * qg
    if a_t is not None:
        loss *= a_t

    def local(d: np.ndarray) -> tuple:
        if gamma == 0:
            dq = np.zeros_like(q)
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                dq = np.where(q > 0, g * q ** (g - 1), 0 if gamma != 1 else 1)
            dq *= ce  # ce gamma q^(gamma - 1)
        gx = (s - t) * qg
        gx += dq * (s * (1 - s) * (1 - 2 * t))
        if a_t is not None:
            gx *= a_t
        gx *= d
        gt = None
        if targets.requires_grad:
            gt = dq * (1 - 2 * s)
            gt -= x * qg
            if a_t is not None:
                gt *= a_t
                gt += dt(2 * alpha - 1) * ce * qg
            gt *= d
        return gx, gt

    return _finish(loss, reduction, (inputs, targets), local, op, inputs.shape)


def hinge_loss(
    input: Tensor,  # noqa: A002
    target: Any,
    margin: float = 1.0,
    reduction: str = "mean",
) -> Tensor:
    """Keras' hinge loss: loss = max(0, margin - y s) for scores s and labels y in {-1, +1}.

    Labels given as {0, 1} are mapped to y = 2 t - 1 first (as Keras does). 'mean' averages
    over all elements (Keras' mean over the last axis, then over the batch).
    dC/ds = -y [margin - y s > 0] d; the labels get no gradient (they are discrete).
    """
    op = "hinge_loss"
    _check_reduction(reduction, op)
    input, target = _pair(input, target, op, same_shape=False)
    s, t = input.data, target.data
    y = 2 * t - 1 if bool(np.all((t == 0) | (t == 1))) else t
    h = margin - y * s
    active = h > 0
    loss = h * active

    def local(d: np.ndarray) -> tuple:
        gs = active * d
        gs *= -y
        return (gs,)

    return _finish(loss, reduction, (input,), local, op)
