"""Tensor: an n-dimensional array that remembers how it was computed.

Reverse-mode automatic differentiation (backpropagation) in one screen:

* every differentiable op builds its output with :func:`make_result`, handing over its inputs
  (the *parents*) and a small ``backward`` closure written right beside the forward code;
* ``backward(delta)`` receives the gradient of the cost with respect to the op's output,
  ``delta = dC/d(out)``, and returns one gradient per parent (``None`` where a parent needs
  none) by the chain rule, ``dC/d(x) = delta * d(out)/d(x)``;
* :meth:`Tensor.backward` orders the graph topologically with an explicit stack (no recursion,
  so a chain of 100,000 ops works), walks it from the output back to the leaves, sums the
  gradients of shared inputs, un-broadcasts them to the input's shape, and accumulates the
  result into ``.grad`` of every leaf that ``requires_grad``.

Contract for backward closures: return fresh arrays, views of ``delta``, or ``delta`` itself;
never return one fresh array for two parents, and never return a buffer the op will write to
later. The engine copies whatever it cannot prove it owns before it lets anyone write into it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = [
    "Tensor",
    "tensor",
    "no_grad",
    "enable_grad",
    "is_grad_enabled",
    "set_grad_enabled",
    "make_result",
    "unbroadcast",
    "as_array",
    "commit_inplace",
]

DEFAULT_FLOAT = np.dtype(np.float32)


class _GradMode:
    enabled: bool = True


def is_grad_enabled() -> bool:
    """True when new ops record the graph needed for ``backward``."""
    return _GradMode.enabled


class _SetGradMode:
    """Context manager and decorator that sets whether ops record the graph."""

    mode: bool = False

    def __enter__(self) -> None:
        self._prev = _GradMode.enabled
        _GradMode.enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        _GradMode.enabled = self._prev

    def __call__(self, fn: Callable) -> Callable:
        cls = type(self)

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with cls():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_SetGradMode):  # noqa: N801  (PyTorch's spelling)
    """``with dg.no_grad():`` or ``@dg.no_grad()``: ops build no graph (inference, updates)."""

    mode = False


class enable_grad(_SetGradMode):  # noqa: N801
    """Re-enable graph recording inside a ``no_grad`` block."""

    mode = True


class set_grad_enabled(_SetGradMode):  # noqa: N801
    """Switch graph recording on or off, as ``torch.set_grad_enabled(mode)``.

    As a function, ``dg.set_grad_enabled(False)`` takes effect at once and stays; as a context
    manager (``with dg.set_grad_enabled(is_train):``) or a decorator, the previous mode comes
    back on exit.
    """

    def __init__(self, mode: bool) -> None:
        if not isinstance(mode, bool | np.bool_):
            raise TypeError(f"set_grad_enabled: mode must be a bool, got {mode!r}")
        self.mode = bool(mode)
        self._prev = _GradMode.enabled
        _GradMode.enabled = self.mode

    def __enter__(self) -> None:  # the mode was set when the object was made
        pass

    def __exit__(self, *exc: object) -> None:
        _GradMode.enabled = self._prev

    def __call__(self, fn: Callable) -> Callable:
        _GradMode.enabled = self._prev  # as a decorator it only applies inside fn
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        return wrapper


def _freed_backward(delta: np.ndarray) -> tuple:
    raise RuntimeError(
        "Trying to backward through the graph a second time: its intermediate results were "
        "freed by the first backward(). Pass retain_graph=True to the first call."
    )


def as_array(data: Any, dtype: Any = None) -> np.ndarray:
    """The NumPy array behind ``data``; float data defaults to float32 unless ``dtype`` says."""
    if isinstance(data, Tensor):
        data = data.data
    if dtype is not None:
        return np.asarray(data, dtype=dtype)
    arr = np.asarray(data)
    if arr.dtype.kind == "f" and arr.dtype != DEFAULT_FLOAT:
        if not isinstance(data, np.ndarray) or arr.dtype == np.float16:
            arr = arr.astype(DEFAULT_FLOAT)
    elif arr.dtype.kind in "OUS":
        raise TypeError(f"tensor: cannot make a tensor from data of dtype {arr.dtype}")
    return arr


class Tensor:
    """An array with an optional gradient, recording the ops that produced it.

    ``Tensor(data, requires_grad=False, dtype=None)``: Python floats become float32, NumPy
    arrays keep their float type (pass ``dtype`` to choose), integer and bool data keep theirs.
    """

    __slots__ = (
        "data", "grad", "requires_grad", "_parents", "_backward", "_op", "_retain", "_version",
        "_saved",
    )
    __array_priority__ = 1000  # ndarray (op) Tensor defers to Tensor's reflected operator
    __array_ufunc__ = None

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None) -> None:
        self.data: np.ndarray = as_array(data, dtype)
        if requires_grad and self.data.dtype.kind not in "fc":
            raise TypeError(
                f"Tensor: only floating point tensors can require gradients, got {self.data.dtype}"
            )
        self.grad: np.ndarray | None = None
        self.requires_grad: bool = bool(requires_grad)
        self._parents: tuple[Tensor, ...] = ()
        self._backward: Callable | None = None
        self._op: str = ""
        self._retain: bool = False
        self._version: int = 0  # bumped by every in-place change (see commit_inplace)
        self._saved: tuple[int, ...] | None = None  # parents' and own versions when recorded

    # ------------------------------------------------------------------ properties
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user rather than by a recorded op."""
        return self._backward is None

    def numel(self) -> int:
        return self.data.size

    def dim(self) -> int:
        return self.data.ndim

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", precision=4, prefix="tensor(")
        extra = ""
        if self.data.dtype != DEFAULT_FLOAT:
            extra += f", dtype={self.data.dtype}"
        if self.requires_grad:
            extra += f", grad_fn=<{self._op}>" if self._op else ", requires_grad=True"
        return f"tensor({body}{extra})"

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.data if dtype is None else self.data.astype(dtype, copy=False)

    __hash__ = object.__hash__

    def __bool__(self) -> bool:
        return bool(self.data)

    def __float__(self) -> float:
        return float(self.data)

    def __int__(self) -> int:
        return int(self.data)

    def __format__(self, spec: str) -> str:
        """``f"{loss:.4f}"`` formats a one-element tensor's number, as PyTorch."""
        if self.data.ndim == 0:
            return format(self.data.item(), spec)
        return object.__format__(self, spec)

    # ------------------------------------------------------------------ conversions
    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied)."""
        return self.data

    def item(self) -> Any:
        if self.data.size != 1:
            raise ValueError(
                f"item(): only a tensor with one element can be converted to a Python scalar, "
                f"got shape {self.shape}"
            )
        return self.data.item()

    def tolist(self) -> Any:
        return self.data.tolist()

    def detach(self) -> Tensor:
        """The same data, cut from the graph (no copy)."""
        return Tensor(self.data, dtype=self.data.dtype)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if requires_grad and self.data.dtype.kind not in "fc":
            raise TypeError(f"requires_grad_: dtype {self.data.dtype} cannot require gradients")
        self.requires_grad = requires_grad
        return self

    def retain_grad(self) -> Tensor:
        """Keep ``.grad`` for this non-leaf tensor after ``backward``."""
        self._retain = True
        return self

    def zero_grad(self) -> None:
        self.grad = None

    # ------------------------------------------------------------------ autodiff
    def backward(self, grad: Any = None, retain_graph: bool = False) -> None:
        """Backpropagate ``grad`` (default 1 for a one-element tensor) to every leaf.

        Gradients accumulate into ``leaf.grad`` across calls until zeroed. The graph is freed
        afterwards unless ``retain_graph=True``.
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward(): this tensor does not require grad and has no graph "
                "(did you forget requires_grad=True, or compute it under no_grad?)"
            )
        if grad is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward(): grad can be implicitly created only for a tensor with one "
                    f"element, this one has shape {self.shape}; pass grad="
                )
            seed = np.ones(self.shape, dtype=self.dtype)
        else:
            seed = np.array(grad.data if isinstance(grad, Tensor) else grad, dtype=self.dtype)
            if seed.shape != self.shape:
                raise ValueError(
                    f"backward(): grad has shape {seed.shape} but the tensor has shape {self.shape}"
                )
        _run_backward(self, seed, retain_graph)

    # operators and methods (including size(), to(), float(), clone()) are bound in
    # deepgrad/_methods.py: they are functional ops, and tensor.py imports nothing above it


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """Make a tensor from a scalar, list or array (float data becomes float32 by default)."""
    if isinstance(data, Tensor):
        data = data.data
    if dtype is None:
        arr = np.asarray(data)
        if arr.dtype.kind == "f":
            dtype = DEFAULT_FLOAT
    return Tensor(np.array(data, dtype=dtype, copy=True), requires_grad=requires_grad)


