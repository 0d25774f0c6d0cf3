"""Binds Python operators and tensor methods to the ops in ``deepgrad.functional``.

Tensor lives in tensor.py with the autodiff engine only; its arithmetic is implemented as
functional ops (forward and backward side by side) and attached here, once, at import.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .functional import activation as A
from .functional import inplace as I
from .functional import math as M
from .functional import reduce as R
from .functional import shape as S
from .functional.sort import argsort, sort, topk
from .tensor import Tensor


def _cmp(fn: Any) -> Any:
    def method(self: Tensor, other: Any) -> Tensor:
        other = other.data if isinstance(other, Tensor) else other
        return Tensor(fn(self.data, other))

    return method


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
        "clip",
        "clamp",
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
        "norm",
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
