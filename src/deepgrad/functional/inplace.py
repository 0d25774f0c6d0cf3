"""In-place updates, with PyTorch's rules: ``x += y``, ``x.add_(y)``, ``p -= lr * p.grad``.

Each in-place op computes its value with the ordinary (out-of-place) op and hands it to
:func:`deepgrad.tensor.commit_inplace`, which writes it into the tensor itself:

* under ``no_grad`` (parameter updates, the week-1 gradient descent by hand) the values go
  into the tensor's own memory, so every alias (``c = b; b += 1``) sees them;
* outside ``no_grad`` a leaf that requires grad refuses (PyTorch's error), and a tensor inside
  a graph becomes the output of the new op, so gradients still flow through it;
* every change bumps the tensor's version: backpropagating through an op that had used the
  old value raises instead of giving a wrong gradient.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor, commit_inplace
from . import math as M
from .clamp import clamp

__all__ = ["add_", "sub_", "mul_", "div_", "zero_", "fill_", "clamp_", "copy_"]


def add_(self: Tensor, other: Any, alpha: Any = 1) -> Tensor:
    """self <- self + alpha * other."""
    other = other if alpha == 1 else M.mul(M.lift(other, self), alpha)
    return commit_inplace(self, lambda t: M.add(t, other), "add_")


def sub_(self: Tensor, other: Any, alpha: Any = 1) -> Tensor:
    """self <- self - alpha * other."""
    other = other if alpha == 1 else M.mul(M.lift(other, self), alpha)
    return commit_inplace(self, lambda t: M.sub(t, other), "sub_")


def mul_(self: Tensor, other: Any) -> Tensor:
    """self <- self * other."""
    return commit_inplace(self, lambda t: M.mul(t, other), "mul_")


def div_(self: Tensor, other: Any) -> Tensor:
    """self <- self / other."""
    return commit_inplace(self, lambda t: M.div(t, other), "div_")


def clamp_(self: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    """self <- min(max(self, min), max)."""
    return commit_inplace(self, lambda t: clamp(t, min, max), "clamp_")


def fill_(self: Tensor, value: Any) -> Tensor:
    """self <- value everywhere (no gradient flows to the old value; a 0-d tensor value gets the
    summed gradient)."""
    v = value.data if isinstance(value, Tensor) else value
    if np.ndim(v) != 0:
        raise RuntimeError(
            f"fill_: value must be a number or a 0-d tensor, got shape {np.shape(v)}"
        )
    filled = M.add(Tensor(np.zeros(self.shape, dtype=self.dtype)), M.lift(value, self))
    return commit_inplace(self, lambda t: filled, "fill_")


def zero_(self: Tensor) -> Tensor:
    """self <- 0."""
    return fill_(self, 0)


def copy_(self: Tensor, src: Any) -> Tensor:
    """self <- src (broadcast to self's shape, cast to self's dtype); gradients flow to src."""
    src = M.lift(src, self)
    if src.shape != self.shape:
        try:
            np.broadcast_shapes(src.shape, self.shape)
        except ValueError:
            raise RuntimeError(
                f"copy_: src of shape {list(src.shape)} cannot be broadcast to {list(self.shape)}"
            ) from None
        src = M.add(src, Tensor(np.zeros(self.shape, dtype=src.dtype)))
    if src.dtype != self.dtype:
        src = M.cast(src, self.dtype)
    return commit_inplace(
        self, lambda t: M.add(src, Tensor(np.zeros((), dtype=self.dtype))), "copy_"
    )


def bind() -> None:
    """Attach the in-place methods and operators (``+=``, ``-=``, ``*=``, ``/=``) to Tensor."""
    for name in __all__:
        setattr(Tensor, name, globals()[name])
    Tensor.__iadd__ = add_
    Tensor.__isub__ = sub_
    Tensor.__imul__ = mul_
    Tensor.__itruediv__ = div_
