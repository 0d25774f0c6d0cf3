"""Numba JIT for the memory-bound kernels (private).

NumPy runs one pass over memory per ufunc call, single-threaded, and makes temporaries; a
max-pool backward written with ufuncs is ~16 passes, a compiled loop is one. Numba compiles such
loops from plain Python. It is used only for *fast paths* (a float dtype and a memory layout
the kernel knows); every op keeps its NumPy implementation for the general case, and the tests
run both.

    from deepgrad._jit import jit, enabled

    @jit                      # or @jit(parallel=True) with numba.prange loops
    def _kernel(x, out): ...

    if enabled():             # numba importable and not switched off
        _kernel(x, out)       # compiled on first call (cached on disk), then native speed
    else:
        ...                   # the NumPy path

``DEEPGRAD_NO_JIT=1`` switches every kernel off (tests flip :data:`ENABLED`). Numba is
imported on the first compiled call only: ``import deepgrad`` stays NumPy-only.

Threads. A ``parallel=True`` kernel runs on Numba's thread pool. Before it starts,
:func:`deepgrad._blas.quiet_blas` stops OpenBLAS's idle workers, which would
otherwise spin on the same cores for ~0.1 s after every threaded GEMM.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

__all__ = ["jit", "serial_and_parallel", "enabled", "flat", "ENABLED"]

ENABLED: bool = os.environ.get("DEEPGRAD_NO_JIT", "") in ("", "0")
_FOUND: bool | None = None


def enabled() -> bool:
    """True when the compiled fast paths are on (numba installed, not switched off)."""
    global _FOUND
    if not ENABLED:
        return False
    if _FOUND is None:
        _FOUND = importlib.util.find_spec("numba") is not None
    return _FOUND


class _Kernel:
    """A function compiled with ``numba.njit`` on its first call."""

    def __init__(self, fn: Callable[..., Any], parallel: bool) -> None:
        self.fn = fn
        self.parallel = parallel
        self.compiled: Callable[..., Any] | None = None
        self.__name__ = fn.__name__
        self.__doc__ = fn.__doc__

    def __call__(self, *args: Any) -> Any:
        if self.compiled is None:
            import numba

            self.compiled = numba.njit(
                cache=True, nogil=True, parallel=self.parallel, error_model="numpy"
            )(self.fn)
        if self.parallel:
            from ._blas import quiet_blas

            quiet_blas()
        return self.compiled(*args)


def jit(fn: Callable[..., Any] | None = None, *, parallel: bool = False) -> Any:
    """Decorator: compile ``fn`` with Numba (nopython, cached on disk) on its first call."""
    if fn is None:
        return lambda f: _Kernel(f, parallel)
    return _Kernel(fn, parallel)


def serial_and_parallel(fn: Callable[..., Any]) -> tuple[Any, Any]:
    """``(serial, parallel)`` kernels compiled from one source ``fn`` (its ``prange`` loops run
    serially in the first); distinct names give distinct disk caches."""
    import types

    ser = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__ + "_serial")
    ser.__qualname__ = fn.__qualname__ + "_serial"
    return jit(ser), jit(parallel=True)(fn)


def flat(a: np.ndarray, writeable: bool = False) -> np.ndarray:
    """A 1-D unit-stride view of the memory from ``a``'s first element to its last (kernels
    index it with ``a``'s element strides), read-only unless asked: one compiled signature
    whether or not ``a`` itself is writeable. ``a`` must have non-negative strides."""
    span = 1 + sum((n - 1) * s for n, s in zip(a.shape, a.strides, strict=True)) // a.itemsize
    if span == a.size:  # no gaps: ravel in memory order is a view (and cheaper than as_strided)
        v = a.ravel(order="K")
        if np.may_share_memory(v, a):
            v.flags.writeable = writeable
            return v
    return as_strided(a, shape=(span,), strides=(a.itemsize,), writeable=writeable)
