"""``fit(..., distributed=True)``: the training loop's side of data-parallel training.

Every rank runs ``fit`` on the same data. Per global batch of B examples (the batch the single
process takes, in the same order), rank r takes its slice of n_r rows (``DistributedSampler``
for arrays; for an iterable of batches, every rank draws the same global batch and keeps its
rows), and one step is

    C_r = (P n_r / B) * (1 / n_r) sum_{i in slice r} loss_i        (the loss, scaled)
    g   = (1/P) sum_r dC_r/dw  =  (1/B) sum_{i in the global batch} dloss_i/dw

(the allreduce of :class:`deepgrad.distributed.GradientBuckets`), then the optimizer's step on
every rank: the step of one process on the global batch, also when the slices differ in size.
The scale P n_r / B makes every rank's delta the same multiple (P) of the global loss's, so
SyncBatchNorm's backward sums agree. Dropout masks are drawn for the global batch on every rank
(``deepgrad.random.batch_rows``), so example i gets the same mask wherever it is trained.

The logged loss is the global batch's (one allreduce of two numbers per step); the epoch's
metrics are reduced over the ranks; the validation data is split over the ranks and its loss
and metrics reduced. Rank 0 alone prints, writes ``resume`` checkpoints and runs the callbacks
that write files (ModelCheckpoint, CSVLogger, PlotCurves and any callback with
``rank_zero_only = True``), unless every rank writes into its own directory
(``distributed.data_parallel(private_output=True)``, as a task run arranges); ``fit`` ends with a
barrier, so rank 0's files are complete when any rank goes on. Resuming reads the checkpoint on
every rank (the same file: a shared file system, as for the data).

BatchNorm layers keep per-rank statistics (PyTorch's default; rank 0's running statistics are
broadcast before every step, as DDP's ``broadcast_buffers``) unless turned into SyncBatchNorm
(``distributed.convert_sync_batchnorm``, or ``sync_batchnorm=True`` of ``data_parallel``).
The loss must be a mean over the batch (the default of every deepgrad loss).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from .. import distributed as dist
from ..nn.norm import _BatchNorm
from .batches import ArrayBatches, take
from .callbacks import CSVLogger, ModelCheckpoint, PlotCurves

__all__ = ["DataParallel", "data_parallel_for", "RANK_ZERO_CALLBACKS"]

# the callbacks of deepgrad.train that write files: run by rank 0 only
RANK_ZERO_CALLBACKS = (ModelCheckpoint, CSVLogger, PlotCurves)


def data_parallel_for(model: Any, distributed: bool | None, optimizer: Any) -> DataParallel | None:
    """The DataParallel for this fit, or None when it trains as a single process (not asked,
    or asked with one rank: then everything distributed is a no-op)."""
    options = dist.current()
    if distributed is None:
        distributed = options is not None
    if not distributed:
        return None
    world = dist.init()
    if not world.active:
        return None
    return DataParallel(model, optimizer, options or dist.Options(sync_batchnorm=False), world)


class DataParallel:
    """One fit's data-parallel state: the world, the gradient buckets, the callbacks' split."""

    def __init__(
        self, model: Any, optimizer: Any, options: dist.Options, world: dist.World
    ) -> None:
        self.model, self.world, self.options = model, world, options
        if options.sync_batchnorm:
            dist.convert_sync_batchnorm(model)
        self.has_sync_bn = any(isinstance(m, dist.SyncBatchNorm) for m in model.modules())
        self.local_bn = any(
            isinstance(m, _BatchNorm)
            and not isinstance(m, dist.SyncBatchNorm)
            and m.track_running_stats
            for m in model.modules()
        )
        self.buckets = dist.GradientBuckets(model.parameters(), world=world)
        self.writes = world.rank == 0 or options.private_output

    def start(self) -> None:
        """Every rank takes rank 0's weights and buffers."""
        dist.broadcast_parameters(self.model, world=self.world)

    def callbacks(self, callbacks: list[Any]) -> list[Any]:
        """The callbacks this rank runs (the file writers on rank 0 only)."""
        if self.writes:
            return callbacks
        return [
            c
            for c in callbacks
            if not (isinstance(c, RANK_ZERO_CALLBACKS) or getattr(c, "rank_zero_only", False))
        ]

    def batches(self, train_batches: Any) -> Iterator[tuple[Any, int, int]]:
        """``(this rank's batch, offset, global batch size)`` for every global batch."""
        w = self.world
        if isinstance(train_batches, ArrayBatches):
            ab = train_batches
            for shard in dist.DistributedSampler(ab.n, ab.batch_size, ab.shuffle, world=w):
                idx = shard.indices
                yb = None if ab.y is None else take(ab.y, idx)
                wb = None if ab.w is None else ab.w[idx]
                yield (take(ab.x, idx), yb, wb), shard.offset, shard.total
        else:
            for batch in train_batches:
                yield dist.shard_batch(batch, world=w)

    def check_batch(self, total: int) -> None:
        if total < self.world.size and self.has_sync_bn:
            raise ValueError(
                f"fit(distributed=True): a global batch of {total} example(s) leaves a rank of "
                f"the {self.world.size} without any, and the model's SyncBatchNorm needs every "
                f"rank in its sums; choose a batch size whose last batch has at least "
                f"{self.world.size} examples"
            )

    def before_step(self) -> None:
        if self.local_bn:
            dist.broadcast_buffers(self.model, world=self.world)

    def loss_scale(self, rows: int, total: int) -> float:
        """P n_r / B (1 when the slices are equal)."""
        return self.world.size * rows / total

    def reduce_gradients(self) -> None:
        self.buckets.allreduce()

    def global_loss(self, loss_sum: float, rows: int) -> tuple[float, int]:
        """(sum over the global batch of the loss, its size)."""
        s, n = dist.allreduce_sums([loss_sum, rows], self.world, "the batch loss")
        return s, int(round(n))

    def agree(self, flag: bool, what: str) -> bool:
        return self.world.agree(flag, what)

    def metric_results(self, metrics: list[Any]) -> dict[str, float]:
        return {m.name: dist.reduce_metric(m, self.world).result() for m in metrics}

    def validation_shard(self, data: Any) -> Any:
        """This rank's part of the validation data: a contiguous slice of arrays, or its rows
        of every batch of an iterable."""
        from .batches import is_arrays

        vx, vy = (data[0], data[1]) if isinstance(data, tuple | list) else (data, None)
        if vy is not None and is_arrays(vx):
            n = len(vx[0]) if isinstance(vx, tuple | list) else len(vx)
            offset, count = dist.shard_range(n, self.world.rank, self.world.size)
            rows = slice(offset, offset + count)
            return take(vx, rows), np.asarray(vy)[rows]
        return (dist.shard_batch(b, world=self.world)[0] for b in vx), None

    def finish(self) -> None:
        self.world.barrier("the end of fit (rank 0 writing its files)")
