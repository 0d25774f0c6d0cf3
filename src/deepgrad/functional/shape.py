"""Shape ops: views, joins, indexing and padding. Their backward moves gradients back into place."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..tensor import Tensor, make_result

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


def reshape(x: Tensor, *shape: Any) -> Tensor:
    """out = x with a new shape (same elements, C order);  dC/dx = delta reshaped back."""
    shape = _shape_args(shape)
    src = x.data.shape
    try:
        out = x.data.reshape(shape)
    except ValueError:
        raise ValueError(
            f"reshape: cannot reshape a tensor of shape {src} ({x.data.size} elements) "
            f"into shape {shape}"
        ) from None

    def backward(delta: np.ndarray) -> tuple:
        return (delta.reshape(src),)

    return make_result(out, (x,), backward, "reshape")


view = reshape


def transpose(x: Tensor, dim0: int = -2, dim1: int = -1) -> Tensor:
    """out = x with dims ``dim0`` and ``dim1`` swapped;  dC/dx = delta swapped back."""
    if x.ndim < 2:  # only dims 0 / -1 exist: nothing to swap
        _dim(dim0, max(x.ndim, 1), "transpose"), _dim(dim1, max(x.ndim, 1), "transpose")
        return x
    d0, d1 = _dim(dim0, x.ndim, "transpose"), _dim(dim1, x.ndim, "transpose")

    def backward(delta: np.ndarray) -> tuple:
        return (np.swapaxes(delta, d0, d1),)

    return make_result(np.swapaxes(x.data, d0, d1), (x,), backward, "transpose")


def permute(x: Tensor, *dims: Any) -> Tensor:
    """out = x with its axes reordered;  dC/dx = delta with the inverse order."""
    dims = _shape_args(dims)
    if sorted(d % max(x.ndim, 1) for d in dims) != list(range(x.ndim)):
        raise ValueError(f"permute: dims {dims} are not a permutation of {x.ndim} dimensions")
    dims = tuple(d % x.ndim for d in dims)
    inverse = tuple(np.argsort(dims))

    def backward(delta: np.ndarray) -> tuple:
        return (delta.transpose(inverse),)

    return make_result(x.data.transpose(dims), (x,), backward, "permute")


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims ``start_dim..end_dim`` into one (PyTorch's torch.flatten)."""
    if x.ndim == 0:
        return reshape(x, 1)
    s, e = _dim(start_dim, x.ndim, "flatten"), _dim(end_dim, x.ndim, "flatten")
    if s > e:
        raise ValueError(
            f"flatten: start_dim {start_dim} cannot come after end_dim {end_dim} (shape {x.shape})"
        )
    shape = x.shape[:s] + (math.prod(x.shape[s : e + 1]),) + x.shape[e + 1 :]
    return reshape(x, shape)


def squeeze(x: Tensor, dim: int | Sequence[int] | None = None) -> Tensor:
    """Drop size-1 dims (only those in ``dim``, an int or a tuple, when given; a named dim
    whose size is not 1 stays, as PyTorch)."""
    if dim is None:
        shape = tuple(n for n in x.shape if n != 1)
    else:
        dims = (dim,) if isinstance(dim, int | np.integer) else tuple(dim)
        axes = [_dim(d, max(x.ndim, 1), "squeeze") for d in dims]
        if len(set(axes)) != len(axes):
            raise RuntimeError(f"squeeze: a dim appears multiple times in the list of dims {dim}")
        drop = {a for a in axes if x.ndim and x.shape[a] == 1}
        shape = tuple(n for k, n in enumerate(x.shape) if k not in drop)
    return reshape(x, shape)


def unsqueeze(x: Tensor, dim: int) -> Tensor:
    """Insert a size-1 dim at ``dim``."""
    d = _dim(dim, x.ndim + 1, "unsqueeze")
    return reshape(x, x.shape[:d] + (1,) + x.shape[d:])


def expand(x: Tensor, *sizes: Any) -> Tensor:
    """Broadcast x to ``sizes`` (-1 keeps a dim);  dC/dx = delta summed over the stretched dims."""
    sizes = _shape_args(sizes)
    lead = len(sizes) - x.ndim
    if lead < 0:
        raise ValueError(f"expand: cannot expand shape {x.shape} to fewer dims {sizes}")
    if any(s == -1 for s in sizes[:lead]):
        raise ValueError(
            f"expand: the expanded size -1 isn't allowed in a leading, non-existing dimension "
            f"(shape {x.shape} to {sizes})"
        )
    target = tuple(
        (x.shape[i - lead] if s == -1 else s) if i >= lead else s for i, s in enumerate(sizes)
    )
    try:
        out = np.broadcast_to(x.data, target)
    except ValueError:
        raise ValueError(f"expand: shape {x.shape} cannot be expanded to {sizes}") from None

    def backward(delta: np.ndarray) -> tuple:
        return (delta,)  # the engine un-broadcasts to x's shape

    return make_result(out, (x,), backward, "expand")


def repeat(x: Tensor, *repeats: Any) -> Tensor:
    """Tile x (PyTorch's Tensor.repeat);  dC/dx = sum of delta over the tiles."""
    reps = _shape_args(repeats)
    if len(reps) < x.ndim:
        raise ValueError(f"repeat: need at least {x.ndim} repeat counts, got {reps}")
    src = (1,) * (len(reps) - x.ndim) + x.shape
    out = np.tile(x.data.reshape(src), reps)

    def backward(delta: np.ndarray) -> tuple:
        split = []
        for r, n in zip(reps, src, strict=True):
            split += [r, n]
        g = delta.reshape(split).sum(axis=tuple(range(0, len(split), 2)))
        return (g.reshape(x.shape),)

    return make_result(out, (x,), backward, "repeat")


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
    out = np.concatenate([t.data for t in joined], axis=d)
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


