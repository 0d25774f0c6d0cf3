"""Gradient averaging: one allreduce per bucket of gradients packed into a flat buffer.

After every rank's backward pass, each parameter's gradient becomes the mean over the ranks,

    g = (1/P) sum_r g_r,

so one optimizer step on every rank applies the same update to the same weights (data-parallel
SGD, Horovod's and PyTorch DDP's model). Sending one tensor at a time would pay the network's
latency once per tensor; instead the parameters are packed, in reverse order (the order
backpropagation produces them) and by dtype, into buckets of at most ``bucket_bytes`` (25 MB as
PyTorch DDP's ``bucket_cap_mb``; a larger tensor gets a bucket to itself), each a flat buffer
reduced by one ``MPI_Allreduce``.

A gradient that is None on a rank (the parameter took no part in its loss) counts as zeros
there; each bucket carries one more entry per parameter, the number of ranks that had a
gradient, so a parameter no rank used keeps ``grad = None`` (the optimizers skip it, as they
would in a single process).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .world import World, get_world

__all__ = ["DEFAULT_BUCKET_BYTES", "GradientBuckets", "allreduce_gradients"]

DEFAULT_BUCKET_BYTES = 25 * 2**20


class _Bucket:
    def __init__(self, params: list[Any], dtype: np.dtype) -> None:
        self.params = params
        self.dtype = dtype
        self.sizes = [int(p.data.size) for p in params]
        self.starts = np.concatenate([[0], np.cumsum(self.sizes)]).astype(np.int64)
        self.numel = int(self.starts[-1])
        self.buffer = np.empty(self.numel + len(params), dtype)  # gradients, then the flags

    @property
    def nbytes(self) -> int:
        return self.numel * self.dtype.itemsize


class GradientBuckets:
    """The parameters split into flat buckets; ``allreduce()`` averages their gradients.

    ``params``: the model's parameters (in registration order; bucketed from the last).
    ``bucket_bytes``: the size cap of a bucket (its gradients' bytes)."""

    def __init__(
        self,
        params: Iterable[Any],
        bucket_bytes: int = DEFAULT_BUCKET_BYTES,
        world: World | None = None,
    ) -> None:
        if bucket_bytes <= 0:
            raise ValueError(f"GradientBuckets: bucket_bytes must be > 0, got {bucket_bytes}")
        self.world = world or get_world()
        params = [p for p in params if getattr(p, "requires_grad", True)]
        open_: dict[np.dtype, tuple[list[Any], int]] = {}
        self.buckets: list[_Bucket] = []
        for p in reversed(params):
            dt = p.data.dtype
            group, nbytes = open_.get(dt, ([], 0))
            if group and nbytes + p.data.nbytes > bucket_bytes:
                self.buckets.append(_Bucket(group, dt))
                group, nbytes = [], 0
            open_[dt] = (group + [p], nbytes + p.data.nbytes)
        for dt, (group, _) in open_.items():
            if group:
                self.buckets.append(_Bucket(group, dt))

    def __len__(self) -> int:
        return len(self.buckets)

    def __repr__(self) -> str:
        mb = [f"{b.nbytes / 2**20:.2f}" for b in self.buckets]
        return f"GradientBuckets({len(self.buckets)} buckets, MB: {', '.join(mb)})"

    def allreduce(self, scale: float | None = None) -> None:
        """Every parameter's grad <- (sum over ranks) * scale (default 1/P: the mean)."""
        world = self.world
        if not world.active:
            return
        factor = 1.0 / world.size if scale is None else float(scale)
        k = len(self.buckets)
        for i, b in enumerate(self.buckets):
            buf, n = b.buffer, b.numel
            for j, p in enumerate(b.params):
                s, e = b.starts[j], b.starts[j + 1]
                g = p.grad
                if g is None:
                    buf[s:e] = 0
                    buf[n + j] = 0
                else:
                    buf[s:e] = np.asarray(g).reshape(-1)
                    buf[n + j] = 1
            world.allreduce_(
                buf, "sum", f"allreduce of gradients (bucket {i + 1} of {k}, {b.nbytes:,} bytes)"
            )
            for j, p in enumerate(b.params):
                if buf[n + j] == 0:
                    p.grad = None
                    continue
                s, e = b.starts[j], b.starts[j + 1]
                g = np.multiply(buf[s:e], b.dtype.type(factor))
                p.grad = g.reshape(p.data.shape)


def allreduce_gradients(
    params: Iterable[Any], bucket_bytes: int = DEFAULT_BUCKET_BYTES, world: World | None = None
) -> GradientBuckets:
    """Average the gradients of ``params`` over the ranks (see :class:`GradientBuckets`; keep
    the returned object and call its ``allreduce()`` to reuse the buffers every step)."""
    buckets = GradientBuckets(params, bucket_bytes, world)
    buckets.allreduce()
    return buckets
