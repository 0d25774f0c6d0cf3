"""C = alpha op(A) op(B) + beta C on 2-D views, straight into BLAS (private to the conv kernels).

``np.matmul`` cannot accumulate into its output (no ``beta``), so a convolution written as one
GEMM per kernel tap would need a temporary and an extra pass per tap. This module calls the
``cblas_sgemm``/``cblas_dgemm`` of the OpenBLAS that NumPy itself ships (through ctypes: no new
dependency, and the same thread pool as every other NumPy matmul), with ``beta=1`` and row
strides (``lda``) taken from the views, so sub-blocks of a buffer need no copy.

When that library cannot be found (a NumPy built against another BLAS, or the environment
variable ``DEEPGRAD_NO_CBLAS=1``), :func:`gemm` falls back to ``np.matmul`` plus an in-place add,
and :data:`HAVE_CBLAS` is False so callers can prefer an algorithm that suits plain NumPy.
"""

from __future__ import annotations

import ctypes
import glob
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

__all__ = [
    "gemm",
    "Buffer",
    "gemm_blocks",
    "HAVE_CBLAS",
    "blas_info",
    "split_rows",
    "blas_threads",
    "quiet_blas",
]

_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112


class _Cblas:
    """ctypes bindings to ``?gemm`` of one BLAS library (``int_type``: the BLAS integer)."""

    def __init__(self, path: str, prefix: str, suffix: str, int_type: type) -> None:
        lib = ctypes.CDLL(path)
        self.path = path
        self.fns = {}
        for dtype, letter, real in (
            (np.float32, "s", ctypes.c_float),
            (np.float64, "d", ctypes.c_double),
        ):
            fn = getattr(lib, f"{prefix}cblas_{letter}gemm{suffix}")
            i, p = int_type, ctypes.c_void_p
            fn.argtypes = [
                ctypes.c_int,
                ctypes.c_int,
                ctypes.c_int,
                i,
                i,
                i,
                real,
                p,
                i,
                p,
                i,
                real,
                p,
                i,
            ]
            fn.restype = None
            self.fns[np.dtype(dtype)] = fn
        # thread control (optional). NB: openblas_set_num_threads_local is process-wide in
        # pthreads builds despite its name, so only the global setter is used.
        self.get_threads = getattr(lib, f"{prefix}openblas_get_num_threads{suffix}", None)
        self.set_threads = getattr(lib, f"{prefix}openblas_set_num_threads{suffix}", None)
        if self.get_threads is not None and self.set_threads is not None:
            self.get_threads.argtypes = []
            self.get_threads.restype = ctypes.c_int
            self.set_threads.argtypes = [ctypes.c_int]
            self.set_threads.restype = None
        else:
            self.get_threads = self.set_threads = None
        # OpenBLAS's idle worker threads spin for about 2**28 cycles (~0.1 s) after each
        # threaded call before they sleep, and ``openblas_set_num_threads`` starts them. Row
        # blocks run on deepgrad's own threads meanwhile compete with them for the cores
        # (measured: the issue-6 CNN step 163 -> 104 ms without them). So split_rows stops
        # them (``blas_thread_shutdown_``, what OpenBLAS itself runs before a fork) and sets
        # the thread count through ``blas_cpu_number`` (which starts nothing); the next
        # threaded BLAS call starts them again (~40 us).
        try:
            self.server_avail = ctypes.c_int.in_dll(lib, "blas_server_avail")
            self.cpu_number = ctypes.c_int.in_dll(lib, "blas_cpu_number")
            self.shutdown = lib.blas_thread_shutdown_
            self.shutdown.argtypes = []
            self.shutdown.restype = ctypes.c_int
        except (ValueError, AttributeError):
            self.server_avail = self.cpu_number = self.shutdown = None
        if self.cpu_number is not None and (
            self.get_threads is None or self.cpu_number.value != self.get_threads()
        ):
            self.server_avail = self.cpu_number = self.shutdown = None  # not what we think


def _candidate_libraries() -> list[str]:
    """OpenBLAS libraries already loaded by NumPy, or shipped next to it in the wheel."""
    found: list[str] = []
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.rsplit(" ", 1)[-1].strip()
                if "openblas" in os.path.basename(path).lower() and path not in found:
                    found.append(path)
    except OSError:
        pass
    root = os.path.dirname(os.path.abspath(np.__file__))
    for pattern in ("../numpy.libs/*openblas*", ".dylibs/*openblas*", "../numpy.libs/*.dll"):
        for path in sorted(glob.glob(os.path.join(root, pattern))):
            if "openblas" in path.lower() and path not in found:
                found.append(path)
    return found


