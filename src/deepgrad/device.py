"""The one device, the CPU, and the arguments of ``.to(...)`` (PyTorch's forms).

``x.to(dg.float64)``, ``x.to('cpu')``, ``x.to(other)``, ``x.to('cpu', dg.float64)`` and
``x.to(device=..., dtype=..., copy=..., non_blocking=...)`` are all accepted, by Tensors and
Modules alike. Any other device ('cuda', 'mps') raises: deepgrad computes on the CPU only.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .tensor import Tensor

__all__ = ["check_device", "parse_to"]


def check_device(device: Any, who: str) -> None:
    """Accept ``'cpu'``, ``'cpu:0'`` or an object printing as such (``torch.device('cpu')``)."""
    name = str(device)
    if name == "cpu" or name.startswith("cpu:"):
        return
    raise RuntimeError(f"{who}: deepgrad computes on the CPU only, got device {name!r}; "
                       "use 'cpu' (or leave the device out)")


def _is_device(value: Any) -> bool:
    return isinstance(value, str) or type(value).__name__ == "device"


def parse_to(args: tuple, kwargs: dict, who: str) -> tuple[np.dtype | None, bool]:
    """(dtype or None, copy) from PyTorch's ``to`` arguments; the device is checked and dropped."""
    kwargs = dict(kwargs)
    dtype = kwargs.pop("dtype", None)
    copy = bool(kwargs.pop("copy", False))
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if "device" in kwargs:
        check_device(kwargs.pop("device"), who)
    if kwargs:
        raise TypeError(f"{who}: unexpected keyword arguments {sorted(kwargs)}")
    rest = list(args)
    if rest and isinstance(rest[0], Tensor):
        dtype = rest.pop(0).dtype
    elif rest and _is_device(rest[0]) and not _is_dtype_name(rest[0]):
        check_device(rest.pop(0), who)
    if rest and not isinstance(rest[0], bool):
        dtype = rest.pop(0)
    if rest:  # non_blocking, copy (positional, as PyTorch)
        rest.pop(0)
        if rest:
            copy = bool(rest.pop(0))
    if rest:
        raise TypeError(f"{who}: too many arguments {args!r}")
    if dtype is not None:
        try:
            dtype = np.dtype(dtype)
        except TypeError:
            raise TypeError(
                f"{who}: expected a dtype, a device or a tensor, got {dtype!r}"
            ) from None
    return dtype, copy


def _is_dtype_name(value: Any) -> bool:
    """'float64' is a dtype, 'cpu' a device."""
    if not isinstance(value, str):
        return False
    try:
        np.dtype(value)
    except TypeError:
        return False
    return True
