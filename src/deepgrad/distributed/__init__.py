"""Data-parallel training on MPI: every rank runs the same program on its slice of each batch.

    mpirun -n 4 python train.py                 # or: mpirun -n 4 deepgrad mnist --distributed

    import deepgrad.distributed as dist
    world = dist.init()                         # rank and size from MPI (1 process: 0 of 1)
    model.fit(x, y, batch_size=256, distributed=True)

One step (Horovod's and PyTorch DDP's model): rank r computes the loss and gradients on its
slice of the global batch; the gradients are averaged over the ranks by allreduce (one per
bucket of flat gradients, :mod:`.buckets`); every rank applies the same optimizer step to the
same weights (broadcast from rank 0 at the start, :mod:`.broadcast`). The data is sharded by
:class:`DistributedSampler` (each rank's slice of every global batch of the single-process
order); dropout draws each global batch's masks alike on every rank (``deepgrad.random``);
:class:`SyncBatchNorm` normalizes with the global batch's statistics. With these, P ranks give
the parameters one process gives on the same global batches. Metrics are reduced over the
ranks (:mod:`.reduce`); rank 0 alone logs and writes checkpoints. A rank that raises, dies or
hangs stops every rank within a bounded time (:mod:`.world`).

Needs the ``distributed`` extra (``pip install 'deepgrad[distributed]'``: mpi4py, Open MPI);
without it, or outside ``mpirun``, the world is one process and all of this is a no-op.
"""

from .broadcast import broadcast_arrays, broadcast_buffers, broadcast_parameters
from .buckets import DEFAULT_BUCKET_BYTES, GradientBuckets, allreduce_gradients
from .reduce import allreduce_sums, rank_zero_only, reduce_metric
from .sampler import DistributedSampler, Shard, shard_batch, shard_range
from .session import Options, current, data_parallel
from .sync_batchnorm import SyncBatchNorm, convert_sync_batchnorm, sync_batch_norm
from .world import (
    DEFAULT_TIMEOUT,
    TIMEOUT_ENV,
    DistributedError,
    World,
    get_world,
    init,
    is_distributed,
    is_rank_zero,
    rank,
    size,
    under_mpirun,
)

__all__ = [
    "init",
    "get_world",
    "rank",
    "size",
    "is_distributed",
    "is_rank_zero",
    "under_mpirun",
    "World",
    "DistributedError",
    "TIMEOUT_ENV",
    "DEFAULT_TIMEOUT",
    "broadcast_arrays",
    "broadcast_parameters",
    "broadcast_buffers",
    "GradientBuckets",
    "allreduce_gradients",
    "DEFAULT_BUCKET_BYTES",
    "DistributedSampler",
    "Shard",
    "shard_batch",
    "shard_range",
    "SyncBatchNorm",
    "convert_sync_batchnorm",
    "sync_batch_norm",
    "allreduce_sums",
    "reduce_metric",
    "rank_zero_only",
    "Options",
    "data_parallel",
    "current",
]
