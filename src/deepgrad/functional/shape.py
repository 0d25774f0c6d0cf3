"""Shape ops: views, joins, indexing and padding. Their backward moves gradients back into place."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..tensor import Tensor, make_result
from ._promote import result_type

__all__ = [
    "reshape",
    "view",
    "transpose",
    "permute",
    "flatten",
    "squeeze",
    "unsqueeze",
    "expand",
    "cat",
    "concatenate",
    "stack",
    "split",
    "chunk",
    "gather",
    "getitem",
    "pad",
    "repeat",
]


def _shape_args(shape: tuple) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], tuple | list):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


def _dim(d: int, ndim: int, op: str) -> int:
    if not -ndim <= d < ndim:
        raise IndexError(f"{op}: dim {d} is out of range for a tensor with {ndim} dimensions")
    return d % ndim


def reshape(input: Tensor, *sizes: Any, shape: Any = None) -> Tensor:  # noqa: A002
    """out = x with a new shape (same elements, C order);  dC/dx = delta reshaped back."""
    shape = _shape_args(sizes if shape is None else (shape,))
    src = input.data.shape
    try:
        out = input.data.reshape(shape)
    except ValueError:
        raise ValueError(
            f"reshape: cannot reshape a tensor of shape {src} ({input.data.size} elements) "
            f"into shape {shape}"
        ) from None

    def backward(delta: np.ndarray) -> tuple:
        return (delta.reshape(src),)

    return make_result(out, (input,), backward, "reshape")


view = reshape


def transpose(input: Tensor, dim0: int = -2, dim1: int = -1) -> Tensor:
    """out = x with dims ``dim0`` and ``dim1`` swapped;  dC/dx = delta swapped back."""
    if input.ndim < 2:  # only dims 0 / -1 exist: nothing to swap
        _dim(dim0, max(input.ndim, 1), "transpose"), _dim(dim1, max(input.ndim, 1), "transpose")
        return input
    d0, d1 = _dim(dim0, input.ndim, "transpose"), _dim(dim1, input.ndim, "transpose")

    def backward(delta: np.ndarray) -> tuple:
        return (np.swapaxes(delta, d0, d1),)

    return make_result(np.swapaxes(input.data, d0, d1), (input,), backward, "transpose")


def permute(input: Tensor, *order: Any, dims: Any = None) -> Tensor:  # noqa: A002
    """out = x with its axes reordered;  dC/dx = delta with the inverse order."""
    dims = _shape_args(order if dims is None else (dims,))
    if sorted(d % max(input.ndim, 1) for d in dims) != list(range(input.ndim)):
        raise ValueError(f"permute: dims {dims} are not a permutation of {input.ndim} dimensions")
    dims = tuple(d % input.ndim for d in dims)
    inverse = tuple(np.argsort(dims))

    def backward(delta: np.ndarray) -> tuple:
        return (delta.transpose(inverse),)

    return make_result(input.data.transpose(dims), (input,), backward, "permute")


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims ``start_dim..end_dim`` into one (PyTorch's torch.flatten)."""
    if input.ndim == 0:
        return reshape(input, 1)
    s, e = _dim(start_dim, input.ndim, "flatten"), _dim(end_dim, input.ndim, "flatten")
    if s > e:
        raise ValueError(
            f"flatten: start_dim {start_dim} cannot come after end_dim {end_dim} "
            f"(shape {input.shape})"
        )
    shape = input.shape[:s] + (math.prod(input.shape[s : e + 1]),) + input.shape[e + 1 :]
    return reshape(input, shape)


def squeeze(input: Tensor, dim: int | Sequence[int] | None = None) -> Tensor:
    """Drop size-1 dims (only those in ``dim``, an int or a tuple, when given; a named dim
    whose size is not 1 stays, as PyTorch)."""
    if dim is None:
        shape = tuple(n for n in input.shape if n != 1)
    else:
        dims = (dim,) if isinstance(dim, int | np.integer) else tuple(dim)
        axes = [_dim(d, max(input.ndim, 1), "squeeze") for d in dims]
        if len(set(axes)) != len(axes):
            raise RuntimeError(f"squeeze: a dim appears multiple times in the list of dims {dim}")
        drop = {a for a in axes if input.ndim and input.shape[a] == 1}
        shape = tuple(n for k, n in enumerate(input.shape) if k not in drop)
    return reshape(input, shape)


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """Insert a size-1 dim at ``dim``."""
    d = _dim(dim, input.ndim + 1, "unsqueeze")
    return reshape(input, input.shape[:d] + (1,) + input.shape[d:])


