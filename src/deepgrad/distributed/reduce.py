"""Figures over all ranks: sums reduced, metrics merged, and rank 0 alone speaking.

A ``Metric`` of ``deepgrad.train`` accumulates a ``total`` and a ``count`` over the batches it
saw (accuracies, means); over the ranks, the totals and counts are summed, so the result is the
metric of every example any rank saw. A metric that keeps the batches' arrays themselves (AUC
keeps its scores, as lists of arrays) gets every rank's arrays, in rank order.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np

from .world import World, get_world

__all__ = ["allreduce_sums", "reduce_metric", "rank_zero_only"]

F = TypeVar("F", bound=Callable[..., Any])


def allreduce_sums(
    values: Sequence[float], world: World | None = None, what: str = "sums"
) -> list[float]:
    """The element-wise sums over the ranks of a few numbers (float64, one allreduce)."""
    world = world or get_world()
    buf = np.array(values, dtype=np.float64)
    return world.allreduce_(buf, "sum", f"allreduce of {what}").tolist()


_MAX_TAIL = 4  # the trailing dims (after the examples) an accumulated array may have


def _gathered_lists(metric: Any) -> list[str]:
    """The attributes holding lists of arrays (possibly still empty), in name order."""
    return sorted(
        k
        for k, v in vars(metric).items()
        if isinstance(v, list) and all(isinstance(a, np.ndarray) for a in v)
    )


def _gather_list(items: list[np.ndarray], world: World, what: str) -> list[np.ndarray]:
    local = np.concatenate(items) if items else None
    tail = np.zeros(_MAX_TAIL + 1, np.int64)  # [ndim, trailing dims...]; max over the ranks
    if local is not None:
        if local.ndim - 1 > _MAX_TAIL:
            raise ValueError(f"{what}: arrays of {local.ndim} dims cannot be gathered")
        tail[0] = local.ndim
        tail[1 : local.ndim] = local.shape[1:]
    world.allreduce_(tail, "max", f"{what} (shapes)")
    parts = world.allgather(
        np.zeros(0) if local is None else local.reshape(-1).astype(np.float64), what
    )
    dims = tuple(int(d) for d in tail[1 : max(int(tail[0]), 1)])
    return [p.reshape((-1, *dims)) for p in parts if p.size]


def reduce_metric(metric: Any, world: World | None = None) -> Any:
    """A copy of ``metric`` holding what every rank's copy accumulated (the original is left
    as it is); ``reduce_metric(m).result()`` is the metric over all ranks' examples."""
    world = world or get_world()
    merged = copy.copy(metric)
    if not world.active:
        return merged
    name = getattr(metric, "name", type(metric).__name__)
    if hasattr(metric, "total") and hasattr(metric, "count"):
        merged.total, count = allreduce_sums([metric.total, metric.count], world, f"metric {name}")
        merged.count = int(round(count))
    for k in _gathered_lists(metric):
        setattr(merged, k, _gather_list(getattr(metric, k), world, f"metric {name}: {k}"))
    return merged


def rank_zero_only(fn: F) -> F:
    """``fn`` runs on rank 0; elsewhere the call does nothing and returns None."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs) if get_world().rank == 0 else None

    return wrapper  # type: ignore[return-value]
