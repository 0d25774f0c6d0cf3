"""Mini-batches: ``DataLoader`` with seeded shuffling, and collates for variable-length data.

A dataset is anything with ``len()`` and integer indexing that returns one example (an array,
or a tuple of arrays/ints), or a tuple of equally long arrays ``(x, y)``::

    loader = DataLoader((x_train, y_train), batch_size=64, shuffle=True, seed=0)
    for xb, yb in loader: ...

Each epoch draws a fresh permutation from the loader's own generator (``seed``), or from
deepgrad's global generator (``dg.manual_seed``) when no seed is given.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

__all__ = ["DataLoader", "ArrayDataset", "default_collate", "pad_sequences", "pad_collate"]


class ArrayDataset:
    """Examples ``(a[i], b[i], ...)`` from equally long arrays."""

    def __init__(self, *arrays: Any) -> None:
        if not arrays:
            raise ValueError("ArrayDataset: give at least one array")
        n = len(arrays[0])
        for k, a in enumerate(arrays):
            if len(a) != n:
                raise ValueError(f"ArrayDataset: array {k} has {len(a)} items, array 0 has {n}")
        self.arrays = arrays

    def __len__(self) -> int:
        return len(self.arrays[0])

    def __getitem__(self, i):
        return tuple(a[i] for a in self.arrays)

    def batch(self, idx: np.ndarray):
        """A whole batch at once by fancy indexing (fast path for NumPy arrays)."""
        return tuple(a[idx] if isinstance(a, np.ndarray) else [a[i] for i in idx]
                     for a in self.arrays)


def default_collate(examples: Sequence[Any]) -> Any:
    """Stack a list of examples: arrays/numbers -> one array; tuples collated field by field."""
    first = examples[0]
    if isinstance(first, tuple | list) and not isinstance(first, str):
        return tuple(default_collate([e[k] for e in examples]) for k in range(len(first)))
    if isinstance(first, dict):
        return {k: default_collate([e[k] for e in examples]) for k in first}
    if isinstance(first, str):
        return list(examples)
    try:
        return np.stack([np.asarray(e) for e in examples])
    except ValueError as e:
        raise ValueError("default_collate: examples have different shapes; use pad_collate for "
                         "variable-length sequences") from e


def pad_sequences(seqs: Sequence[Any], pad_value: float = 0, max_len: int | None = None,
                  dtype: Any = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Right-pad sequences (arrays of shape T_i x ...) to one array.

    Returns ``(padded B x T x ..., mask bool B x T, lengths int64 B)`` where ``mask[b, t]`` is
    True for real steps; ``max_len`` truncates.
    """
    arrs = [np.asarray(s) for s in seqs]
    if max_len is not None:
        arrs = [a[:max_len] for a in arrs]
    lengths = np.array([len(a) for a in arrs], dtype=np.int64)
    T = int(max_len if max_len is not None else (lengths.max() if len(arrs) else 0))
    tail = arrs[0].shape[1:] if arrs else ()
    for a in arrs:
        if a.shape[1:] != tail:
            raise ValueError(f"pad_sequences: step shapes differ: {a.shape[1:]} vs {tail}")
    dtype = dtype or (np.result_type(*arrs) if arrs else np.float32)
    out = np.full((len(arrs), T, *tail), pad_value, dtype=dtype)
    for i, a in enumerate(arrs):
        out[i, : len(a)] = a
    mask = np.arange(T)[None, :] < lengths[:, None]
    return out, mask, lengths


def pad_collate(examples: Sequence[Any], pad_value: float = 0) -> Any:
    """Collate examples ``(sequence, target...)``: pads the sequence field(s), stacks the rest.

    Returns ``(padded, mask, *others)`` for tuple examples, ``(padded, mask)`` for bare
    sequences. A target that is itself a sequence of the same lengths (tags per token) is
    padded too.
    """
    if not isinstance(examples[0], tuple | list):
        padded, mask, _ = pad_sequences(examples, pad_value)
        return padded, mask
    fields = list(zip(*examples, strict=True))
    padded, mask, lengths = pad_sequences(fields[0], pad_value)
    rest = []
    for f in fields[1:]:
        if all(np.ndim(v) >= 1 for v in f) and [len(v) for v in f] == lengths.tolist():
            rest.append(pad_sequences(f, pad_value)[0])
        else:
            rest.append(default_collate(list(f)))
    return (padded, mask, *rest)


class DataLoader:
    """Iterate a dataset in mini-batches.

    ``batch_size``; ``shuffle`` (a new permutation each epoch, from ``seed`` or deepgrad's
    global generator); ``drop_last`` drops a final short batch; ``collate_fn`` turns a list of
    examples into a batch (default: stack; ``pad_collate`` for sequences).
    """

    def __init__(self, dataset: Any, batch_size: int = 32, shuffle: bool = False,
                 drop_last: bool = False, collate_fn: Callable | None = None,
                 seed: int | None = None) -> None:
        if isinstance(dataset, tuple):
            dataset = ArrayDataset(*dataset)
        elif isinstance(dataset, np.ndarray):
            dataset = ArrayDataset(dataset)
            self._single = True
        if batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be >= 1, got {batch_size}")
        self.dataset, self.batch_size = dataset, int(batch_size)
        self.shuffle, self.drop_last, self.collate_fn = shuffle, drop_last, collate_fn
        self.rng = np.random.default_rng(seed) if seed is not None else None
        self._single = getattr(self, "_single", False)

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def _order(self) -> np.ndarray:
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        if self.rng is not None:
            return self.rng.permutation(n)
        from ..random import get_rng

        return get_rng().permutation(n)

    def __iter__(self) -> Iterator[Any]:
        order = self._order()
        for start in range(0, len(order), self.batch_size):
            idx = order[start: start + self.batch_size]
            if self.drop_last and len(idx) < self.batch_size:
                return
            if self.collate_fn is None and isinstance(self.dataset, ArrayDataset):
                batch = self.dataset.batch(idx)
                yield batch[0] if self._single else batch
            else:
                examples = [self.dataset[int(i)] for i in idx]
                yield (self.collate_fn or default_collate)(examples)