def expand(input: Tensor, *sizes: Any) -> Tensor:
    """Broadcast x to ``sizes`` (-1 keeps a dim);  dC/dx = delta summed over the stretched dims."""
    sizes = _shape_args(sizes)
    lead = len(sizes) - input.ndim
    if lead < 0:
        raise ValueError(f"expand: cannot expand shape {input.shape} to fewer dims {sizes}")
    if any(s == -1 for s in sizes[:lead]):
        raise ValueError(
            f"expand: the expanded size -1 isn't allowed in a leading, non-existing dimension "
            f"(shape {input.shape} to {sizes})"
        )
    target = tuple(
        (input.shape[i - lead] if s == -1 else s) if i >= lead else s for i, s in enumerate(sizes)
    )
    try:
        out = np.broadcast_to(input.data, target)
    except ValueError:
        raise ValueError(f"expand: shape {input.shape} cannot be expanded to {sizes}") from None

    def backward(delta: np.ndarray) -> tuple:
        return (delta,)  # the engine un-broadcasts to input's shape

    return make_result(out, (input,), backward, "expand")


def repeat(input: Tensor, *repeats: Any) -> Tensor:
    """Tile x (PyTorch's Tensor.repeat);  dC/dx = sum of delta over the tiles."""
    reps = _shape_args(repeats)
    if len(reps) < input.ndim:
        raise ValueError(f"repeat: need at least {input.ndim} repeat counts, got {reps}")
    src = (1,) * (len(reps) - input.ndim) + input.shape
    out = np.tile(input.data.reshape(src), reps)

    def backward(delta: np.ndarray) -> tuple:
        split = []
        for r, n in zip(reps, src, strict=True):
            split += [r, n]
        g = delta.reshape(split).sum(axis=tuple(range(0, len(split), 2)))
        return (g.reshape(input.shape),)

    return make_result(out, (input,), backward, "repeat")


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join along an existing dim;  each input gets its slice of delta.

    As PyTorch, 1-D tensors of size 0 (the legacy empty tensor ``torch.empty(0)``) are skipped
    whatever the other tensors' shapes.
    """
    tensors = list(tensors)
    if not tensors:
        raise ValueError("cat: expected a non-empty sequence of tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"cat: expected a sequence of Tensors, element {i} is {type(t)}")
    joined = [t for t in tensors if t.shape != (0,)] or tensors[:1]
    first = joined[0]
    if first.ndim == 0:
        raise ValueError("cat: zero-dimensional tensor (at position 0) cannot be concatenated")
    d = _dim(dim, first.ndim, "cat")
    for t in joined[1:]:
        if t.ndim != first.ndim or any(
            a != b for k, (a, b) in enumerate(zip(t.shape, first.shape, strict=True)) if k != d
        ):
            i = next(k for k, u in enumerate(tensors) if u is t)
            raise ValueError(
                f"cat: tensor {i} has shape {t.shape}, incompatible with shape {first.shape} "
                f"outside dim {d} (sizes must match except in the dim joined along)"
            )
    dt = result_type(*[t.dtype for t in joined])  # PyTorch's promotion (int + f32: f32)
    out = np.concatenate([t.data for t in joined], axis=d, dtype=dt)
    skipped = len(joined) != len(tensors)
    bounds = np.cumsum([t.shape[d] for t in joined])[:-1]

    def backward(delta: np.ndarray) -> tuple:
        parts = np.split(delta, bounds, axis=d)
        if not skipped:
            return tuple(parts)
        it = iter(parts)
        return tuple(next(it) if any(t is u for u in joined) else np.zeros(0, delta.dtype)
                     for t in tensors)

    return make_result(out, tuple(tensors), backward, "cat")


def concatenate(tensors: Sequence[Tensor], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """torch.concatenate: :func:`cat` with NumPy's argument name ``axis`` (``dim`` also works)."""
    return cat(tensors, axis if dim is None else dim)


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join along a new dim;  each input gets its slice of delta."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("stack: expected a non-empty sequence of tensors")
    for i, t in enumerate(tensors[1:], 1):
        if t.shape != tensors[0].shape:
            raise ValueError(
                f"stack: all tensors need the same shape; tensor 0 has {tensors[0].shape}, "
                f"tensor {i} has {t.shape}"
            )
    d = _dim(dim, tensors[0].ndim + 1, "stack")
    dt = result_type(*[t.dtype for t in tensors])  # PyTorch's promotion
    out = np.stack([t.data for t in tensors], axis=d, dtype=dt)

    def backward(delta: np.ndarray) -> tuple:
        return tuple(np.moveaxis(delta, d, 0))

    return make_result(out, tuple(tensors), backward, "stack")


