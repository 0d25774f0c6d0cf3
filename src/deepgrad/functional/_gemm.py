"""C = alpha op(A) op(B) + beta C on 2-D views, straight into BLAS (private to the conv kernels).

``np.matmul`` cannot accumulate into its output (no ``beta``), so a convolution written as one
GEMM per kernel tap would need a temporary and an extra pass per tap. This module calls the
``cblas_sgemm``/``cblas_dgemm`` of the OpenBLAS that NumPy itself ships (through ctypes: no new
dependency, and the same thread pool as every other NumPy matmul), with ``beta=1`` and row
strides (``lda``) taken from the views, so sub-blocks of a buffer need no copy.

When that library cannot be found (a NumPy built against another BLAS, or the environment
variable ``DEEPGRAD_NO_CBLAS=1``), :func:`gemm` falls back to ``np.matmul`` plus an in-place add,
and :data:`HAVE_CBLAS` is False so callers can prefer an algorithm that suits plain NumPy.
A float32 product that runs on one thread goes to ``_blas.serial_sgemm`` (oneDNN's sgemm where
it is installed and measured faster), chosen in one visible line of :func:`_sgemm_for`.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from .._blas import (  # noqa: F401  (HAVE_CBLAS, blas_info: re-exported for the kernels)
    _BLAS,
    _NO_TRANS,
    _ROW_MAJOR,
    _TRANS,
    HAVE_CBLAS,
    WORKER_PREFIX,
    _call,
    _only_our_threads,
    blas_info,
    blas_threads,
    one_blas_thread,
    quiet_blas,
    serial_sgemm,
)

__all__ = [
    "gemm",
    "one_thread_if_small",
    "SMALL_GEMM_FLOPS",
    "Buffer",
    "gemm_blocks",
    "HAVE_CBLAS",
    "blas_info",
    "split_rows",
    "blas_threads",
    "quiet_blas",
]

_F32 = np.dtype(np.float32)


def _sgemm_for(dt: np.dtype):
    """The ?gemm to call for dtype ``dt`` now: oneDNN's on one thread where chosen, else
    OpenBLAS's."""
    if dt == _F32 and one_blas_thread() and (fast := serial_sgemm()) is not None:
        return fast
    return _BLAS.fns[dt]


def _blasable(x: np.ndarray) -> bool:
    return (
        x.ndim == 2
        and (x.strides[1] == x.itemsize or x.shape[1] <= 1)
        and (x.strides[0] >= x.itemsize * x.shape[1] or x.shape[0] <= 1)
        and x.strides[0] % x.itemsize == 0
        and x.flags.aligned
    )


def gemm(
    a: np.ndarray,
    b: np.ndarray,
    c: np.ndarray,
    *,
    alpha: float = 1.0,
    beta: float = 1.0,
    trans_a: bool = False,
    trans_b: bool = False,
) -> np.ndarray:
    """In place: ``c = alpha * op(a) @ op(b) + beta * c`` (op = transpose when asked).

    ``a``, ``b``, ``c``: 2-D arrays of one float dtype; each may be a row-strided view of a
    larger buffer (unit stride along its last axis). ``c`` must not overlap ``a`` or ``b``.
    With ``beta=0`` the old contents of ``c`` are ignored (even NaN).
    """
    m, k = (a.shape[1], a.shape[0]) if trans_a else a.shape
    k2, n = (b.shape[1], b.shape[0]) if trans_b else b.shape
    if (m, n) != c.shape or k != k2:
        raise ValueError(f"gemm: shapes {a.shape} x {b.shape} -> {c.shape} do not agree")
    if (
        _BLAS is not None
        and c.dtype in _BLAS.fns
        and a.dtype == c.dtype
        and b.dtype == c.dtype
        and c.size
        and _blasable(a)
        and _blasable(b)
        and _blasable(c)
        and c.flags.writeable
    ):
        _call(_BLAS, a, b, c, alpha, beta, trans_a, trans_b, _sgemm_for(c.dtype))
        return c
    opa = a.T if trans_a else a
    opb = b.T if trans_b else b
    if beta == 0.0:
        np.matmul(opa, opb, out=c)
        if alpha != 1.0:
            c *= alpha
        return c
    prod = opa @ opb
    if alpha != 1.0:
        prod *= alpha
    if beta != 1.0:
        c *= beta
    c += prod
    return c


class Buffer:
    """A C-contiguous 2-D array whose blocks :func:`gemm_blocks` multiplies, addressed by
    (first row, last row + 1, first column, last column + 1): the pointer arithmetic is done
    once, so a loop of many small GEMMs (a convolution's taps at batch 1) does not pay
    :func:`gemm`'s ~6 us per call for views, checks and ctypes pointers."""

    __slots__ = ("array", "ptr", "width", "itemsize")

    def __init__(self, array: np.ndarray) -> None:
        if array.ndim != 2 or not array.flags.c_contiguous:
            raise ValueError(f"Buffer: need a C-contiguous 2-D array, got {array.shape}")
        self.array = array
        self.ptr = array.ctypes.data
        self.width = array.shape[1]
        self.itemsize = array.itemsize

    def at(self, r0: int, c0: int) -> int:
        return self.ptr + (r0 * self.width + c0) * self.itemsize

    def block(self, r0: int, r1: int, c0: int, c1: int) -> np.ndarray:
        return self.array[r0:r1, c0:c1]


