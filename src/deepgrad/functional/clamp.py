"""clamp / clip (torch.clamp): bounds that are numbers or tensors, with PyTorch's gradients.

Re-exported by ``math.py``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor, make_result
from ._promote import result_type
from .math import lift

__all__ = ["clamp", "clip"]


def clamp(input: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A001,A002
    """out = min(max(x, lo), hi) (torch.clamp; out = hi wherever lo > hi).

    dC/dx = delta where lo <= x <= hi, else 0. Tensor bounds broadcast with x and get their
    gradient as PyTorch routes it: dC/dlo = delta where x < lo (and lo < hi when both are
    given), dC/dhi = delta where x > hi (or hi < lo).
    """
    if min is None and max is None:
        raise ValueError("clamp: at least one of 'min' and 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        return _clamp_tensor(input, min, max)
    dt = result_type(input, min, max)  # (an integer tensor with a float bound gives float32)
    x = input.data.astype(dt, copy=False)
    lo = None if min is None else np.asarray(min).astype(dt)
    hi = None if max is None else np.asarray(max).astype(dt)
    out = x
    if lo is not None:
        out = np.maximum(out, lo)
    if hi is not None:
        out = np.minimum(out, hi)

    def backward(delta: np.ndarray) -> tuple:
        keep = np.ones(x.shape, dtype=bool)
        if lo is not None:
            keep = keep & (x >= lo)
        if hi is not None:
            keep = keep & (x <= hi)
        return (delta * keep,)

    return make_result(np.asarray(out), (input,), backward, "clamp")


def _clamp_tensor(input: Tensor, min: Any, max: Any) -> Tensor:  # noqa: A002
    x = input
    dt = result_type(input, min, max)
    lo = None if min is None else lift(min, x)
    hi = None if max is None else lift(max, x)
    out = x.data.astype(dt, copy=False)
    try:
        if lo is not None:
            out = np.maximum(out, lo.data.astype(dt, copy=False))
        if hi is not None:
            out = np.minimum(out, hi.data.astype(dt, copy=False))
    except ValueError:
        shapes = [t.shape for t in (x, lo, hi) if t is not None]
        raise ValueError(f"clamp: shapes {shapes} (input, bounds) do not broadcast") from None
    xd = x.data

    def backward(delta: np.ndarray) -> tuple:
        z = delta.dtype.type(0)
        if lo is not None and hi is not None:
            gx = np.where((xd >= lo.data) & (xd <= hi.data), delta, z)
            glo = np.where((xd < lo.data) & (lo.data < hi.data), delta, z)
            ghi = np.where((xd > hi.data) | (hi.data < lo.data), delta, z)
        elif lo is not None:
            gx = np.where(xd >= lo.data, delta, z)
            glo, ghi = np.where(xd < lo.data, delta, z), None
        else:
            gx, glo = np.where(xd <= hi.data, delta, z), None
            ghi = np.where(xd > hi.data, delta, z)
        grads = (gx,) + tuple(g for g, t in ((glo, lo), (ghi, hi)) if t is not None)
        return grads

    parents = (x,) + tuple(t for t in (lo, hi) if t is not None)
    return make_result(np.asarray(out), parents, backward, "clamp")


clip = clamp
