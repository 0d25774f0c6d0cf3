"""einsum: Einstein summation over named indices, as ``torch.einsum``, with its backward.

    out[o] = sum over the indices not in o of  prod_k  x_k[s_k]

The gradient of one operand is again an einsum: the output gradient ``delta`` times all the
other operands, summed over every index the operand does not carry,

    dC/dx_k[s_k] = sum  delta[o] * prod_{l != k} x_l[s_l]   ("o, s_1, ..., ->s_k"),

with two corrections: an index only ``x_k`` carries (summed away in the forward) is broadcast
back, and an index repeated within ``x_k`` (a diagonal, ``"ii->i"``; a trace, ``"ii"``) writes
the gradient onto that diagonal and leaves zeros elsewhere. Broadcasting follows PyTorch: an
index of size 1 stretches to the other operands' size, and ``...`` stands for the same
right-aligned broadcast dims in every operand.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..tensor import Tensor, make_result
from .math import lift

__all__ = ["einsum"]

_LETTERS = string.ascii_letters


def _parse(equation: str, shapes: Sequence[tuple[int, ...]]) -> tuple[list[str], str]:
    """Subscripts of every operand and of the output, with ``...`` spelled out as letters."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    subs = lhs.split(",")
    if len(subs) != len(shapes):
        raise ValueError(f"einsum: the equation {equation!r} names {len(subs)} operands but "
                         f"{len(shapes)} were given")
    for s in [*subs, rhs]:
        bad = set(s.replace("...", "")) - set(_LETTERS)
        if bad or s.count("...") > 1:
            raise ValueError(f"einsum: invalid subscript {s!r} in {equation!r} (letters a-z, A-Z "
                             "and at most one '...' per operand)")
    used = set(eq) - set(".,->")
    spare = [c for c in _LETTERS if c not in used]
    widths = []
    for k, (s, shape) in enumerate(zip(subs, shapes, strict=True)):
        named = len(s.replace("...", ""))
        if ("..." in s and named > len(shape)) or ("..." not in s and named != len(shape)):
            raise ValueError(f"einsum: operand {k} has {len(shape)} dims (shape {shape}) but its "
                             f"subscript {s!r} names {named}")
        widths.append(len(shape) - named if "..." in s else 0)
    ell = spare[: max(widths, default=0)]
    subs = [s.replace("...", "".join(ell[len(ell) - w:])) for s, w in zip(subs, widths,
                                                                          strict=True)]
    if arrow:
        out = rhs.replace("...", "".join(ell))
        if len(set(out)) != len(out):
            raise ValueError(f"einsum: output subscript {rhs!r} repeats an index")
        missing = set(out) - set("".join(subs))
        if missing:
            raise ValueError(f"einsum: output index {sorted(missing)[0]!r} appears in no operand")
    else:  # implicit output: the ellipsis dims, then the indices seen once, sorted (ASCII)
        joined = "".join(s for s in subs)
        out = "".join(ell) + "".join(sorted(c for c in set(joined) - set(ell)
                                            if joined.count(c) == 1))
    return subs, out


def _check_sizes(subs: Sequence[str], shapes: Sequence[tuple[int, ...]]) -> None:
    """PyTorch's errors for index sizes that disagree (equal, or 1 to broadcast)."""
    size: dict[str, int] = {}
    for k, (s, shape) in enumerate(zip(subs, shapes, strict=True)):
        mine: dict[str, int] = {}
        for c, n in zip(s, shape, strict=True):
            if c in mine and mine[c] != n:
                raise ValueError(f"einsum: index {c!r} is repeated for operand {k} but the sizes "
                                 f"don't match, {mine[c]} != {n}")
            mine[c] = n
        for c, n in mine.items():
            seen = size.get(c, 1)
            if n != 1 and seen != 1 and n != seen:
                raise ValueError(f"einsum: index {c!r} has size {n} for operand {k} (shape "
                                 f"{shape}), which does not broadcast with size {seen} seen before")
            size[c] = max(seen, n)


def _fit(g: np.ndarray, target: tuple[int, ...]) -> np.ndarray:
    """Sum the dims broadcasting stretched, then broadcast the size-1 dims: shape ``target``."""
    axes = tuple(i for i, (a, b) in enumerate(zip(g.shape, target, strict=True)) if a != b == 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return np.broadcast_to(g, target) if g.shape != target else g


def _onto(sub: str, shape: tuple[int, ...], g_unique: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """The gradient of an operand whose subscript repeats an index: ``g_unique`` (one axis per
    distinct index) written onto the diagonal, zeros elsewhere."""
    full = np.zeros(shape, dtype=dtype)
    unique = "".join(dict.fromkeys(sub))
    strides = {c: 0 for c in unique}
    sizes = {}
    for c, n, st in zip(sub, shape, full.strides, strict=True):
        strides[c] += st
        sizes[c] = n
    diag = np.lib.stride_tricks.as_strided(
        full, [sizes[c] for c in unique], [strides[c] for c in unique]
    )
    diag[...] = g_unique
    return full


def einsum(equation: str, *operands: Any) -> Tensor:
    """Einstein summation, ``einsum("ij,jk->ik", a, b)`` (also ``einsum(eq, [a, b])``), with
    PyTorch's rules: implicit output (indices seen once, sorted), ``...`` broadcast dims, size-1
    dims broadcasting. Differentiable in every floating-point operand (see the module docstring).
    """
    if not isinstance(equation, str):
        raise TypeError(f"einsum: the first argument must be the equation string, got "
                        f"{type(equation).__name__}")
    if len(operands) == 1 and isinstance(operands[0], list | tuple):
        operands = tuple(operands[0])
    if not operands:
        raise ValueError("einsum: needs at least one operand")
    like = next((t for t in operands if isinstance(t, Tensor)), None)
    tensors = tuple(lift(t, like) for t in operands)
    arrays = [t.data for t in tensors]
    subs, out = _parse(equation, [a.shape for a in arrays])
    _check_sizes(subs, [a.shape for a in arrays])
    optimize = len(arrays) > 1
    result = np.einsum(f"{','.join(subs)}->{out}", *arrays, optimize=optimize)

    def backward(delta: np.ndarray) -> tuple:
        grads = []
        for k, (t, sub) in enumerate(zip(tensors, subs, strict=True)):
            if not t.requires_grad:
                grads.append(None)
                continue
            others = [(s, a) for j, (s, a) in enumerate(zip(subs, arrays, strict=True)) if j != k]
            present = "".join(dict.fromkeys(c for c in sub if c in out + "".join(s for s, _ in
                                                                               others)))
            eq = ",".join([out, *(s for s, _ in others)]) + "->" + present
            g = np.asarray(np.einsum(eq, delta, *(a for _, a in others),
                                     optimize=len(others) > 0))
            unique = "".join(dict.fromkeys(sub))
            if present != unique:  # indices only this operand carries: size-1 axes, broadcast
                dims = iter(g.shape)
                g = g.reshape([next(dims) if c in present else 1 for c in unique])
            target = dict(zip(sub, t.shape, strict=True))
            g = _fit(g, tuple(target[c] for c in unique))
            if len(unique) != len(sub):
                g = _onto(sub, t.shape, g, delta.dtype)
            grads.append(g)
        return tuple(grads)

    return make_result(np.asarray(result), tensors, backward, "einsum")
