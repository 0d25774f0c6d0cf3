"""Sharding the data: each rank takes its slice of every *global* batch.

A single process trains on the global batches order[0:B], order[B:2B], ... of the epoch's
shuffled order. With P ranks, global batch b is the same set of examples in the same order, cut
into P contiguous slices (sizes differing by at most one, the first ``B mod P`` ranks one
larger, as ``np.array_split``); rank r trains on slice r. Concatenated in rank order the slices
are the global batch, so with the gradients averaged (weighted by slice size when the slices
differ) one step of P ranks is one step of the single process on the same global batch.

Every rank draws the epoch's order from deepgrad's generator, seeded alike on every rank: the
ranks draw the same permutation, the one the single-process run draws, and their generators
stay in step (a checkpoint's generator state is valid for any number of ranks).

PyTorch's DistributedSampler deals the examples round-robin and lets each rank form its own
batches, which makes the global batch a different set of examples than a single process's.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any, NamedTuple

import numpy as np

from ..random import get_rng
from ..tensor import Tensor
from .world import World, get_world

__all__ = ["shard_range", "Shard", "DistributedSampler", "shard_batch"]


def shard_range(total: int, rank: int, size: int) -> tuple[int, int]:
    """(offset, count) of rank ``rank``'s slice of ``total`` rows split over ``size`` ranks."""
    if size < 1 or not 0 <= rank < size:
        raise ValueError(f"shard_range: rank {rank} is not in 0..{size - 1}")
    base, extra = divmod(int(total), size)
    count = base + (1 if rank < extra else 0)
    return rank * base + min(rank, extra), count


class Shard(NamedTuple):
    """One rank's part of a global batch: its example indices (or rows) and where they sit."""

    indices: np.ndarray  # the examples (indices into the data set), in the global batch's order
    offset: int  # the position of the first one in the global batch
    total: int  # the global batch's size


class DistributedSampler:
    """The example indices rank r trains on, global batch by global batch.

    ``n`` examples, ``batch_size`` B (the global batch); ``shuffle`` draws each epoch's order
    from deepgrad's generator (as ``fit`` does for arrays: the same draw, the same order),
    otherwise 0..n-1. ``drop_last`` skips a last, incomplete global batch. Iterating yields a
    :class:`Shard` per global batch; ``len()`` is the number of global batches."""

    def __init__(
        self,
        n: int,
        batch_size: int,
        shuffle: bool = True,
        *,
        drop_last: bool = False,
        rank: int | None = None,
        size: int | None = None,
        world: World | None = None,
    ) -> None:
        if n < 0 or batch_size < 1:
            raise ValueError(
                f"DistributedSampler: need n >= 0 and batch_size >= 1, got n={n}, "
                f"batch_size={batch_size}"
            )
        w = world or get_world()
        self.rank = w.rank if rank is None else int(rank)
        self.size = w.size if size is None else int(size)
        shard_range(0, self.rank, self.size)  # checks rank and size
        self.n, self.batch_size, self.shuffle, self.drop_last = n, batch_size, shuffle, drop_last

    def __len__(self) -> int:
        return self.n // self.batch_size if self.drop_last else math.ceil(self.n / self.batch_size)

    def __iter__(self) -> Iterator[Shard]:
        order = get_rng().permutation(self.n) if self.shuffle else np.arange(self.n)
        for b in range(len(self)):
            batch = order[b * self.batch_size : (b + 1) * self.batch_size]
            offset, count = shard_range(len(batch), self.rank, self.size)
            yield Shard(batch[offset : offset + count], offset, len(batch))


def shard_batch(
    batch: Any, rank: int | None = None, size: int | None = None, world: World | None = None
) -> tuple[Any, int, int]:
    """``(this rank's rows of batch, offset, global batch size)`` for a batch as ``fit`` takes
    it: an array, a tuple/list ``(x, y)``/``(x, y, w)`` (x itself possibly a tuple of inputs) or
    a dict of arrays. Every array in it must have the batch's rows along dim 0."""
    w = world or get_world()
    r = w.rank if rank is None else rank
    p = w.size if size is None else size
    total = _batch_rows(batch)
    offset, count = shard_range(total, r, p)
    return _take(batch, slice(offset, offset + count), total), offset, total


def _batch_rows(batch: Any) -> int:
    if isinstance(batch, dict):
        firsts = [v for v in batch.values() if v is not None]
        return _batch_rows(firsts[0])
    if isinstance(batch, tuple | list):
        return _batch_rows(batch[0])
    if hasattr(batch, "shape") and len(batch.shape) > 0:
        return int(batch.shape[0])
    raise TypeError(f"shard_batch: cannot find the batch dimension of a {type(batch).__name__}")


def _take(batch: Any, rows: slice, total: int) -> Any:
    if batch is None:
        return None
    if isinstance(batch, dict):
        return {k: _take(v, rows, total) for k, v in batch.items()}
    if isinstance(batch, tuple | list):
        return type(batch)(_take(v, rows, total) for v in batch)
    data = batch.data if isinstance(batch, Tensor) else batch
    shape = getattr(data, "shape", None)
    if shape is None or len(shape) == 0 or shape[0] != total:
        raise ValueError(
            f"shard_batch: every array of a batch needs its {total} rows along "
            f"dim 0 to be split over the ranks; found shape {shape}"
        )
    return np.asarray(data)[rows]