concatenate = cat


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
    out = np.stack([t.data for t in tensors], axis=d)

    def backward(delta: np.ndarray) -> tuple:
        return tuple(np.moveaxis(delta, d, 0))

    return make_result(out, tuple(tensors), backward, "stack")


def split(x: Tensor, split_size_or_sections: int | Sequence[int], dim: int = 0) -> tuple:
    """Split into chunks of a size (the last may be smaller) or of the listed sizes."""
    d = _dim(dim, x.ndim, "split")
    n = x.shape[d]
    if n == 0 and isinstance(split_size_or_sections, int | np.integer):
        if split_size_or_sections <= 0:
            raise ValueError(f"split: split size must be positive, got {split_size_or_sections}")
        return (getitem(x, (slice(None),) * d + (slice(0, 0),)),)
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
        out.append(getitem(x, idx))
        start += s
    return tuple(out)


def chunk(x: Tensor, chunks: int, dim: int = 0) -> tuple:
    """Split into ``chunks`` nearly equal pieces (PyTorch's rule: ceil(n / chunks) each)."""
    if not isinstance(chunks, int | np.integer) or chunks <= 0:
        raise ValueError(f"chunk: chunks must be a positive int, got {chunks!r}")
    d = _dim(dim, x.ndim, "chunk")
    n = x.shape[d]
    if n == 0:  # PyTorch: `chunks` empty pieces
        return tuple(getitem(x, (slice(None),) * d + (slice(0, 0),)) for _ in range(chunks))
    return split(x, -(-n // chunks), dim)


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


def gather(x: Tensor, dim: int, index: Any) -> Tensor:
    """out[i][j] = x[i][index[i][j]] along ``dim`` (torch.gather);  dC/dx scatters delta back.

    As PyTorch: index has x's number of dims (0-d and 1-d mix freely), the output has index's
    shape, and index may be smaller than x in the other dims (it reads x's leading part).
    """
    idx = np.asarray(index.data if isinstance(index, Tensor) else index)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"gather: index must hold integers (int64), got {idx.dtype}")
    xd = x.data
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

    return make_result(out, (x,), backward, "gather")


def pad(
    x: Tensor, pad: Sequence[int], mode: str = "constant", value: float | None = None
) -> Tensor:
    """Pad the last dims; ``pad`` lists (left, right) pairs starting from the last dim, as in
    torch.nn.functional.pad. Modes: 'constant' (``value``, 0 when None; a negative width
    crops, as PyTorch), 'reflect', 'replicate', 'circular'.
    dC/dx = delta cropped back (for reflect/replicate/circular, the padded copies add in)."""
    pad = [int(p) for p in pad]
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise ValueError(f"pad: expected pairs for at most {x.ndim} dims, got {pad}")
    widths = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        widths[x.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    np_mode = {
        "constant": "constant",
        "reflect": "reflect",
        "replicate": "edge",
        "circular": "wrap",
    }.get(mode)
    if np_mode is None:
        raise ValueError(f"pad: unknown mode {mode!r}")
    shape = x.data.shape
    if any(a < 0 or b < 0 for a, b in widths):
        if np_mode != "constant":
            raise ValueError(f"pad: negative padding {pad} is only supported in mode 'constant'")
        return _pad_constant_signed(x, widths, 0.0 if value is None else value)
    if np_mode == "constant":
        out = np.pad(x.data, widths, mode="constant", constant_values=0 if value is None else value)
    else:
        if value is not None and value != 0:
            raise ValueError(f"pad: padding mode {mode!r} doesn't take in value argument")
        out = np.pad(x.data, widths, mode=np_mode)
    crop = tuple(slice(a, a + n) for (a, _), n in zip(widths, shape, strict=True))

    def backward(delta: np.ndarray) -> tuple:
        if np_mode == "constant":
            return (delta[crop],)
        # route each padded element's gradient to its source by padding an index map
        src = np.arange(int(np.prod(shape))).reshape(shape)
        src = np.pad(src, widths, mode=np_mode)
        g = np.bincount(src.ravel(), weights=delta.ravel(), minlength=int(np.prod(shape)))
        return (g.reshape(shape).astype(delta.dtype),)

    return make_result(out, (x,), backward, "pad")


def _pad_constant_signed(x: Tensor, widths: list[tuple[int, int]], value: float) -> Tensor:
    """Constant padding where some widths are negative: crop those sides, pad the others."""
    shape = x.data.shape
    keep = tuple(slice(max(-a, 0), n - max(-b, 0)) for (a, b), n in zip(widths, shape, strict=True))
    if any(s.stop < s.start for s in keep):
        raise ValueError(f"pad: the padding {widths} crops more than the input shape {shape}")
    grow = [(max(a, 0), max(b, 0)) for a, b in widths]
    out = np.pad(x.data[keep], grow, mode="constant", constant_values=value)
    inner = tuple(slice(a, a + (s.stop - s.start)) for (a, _), s in zip(grow, keep, strict=True))

    def backward(delta: np.ndarray) -> tuple:
        g = np.zeros(shape, dtype=delta.dtype)
        g[keep] = delta[inner]
        return (g,)

    return make_result(out, (x,), backward, "pad")
