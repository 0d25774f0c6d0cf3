"""The course's "maximal stimuli": the input that maximizes a class score, by gradient ascent.

Maximize S_c(x) - l2 * ||x||^2 over x, starting from zeros (or ``start``): plain gradient ascent
x <- x + lr * (dS_c/dx - 2 * l2 * x). For a linear score w . x the answer is x* = w / (2 * l2),
which the tests check.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import nn
from ..tensor import Tensor


def maximal_stimulus(model: nn.Module, target: int, shape: tuple[int, ...], *,
                     steps: int = 200, lr: float = 0.1, l2: float = 1e-2,
                     start: Any = None) -> np.ndarray:
    """The input (of ``shape``, without the batch axis) that maximizes class ``target``'s
    score minus ``l2 * ||x||^2``, after ``steps`` of gradient ascent with step ``lr``."""
    if steps < 1 or lr <= 0 or l2 < 0:
        raise ValueError(f"maximal_stimulus: need steps >= 1, lr > 0, l2 >= 0; got steps="
                         f"{steps}, lr={lr}, l2={l2}")
    x = (np.zeros((1, *shape), np.float32) if start is None
         else np.array(start, dtype=np.float32).reshape(1, *shape))
    was_training = model.training
    model.eval()
    try:
        for _ in range(steps):
            xt = Tensor(x, requires_grad=True)
            out = model(xt)
            if out.ndim != 2 or not 0 <= target < out.shape[1]:
                raise ValueError(f"maximal_stimulus: target {target} does not index the "
                                 f"model's output of shape {tuple(out.shape)}")
            out[0, target].backward()
            g = np.asarray(xt.grad.data if isinstance(xt.grad, Tensor) else xt.grad)
            x = x + np.float32(lr) * (g - np.float32(2 * l2) * x)
    finally:
        model.train(was_training)
    return x[0]
