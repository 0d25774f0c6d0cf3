"""relu6 / hardtanh (torch.nn.functional names): a ReLU clipped at 6, and its general form.

    hardtanh(x, lo, hi) = min(max(x, lo), hi)       relu6(x) = hardtanh(x, 0, 6)
    dC/dx = delta where lo < x < hi, else 0 (PyTorch's hardtanh backward: 0 at the bounds)

The output keeps the input's memory order (a channels-last conv output stays channels-last).
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor, make_result

__all__ = ["hardtanh", "relu6"]


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,  # noqa: A002
             inplace: bool = False) -> Tensor:
    """out = min(max(x, min_val), max_val); dC/dx = delta * [min_val < x < max_val]."""
    if inplace:
        raise NotImplementedError("hardtanh: inplace=True is not supported")
    x = input.data
    if x.dtype.kind != "f":
        raise TypeError(f"hardtanh: input must be floating point, got dtype {x.dtype}")
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) must not exceed max_val ({max_val})")
    lo, hi = x.dtype.type(min_val), x.dtype.type(max_val)
    out = np.empty_like(x)  # x's memory order
    np.clip(x, lo, hi, out=out)

    def backward(delta: np.ndarray) -> tuple:
        inside = (x > lo) & (x < hi)
        return (delta * inside,)

    return make_result(out, (input,), backward, "hardtanh")


def relu6(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """out = min(max(x, 0), 6) (MobileNet's bounded ReLU); dC/dx = delta * [0 < x < 6]."""
    if inplace:
        raise NotImplementedError("relu6: inplace=True is not supported")
    return hardtanh(input, 0.0, 6.0)
