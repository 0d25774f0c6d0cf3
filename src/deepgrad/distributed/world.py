"""The world of a data-parallel run: this process's rank among ``size`` copies of one program.

Every rank runs the same program (Horovod's model, started by ``mpirun -n P``); they talk only
through MPI collectives on NumPy buffers (mpi4py, buffer interface: nothing is pickled). Outside
``mpirun`` (or without mpi4py) the world is one process, rank 0 of 1, and every collective
returns its input unchanged, so code written for P ranks runs as it is in a single process.

Faults never hang a run:

* an exception that leaves a rank (``sys.excepthook``) prints its traceback and the rank, then
  aborts every rank (``MPI_Abort``): the others are stopped by ``mpirun`` at once;
* a rank killed by a signal is noticed by ``mpirun``, which stops the others;
* a collective that does not complete within ``timeout`` seconds (a rank hung, or left the
  program early, or took another path) is cut by a watchdog thread, which names the collective,
  the rank and the time waited, and aborts every rank. The timeout is ``init(timeout=...)``,
  else ``$DEEPGRAD_DIST_TIMEOUT``, else 300 s.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import traceback
from contextlib import contextmanager
from typing import Any

import numpy as np

__all__ = [
    "World",
    "init",
    "get_world",
    "rank",
    "size",
    "is_distributed",
    "is_rank_zero",
    "under_mpirun",
    "TIMEOUT_ENV",
    "DEFAULT_TIMEOUT",
    "DistributedError",
]

TIMEOUT_ENV = "DEEPGRAD_DIST_TIMEOUT"
DEFAULT_TIMEOUT = 300.0
INSTALL = "pip install 'deepgrad[distributed]'  (mpi4py and Open MPI from PyPI)"

# set by the launchers: Open MPI's mpirun, PMIx launchers (prterun, srun --mpi=pmix), MPICH's
# Hydra and Intel MPI (PMI_SIZE / PMI_RANK)
_LAUNCHER_ENV = ("OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "PMI_RANK")


class DistributedError(RuntimeError):
    """A distributed run cannot start or continue (MPI missing, ranks disagreeing, ...)."""


def under_mpirun() -> str | None:
    """The launcher variable found in the environment (e.g. 'OMPI_COMM_WORLD_SIZE'), or None."""
    return next((k for k in _LAUNCHER_ENV if k in os.environ), None)


def _launched_size() -> int | None:
    """The number of processes the launcher says it started, when it says so."""
    for k in ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE"):
        text = os.environ.get(k, "")
        if text.isdigit():
            return int(text)
    return None


class _Watchdog:
    """A daemon thread that aborts every rank when a guarded collective outlasts ``timeout``."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.deadline: float | None = None
        self.what = ""
        self.started = 0.0
        self.thread: threading.Thread | None = None

    @contextmanager
    def guard(self, what: str):
        if self.thread is None:
            self.thread = threading.Thread(
                target=self._watch, name="deepgrad-watchdog", daemon=True
            )
            self.thread.start()
        self.what, self.started = what, time.monotonic()
        self.deadline = self.started + self.world.timeout
        try:
            yield
        finally:
            self.deadline = None

    def _watch(self) -> None:
        tick = min(0.25, self.world.timeout / 20)
        while True:
            time.sleep(tick)
            deadline = self.deadline
            if deadline is not None and time.monotonic() > deadline:
                waited = time.monotonic() - self.started
                self.world.abort(
                    f"rank {self.world.rank} of {self.world.size} waited {waited:.1f} s in "
                    f"{self.what} (timeout {self.world.timeout:g} s): another rank has died, "
                    f"hung, or left the program on another path; aborting every rank "
                    f"(${TIMEOUT_ENV} sets the timeout)"
                )


