"""Parameter: a trainable tensor that a Module registers when it is assigned as an attribute."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor

__all__ = ["Parameter", "parameter_dtype"]


class Parameter(Tensor):
    """A trainable tensor: a leaf :class:`~deepgrad.Tensor` with ``requires_grad=True``.

    ``Parameter(data)`` keeps the float dtype of a NumPy array (Python lists become float32).
    Assigning a Parameter to a Module attribute registers it.
    """

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            data = np.empty(0, dtype=np.float32)
        if isinstance(data, Tensor):
            data = data.data
        arr = np.asarray(data)
        if arr.dtype.kind != "f":
            arr = arr.astype(np.float32)
        elif not isinstance(data, np.ndarray):
            arr = arr.astype(np.float32)
        super().__init__(arr, requires_grad=requires_grad, dtype=arr.dtype)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol: Any) -> Any:
        return (Parameter, (self.data, self.requires_grad))


def parameter_dtype(dtype: Any, layer: str) -> np.dtype:
    """The dtype of a layer's parameters: float32 by default, any floating dtype if asked."""
    dt = np.dtype(np.float32 if dtype is None else dtype)
    if dt.kind != "f":
        raise TypeError(f"{layer}: parameters need a floating dtype, got {dt}")
    return dt
