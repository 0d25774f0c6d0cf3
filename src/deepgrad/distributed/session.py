"""The ambient setting that lets code written for one process train on all ranks.

A course task calls ``model.fit(...)`` without knowing how it was started. ``deepgrad TASK
--distributed`` runs the task inside ``data_parallel()``; there, a ``fit`` not told otherwise
(``distributed=None``) trains data-parallel, with the options given here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

__all__ = ["Options", "data_parallel", "current"]


@dataclass(frozen=True)
class Options:
    """How ``fit(distributed=None)`` trains inside ``data_parallel``.

    ``sync_batchnorm``: turn the model's BatchNorm layers into SyncBatchNorm (statistics of
    the global batch: P ranks train as one process would) rather than keep per-rank statistics
    (PyTorch's default). ``private_output``: every rank writes into a directory of its own (a
    task run gives the other ranks a scratch copy of the run directory), so fit's callbacks
    that write files run on every rank, not on rank 0 only."""

    sync_batchnorm: bool = True
    private_output: bool = False


_current: Options | None = None


@contextmanager
def data_parallel(sync_batchnorm: bool = True, private_output: bool = False) -> Iterator[Options]:
    """Inside, ``fit(distributed=None)`` trains data-parallel with these options."""
    global _current
    previous, _current = _current, Options(sync_batchnorm, private_output)
    try:
        yield _current
    finally:
        _current = previous


def current() -> Options | None:
    """The options of the enclosing ``data_parallel``, or None outside it."""
    return _current
