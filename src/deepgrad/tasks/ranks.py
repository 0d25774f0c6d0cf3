"""A task run on P ranks (``mpirun -n P deepgrad TASK --distributed``): one run, one directory.

Every rank runs the task's ``run`` (its data, its model, ``fit``: the training is data-parallel,
:mod:`deepgrad.train.data_parallel`; the steps around it, evaluation included, are repeated on
every rank). Rank 0 *is* the run: it creates or resumes the run directory, prints, and writes
config.json, log.txt, metrics.json and every artifact. Rank 0 decides the run's directory, config
and seed and sends them to the others (an error there reaches every rank as the same TaskError,
so all stop cleanly). Every other rank works in a scratch directory of its own, a copy of the
run directory when resuming, deleted at the end: the task's code writes and reads its own files
there as in a single process, and nothing of it reaches the run directory. Its printing is
discarded. An exception on any rank once the run has started stops every rank at once
(``MPI_Abort``): the others would otherwise wait for it in their next collective.

Tasks declare ``DISTRIBUTED = True`` when their training goes through ``fit``; the others are
refused with a message naming the task.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

from .. import distributed as dist
from .contract import TaskError

__all__ = ["check_distributed", "agree_on_run", "workspace", "stop_all_on_error"]


def check_distributed(module: ModuleType) -> None:
    """TaskError unless the task trains through ``fit`` (``DISTRIBUTED = True``)."""
    if not getattr(module, "DISTRIBUTED", False):
        from .registry import TASKS

        able = [n for n, m in TASKS.items() if getattr(m, "DISTRIBUTED", False)]
        raise TaskError(
            f"{module.NAME}: --distributed is for the tasks whose training goes through fit "
            f"({', '.join(able)}); {module.NAME} trains with its own loop, on one process"
        )


def agree_on_run(setup: Callable[[], dict[str, Any]], world: dist.World) -> dict[str, Any]:
    """Rank 0 runs ``setup`` (a JSON-able dict) and every rank gets its result, or the same
    TaskError when it failed on rank 0."""
    message = None
    if world.rank == 0:
        try:
            message = {"ok": setup()}
        except TaskError as e:
            message = {"error": str(e)}
    data = world.broadcast_bytes(
        json.dumps(message).encode() if world.rank == 0 else None, 0, "the run's set-up"
    )
    got = json.loads(data.decode())
    if "error" in got:
        raise TaskError(got["error"])
    return got["ok"]


@contextlib.contextmanager
def workspace(path: Path, resume: bool, world: dist.World, task: str) -> Iterator[Path]:
    """Where this rank's task code works: the run directory on rank 0, a scratch directory
    (a copy of the run directory when resuming) elsewhere, with its output discarded."""
    if world.rank == 0:
        world.barrier("the ranks' scratch copies of the run directory")
        yield path
        return
    scratch = Path(tempfile.mkdtemp(prefix=f"deepgrad-{task}-rank{world.rank}-"))
    try:
        if resume:
            shutil.copytree(path, scratch, dirs_exist_ok=True)
        world.barrier("the ranks' scratch copies of the run directory")
        with open(os.devnull, "w") as null, contextlib.redirect_stdout(null):
            yield scratch
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@contextlib.contextmanager
def stop_all_on_error(world: dist.World, task: str) -> Iterator[None]:
    """An exception inside (on any rank of several) prints what happened and aborts every
    rank, so none waits forever for a rank that left."""
    try:
        yield
    except BaseException as e:
        if not world.active:
            raise
        from ..data import DataError

        if not isinstance(e, TaskError | DataError):
            traceback.print_exc()
        sys.stdout.flush()
        world.abort(
            f"rank {world.rank} of {world.size}: {task} failed ({type(e).__name__}: {e}); "
            f"aborting every rank",
            2 if isinstance(e, TaskError) else 1,
        )