def _self_test(blas: _Cblas) -> bool:
    rng = np.random.default_rng(0)
    for dtype in (np.float32, np.float64):
        a = rng.standard_normal((7, 5)).astype(dtype)
        b = rng.standard_normal((6, 5)).astype(dtype)
        c = rng.standard_normal((7, 6)).astype(dtype)
        want = 2.0 * a @ b.T + c
        _call(blas, a, b, c, 2.0, 1.0, False, True)
        if not np.allclose(c, want, rtol=1e-4, atol=1e-4):
            return False
    return True


def _load() -> _Cblas | None:
    if os.environ.get("DEEPGRAD_NO_CBLAS", "") not in ("", "0"):
        return None
    # ILP64 builds (NumPy's own wheels) suffix their symbols with 64_ and take 64-bit ints;
    # only those are used, so an int-width mismatch cannot happen.
    for path in _candidate_libraries():
        for prefix in ("scipy_", ""):
            try:
                blas = _Cblas(path, prefix, "64_", ctypes.c_int64)
            except (OSError, AttributeError):
                continue
            try:
                if _self_test(blas):
                    return blas
            except Exception:  # noqa: BLE001  (any failure means: do not use it)
                continue
    return None


def _call(
    blas: _Cblas,
    a: np.ndarray,
    b: np.ndarray,
    c: np.ndarray,
    alpha: float,
    beta: float,
    trans_a: bool,
    trans_b: bool,
) -> None:
    m, n = c.shape
    k = a.shape[0] if trans_a else a.shape[1]
    blas.fns[c.dtype](
        _ROW_MAJOR,
        _TRANS if trans_a else _NO_TRANS,
        _TRANS if trans_b else _NO_TRANS,
        m,
        n,
        k,
        alpha,
        a.ctypes.data,
        max(a.strides[0] // a.itemsize, a.shape[1], 1),
        b.ctypes.data,
        max(b.strides[0] // b.itemsize, b.shape[1], 1),
        beta,
        c.ctypes.data,
        max(c.strides[0] // c.itemsize, c.shape[1], 1),
    )


_BLAS = _load()
HAVE_CBLAS: bool = _BLAS is not None


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
        _call(_BLAS, a, b, c, alpha, beta, trans_a, trans_b)
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
        gemm(
            a.block(*ab), b.block(*bb), c.block(*cb), beta=beta, trans_a=trans_a, trans_b=trans_b
        )
        return
    _BLAS.fns[dt](
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


def blas_threads() -> int:
    """The BLAS thread count (1 when unknown)."""
    if _BLAS is None or _BLAS.get_threads is None:
        return 1
    return max(int(_BLAS.get_threads()), 1)


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
            pool = ThreadPoolExecutor(workers, thread_name_prefix="deepgrad-gemm")
            _pools[workers] = pool
        return pool


MIN_SPLIT_ROWS = 1024  # smallest row block worth a thread (tests lower it)


def _only_our_threads() -> bool:
    """True when the calling thread is the main thread and every other Python thread is one
    of deepgrad's workers: then no other thread can be inside a BLAS call."""
    if threading.current_thread() is not threading.main_thread():
        return False
    return all(
        t is threading.main_thread() or t.name.startswith("deepgrad-gemm")
        for t in threading.enumerate()
    )


def _can_quiet_blas() -> bool:
    """True when OpenBLAS's workers can be stopped and its thread count set without starting
    them: the symbols are there, and no other Python thread can be inside a BLAS call."""
    assert _BLAS is not None
    return (
        _BLAS.server_avail is not None
        and _BLAS.cpu_number is not None
        and _only_our_threads()
    )


def quiet_blas() -> bool:
    """Stop OpenBLAS's idle (spinning) workers before other threads take the cores, when that
    is safe (no other Python thread could be inside BLAS); True if none is left running."""
    if _BLAS is None or not _can_quiet_blas():
        return False
    if _BLAS.server_avail.value:
        _BLAS.shutdown()
    return True


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
    if workers <= 1 or threading.current_thread().name.startswith("deepgrad-gemm"):
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


def blas_info() -> str:
    """Which BLAS :func:`gemm` calls (for benchmark reports)."""
    return f"cblas via ctypes: {_BLAS.path}" if _BLAS is not None else "numpy.matmul fallback"
