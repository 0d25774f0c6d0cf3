"""Start every rank from the same weights: parameters (and buffers) broadcast from rank 0.

Arrays are packed by dtype into one flat buffer each, so a model costs one broadcast per dtype
whatever its number of tensors.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .world import World, get_world

__all__ = ["broadcast_arrays", "broadcast_parameters", "broadcast_buffers"]


def broadcast_arrays(
    arrays: Iterable[np.ndarray], root: int = 0, world: World | None = None, what: str = "arrays"
) -> None:
    """Overwrite every array (in place) with rank ``root``'s values: one broadcast per dtype."""
    world = world or get_world()
    arrays = [a for a in arrays if a is not None]
    if not world.active or not arrays:
        return
    by_dtype: dict[np.dtype, list[np.ndarray]] = {}
    for a in arrays:
        by_dtype.setdefault(a.dtype, []).append(a)
    for dtype, group in by_dtype.items():
        flat = np.concatenate([a.reshape(-1) for a in group]) if group else np.empty(0, dtype)
        world.broadcast_(flat, root, f"broadcast of {what} ({dtype}, {flat.nbytes:,} bytes)")
        start = 0
        for a in group:
            a[...] = flat[start : start + a.size].reshape(a.shape)
            start += a.size


def broadcast_parameters(model: Any, root: int = 0, world: World | None = None) -> None:
    """Every rank takes rank ``root``'s parameters and buffers (a Module, or an iterable of
    parameters): the start of data-parallel training, so every rank's replica is the same."""
    if hasattr(model, "parameters") and callable(model.parameters):
        broadcast_arrays((p.data for p in model.parameters()), root, world, "parameters")
        broadcast_buffers(model, root, world)
    else:
        broadcast_arrays((p.data for p in model), root, world, "parameters")


def broadcast_buffers(model: Any, root: int = 0, world: World | None = None) -> None:
    """Every rank takes rank ``root``'s buffers (BatchNorm's running statistics and counts), as
    PyTorch's DistributedDataParallel does before each forward (``broadcast_buffers=True``)."""
    broadcast_arrays(
        (b for b in model.buffers() if isinstance(b, np.ndarray)), root, world, "buffers"
    )
