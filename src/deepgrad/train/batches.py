"""The data that ``fit``/``evaluate``/``predict`` take, turned into mini-batches.

Arrays (``x`` may be a tuple/list of arrays for a multi-input model) are cut into batches here,
shuffled by deepgrad's generator each epoch; any other iterable (a DataLoader, a generator, a
list of batches) is used as it is. A batch is unpacked as Keras' ``unpack_x_y_sample_weight``:
a tuple/list of 2 is ``(x, y)``, of 3 ``(x, y, sample_weight)``, of 1 ``(x,)``, a dict has keys
'x'/'inputs' and 'y'/'targets', anything else is ``x`` alone.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..random import get_rng
from ..tensor import Tensor

__all__ = ["ArrayBatches", "make_batches", "unpack", "to_tensor", "as_tuple", "length", "take",
           "is_arrays"]


def to_tensor(a: Any, dtype: np.dtype) -> Tensor:
    if isinstance(a, Tensor):
        return a
    arr = np.asarray(a)
    if arr.dtype.kind == "f" and arr.dtype != dtype:
        arr = arr.astype(dtype)
    elif arr.dtype.kind == "u" and arr.dtype.itemsize < 8 and arr.ndim > 1:
        arr = arr.astype(dtype)  # raw pixels: uint8 images become floats (not rescaled)
    return Tensor(arr, dtype=arr.dtype)


def as_tuple(x: Any) -> tuple:
    return tuple(x) if isinstance(x, tuple | list) else (x,)


def is_arrays(x: Any) -> bool:
    """An array, or a tuple/list of arrays (one per model input), rather than batches."""
    if isinstance(x, np.ndarray | Tensor):
        return True
    return (isinstance(x, tuple | list) and len(x) > 0
            and all(isinstance(a, np.ndarray | Tensor) for a in x))


def length(x: Any) -> int:
    return len(as_tuple(x)[0])


def take(x: Any, idx: Any) -> Any:
    if isinstance(x, tuple | list):
        return tuple(np.asarray(a.data if isinstance(a, Tensor) else a)[idx] for a in x)
    return np.asarray(x.data if isinstance(x, Tensor) else x)[idx]


class ArrayBatches:
    """Mini-batches of in-memory arrays, shuffled by deepgrad's generator each epoch."""

    def __init__(self, x: Any, y: Any, batch_size: int, shuffle: bool,
                 sample_weight: np.ndarray | None = None) -> None:
        n = length(x)
        if y is not None and len(y) != n:
            raise ValueError(f"fit: x has {n} samples but y has {len(y)}")
        self.x, self.y, self.w, self.n = x, y, sample_weight, n
        self.batch_size, self.shuffle = batch_size, shuffle

    def __len__(self) -> int:
        return math.ceil(self.n / self.batch_size)

    def __iter__(self):
        order = get_rng().permutation(self.n) if self.shuffle else None
        for start in range(0, self.n, self.batch_size):
            idx = (order[start:start + self.batch_size] if order is not None
                   else slice(start, start + self.batch_size))
            yb = None if self.y is None else take(self.y, idx)
            wb = None if self.w is None else self.w[idx]
            yield take(self.x, idx), yb, wb


def make_batches(x: Any, y: Any, batch_size: int, shuffle: bool,
                 class_weight: dict | None, who: str = "fit") -> Any:
    if y is None and not isinstance(x, np.ndarray | Tensor):
        return x  # an iterable of batches (e.g. a DataLoader, a list of (x, y) pairs)
    if y is None:
        raise ValueError(f"{who}: y is required when x is an array")
    w = None
    if class_weight:
        labels = np.asarray(y)
        if labels.ndim > 1 and labels.shape[-1] > 1:
            labels = labels.argmax(-1)
        labels = labels.reshape(len(labels), -1)[:, 0]
        w = np.array([class_weight.get(int(c), 1.0) for c in labels], dtype=np.float32)
    return ArrayBatches(x, np.asarray(y.data if isinstance(y, Tensor) else y), batch_size,
                        shuffle, w)


def unpack(batch: Any, who: str = "fit") -> tuple[Any, Any, Any]:
    """``(x, y, sample_weight)`` of one batch (y and sample_weight may be None)."""
    if isinstance(batch, dict):
        return batch.get("x", batch.get("inputs")), batch.get("y", batch.get("targets")), None
    if isinstance(batch, tuple | list):
        if len(batch) == 3:
            return batch[0], batch[1], batch[2]
        if len(batch) == 2:
            return batch[0], batch[1], None
        if len(batch) == 1:
            return batch[0], None, None
        raise ValueError(f"{who}: a batch must be x, (x,), (x, y) or (x, y, sample_weight); "
                         f"got a {type(batch).__name__} of {len(batch)} items")
    return batch, None, None