def gemm_blocks(
    a: Buffer,
    ab: tuple[int, int, int, int],
    b: Buffer,
    bb: tuple[int, int, int, int],
    c: Buffer,
    cb: tuple[int, int, int, int],
    *,
    beta: float = 1.0,
    trans_a: bool = False,
    trans_b: bool = False,
) -> None:
    """``C[cb] = op(A[ab]) @ op(B[bb]) + beta * C[cb]`` on blocks of buffers (see
    :class:`Buffer`); the same contract as :func:`gemm`, with the shapes checked."""
    m, n = cb[1] - cb[0], cb[3] - cb[2]
    ar, ac = ab[1] - ab[0], ab[3] - ab[2]
    br, bc = bb[1] - bb[0], bb[3] - bb[2]
    k = ar if trans_a else ac
    if (ac if trans_a else ar) != m or (br if trans_b else bc) != n or (bc if trans_b else br) != k:
        raise ValueError(f"gemm_blocks: blocks {ab} x {bb} -> {cb} do not agree")
    if m <= 0 or n <= 0:
        return
    dt = c.array.dtype
    if _BLAS is None or dt not in _BLAS.fns or a.array.dtype != dt or b.array.dtype != dt:
        gemm(a.block(*ab), b.block(*bb), c.block(*cb), beta=beta, trans_a=trans_a, trans_b=trans_b)
        return
    _sgemm_for(dt)(
        _ROW_MAJOR,
        _TRANS if trans_a else _NO_TRANS,
        _TRANS if trans_b else _NO_TRANS,
        m,
        n,
        k,
        1.0,
        a.at(ab[0], ab[2]),
        a.width,
        b.at(bb[0], bb[2]),
        b.width,
        beta,
        c.at(cb[0], cb[2]),
        c.width,
    )


_pools: dict[int, ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()


def _forget_pools_after_fork() -> None:
    """A forked child (a data-loader worker) has none of the parent's threads: start afresh."""
    global _pools_lock
    _pools.clear()
    _pools_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pools_after_fork)


def _pool(workers: int) -> ThreadPoolExecutor:
    with _pools_lock:
        pool = _pools.get(workers)
        if pool is None:
            pool = ThreadPoolExecutor(workers, thread_name_prefix=WORKER_PREFIX)
            _pools[workers] = pool
        return pool


MIN_SPLIT_ROWS = 1024  # smallest row block worth a thread (tests lower it)


def split_rows(fn: Callable[[int, int], Any], total: int) -> list[Any]:
    """Run ``fn(r0, r1)`` over consecutive row blocks covering [0, total), in parallel.

    One block per BLAS thread, each on a worker thread, with the BLAS set to one thread for
    the duration (a process-wide setting, restored afterwards): OpenBLAS threads the skinny
    products of a convolution badly -- long inner dimension and small result above all -- and
    one fork/join per pass replaces one per GEMM. OpenBLAS's own idle workers are stopped
    first (they would spin on the same cores). ``fn`` must write disjoint outputs for disjoint
    blocks. Runs ``[fn(0, total)]`` as configured when there is one BLAS thread, a small
    problem, no thread control in the BLAS, or other Python threads that might be using the
    BLAS (then OpenBLAS threads each GEMM).
    """
    workers = blas_threads()
    if _BLAS is None or _BLAS.set_threads is None:
        workers = 1
    workers = min(workers, total // max(MIN_SPLIT_ROWS, 1))
    if workers <= 1 or threading.current_thread().name.startswith(WORKER_PREFIX):
        return [fn(0, total)]
    if not quiet_blas():
        return [fn(0, total)]  # OpenBLAS threads each GEMM itself
    bounds = [total * i // workers for i in range(workers + 1)]
    pool = _pool(workers)
    before = _BLAS.cpu_number.value
    _BLAS.cpu_number.value = 1  # single-threaded GEMMs on the workers; nothing started
    try:
        futures = [pool.submit(fn, bounds[i], bounds[i + 1]) for i in range(workers)]
        return [f.result() for f in futures]
    finally:
        _BLAS.cpu_number.value = before


# Below this many FLOPs one GEMM runs on one BLAS thread (see one_thread_if_small). Measured
# here (2 cores, load average ~17 from other jobs): 196x240 @ 240x80 took 24 ms min on
# OpenBLAS's 2 threads and 0.09 ms on 1; 49x320 @ 320x1280 (40 MFLOP) 51 ms against 0.55 ms.
# On an idle machine a second thread saves at most ~half of ~0.5 ms at this size.
SMALL_GEMM_FLOPS = 1 << 26


@contextlib.contextmanager
def one_thread_if_small(flops: float) -> Iterator[None]:
    """Within the block, BLAS calls run single-threaded when ``flops`` is below
    :data:`SMALL_GEMM_FLOPS`: waking OpenBLAS's workers for a small product (batch-1 layers)
    costs more than the product, and on a busy machine a descheduled worker costs a whole
    time slice. Only when safe (no other Python thread could be in BLAS); otherwise a no-op."""
    if (
        flops >= SMALL_GEMM_FLOPS
        or _BLAS is None
        or _BLAS.cpu_number is None
        or not _only_our_threads()
    ):
        yield
        return
    before = _BLAS.cpu_number.value
    _BLAS.cpu_number.value = 1
    try:
        yield
    finally:
        _BLAS.cpu_number.value = before
