"""NumPy arrays given to a functional op are constants: the one place that turns them into Tensors.

Every public op of ``deepgrad.functional`` (and so ``dg.relu``, ``dg.sum``, ...) is wrapped once,
at import, by :func:`accept_arrays`: a NumPy array among its arguments (directly, or inside the
list of ``cat``/``stack``) becomes a Tensor that requires no gradient. A float array takes the
float dtype of the first Tensor argument (as ``x + array`` does, so a float32 graph stays
float32); with no Tensor argument, and for integer and bool arrays (labels, indices, masks), the
array keeps its dtype. The result is a Tensor, as for Tensor inputs. Arguments that an op
updates in place (batch norm's ``running_mean``/``running_var``) are passed through untouched, so
the caller's arrays are the ones updated.

PyTorch's functions raise ``TypeError`` for NumPy arrays; deepgrad accepts them (never with a
different meaning: the same op on the same values). The check costs a few hundred nanoseconds
per call, so only the user-facing names are wrapped: the ops' own modules (``functional.math``
...) stay unwrapped for internal calls and Tensor methods, and layers call ``functional.plain``
(the same ops, unwrapped): ``Module.__call__`` has already turned arrays into Tensors.
"""

from __future__ import annotations

import functools
import inspect
import types
from collections.abc import Callable
from typing import Any

import numpy as np

from ..tensor import Tensor

__all__ = ["accept_arrays", "wrap_namespace", "plain_namespace"]

_STATE = frozenset({"running_mean", "running_var"})  # arrays the op writes into


def _has_array(values: Any) -> bool:
    for v in values:
        t = type(v)
        if t is Tensor:
            continue
        if isinstance(v, np.ndarray):
            return True
        if (t is list or t is tuple) and any(isinstance(w, np.ndarray) for w in v):
            return True
    return False


def _first_float_dtype(values: Any) -> np.dtype | None:
    for v in values:
        if isinstance(v, Tensor) and v.data.dtype.kind == "f":
            return v.data.dtype
        if type(v) is list or type(v) is tuple:
            for w in v:
                if isinstance(w, Tensor) and w.data.dtype.kind == "f":
                    return w.data.dtype
    return None


def _constant(a: Any, float_dtype: np.dtype | None) -> Any:
    """``a`` with its arrays as constant Tensors (a float array in ``float_dtype`` if given)."""
    if isinstance(a, np.ndarray):
        if a.dtype.kind == "f" and float_dtype is not None:
            return Tensor(a, dtype=float_dtype)
        return Tensor(a, dtype=a.dtype)
    if type(a) is list or type(a) is tuple:
        return type(a)(_constant(w, float_dtype) for w in a)
    return a


def accept_arrays(fn: Callable) -> Callable:
    """``fn`` with NumPy array arguments turned into constant Tensors (see the module docstring)."""

    names = list(inspect.signature(fn).parameters)
    state = {i for i, n in enumerate(names) if n in _STATE}

    @functools.wraps(fn)
    def op(*args: Any, **kwargs: Any) -> Any:
        if _has_array(args) or (kwargs and _has_array(kwargs.values())):
            like = _first_float_dtype((*args, *kwargs.values()))
            args = tuple(a if i in state else _constant(a, like) for i, a in enumerate(args))
            kwargs = {k: v if k in _STATE else _constant(v, like) for k, v in kwargs.items()}
        return fn(*args, **kwargs)

    op.__accepts_arrays__ = True
    return op


def plain_namespace(namespace: dict[str, Any]) -> types.SimpleNamespace:
    """The public names of ``namespace`` as they are (before ``wrap_namespace``)."""
    return types.SimpleNamespace(**{k: v for k, v in namespace.items() if not k.startswith("_")})


def wrap_namespace(namespace: dict[str, Any], package: str) -> None:
    """Wrap every public function defined under ``package`` in ``namespace``, once."""
    for name, value in list(namespace.items()):
        if (
            isinstance(value, types.FunctionType)
            and not name.startswith("_")
            and value.__module__.startswith(package)
            and not getattr(value, "__accepts_arrays__", False)
        ):
            namespace[name] = accept_arrays(value)
