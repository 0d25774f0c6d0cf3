"""Receptive fields over the graph, for ``summary()``: how many input pixels one unit sees.

Along each spatial dim a tensor carries a *receptive field* r (the extent of input pixels one
of its units depends on) and a *jump* j (the distance in input pixels between neighbouring
units). The input has r = 1, j = 1. A layer with kernel k, dilation d and stride s maps

    k_eff = d (k - 1) + 1                         (a dilated kernel's extent)
    r_out = r_in + (k_eff - 1) j_in
    j_out = j_in s

so two 3x3 convs see 5x5 pixels, a 2x2/2 pool after them 6x6, and a 3x3 conv after that 10x10.
Transposed convs divide the jump by their stride; global pooling, Flatten, dense and recurrent
layers after a spatial layer see the whole input ("global"). An adaptive pool to (o1, o2) uses
its largest window (ceil(H / o) or one more where windows overlap) and jump H / o; to (1, 1) it
is global.

Networks with branches (Inception, ResNet) are graphs, not chains: a residual block's output is
relu(F(x) + x) and an inception block concatenates four branches. A unit then sees the union of
what every path into it sees, so its field is the *largest over all paths*:

    r(v) = max over the inputs u of v of r(u)    (for adds, concatenations, elementwise ops)

The tracker follows the real graph: every leaf layer's output is recorded with its field (keyed
by its array, so in-place ops and aliases are followed), and a layer's input that came from
functional code (``out + identity``, ``cat``) gets its field by walking the autograd graph back
to recorded tensors, taking the max over the parents. Limitation: a kernel applied through the
functional API (``F.conv2d`` in a ``forward``) rather than a layer is invisible and counted as
an elementwise op.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from ..tensor import Tensor
from .module import Module

__all__ = ["Field", "RFTracker"]

_GLOBAL_TYPES = (
    "GlobalAvgPool",
    "GlobalMaxPool",
    "GlobalAveragePooling",
    "GlobalMaxPooling",
    "Flatten",
    "Linear",
    "LazyLinear",
    "Dense",
    "RNN",
    "LSTM",
    "GRU",
)


class Field(NamedTuple):
    """Receptive field and jump per spatial dim; ``rf=None`` for a tensor no spatial layer has
    touched yet (the input itself: one pixel, jump 1); ``is_global`` once it sees everything."""

    rf: tuple[float, ...] | None = None
    jump: tuple[float, ...] | None = None
    is_global: bool = False


INPUT = Field()
GLOBAL = Field(None, None, True)


def merge(fields: list[Field]) -> Field | None:
    """The field of a tensor computed from tensors with ``fields``: the largest over paths."""
    if not fields:
        return None
    if any(f.is_global for f in fields):
        return GLOBAL
    spatial = [f for f in fields if f.rf is not None]
    if not spatial:
        return INPUT
    nd = len(spatial[0].rf)  # type: ignore[arg-type]
    same = [f for f in spatial if len(f.rf) == nd]  # type: ignore[arg-type]
    rf = tuple(max(f.rf[i] for f in same) for i in range(nd))  # type: ignore[index]
    jump = tuple(max(f.jump[i] for f in same) for i in range(nd))  # type: ignore[index]
    return Field(rf, jump)


def _ntuple(v: Any, n: int) -> tuple[int, ...]:
    return tuple(int(a) for a in v) if isinstance(v, tuple | list) else (int(v),) * n


def _tensors(obj: Any) -> list[Tensor]:
    if isinstance(obj, Tensor):
        return [obj]
    if isinstance(obj, tuple | list):
        return [t for o in obj for t in _tensors(o)]
    return []


class RFTracker:
    """Fields of the tensors of one traced forward pass (see the module docstring)."""

    _MISSING = object()

    def __init__(self) -> None:
        self._known: dict[int, tuple[np.ndarray, Field | None]] = {}  # id(array) -> field
        self.seen_spatial = False

    # -------------------------------------------------------------- fields of tensors
    def set(self, t: Tensor, f: Field | None) -> None:
        self._known[id(t.data)] = (t.data, f)  # the array is kept, so its id is not reused

    def _lookup(self, t: Tensor) -> Any:
        hit = self._known.get(id(t.data))
        return self._MISSING if hit is None else hit[1]

    def field_of(self, t: Tensor) -> Field | None:
        """The recorded field of ``t``, else the max over its graph parents (walked
        iteratively, no recursion); None for tensors that do not depend on the input."""
        if (f := self._lookup(t)) is not self._MISSING:
            return f
        stack: list[tuple[Tensor, bool]] = [(t, False)]
        while stack:
            node, expanded = stack.pop()
            if self._lookup(node) is not self._MISSING:
                continue
            if expanded:
                parents = [self._lookup(p) for p in node._parents]
                self.set(node, merge([p for p in parents if p is not None
                                      and p is not self._MISSING]))
                continue
            stack.append((node, True))
            stack.extend((p, False) for p in node._parents if self._lookup(p) is self._MISSING)
        return self._lookup(t)

    # -------------------------------------------------------------- one layer
    def update(self, m: Module, inputs: tuple, out: Any) -> Field:
        """Record the field of layer ``m``'s output(s) from the field(s) of its input(s)."""
        xs = _tensors(inputs)
        fin = merge([f for f in (self.field_of(x) for x in xs) if f is not None]) or INPUT
        fout = self._through(m, xs[0] if xs else None, out, fin)
        for t in _tensors(out):
            self.set(t, fout)
        return fout

    def _through(self, m: Module, x: Tensor | None, out: Any, f: Field) -> Field:
        kind = type(m).__name__
        nd = max((x.ndim if x is not None else 2) - 2, 1)
        if f.is_global:
            return GLOBAL
        if kind.startswith(_GLOBAL_TYPES):
            return GLOBAL if f.rf is not None else INPUT
        if kind.startswith(("AdaptiveAvgPool", "AdaptiveMaxPool")):
            return self._adaptive(x, out, f, nd)
        kernel = getattr(m, "kernel_size", getattr(m, "pool_size", None))  # PyTorch's / Keras'
        stride = getattr(m, "stride", getattr(m, "strides", None))
        if kernel is None or stride is None:
            return f  # elementwise, normalisation, dropout, reshapes of a map: unchanged
        self.seen_spatial = True
        rf0 = f.rf if f.rf is not None and len(f.rf) == nd else (1.0,) * nd
        j0 = f.jump if f.jump is not None and len(f.jump) == nd else (1.0,) * nd
        k, s = _ntuple(kernel, nd), _ntuple(stride, nd)
        d = _ntuple(getattr(m, "dilation", getattr(m, "dilation_rate", 1)), nd)
        rf, jump = [], []
        for i in range(nd):
            k_eff = d[i] * (k[i] - 1) + 1
            if kind.startswith("MaxUnpool"):
                rf.append(rf0[i])
                jump.append(j0[i] / s[i])
            elif getattr(m, "_transposed", False) or "Transpose" in kind:
                # each output sees ceil(k_eff / s) consecutive inputs
                rf.append(rf0[i] + (math.ceil(k_eff / s[i]) - 1) * j0[i])
                jump.append(j0[i] / s[i])
            else:
                rf.append(rf0[i] + (k_eff - 1) * j0[i])
                jump.append(j0[i] * s[i])
        return Field(tuple(rf), tuple(jump))

    def _adaptive(self, x: Tensor | None, out: Any, f: Field, nd: int) -> Field:
        outs = _tensors(out)
        if x is None or not outs:
            return f
        sizes_in, sizes_out = x.shape[-nd:], outs[0].shape[-nd:]
        if all(o == 1 for o in sizes_out):
            return GLOBAL if f.rf is not None or any(h > 1 for h in sizes_in) else f
        self.seen_spatial = True
        rf0 = f.rf if f.rf is not None else (1.0,) * nd
        j0 = f.jump if f.jump is not None else (1.0,) * nd
        rf, jump = [], []
        for i, (h, o) in enumerate(zip(sizes_in, sizes_out, strict=True)):
            window = max(math.ceil((a + 1) * h / o) - (a * h) // o for a in range(o))
            rf.append(rf0[i] + (window - 1) * j0[i])
            jump.append(j0[i] * h / o)
        return Field(tuple(rf), tuple(jump))