def make_result(
    data: np.ndarray,
    parents: Sequence[Tensor],
    backward: Callable[[np.ndarray], Sequence[np.ndarray | None]],
    op: str,
) -> Tensor:
    """Wrap an op's output; record ``parents`` and ``backward`` when a gradient is needed."""
    out = Tensor.__new__(Tensor)
    out.data = data if type(data) is np.ndarray else np.asarray(data)  # 0-d ops give scalars
    out.grad = None
    out._op = op
    out._retain = False
    out._version = 0
    if _GradMode.enabled:
        for p in parents:
            if p.requires_grad:
                out.requires_grad = True
                out._parents = tuple(parents)
                out._backward = backward
                out._saved = (*[q._version for q in out._parents], 0)
                return out
    out._saved = None
    out.requires_grad = False
    out._parents = ()
    out._backward = None
    return out


class _Output:
    """The backward of output ``index`` of a multi-output op: the engine hands its delta to the
    op's hub (its only parent) instead of calling anything."""

    __slots__ = ("index", "count")

    def __init__(self, index: int, count: int) -> None:
        self.index, self.count = index, count

    def __call__(self, delta: np.ndarray) -> tuple:  # only reached if called by hand
        raise RuntimeError("an output of a multi-output op has no backward of its own")


def make_results(
    datas: Sequence[np.ndarray],
    parents: Sequence[Tensor],
    backward: Callable[[tuple[np.ndarray | None, ...]], Sequence[np.ndarray | None]],
    op: str,
    differentiable: Sequence[bool] | None = None,
) -> tuple[Tensor, ...]:
    """Wrap the outputs of ONE computation (an LSTM's outputs and final states, values and
    indices, ...) that share one backward.

    ``backward(deltas)`` receives one entry per output: dC/d(output k), or None when output k
    did not take part in the cost; it returns one gradient per parent, as for
    :func:`make_result`, and runs once, after the gradients of all used outputs are summed.
    ``differentiable[k] = False`` makes output k a constant (integer indices, masks).

    In the graph the op is a hub node holding ``parents`` and ``backward``; each output is a
    node whose only parent is the hub and whose backward is the marker ``_Output(k, count)``.
    """
    count = len(datas)
    diff = [True] * count if differentiable is None else list(differentiable)
    hub = make_result(np.empty((0,), dtype=np.result_type(*[np.asarray(d).dtype
                                                             for d in datas])),
                      parents, backward, op)
    outs = []
    for k, d in enumerate(datas):
        if hub.requires_grad and diff[k]:
            outs.append(make_result(d, (hub,), _Output(k, count), op))
        else:
            outs.append(make_result(d, (), None, op))  # type: ignore[arg-type]  (a constant)
    return tuple(outs)


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` over the axes that broadcasting added or stretched, giving ``shape``."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra < 0:
        return np.broadcast_to(grad, shape)
    axes = tuple(range(extra)) + tuple(
        i + extra for i, n in enumerate(shape) if n == 1 and grad.shape[i + extra] != 1
    )
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    if extra:
        grad = grad.reshape(shape)
    return grad


def _topological_order(root: Tensor) -> list[Tensor]:
    """Tensors reachable from ``root`` that need a gradient, inputs before outputs."""
    order: list[Tensor] = []
    visited: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        key = id(node)
        if key in visited:
            continue
        visited.add(key)
        stack.append((node, True))
        for p in node._parents:
            if p.requires_grad and id(p) not in visited:
                stack.append((p, False))
    return order


def _run_backward(root: Tensor, seed: np.ndarray, retain_graph: bool) -> None:
    order = _topological_order(root)
    grads: dict[int, np.ndarray] = {id(root): seed}
    exclusive: set[int] = {id(root)}  # nodes whose gradient array only the engine holds
    for node in reversed(order):
        key = id(node)
        delta = grads.pop(key, None)
        if delta is None:
            continue
        mine = key in exclusive
        exclusive.discard(key)
        backward = node._backward
        if backward is None or node._retain:  # a leaf (or asked to keep its gradient)
            if delta.shape != node.shape:
                delta = unbroadcast(delta, node.shape)
            if node.grad is None:
                node.grad = delta if mine else np.array(delta, copy=True)
            else:
                node.grad = np.asarray(node.grad + delta)
            if backward is None:
                continue
        parents = node._parents
        if node._saved is not None:
            _check_versions(node, parents, node._saved)
        if type(backward) is _Output:  # hand the delta to the op's hub, into its slot
            if not retain_graph:
                node._parents, node._backward, node._saved = (), _freed_backward, None
            hub = parents[0]
            slots = grads.get(id(hub))
            if slots is None:
                slots = grads[id(hub)] = [None] * backward.count
            k = backward.index
            slots[k] = delta if slots[k] is None else np.asarray(slots[k] + delta)
            continue
        if type(delta) is list:  # a hub: one backward for all its outputs
            delta = tuple(delta)
        parent_grads = backward(delta)
        if not retain_graph:
            node._parents = ()
            node._backward = _freed_backward
            node._saved = None
        for p, g in zip(parents, parent_grads, strict=True):
            if g is None or not p.requires_grad:
                continue
            if type(g) is not np.ndarray:
                g = np.asarray(g)  # NumPy returns scalars from 0-d arithmetic
            if g.shape != p.data.shape:
                g = unbroadcast(g, p.data.shape)
            if g.dtype != p.data.dtype:
                g = g.astype(p.data.dtype)
            pkey = id(p)
            prev = grads.get(pkey)
            if prev is None:
                grads[pkey] = g
                if g.base is None and g is not delta and _unique(g, parent_grads):
                    exclusive.add(pkey)
            elif pkey in exclusive:
                prev += g
            else:
                grads[pkey] = np.asarray(prev + g)  # (0-d sums come back as scalars)
                exclusive.add(pkey)


def _unique(g: np.ndarray, grads: Sequence[Any]) -> bool:
    n = 0
    for other in grads:
        if other is g:
            n += 1
    return n == 1


def _check_versions(node: Tensor, parents: Sequence[Tensor], saved: Sequence[int]) -> None:
    """Refuse to backpropagate through an op whose inputs were changed in place since it ran.

    Stricter than PyTorch, which only checks the values an op saved: deepgrad's graph holds the
    input tensors themselves, so any later in-place change of an input would reroute or corrupt
    its gradient.
    """
    if node._version != saved[-1]:
        raise RuntimeError(
            f"backward: the output of {node._op or 'an op'} (shape {node.shape}) was modified by "
            f"an inplace operation after it was computed (version {node._version}, expected "
            f"{saved[-1]}); its backward may need the original value"
        )
    for p, v in zip(parents, saved[:-1], strict=True):
        if p._version != v:
            raise RuntimeError(
                f"backward: one of the variables needed for gradient computation has been "
                f"modified by an inplace operation: a tensor of shape {p.shape} used by "
                f"{node._op or 'an op'} is at version {p._version}; expected version {v} instead"
            )


def _no_gradient(delta: np.ndarray) -> tuple:
    return (np.zeros_like(delta),)


def commit_inplace(target: Tensor, compute: Callable[[Tensor], Tensor], op: str) -> Tensor:
    """Give ``target`` the value ``compute(target)``, in place, as PyTorch's ``x.add_()``.

    * outside ``no_grad``, a leaf that requires grad cannot change in place (PyTorch's error);
    * when nothing is recorded (``no_grad``, or no input requires grad) the new values are written
      into ``target``'s own memory, so every alias of it sees them;
    * when the result is recorded, ``target`` takes over the result's node; its old value and
      node stay behind, untouched, as the new node's input (``compute`` is given that old one).
    Either way ``target``'s version goes up, so an op that used the old value and runs backward
    later raises instead of giving a wrong gradient (see ``_check_versions``).
    """
    if _GradMode.enabled and target.requires_grad and target._backward is None:
        raise RuntimeError(
            f"{op}: a leaf Variable that requires grad is being used in an in-place operation "
            "(update parameters under `with dg.no_grad():`)"
        )
    old = target
    if _GradMode.enabled:  # the value and node target had before this op
        old = Tensor.__new__(Tensor)
        old.data, old.grad, old.requires_grad = target.data, None, target.requires_grad
        old._parents, old._backward, old._op = target._parents, target._backward, target._op
        old._retain, old._version, old._saved = False, target._version, target._saved
    result = compute(old)
    if result.shape != target.shape:
        raise RuntimeError(
            f"{op}: output with shape {list(target.shape)} doesn't match the broadcast shape "
            f"{list(result.shape)}"
        )
    if not np.can_cast(result.dtype, target.dtype, casting="same_kind"):
        raise RuntimeError(
            f"{op}: result type {result.dtype} can't be cast to the desired output type "
            f"{target.dtype}"
        )
    recorded = result.requires_grad
    if not recorded and not (_GradMode.enabled and target.requires_grad):
        np.copyto(target.data, result.data, casting="same_kind")
        target._version += 1
        return target
    data = result.data if result.dtype == target.dtype else result.data.astype(target.dtype)
    target.data = data
    target.requires_grad = True
    if recorded:
        target._parents = result._parents
        target._backward = result._backward
        saved = result._saved[:-1]
    else:  # a constant replaced a value of the graph (fill_, zero_): no gradient flows back
        target._parents, target._backward, saved = (old,), _no_gradient, (old._version,)
    target._op = op
    target._version += 1
    target._saved = (*saved, target._version)
    return target
