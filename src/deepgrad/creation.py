"""Tensor creation with PyTorch's signatures and dtypes: arange, linspace, zeros, ones, full,
eye, empty, the ``*_like`` forms, rand/randn/randint/randperm and from_numpy.

Dtypes follow PyTorch: float results are float32 (the default dtype) unless ``dtype`` says
otherwise, ``arange`` of integers and ``full`` of an int give int64, ``full`` of a bool gives
bool. Random tensors draw from deepgrad's one generator, so ``dg.manual_seed(s)`` makes them
repeatable (the numbers are NumPy's PCG64 stream, not PyTorch's: same seed, different values).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .dtypes import resolve_dtype
from .random import get_rng
from .tensor import DEFAULT_FLOAT, Tensor

__all__ = [
    "arange", "linspace", "zeros", "ones", "empty", "full", "eye",
    "zeros_like", "ones_like", "empty_like", "full_like",
    "rand", "randn", "randint", "randperm", "rand_like", "randn_like", "from_numpy",
]


def _size(size: tuple, who: str) -> tuple[int, ...]:
    """``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])`` and ``f(())`` all mean shape (2, 3) / ()."""
    if len(size) == 1 and isinstance(size[0], tuple | list):
        size = tuple(size[0])
    out = []
    for s in size:
        if isinstance(s, bool) or not isinstance(s, int | np.integer):
            raise TypeError(f"{who}: size must be ints (e.g. {who}(2, 3) or {who}((2, 3))), "
                            f"got {size!r}")
        if s < 0:
            raise RuntimeError(f"{who}: negative dimension {s} in size {size!r}")
        out.append(int(s))
    return tuple(out)


def _make(data: np.ndarray, requires_grad: bool) -> Tensor:
    return Tensor(data, requires_grad=requires_grad, dtype=data.dtype)


def _scalar(v: Any, who: str, name: str) -> Any:
    if isinstance(v, Tensor):
        v = v.item()
    if isinstance(v, np.generic):
        v = v.item()
    if not isinstance(v, int | float):
        raise TypeError(f"{who}: {name} must be a number, got {v!r}")
    return v


def arange(start: Any, end: Any = None, step: Any = 1, *, dtype: Any = None,
           requires_grad: bool = False) -> Tensor:
    """``[start, start + step, ...)`` up to (excluding) ``end``; ``arange(n)`` is 0..n-1.

    out_i = start + i * step for i < ceil((end - start) / step), computed in float64 and then
    cast (as PyTorch). int64 when start, end and step are all ints, else float32; for an integer
    ``dtype`` the three are truncated to ints first (PyTorch's rule).
    """
    if end is None:
        start, end = 0, start
    start, end, step = (_scalar(v, "arange", n) for v, n in
                        ((start, "start"), (end, "end"), (step, "step")))
    dt = resolve_dtype(dtype, "arange")
    if dt is None:
        ints = all(isinstance(v, int) for v in (start, end, step))
        dt = np.dtype(np.int64) if ints else DEFAULT_FLOAT
    if dt.kind in "iub":  # integer results: the bounds are truncated to ints first (as PyTorch)
        start, end, step = int(start), int(end), int(step)
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(f"arange: upper bound and lower bound inconsistent with step sign "
                           f"(start={start}, end={end}, step={step})")
    n = math.ceil((end - start) / step) if dt.kind == "f" else -((start - end) // step)
    work = np.float64 if dt.kind == "f" else np.int64
    out = (start + step * np.arange(n, dtype=work)).astype(dt)
    return _make(out, requires_grad)


def linspace(start: Any, end: Any, steps: int, *, dtype: Any = None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive (float32 by default).

    With h = (end - start) / (steps - 1): out_i = start + i h for i < steps / 2, else
    end - (steps - 1 - i) h (PyTorch's symmetric formula, so both ends are exact), computed in
    float64 and rounded to the result's dtype (for integer results the bounds and the values
    are truncated, as PyTorch).
    PyTorch computes float32 results in float32 with SIMD lanes whose width depends on the
    CPU, so its last bit can differ from deepgrad's by one ulp.
    """
    start = _scalar(start, "linspace", "start")
    end = _scalar(end, "linspace", "end")
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 0:
        raise RuntimeError(f"linspace: number of steps must be a non-negative int, got {steps!r}")
    dt = resolve_dtype(dtype, "linspace") or DEFAULT_FLOAT
    work = np.dtype(np.float64)
    if dt.kind in "iub":  # integer results: the bounds are truncated to ints first (as PyTorch)
        start, end = int(start), int(end)
    steps = int(steps)
    if steps <= 1:
        return _make(np.full(steps, start).astype(dt), requires_grad)
    a, b = work.type(start), work.type(end)
    h = (b - a) / work.type(steps - 1)
    i = np.arange(steps)
    lo = a + h * i.astype(work)
    hi = b - h * (steps - 1 - i).astype(work)
    out = np.where(i < steps // 2, lo, hi)
    return _make(out.astype(dt), requires_grad)


def _float_or(dtype: Any, who: str) -> np.dtype:
    return resolve_dtype(dtype, who) or DEFAULT_FLOAT


def zeros(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros of shape ``size`` (float32 unless ``dtype``)."""
    return _make(np.zeros(_size(size, "zeros"), _float_or(dtype, "zeros")), requires_grad)


def ones(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones of shape ``size`` (float32 unless ``dtype``)."""
    return _make(np.ones(_size(size, "ones"), _float_or(dtype, "ones")), requires_grad)


def empty(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor of shape ``size`` (its values are whatever memory held)."""
    return _make(np.empty(_size(size, "empty"), _float_or(dtype, "empty")), requires_grad)


def _fill_dtype(fill_value: Any) -> np.dtype:
    if isinstance(fill_value, bool | np.bool_):
        return np.dtype(np.bool_)
    if isinstance(fill_value, int | np.integer):
        return np.dtype(np.int64)
    return DEFAULT_FLOAT


def full(size: Any, fill_value: Any, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of shape ``size`` filled with ``fill_value``; dtype from the value as PyTorch
    (bool -> bool, int -> int64, float -> float32) unless ``dtype``."""
    fill_value = fill_value.item() if isinstance(fill_value, Tensor) else fill_value
    dt = resolve_dtype(dtype, "full") or _fill_dtype(fill_value)
    shape = _size((size,), "full")
    return _make(np.full(shape, fill_value, dtype=dt), requires_grad)


def eye(n: int, m: int | None = None, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """The n x m identity matrix (m = n by default; float32 unless ``dtype``)."""
    (n,) = _size((n,), "eye")
    m = n if m is None else _size((m,), "eye")[0]
    return _make(np.eye(n, m, dtype=_float_or(dtype, "eye")), requires_grad)


def _like(input: Any, who: str) -> np.ndarray:  # noqa: A002
    if isinstance(input, Tensor):
        return input.data
    if isinstance(input, np.ndarray):
        return input
    raise TypeError(f"{who}: input must be a Tensor or a NumPy array, got {type(input).__name__}")


def zeros_like(input: Any, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    """Zeros with ``input``'s shape and dtype (or ``dtype``)."""
    a = _like(input, "zeros_like")
    return _make(np.zeros(a.shape, resolve_dtype(dtype, "zeros_like") or a.dtype), requires_grad)


def ones_like(input: Any, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    """Ones with ``input``'s shape and dtype (or ``dtype``)."""
    a = _like(input, "ones_like")
    return _make(np.ones(a.shape, resolve_dtype(dtype, "ones_like") or a.dtype), requires_grad)


def empty_like(input: Any, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    """An uninitialised tensor with ``input``'s shape and dtype (or ``dtype``)."""
    a = _like(input, "empty_like")
    return _make(np.empty(a.shape, resolve_dtype(dtype, "empty_like") or a.dtype), requires_grad)


def full_like(input: Any, fill_value: Any, *, dtype: Any = None,  # noqa: A002
              requires_grad: bool = False) -> Tensor:
    """``fill_value`` everywhere, with ``input``'s shape and dtype (or ``dtype``): the value is
    cast to that dtype (``full_like(int_tensor, 2.7)`` holds 2s, as PyTorch)."""
    a = _like(input, "full_like")
    dt = resolve_dtype(dtype, "full_like") or a.dtype
    value = fill_value.item() if isinstance(fill_value, Tensor) else fill_value
    return _make(np.full(a.shape, np.asarray(value).astype(dt), dtype=dt), requires_grad)


def _random_float(who: str, dtype: Any) -> np.dtype:
    dt = _float_or(dtype, who)
    if dt.kind != "f":
        raise TypeError(f"{who}: dtype must be a floating point type, got {dt}")
    return dt


def _draw(shape: tuple, dt: np.dtype, normal: bool, generator: Any) -> np.ndarray:
    rng = generator if generator is not None else get_rng()
    kind = dt if dt in (np.float32, np.float64) else np.dtype(np.float64)
    out = rng.standard_normal(shape, dtype=kind) if normal else rng.random(shape, dtype=kind)
    return out.astype(dt, copy=False)


def rand(*size: Any, generator: Any = None, dtype: Any = None,
         requires_grad: bool = False) -> Tensor:
    """Uniform samples from [0, 1) of shape ``size`` (float32 unless ``dtype``), drawn from
    deepgrad's generator (``dg.manual_seed``) or ``generator`` (a NumPy Generator)."""
    dt = _random_float("rand", dtype)
    return _make(_draw(_size(size, "rand"), dt, False, generator), requires_grad)


def randn(*size: Any, generator: Any = None, dtype: Any = None,
          requires_grad: bool = False) -> Tensor:
    """Standard normal samples N(0, 1) of shape ``size`` (float32 unless ``dtype``)."""
    dt = _random_float("randn", dtype)
    return _make(_draw(_size(size, "randn"), dt, True, generator), requires_grad)


def rand_like(input: Any, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    """``rand`` with ``input``'s shape and float dtype."""
    a = _like(input, "rand_like")
    dt = _random_float("rand_like", dtype or a.dtype)
    return _make(_draw(a.shape, dt, False, None), requires_grad)


def randn_like(input: Any, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:  # noqa: A002
    """``randn`` with ``input``'s shape and float dtype."""
    a = _like(input, "randn_like")
    dt = _random_float("randn_like", dtype or a.dtype)
    return _make(_draw(a.shape, dt, True, None), requires_grad)


def randint(*args: Any, size: Any = None, generator: Any = None, dtype: Any = None,
            requires_grad: bool = False) -> Tensor:
    """Integers uniform in [low, high): ``randint(high, size)`` or ``randint(low, high, size)``,
    int64 unless ``dtype`` (PyTorch's signature)."""
    if size is not None:
        args = (*args, size)
    if len(args) == 2:
        low, high, size = 0, args[0], args[1]
    elif len(args) == 3:
        low, high, size = args
    else:
        raise TypeError("randint: expected randint(high, size) or randint(low, high, size), "
                        f"got {len(args)} positional arguments")
    low, high = int(low), int(high)
    if low >= high:
        raise RuntimeError(f"randint: low must be smaller than high, got low={low}, high={high}")
    shape = _size((size,), "randint")
    rng = generator if generator is not None else get_rng()
    dt = resolve_dtype(dtype, "randint") or np.dtype(np.int64)
    return _make(rng.integers(low, high, shape).astype(dt), requires_grad)


def randperm(n: int, *, generator: Any = None, dtype: Any = None,
             requires_grad: bool = False) -> Tensor:
    """A random permutation of 0..n-1 (int64 unless ``dtype``)."""
    (n,) = _size((n,), "randperm")
    rng = generator if generator is not None else get_rng()
    dt = resolve_dtype(dtype, "randperm") or np.dtype(np.int64)
    return _make(rng.permutation(n).astype(dt), requires_grad)


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor sharing ``ndarray``'s memory and keeping its dtype (float64 stays float64):
    writing into one changes the other, as ``torch.from_numpy``."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"from_numpy: expected np.ndarray (got {type(ndarray).__name__})")
    if ndarray.dtype.kind in "OUSV":
        raise TypeError(f"from_numpy: can't convert an array of dtype {ndarray.dtype}; the only "
                        "supported types are numbers and bool")
    return Tensor(ndarray, dtype=ndarray.dtype)
