"""The sweep's vocabulary: a Case (one call of one public op, in deepgrad and in PyTorch) and
the input generators the tables share (see test_sweep.py)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from parity.float64 import Const

LAYOUTS = (None, "transposed", "strided")


@dataclass
class Case:
    """``op`` (the public name in deepgrad.functional) called as ``dg(*inputs, **kwargs)`` and
    as ``th(*inputs, **kwargs)`` in PyTorch; compared by ``parity.float64.same``."""

    op: str
    dg: Callable[..., Any]
    th: Callable[..., Any]
    inputs: list
    kwargs: dict = field(default_factory=dict)
    layout: str | None = None
    gradcheck: bool = False
    rtol: float = 1e-7
    atol: float = 1e-9
    note: str = ""
    extension: str = ""  # why deepgrad accepts this call although PyTorch refuses it
    grad: bool = True  # False: compare values only (a PyTorch gradient bug; gradcheck instead)

    def __post_init__(self) -> None:  # NumPy scalars (0-d arithmetic) back to 0-d arrays
        self.inputs = [np.asarray(x) if isinstance(x, np.generic) else x for x in self.inputs]

    @property
    def id(self) -> str:
        shapes = ",".join(_describe(x) for x in self.inputs)
        kw = ",".join(f"{k}={_short(v)}" for k, v in self.kwargs.items())
        bits = [self.op, shapes, kw, self.layout or "", self.note, "gc" if self.gradcheck else "",
                "ext" if self.extension else ""]
        return "|".join(b for b in bits if b)


def _describe(x: Any) -> str:
    if isinstance(x, Const):
        return "c" + _describe(x.value)
    if isinstance(x, np.ndarray):
        return f"{x.dtype.kind}{list(x.shape)}".replace(" ", "")
    if isinstance(x, list):
        return "[" + ",".join(_describe(e) for e in x) + "]"
    return _short(x)


def _short(v: Any) -> str:
    if isinstance(v, np.ndarray | Const):
        return _describe(v)
    if callable(v):
        return getattr(v, "__name__", "fn")
    return repr(v).replace(" ", "")


def rnd(*shape: int, seed: int = 0, scale: float = 1.0) -> np.ndarray:
    return np.asarray(np.random.default_rng(seed).standard_normal(shape) * scale)


def pos(*shape: int, seed: int = 0) -> np.ndarray:
    """Positive values (log, sqrt, pow bases), away from 0."""
    return np.abs(rnd(*shape, seed=seed)) + 0.5


def away(*shape: int, seed: int = 0, gap: float = 0.1) -> np.ndarray:
    """Values none of which lies within ``gap`` of 0 (kinks: abs, relu, reciprocal)."""
    x = rnd(*shape, seed=seed)
    return np.where(np.abs(x) < gap, np.copysign(2 * gap, x), x)


def prob(*shape: int, seed: int = 0) -> np.ndarray:
    """Values in (0.05, 0.95)."""
    return np.asarray(0.05 + 0.9 * np.random.default_rng(seed).random(shape))


def labels(*shape: int, classes: int, seed: int = 0) -> np.ndarray:
    return np.asarray(np.random.default_rng(seed).integers(0, classes, shape), dtype=np.int64)


def grid(
    op: str,
    dg: Callable[..., Any],
    th: Callable[..., Any],
    inputs: Iterable[Sequence[Any]],
    kwargs: Iterable[dict] = ({},),
    layouts: Iterable[str | None] = (None,),
    gradcheck_first: bool = True,
    **extra: Any,
) -> list[Case]:
    """Every combination of inputs x kwargs x layouts; the first case is also gradchecked."""
    out = []
    for ins, kw, lay in itertools.product(list(inputs), list(kwargs), list(layouts)):
        out.append(Case(op, dg, th, list(ins), dict(kw), lay, **extra))
    if out and gradcheck_first:
        out[0].gradcheck = True
    return out


def dims_of(ndim: int, tuples: bool = True) -> list[Any]:
    """None, every dim (positive and negative) and, with ``tuples``, (0, -1) and ()."""
    ds: list[Any] = [None] + list(range(-ndim, ndim)) if ndim else [None, 0, -1]
    if tuples and ndim >= 2:
        ds += [(0, -1), ()]
    return ds


def as_float32(x: Any) -> Any:
    """The same input with float64 arrays (and Const values) as float32."""
    if isinstance(x, np.ndarray) and x.dtype == np.float64:
        return x.astype(np.float32)
    if isinstance(x, Const) and np.asarray(x.value).dtype == np.float64:
        return Const(np.asarray(x.value, np.float32))
    if isinstance(x, list):
        return [as_float32(e) for e in x]
    return x