class World:
    """This process's place among the ranks: ``rank``, ``size`` and the collectives.

    The collectives work in place on C-contiguous NumPy arrays and are guarded by the
    watchdog; at ``size == 1`` they return at once. ``what`` names the collective in a
    timeout's message."""

    def __init__(
        self,
        rank: int,
        size: int,
        comm: Any = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.rank, self.size, self.comm, self.timeout = rank, size, comm, float(timeout)
        self._watchdog = _Watchdog(self)
        self._mpi: Any = None
        if comm is not None:
            from mpi4py import MPI

            self._mpi = MPI

    def __repr__(self) -> str:
        return f"World(rank={self.rank}, size={self.size}, timeout={self.timeout:g})"

    @property
    def active(self) -> bool:
        """More than one rank: the collectives communicate."""
        return self.size > 1

    def _op(self, op: str) -> Any:
        ops = {"sum": self._mpi.SUM, "max": self._mpi.MAX, "min": self._mpi.MIN}
        if op not in ops:
            raise ValueError(f"allreduce: op must be one of {sorted(ops)}, got {op!r}")
        return ops[op]

    @staticmethod
    def _check(buf: np.ndarray, who: str) -> None:
        if not isinstance(buf, np.ndarray) or not buf.flags.c_contiguous:
            raise TypeError(f"{who}: expected a C-contiguous NumPy array, got {type(buf).__name__}")

    def allreduce_(self, buf: np.ndarray, op: str = "sum", what: str = "allreduce") -> np.ndarray:
        """buf <- op over the ranks of buf (in place); returns buf."""
        self._check(buf, what)
        if self.active:
            mpi_op = self._op(op)
            with self._watchdog.guard(what):
                self.comm.Allreduce(self._mpi.IN_PLACE, buf, op=mpi_op)
        return buf

    def broadcast_(self, buf: np.ndarray, root: int = 0, what: str = "broadcast") -> np.ndarray:
        """buf <- rank ``root``'s buf (in place); returns buf."""
        self._check(buf, what)
        if self.active:
            with self._watchdog.guard(what):
                self.comm.Bcast(buf, root=root)
        return buf

    def broadcast_bytes(self, data: bytes | None, root: int = 0, what: str = "broadcast") -> bytes:
        """Rank ``root``'s bytes on every rank (its length first, then the bytes)."""
        n = np.array([len(data) if self.rank == root and data is not None else 0], np.int64)
        self.broadcast_(n, root, what + " (length)")
        buf = (
            np.frombuffer(data, np.uint8).copy()
            if self.rank == root and data is not None
            else np.empty(int(n[0]), np.uint8)
        )
        self.broadcast_(buf, root, what)
        return buf.tobytes()

    def allgather(self, arr: np.ndarray, what: str = "allgather") -> list[np.ndarray]:
        """Every rank's 1-D ``arr`` (lengths may differ; same dtype), in rank order."""
        arr = np.ascontiguousarray(arr)
        if arr.ndim != 1:
            raise ValueError(f"{what}: allgather takes 1-D arrays, got shape {arr.shape}")
        if not self.active:
            return [arr.copy()]
        counts = np.zeros(self.size, np.int64)
        with self._watchdog.guard(what + " (lengths)"):
            self.comm.Allgather(np.array([arr.size], np.int64), counts)
        out = np.empty(int(counts.sum()), arr.dtype)
        displs = np.concatenate([[0], np.cumsum(counts)[:-1]])
        mpi_type = self._mpi._typedict[arr.dtype.char]
        with self._watchdog.guard(what):
            self.comm.Allgatherv(arr, [out, counts, displs, mpi_type])
        return [out[d : d + c] for d, c in zip(displs, counts, strict=True)]

    def barrier(self, what: str = "barrier") -> None:
        """Wait until every rank is here."""
        if self.active:
            with self._watchdog.guard(what):
                self.comm.Barrier()

    def agree(self, flag: bool, what: str = "agreement") -> bool:
        """True on every rank when ``flag`` is true on any rank."""
        if not self.active:
            return bool(flag)
        return bool(self.allreduce_(np.array([int(bool(flag))], np.int64), "max", what)[0])

    def abort(self, message: str, code: int = 1) -> None:
        """Print ``message`` (prefixed with deepgrad.distributed) and stop every rank."""
        text = f"deepgrad.distributed: {message}\n"
        try:
            sys.stderr.flush()
        except Exception:  # a closed or broken stream must not keep the ranks alive
            pass
        os.write(2, text.encode())
        if self.comm is not None:
            self.comm.Abort(code)
        os._exit(code)


_world: World | None = None


def _timeout(timeout: float | None) -> float:
    if timeout is None:
        text = os.environ.get(TIMEOUT_ENV)
        if not text:
            return DEFAULT_TIMEOUT
        try:
            timeout = float(text)
        except ValueError:
            raise DistributedError(
                f"${TIMEOUT_ENV} should be a number of seconds, got {text!r}"
            ) from None
    if not timeout > 0:
        raise DistributedError(f"the collective timeout must be > 0 seconds, got {timeout}")
    return float(timeout)


def _install_excepthook(world: World) -> None:
    previous = sys.excepthook

    def hook(tp: type, value: BaseException, tb: Any) -> None:
        try:
            previous(tp, value, tb)
        except Exception:
            traceback.print_exception(tp, value, tb)
        world.abort(
            f"rank {world.rank} of {world.size} stopped on {tp.__name__}: {value}; "
            "aborting every rank (the others would wait for it forever)"
        )

    sys.excepthook = hook


def init(timeout: float | None = None) -> World:
    """Join the world: rank and size from MPI under ``mpirun``, else rank 0 of 1 (no MPI used).

    Idempotent: later calls return the same World (a ``timeout`` given then updates it).
    Started by a launcher as several processes but without mpi4py, it raises DistributedError
    with the install command (P copies each believing itself alone would all write the same
    files); a launcher's single process needs no MPI."""
    global _world
    if _world is not None:
        if timeout is not None:
            _world.timeout = _timeout(timeout)
        return _world
    seconds = _timeout(timeout)
    launcher = under_mpirun()
    if launcher is None or _launched_size() == 1:  # one process: no MPI needed
        _world = World(0, 1, None, seconds)
        return _world
    try:
        from mpi4py import MPI
    except ImportError:
        raise DistributedError(
            f"started by an MPI launcher (${launcher} is set) but mpi4py is not installed; "
            f"{INSTALL}"
        ) from None
    comm = MPI.COMM_WORLD
    _world = World(comm.Get_rank(), comm.Get_size(), comm if comm.Get_size() > 1 else None, seconds)
    if _world.active:
        _install_excepthook(_world)
    return _world


def get_world() -> World:
    """The World (``init()`` on first use)."""
    return _world if _world is not None else init()


def rank() -> int:
    """This process's rank (0 outside mpirun)."""
    return get_world().rank


def size() -> int:
    """The number of ranks (1 outside mpirun)."""
    return get_world().size


def is_distributed() -> bool:
    """More than one rank."""
    return get_world().active


def is_rank_zero() -> bool:
    """Rank 0: the one that logs, writes checkpoints and reports."""
    return get_world().rank == 0
