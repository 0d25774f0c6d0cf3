"""Binds Python operators and tensor methods to the ops in ``deepgrad.functional``.

Tensor lives in tensor.py with the autodiff engine only; its arithmetic is implemented as
functional ops (forward and backward side by side) and attached here, once, at import.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .device import check_device, parse_to
from .functional import activation as A
from .functional import inplace as I
from .functional import math as M
from .functional import reduce as R
from .functional import shape as S
from .functional.clamp import clamp as _clamp
from .functional.clamp import clip as _clip
from .functional.pnorm import norm as _norm
from .functional.sort import argsort, sort, topk
from .tensor import Tensor


def _cmp(fn: Any) -> Any:
    def method(self: Tensor, other: Any) -> Tensor:
        other = other.data if isinstance(other, Tensor) else other
        return Tensor(fn(self.data, other))

    return method


def _as(dtype: Any) -> Any:
    def method(self: Tensor) -> Tensor:
        return _to_dtype(self, np.dtype(dtype), False)

    method.__doc__ = f"This tensor as {np.dtype(dtype)} (itself when it already is)."
    return method


def _to_dtype(self: Tensor, dtype: np.dtype | None, copy: bool) -> Tensor:
    """``self`` when nothing changes (PyTorch returns the same tensor), else a cast; the cast is
    differentiable between float types."""
    if dtype is None or dtype == self.dtype:
        return M.cast(self, self.dtype, copy=True) if copy else self
    return M.cast(self, dtype, copy=True)


def _to(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """``to(dtype)``, ``to('cpu')``, ``to(other)`` (other's dtype), ``to('cpu', dtype)``,
    ``to(device=, dtype=, copy=)``: as ``torch.Tensor.to``, the CPU being the only device."""
    dtype, copy = parse_to(args, kwargs, "Tensor.to")
    return _to_dtype(self, dtype, copy)


def _size(self: Tensor, dim: int | None = None) -> Any:
    """``x.size()`` is the shape (a tuple), ``x.size(d)`` one dim's length (negative d counts
    from the end), as ``torch.Tensor.size``. The element count is ``x.numel()``."""
    if dim is None:
        return self.data.shape
    n = self.data.ndim
    if not -max(n, 1) <= dim < max(n, 1) or n == 0:
        raise IndexError(f"size: dimension out of range (expected to be in range of "
                         f"[{-max(n, 1)}, {max(n, 1) - 1}], but got {dim})")
    return self.data.shape[dim]


def _t(self: Tensor) -> Tensor:
    """The transpose of a matrix; 0-D and 1-D tensors come back as they are (as torch.t)."""
    if self.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                           f"{self.ndim}D (shape {self.shape}); use transpose(dim0, dim1)")
    return S.transpose(self, 0, 1) if self.ndim == 2 else self


def _cpu(self: Tensor) -> Tensor:
    """Itself: deepgrad tensors live on the CPU (``x.cpu().numpy()`` works as in PyTorch)."""
    return self


def _cuda(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    check_device("cuda", "Tensor.cuda")
    return self


def _reflected(fn: Any) -> Any:
    def method(self: Tensor, other: Any) -> Tensor:
        return fn(M.lift(other, self), self)

    return method


def _bind() -> None:
    T = Tensor
    T.__add__ = M.add
    T.__radd__ = M.add
    T.__sub__ = M.sub
    T.__rsub__ = _reflected(M.sub)
    T.__mul__ = M.mul
    T.__rmul__ = M.mul
    T.__truediv__ = M.div
    T.__rtruediv__ = _reflected(M.div)
    T.__matmul__ = M.matmul
    T.__rmatmul__ = _reflected(M.matmul)
    T.__pow__ = M.pow
    T.__rpow__ = _reflected(M.pow)
    T.__neg__ = M.neg
    T.__pos__ = lambda self: self
    T.__abs__ = M.abs
    T.__getitem__ = S.getitem
    T.__lt__ = _cmp(np.less)
    T.__le__ = _cmp(np.less_equal)
    T.__gt__ = _cmp(np.greater)
    T.__ge__ = _cmp(np.greater_equal)
    T.__eq__ = _cmp(np.equal)
    T.__ne__ = _cmp(np.not_equal)
    T.__hash__ = object.__hash__
    T.__setitem__ = _setitem

    for name in (
        "exp",
        "log",
        "sqrt",
        "abs",
        "square",
        "sin",
        "cos",
        "reciprocal",
        "sign",
        "maximum",
        "minimum",
        "matmul",
        "pow",
    ):
        setattr(T, name, getattr(M, name))
    T.clip, T.clamp, T.norm = _clip, _clamp, _norm
    for name in (
        "sum",
        "mean",
        "max",
        "min",
        "amax",
        "amin",
        "var",
        "std",
        "logsumexp",
        "argmax",
        "argmin",
    ):
        setattr(T, name, getattr(R, name))
    for name in (
        "reshape",
        "view",
        "transpose",
        "permute",
        "flatten",
        "squeeze",
        "unsqueeze",
        "expand",
        "repeat",
        "split",
        "chunk",
    ):
        setattr(T, name, getattr(S, name))
    for name in ("relu", "sigmoid", "tanh", "softmax", "log_softmax"):
        setattr(T, name, getattr(A, name))
    T.sort, T.argsort, T.topk = sort, argsort, topk
    T.gather = lambda self, dim, index: S.gather(self, dim, index)
    T.T = property(lambda self: S.permute(self, tuple(range(self.ndim))[::-1]))
    T.mT = property(lambda self: S.transpose(self, -2, -1))
    for name, fn in (("eq", np.equal), ("ne", np.not_equal), ("lt", np.less),
                     ("le", np.less_equal), ("gt", np.greater), ("ge", np.greater_equal)):
        setattr(T, name, _cmp(fn))
    T.astype = lambda self, dtype: M.cast(self, dtype)
    T.float, T.double, T.half = _as(np.float32), _as(np.float64), _as(np.float16)
    T.long, T.int, T.short = _as(np.int64), _as(np.int32), _as(np.int16)
    T.bool = _as(np.bool_)
    T.to = _to
    T.type_as = lambda self, other: _to_dtype(self, other.dtype, False)
    T.copy = lambda self: M.cast(self, self.dtype, copy=True)
    T.clone = lambda self, memory_format=None: M.cast(self, self.dtype, copy=True)
    T.size = _size
    T.t = _t
    T.cpu = _cpu
    T.cuda = _cuda
    T.view_as = lambda self, other: S.reshape(self, other.shape)
    T.reshape_as = lambda self, other: S.reshape(self, other.shape)
    T.expand_as = lambda self, other: S.expand(self, other.shape)
    T.mm = M.mm
    T.bmm = M.bmm
    T.add = M.add
    T.sub = M.sub
    T.mul = M.mul
    T.div = M.div
    T.neg = M.neg
    I.bind()


def _setitem(self: Tensor, index: Any, value: Any) -> None:
    if self.requires_grad and self.is_leaf:
        raise RuntimeError(
            "a leaf tensor that requires grad cannot be modified in place; "
            "use `with dg.no_grad():` for parameter updates"
        )
    if self._backward is not None:
        raise RuntimeError(
            "in-place assignment into a tensor that is part of a graph is not "
            "supported; build a new tensor (e.g. with dg.where)"
        )
    index, _ = S._index_arrays(index)
    self.data[index] = value.data if isinstance(value, Tensor) else value
    self._version += 1


_bind()
