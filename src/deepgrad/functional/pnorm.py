"""p-norms with torch.norm's signature: norm(input, p='fro', dim=None, keepdim=False, dtype=None).

As torch.norm: a number p (or 'fro' over at most two dims) is the vector p-norm of the
elements over ``dim`` (all of them when None; even when dim names two dims),

    ||x||_p = (sum_i |x_i|^p)^(1/p),  ||x||_inf = max_i |x_i|,  ||x||_-inf = min_i |x_i|,
    ||x||_0 = #{i : x_i != 0},        'fro' = ||x||_2,

and 'nuc' is the nuclear norm of the matrices over two dims (sum of singular values).
Backward (PyTorch's conventions at the kinks, delta = dC/d(out)):

    p = 2:         dC/dx_i = delta x_i / ||x||          (0 where ||x|| = 0)
    p = 1:         dC/dx_i = delta sign(x_i)
    p = +-inf:     delta sign(x_i) shared evenly by the i with |x_i| = ||x||
    p = 0:         0
    1 < p, p != 2: dC/dx_i = delta x_i |x_i|^(p-2) / ||x||^(p-1)   (0 where ||x|| = 0)
    p < 1:         dC/dx_i = delta sign(x_i) |x_i|^(p-1) ||x||^(1-p) (0 where x_i = 0)
    'nuc':         dC/dX = delta U V^T  (X = U S V^T, the reduced SVD)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..tensor import Tensor, make_result
from .reduce import _axes

__all__ = ["norm"]


def norm(
    input: Tensor,  # noqa: A002
    p: float | str | None = "fro",
    dim: int | tuple[int, ...] | list[int] | None = None,
    keepdim: bool = False,
    dtype: Any = None,
) -> Tensor:
    """torch.norm: the vector p-norm over ``dim`` (p a number, or 'fro'), or the nuclear
    norm ('nuc') over two dims; see the module docstring for the equations and gradients."""
    from .math import cast

    x = input if dtype is None else cast(input, dtype)
    data = x.data
    if data.dtype.kind not in "fc":
        raise TypeError(f"norm: the input must be floating point, got dtype {data.dtype}")
    if isinstance(p, str):
        ndims = None if dim is None else (1 if isinstance(dim, int | np.integer) else len(dim))
        if p == "fro" and (ndims is None or ndims <= 2):
            return _vector_norm(x, 2.0, _axes(data, dim, "norm"), keepdim)
        if p in ("fro", "nuc"):
            if dim is None:
                if data.ndim != 2:
                    raise RuntimeError(
                        f"norm: p={p!r} without dim needs a 2-D input (a matrix), got shape "
                        f"{data.shape}; pass dim=(row_dim, col_dim)"
                    )
                dim = (0, 1)
            axes = _axes(data, dim, "norm")
            if axes is None or len(axes) != 2:
                raise RuntimeError(f"norm: p={p!r} needs dim to be a 2-tuple, got {dim!r}")
            return _nuclear_norm(x, axes, keepdim)
        raise RuntimeError(f"norm: only valid string values of p are 'fro' and 'nuc', got {p!r}")
    if p is None:
        p = 2.0
    if isinstance(p, bool) or not isinstance(p, int | float | np.number):
        raise TypeError(f"norm: p must be a number, 'fro' or 'nuc', got {p!r}")
    return _vector_norm(x, float(p), _axes(data, dim, "norm"), keepdim)


def _vector_norm(x: Tensor, p: float, axes: tuple[int, ...] | None, keepdim: bool) -> Tensor:
    data = x.data
    a = np.abs(data)
    count = data.size if axes is None else math.prod(data.shape[i] for i in axes)
    if math.isinf(p) and count == 0:
        raise RuntimeError(
            f"norm: cannot compute the {'-' if p < 0 else ''}inf norm over no elements "
            f"(input shape {data.shape}): the operation has no identity"
        )
    dt = a.dtype.type
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if p == 2:
            out_k = np.sqrt(np.sum(a * a, axis=axes, keepdims=True))
        elif p == 1:
            out_k = np.sum(a, axis=axes, keepdims=True)
        elif p == math.inf:
            out_k = np.max(a, axis=axes, keepdims=True)
        elif p == -math.inf:
            out_k = np.min(a, axis=axes, keepdims=True)
        elif p == 0:
            out_k = np.sum(a != 0, axis=axes, keepdims=True).astype(a.dtype)
        else:
            out_k = np.sum(a ** dt(p), axis=axes, keepdims=True) ** dt(1 / p)
    out_k = np.asarray(out_k, dtype=a.dtype)

    def backward(delta: np.ndarray) -> tuple:
        d = delta.reshape(out_k.shape)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if p == 0:
                return (np.zeros(data.shape, delta.dtype),)
            if p == 1:
                return (np.sign(data) * d,)
            if math.isinf(p):
                hit = a == out_k
                share = d / hit.sum(axis=axes, keepdims=True).astype(a.dtype)
                return (np.sign(data) * hit * share,)
            if p == 2:
                return (data * np.where(out_k == 0, 0, d / out_k),)
            if p < 1:
                scaled = np.where(data == 0, 0, np.sign(data) * a ** dt(p - 1))
                return (scaled * (d * out_k ** dt(1 - p)),)
            scale = np.where(out_k == 0, 0, d / out_k ** dt(p - 1))
            if p < 2:
                return (np.sign(data) * a ** dt(p - 1) * scale,)
            return (data * a ** dt(p - 2) * scale,)

    out = out_k if keepdim else (out_k.reshape(()) if axes is None else np.squeeze(out_k, axes))
    return make_result(np.asarray(out), (x,), backward, "norm")


def _nuclear_norm(x: Tensor, axes: tuple[int, ...], keepdim: bool) -> Tensor:
    """sum of the singular values of the matrices spanned by ``axes`` (rows, cols)."""
    data = x.data
    r, c = axes
    moved = np.moveaxis(data, (r, c), (-2, -1))
    if moved.size == 0:
        u = np.zeros(moved.shape[:-1] + (0,), data.dtype)
        s = np.zeros(moved.shape[:-2] + (0,), data.dtype)
        vh = np.zeros(moved.shape[:-2] + (0, moved.shape[-1]), data.dtype)
    else:
        u, s, vh = np.linalg.svd(moved, full_matrices=False)
    total = s.sum(axis=-1)
    out_k = np.expand_dims(total, (-2, -1))  # keepdims in the moved layout
    out_k = np.moveaxis(out_k, (-2, -1), (r, c))

    def backward(delta: np.ndarray) -> tuple:
        d = delta if keepdim else np.expand_dims(delta, (r, c))
        dm = np.moveaxis(d, (r, c), (-2, -1))
        return (np.moveaxis(dm * (u @ vh), (-2, -1), (r, c)),)

    out = out_k if keepdim else np.squeeze(out_k, (r, c))
    return make_result(np.asarray(out, dtype=data.dtype), (x,), backward, "norm")
