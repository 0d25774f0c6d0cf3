"""The OpenBLAS that NumPy ships, reached through ctypes: its ``?gemm`` and its thread control.

Shared by ``functional/_gemm.py`` (GEMMs that accumulate into views, row blocks on worker
threads) and ``_jit.py`` (parallel kernels stop OpenBLAS's spinning workers first). When the
library cannot be found (a NumPy built against another BLAS, or ``DEEPGRAD_NO_CBLAS=1``),
:data:`HAVE_CBLAS` is False and callers use NumPy.

Single-threaded float32 GEMMs (the convolutions' row blocks run on deepgrad's own threads, one
BLAS thread each) can also go to oneDNN's ``dnnl_sgemm`` when the optional package
``onednn-cpu-gomp`` is installed (``pip install deepgrad[fast]``): :func:`serial_sgemm` times
both libraries on a convolution-sized product at first use and keeps the faster. OpenBLAS's
kernel is the one its CPU detection (or ``OPENBLAS_CORETYPE``) picked, while oneDNN generates
code for the instructions the CPU has, so on a CPU with AVX-512 but an AVX2 OpenBLAS kernel
the choice doubles the convolutions' GEMM speed; elsewhere it may keep OpenBLAS.
``DEEPGRAD_SGEMM=openblas`` or ``=onednn`` skips the measurement.
"""

from __future__ import annotations

import ctypes
import glob
import os
import threading
import time
from collections.abc import Callable

import numpy as np

__all__ = [
    "HAVE_CBLAS",
    "blas_threads",
    "quiet_blas",
    "blas_info",
    "serial_sgemm",
    "WORKER_PREFIX",
]

