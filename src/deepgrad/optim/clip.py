"""Gradient clipping by global norm and by value (in place on ``p.grad``)."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from ..tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_", "grad_norm"]


def _grads(parameters: Tensor | Iterable[Tensor], fn: str) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    params = list(parameters)
    for i, p in enumerate(params):
        if not isinstance(p, Tensor):
            raise TypeError(f"{fn}: parameters[{i}] must be a deepgrad.Tensor, got {type(p)}")
    return [p for p in params if p.grad is not None]


def _norm(g: np.ndarray, norm_type: float) -> float:
    if norm_type == 2.0:
        flat = g.reshape(-1)
        return math.sqrt(float(np.dot(flat, flat)))
    if math.isinf(norm_type):
        return float(np.max(np.abs(g))) if g.size else 0.0
    return float(np.linalg.norm(g.reshape(-1), ord=norm_type))


def grad_norm(parameters: Tensor | Iterable[Tensor], norm_type: float = 2.0) -> float:
    """The norm of all gradients together, ``||(g_1, ..., g_n)||_p`` (``inf``: max |g|)."""
    norm_type = float(norm_type)
    norms = [_norm(p.grad, norm_type) for p in _grads(parameters, "grad_norm")]
    if not norms:
        return 0.0
    if math.isinf(norm_type):
        return max(norms)
    if norm_type == 2.0:
        return math.sqrt(math.fsum(n * n for n in norms))
    return math.fsum(n**norm_type for n in norms) ** (1.0 / norm_type)


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> Tensor:
    r"""Rescale all gradients together so that their global norm is at most ``max_norm``.

    ``total = ||(g_1, ..., g_n)||_p``; if ``total > max_norm`` every gradient is multiplied by
    ``max_norm / (total + 1e-6)`` (as ``torch.nn.utils.clip_grad_norm_``), keeping the
    direction of the overall gradient. Returns the norm before clipping as PyTorch does: a 0-d
    tensor of the gradients' dtype (``.item()`` or ``float()`` for the number).
    """
    max_norm = float(max_norm)
    params = _grads(parameters, "clip_grad_norm_")
    total = grad_norm(params, norm_type)
    if not math.isfinite(total):
        if error_if_nonfinite:
            raise RuntimeError(
                f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is "
                f"{total}, so they cannot be clipped (error_if_nonfinite=True)"
            )
    coef = max_norm / (total + 1e-6)
    if coef < 1.0 or math.isnan(coef):
        for p in params:
            g = p.grad
            if g.flags.writeable:
                np.multiply(g, coef, out=g)
            else:
                p.grad = g * np.asarray(coef, dtype=g.dtype)
    dtype = params[0].grad.dtype if params else np.float32
    return Tensor(np.asarray(total, dtype=dtype), dtype=dtype)


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clamp every gradient element into ``[-clip_value, clip_value]`` in place."""
    c = float(clip_value)
    if c < 0:
        raise ValueError(f"clip_grad_value_: clip_value must be >= 0, got {clip_value}")
    for p in _grads(parameters, "clip_grad_value_"):
        g = p.grad
        if g.flags.writeable:
            np.clip(g, -c, c, out=g)
        else:
            p.grad = np.clip(g, -c, c)