def split(tensor: Tensor, split_size_or_sections: int | Sequence[int], dim: int = 0) -> tuple:
    """Split into chunks of a size (the last may be smaller) or of the listed sizes."""
    d = _dim(dim, tensor.ndim, "split")
    n = tensor.shape[d]
    if n == 0 and isinstance(split_size_or_sections, int | np.integer):
        if split_size_or_sections <= 0:
            raise ValueError(f"split: split size must be positive, got {split_size_or_sections}")
        return (getitem(tensor, (slice(None),) * d + (slice(0, 0),)),)
    if isinstance(split_size_or_sections, int | np.integer):
        size = int(split_size_or_sections)
        if size <= 0:
            raise ValueError(f"split: split size must be positive, got {size}")
        sizes = [size] * (n // size) + ([n % size] if n % size else [])
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != n:
            raise ValueError(f"split: sections {sizes} do not add up to dim {d}'s size {n}")
    out, start = [], 0
    for s in sizes:
        idx = (slice(None),) * d + (slice(start, start + s),)
        out.append(getitem(tensor, idx))
        start += s
    return tuple(out)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    """Split into ``chunks`` nearly equal pieces (PyTorch's rule: ceil(n / chunks) each)."""
    if not isinstance(chunks, int | np.integer) or chunks <= 0:
        raise ValueError(f"chunk: chunks must be a positive int, got {chunks!r}")
    d = _dim(dim, input.ndim, "chunk")
    n = input.shape[d]
    if n == 0:  # PyTorch: `chunks` empty pieces
        return tuple(getitem(input, (slice(None),) * d + (slice(0, 0),)) for _ in range(chunks))
    return split(input, -(-n // chunks), dim)


def _index_arrays(index: Any) -> tuple[Any, bool]:
    """Convert Tensor indices to arrays; report whether integer-array (fancy) indexing occurs."""
    items = index if isinstance(index, tuple) else (index,)
    conv, fancy = [], False
    for it in items:
        if isinstance(it, Tensor):
            it = it.data
        if isinstance(it, list):
            it = np.asarray(it)
        if isinstance(it, np.ndarray) and it.dtype != bool:
            fancy = True
        conv.append(it)
    return (tuple(conv) if isinstance(index, tuple) else conv[0]), fancy


def getitem(x: Tensor, index: Any) -> Tensor:
    """out = x[index] (basic, integer-array, boolean);  dC/dx scatters delta back (repeats add)."""
    index, fancy = _index_arrays(index)
    try:
        out = x.data[index]
    except IndexError as e:
        raise IndexError(f"indexing a tensor of shape {x.shape}: {e}") from None
    shape, dtype = x.data.shape, x.data.dtype

    def backward(delta: np.ndarray) -> tuple:
        g = np.zeros(shape, dtype=dtype)
        if fancy:
            np.add.at(g, index, delta)
        else:
            g[index] = delta
        return (g,)

    return make_result(np.asarray(out), (x,), backward, "getitem")


def gather(input: Tensor, dim: int, index: Any, *, sparse_grad: bool = False) -> Tensor:  # noqa: A002
    """out[i][j] = x[i][index[i][j]] along ``dim`` (torch.gather);  dC/dx scatters delta back.

    As PyTorch: index has x's number of dims (0-d and 1-d mix freely), the output has index's
    shape, and index may be smaller than x in the other dims (it reads x's leading part).
    """
    if sparse_grad:
        raise NotImplementedError(
            "gather: sparse_grad=True is not supported (deepgrad's gradients are dense arrays)"
        )
    idx = np.asarray(index.data if isinstance(index, Tensor) else index)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"gather: index must hold integers (int64), got {idx.dtype}")
    xd = input.data
    if xd.ndim <= 1 and idx.ndim <= 1:  # 0-d and 1-d: one axis
        d = _dim(dim, 1, "gather")
        src, ix = xd.reshape(-1), idx.reshape(-1)
    elif idx.ndim != xd.ndim:
        raise ValueError(
            f"gather: index must have as many dims as the input, got index shape {idx.shape} "
            f"for input shape {xd.shape}"
        )
    else:
        d = _dim(dim, xd.ndim, "gather")
        for k, (ni, nx) in enumerate(zip(idx.shape, xd.shape, strict=True)):
            if k != d and ni > nx:
                raise ValueError(
                    f"gather: index shape {idx.shape} must be no larger than the input shape "
                    f"{xd.shape} apart from dim {d} (dim {k})"
                )
        src, ix = xd[tuple(slice(0, n) if k != d else slice(None)
                           for k, n in enumerate(idx.shape))], idx
    size = src.shape[d]
    if ix.size and (ix.min() < 0 or ix.max() >= size):
        bad = int(ix.min() if ix.min() < 0 else ix.max())
        raise IndexError(f"gather: index {bad} is out of bounds for dim {d} with size {size}")
    out = np.take_along_axis(src, ix, axis=d).reshape(idx.shape)
    shape, dtype = xd.shape, xd.dtype

    def backward(delta: np.ndarray) -> tuple:
        g = np.zeros(src.shape if xd.ndim > 1 or idx.ndim > 1 else (xd.size,), dtype=dtype)
        grids = list(np.indices(ix.shape, sparse=True))
        grids[d] = ix
        np.add.at(g, tuple(grids), delta.reshape(ix.shape))
        if g.shape == shape:
            return (g,)
        if xd.ndim <= 1:
            return (g.reshape(shape),)
        full = np.zeros(shape, dtype=dtype)
        full[tuple(slice(0, n) for n in g.shape)] = g
        return (full,)

    return make_result(out, (input,), backward, "gather")


from .pad import pad  # noqa: E402  (re-exported)