WORKER_PREFIX = "deepgrad-gemm"  # the name of deepgrad's own worker threads

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
    fn: Callable | None = None,
) -> None:
    m, n = c.shape
    k = a.shape[0] if trans_a else a.shape[1]
    (fn or blas.fns[c.dtype])(
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


def blas_threads() -> int:
    """The BLAS thread count (1 when unknown)."""
    if _BLAS is None or _BLAS.get_threads is None:
        return 1
    return max(int(_BLAS.get_threads()), 1)


def _only_our_threads() -> bool:
    """True when the calling thread is the main thread and every other Python thread is one
    of deepgrad's workers: then no other thread can be inside a BLAS call."""
    if threading.current_thread() is not threading.main_thread():
        return False
    return all(
        t is threading.main_thread() or t.name.startswith(WORKER_PREFIX)
        for t in threading.enumerate()
    )


def _can_quiet_blas() -> bool:
    """True when OpenBLAS's workers can be stopped and its thread count set without starting
    them: the symbols are there, and no other Python thread can be inside a BLAS call."""
    assert _BLAS is not None
    return _BLAS.server_avail is not None and _BLAS.cpu_number is not None and _only_our_threads()


def quiet_blas() -> bool:
    """Stop OpenBLAS's idle (spinning) workers before other threads take the cores, when that
    is safe (no other Python thread could be inside BLAS); True if none is left running."""
    if _BLAS is None or not _can_quiet_blas():
        return False
    if _BLAS.server_avail.value:
        _BLAS.shutdown()
    return True


def blas_info() -> str:
    """Which BLAS the GEMMs call (for benchmark reports)."""
    if _BLAS is None:
        return "numpy.matmul fallback"
    serial = serial_sgemm()
    one = "OpenBLAS" if serial is None else getattr(serial, "name", "?")
    return f"cblas via ctypes: {_BLAS.path}; float32 on one thread: {one} ({_CHOICE_NOTE})"


# ------------------------------------------------------------------ oneDNN's sgemm (optional)
_CBLAS_CHARS = {_NO_TRANS: b"N", _TRANS: b"T"}
_ONEDNN = "onednn-cpu-gomp"  # the PyPI distribution: oneDNN with GNU OpenMP, CPU only


def _onednn_library() -> str | None:
    """The path of libdnnl.so.3 installed by the ``onednn-cpu-gomp`` wheel, if any."""
    try:
        from importlib import metadata

        files = metadata.files(_ONEDNN) or []
    except Exception:  # noqa: BLE001  (not installed, or unreadable metadata)
        return None
    for f in files:
        if os.path.basename(str(f)) == "libdnnl.so.3":
            path = os.path.abspath(str(f.locate()))
            if os.path.exists(path):
                return path
    return None


class _OneDnnSgemm:
    """``dnnl_sgemm`` with the call signature of ``_Cblas.fns[float32]`` (row-major only).

    oneDNN threads a GEMM over the OpenMP thread count of the calling thread; deepgrad calls
    this only where it wants a single thread, so each calling thread sets its own OpenMP
    count to 1 once (libgomp keeps that setting per thread)."""

    def __init__(self, path: str) -> None:
        lib = ctypes.CDLL(path)
        self.path = path
        i, p = ctypes.c_int64, ctypes.c_void_p
        fn = lib.dnnl_sgemm
        fn.argtypes = [
            ctypes.c_char,
            ctypes.c_char,
            i,
            i,
            i,
            ctypes.c_float,
            p,
            i,
            p,
            i,
            ctypes.c_float,
            p,
            i,
        ]
        fn.restype = ctypes.c_int
        self._fn = fn
        self._omp_set = lib.omp_set_num_threads  # from libgomp, which libdnnl links
        self._omp_set.argtypes = [ctypes.c_int]
        self._omp_set.restype = None
        version = lib.dnnl_version
        version.restype = ctypes.POINTER(ctypes.c_int * 3)
        v = version().contents
        self.name = f"oneDNN {v[0]}.{v[1]}.{v[2]} dnnl_sgemm"
        self._local = threading.local()

    def __call__(self, order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) -> None:
        if order != _ROW_MAJOR:
            raise ValueError("dnnl_sgemm: row-major only")
        if not getattr(self._local, "one_thread", False):
            self._omp_set(1)
            self._local.one_thread = True
        status = self._fn(
            _CBLAS_CHARS[ta], _CBLAS_CHARS[tb], m, n, k, alpha, a, lda, b, ldb, beta, c, ldc
        )
        if status != 0:
            raise RuntimeError(
                f"dnnl_sgemm failed with status {status} for ({m}, {k}) x ({k}, {n})"
            )


_serial_lock = threading.Lock()
_SERIAL: list = []  # [] until chosen, then [function or None (= OpenBLAS's own)]
_CHOICE_NOTE = "not chosen yet"


def _time_gemm(fn: Callable, a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
    t0 = time.perf_counter()
    fn(
        _ROW_MAJOR,
        _NO_TRANS,
        _TRANS,
        c.shape[0],
        c.shape[1],
        a.shape[1],
        1.0,
        a.ctypes.data,
        a.shape[1],
        b.ctypes.data,
        b.shape[1],
        1.0,
        c.ctypes.data,
        c.shape[1],
    )
    return time.perf_counter() - t0


def _choose_serial() -> tuple[Callable | None, str]:
    """(oneDNN's sgemm or None for OpenBLAS's, why): forced by DEEPGRAD_SGEMM, or measured."""
    want = os.environ.get("DEEPGRAD_SGEMM", "").strip().lower()
    if want not in ("", "openblas", "onednn"):
        raise ValueError(f"DEEPGRAD_SGEMM must be 'openblas' or 'onednn', got {want!r}")
    if want == "openblas" or _BLAS is None:
        return None, "DEEPGRAD_SGEMM=openblas" if want else "no OpenBLAS"
    path = _onednn_library()
    if path is None:
        if want == "onednn":
            raise RuntimeError(
                f"DEEPGRAD_SGEMM=onednn, but {_ONEDNN} is not installed: "
                "pip install 'deepgrad[fast]'"
            )
        return None, f"{_ONEDNN} not installed"
    try:
        dnnl = _OneDnnSgemm(path)
        rng = np.random.default_rng(0)
        a = rng.standard_normal((37, 19)).astype(np.float32)
        b = rng.standard_normal((23, 19)).astype(np.float32)
        c = rng.standard_normal((37, 23)).astype(np.float32)
        want_c = a @ b.T + c
        _time_gemm(dnnl, a, b, c)
        if not np.allclose(c, want_c, rtol=1e-4, atol=1e-4):
            return None, "oneDNN failed its self-test"
    except (OSError, AttributeError, RuntimeError) as err:
        if want == "onednn":
            raise
        return None, f"oneDNN unusable: {err}"
    if want == "onednn":
        return dnnl, "DEEPGRAD_SGEMM=onednn"
    # one thread each, on a row block of a convolution (2048 grid rows, 128 -> 128 channels)
    a = rng.standard_normal((2048, 128)).astype(np.float32)
    b = rng.standard_normal((128, 128)).astype(np.float32)
    c = np.zeros((2048, 128), np.float32)
    ours = _BLAS.fns[np.dtype(np.float32)]
    before = _BLAS.cpu_number.value if _BLAS.cpu_number is not None else None
    if before is not None:
        _BLAS.cpu_number.value = 1
    try:
        t_open, t_dnnl = [], []
        for _ in range(7):  # interleaved, the best of each: robust to a loaded machine
            t_open.append(_time_gemm(ours, a, b, c))
            t_dnnl.append(_time_gemm(dnnl, a, b, c))
    finally:
        if before is not None:
            _BLAS.cpu_number.value = before
    speedup = min(t_open) / min(t_dnnl)
    note = f"measured {speedup:.2f}x OpenBLAS's speed"
    return (dnnl, note) if speedup > 1.0 else (None, note)


def serial_sgemm() -> Callable | None:
    """The float32 GEMM for single-threaded calls, cblas signature: oneDNN's when installed
    and faster here (chosen once, at first use), else None (use OpenBLAS's)."""
    global _CHOICE_NOTE
    if not _SERIAL:
        with _serial_lock:
            if not _SERIAL:
                fn, _CHOICE_NOTE = _choose_serial()
                _SERIAL.append(fn)
    return _SERIAL[0]


def one_blas_thread() -> bool:
    """True when a BLAS call made now would run on one thread (deepgrad's row-block workers,
    a small product, or a BLAS set to one thread)."""
    if _BLAS is None:
        return True
    if _BLAS.cpu_number is not None:
        return _BLAS.cpu_number.value <= 1
    return blas_threads() <= 1
