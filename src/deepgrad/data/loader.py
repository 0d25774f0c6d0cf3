"""Mini-batches: ``DataLoader`` with seeded shuffling, and collates for variable-length data.

A dataset is anything with ``len()`` and integer indexing that returns one example (an array,
or a tuple of arrays/ints), or a tuple of equally long arrays ``(x, y)``::

    loader = DataLoader((x_train, y_train), batch_size=64, shuffle=True, seed=0)
    for xb, yb in loader: ...

Each epoch draws a fresh permutation from the loader's own generator (``seed``), or from
deepgrad's global generator (``dg.manual_seed``) when no seed is given. ``num_workers=k``
builds the next batches in k threads while the current one is used; the batches and their
order are those of ``num_workers=0``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

__all__ = ["DataLoader", "ArrayDataset", "default_collate", "pad_sequences", "pad_collate"]


class ArrayDataset:
    """Examples ``(a[i], b[i], ...)`` from equally long arrays."""

    _fancy_batch = True  # DataLoader may take whole batches with ``batch(idx)``

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

    ``num_workers`` (PyTorch's name): 0 builds each batch in the loop that asks for it; k > 0
    builds up to ``k * prefetch_factor`` (default 2) batches ahead in k threads (not
    processes), so reading and collating overlap the training step. The epoch's order is drawn
    before any worker starts and batches are yielded in that order, so they are identical to
    ``num_workers=0``'s -- as long as the dataset itself is deterministic (a dataset drawing
    random augmentations from a shared generator would draw them in thread order). Threads help
    when ``__getitem__`` waits on files or on NumPy/Pillow code that releases the GIL; for
    arrays in memory ``num_workers=0`` is as fast, and while workers are alive deepgrad's
    convolution cannot pause OpenBLAS's spinning threads (it cannot know the workers stay out
    of BLAS).
    """

    def __init__(self, dataset: Any, batch_size: int = 32, shuffle: bool = False,
                 drop_last: bool = False, collate_fn: Callable | None = None,
                 seed: int | None = None, num_workers: int = 0,
                 prefetch_factor: int | None = None) -> None:
        if isinstance(dataset, tuple):
            dataset = ArrayDataset(*dataset)
        elif isinstance(dataset, np.ndarray):
            dataset = ArrayDataset(dataset)
            self._single = True
        if batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be >= 1, got {batch_size}")
        if isinstance(num_workers, bool) or int(num_workers) != num_workers or num_workers < 0:
            raise ValueError(f"DataLoader: num_workers must be a non-negative int (0 builds "
                             f"batches in the main thread), got {num_workers!r}")
        if prefetch_factor is not None and num_workers == 0:
            raise ValueError("DataLoader: prefetch_factor can only be given with num_workers > "
                             "0 (as in PyTorch); leave it None for num_workers=0")
        if prefetch_factor is not None and int(prefetch_factor) < 1:
            raise ValueError(f"DataLoader: prefetch_factor must be >= 1, got {prefetch_factor}")
        self.dataset, self.batch_size = dataset, int(batch_size)
        self.shuffle, self.drop_last, self.collate_fn = shuffle, drop_last, collate_fn
        self.num_workers = int(num_workers)
        self.prefetch_factor = (None if num_workers == 0 else
                                2 if prefetch_factor is None else int(prefetch_factor))
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

    def _batch_indices(self) -> list[np.ndarray]:
        order = self._order()
        out = [order[s: s + self.batch_size] for s in range(0, len(order), self.batch_size)]
        if self.drop_last and out and len(out[-1]) < self.batch_size:
            out.pop()
        return out

    def _make_batch(self, idx: np.ndarray) -> Any:
        if self.collate_fn is None and getattr(self.dataset, "_fancy_batch", False):
            batch = self.dataset.batch(idx)
            return batch[0] if self._single else batch
        examples = [self.dataset[int(i)] for i in idx]
        return (self.collate_fn or default_collate)(examples)

    def __iter__(self) -> Iterator[Any]:
        batches = self._batch_indices()
        if self.num_workers == 0:
            for idx in batches:
                yield self._make_batch(idx)
            return
        yield from self._threaded(batches)

    def _threaded(self, batches: list[np.ndarray]) -> Iterator[Any]:
        """Keep ``num_workers * prefetch_factor`` batches in flight; yield them in order."""
        pool = ThreadPoolExecutor(self.num_workers, thread_name_prefix="deepgrad-loader")
        pending: deque = deque()
        todo = iter(batches)
        try:
            for idx in todo:
                pending.append(pool.submit(self._make_batch, idx))
                if len(pending) >= self.num_workers * self.prefetch_factor:
                    break
            while pending:
                batch = pending.popleft().result()
                nxt = next(todo, None)
                if nxt is not None:
                    pending.append(pool.submit(self._make_batch, nxt))
                yield batch
        finally:  # also when the loop stops early: drop what has not started
            for f in pending:
                f.cancel()
            pool.shutdown(wait=True)
