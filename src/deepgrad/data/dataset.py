"""PyTorch's dataset utilities: TensorDataset, Subset and random_split.

    ds = TensorDataset(x, y)                      # ds[i] == (x[i], y[i])
    train, val = random_split(ds, [0.8, 0.2])     # a random partition, seeded by dg.manual_seed
    loader = DataLoader(train, batch_size=64, shuffle=True)

A dataset is anything with ``len()`` and integer indexing. ``random_split`` draws its
permutation from deepgrad's generator (``dg.manual_seed``) or the NumPy ``generator`` given, so
it is reproducible, but not the same permutation as torch's for the same seed.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..tensor import Tensor
from .loader import ArrayDataset

__all__ = ["TensorDataset", "Subset", "random_split"]


def _length(t: Any, k: int) -> int:
    shape = getattr(t, "shape", None)
    if shape is not None and len(shape) == 0:
        raise ValueError(f"TensorDataset: tensor {k} is 0-dimensional; every tensor needs a "
                         "first (sample) dimension")
    return len(t)


class TensorDataset(ArrayDataset):
    """Samples ``(t_0[i], t_1[i], ...)`` of tensors (or arrays) with equal first dimensions.

    Indexing returns the tuple of the tensors' own items (Tensors stay Tensors);
    ``DataLoader`` batches it by fancy indexing of the underlying arrays, yielding arrays.
    """

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ValueError("TensorDataset: give at least one tensor")
        n = _length(tensors[0], 0)
        for k, t in enumerate(tensors[1:], start=1):
            m = _length(t, k)
            if m != n:
                raise ValueError(
                    f"TensorDataset: size mismatch between tensors: tensor {k} has {m} samples "
                    f"along its first dimension (shape {getattr(t, 'shape', m)}), tensor 0 has "
                    f"{n} (shape {getattr(tensors[0], 'shape', n)})"
                )
        self.tensors = tensors
        self.arrays = tuple(t.data if isinstance(t, Tensor) else t for t in tensors)

    def __getitem__(self, index: Any) -> tuple:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return len(self.tensors[0])


class Subset:
    """The samples ``dataset[indices[i]]`` of ``dataset``, i < len(indices)."""

    def __init__(self, dataset: Any, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = [int(i) for i in indices]

    def __getitem__(self, idx: Any) -> Any:
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __len__(self) -> int:
        return len(self.indices)

    @property
    def _fancy_batch(self) -> bool:
        return bool(getattr(self.dataset, "_fancy_batch", False))

    def batch(self, idx: np.ndarray) -> Any:
        """A whole batch by fancy indexing of the underlying dataset (see ArrayDataset)."""
        return self.dataset.batch(np.asarray(self.indices, dtype=np.int64)[idx])


def random_split(
    dataset: Any,
    lengths: Sequence[int | float],
    generator: np.random.Generator | int | None = None,
) -> list[Subset]:
    """Split ``dataset`` at random into non-overlapping Subsets of the given lengths.

    ``lengths``: sample counts summing to ``len(dataset)``, or fractions summing to 1; as in
    PyTorch each fraction gets floor(n * fraction) samples and the remainder is handed out one
    by one, round robin, from the first split. The permutation comes from ``generator`` (a
    NumPy Generator or an int seed) or deepgrad's global generator (``dg.manual_seed``).
    """
    n = len(dataset)
    lengths = list(lengths)
    if not lengths:
        raise ValueError("random_split: lengths must not be empty")
    total = sum(lengths)
    if math.isclose(total, 1) and total <= 1:
        sizes = []
        for i, frac in enumerate(lengths):
            if not 0 <= frac <= 1:
                raise ValueError(f"random_split: fraction at index {i} is not between 0 and 1, "
                                 f"got {frac}")
            sizes.append(int(math.floor(n * frac)))
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        for i, size in enumerate(sizes):
            if size == 0:
                warnings.warn(f"random_split: length of split at index {i} is 0; this might "
                              "result in an empty dataset", stacklevel=2)
        lengths = sizes
    if any(not float(v).is_integer() or v < 0 for v in lengths):
        raise ValueError(f"random_split: lengths must be non-negative ints or fractions summing "
                         f"to 1, got {lengths}")
    lengths = [int(v) for v in lengths]
    if sum(lengths) != n:
        raise ValueError(f"random_split: sum of input lengths ({sum(lengths)}) does not equal "
                         f"the length of the input dataset ({n})")
    if generator is None:
        from ..random import get_rng

        rng = get_rng()
    elif isinstance(generator, np.random.Generator):
        rng = generator
    elif isinstance(generator, int | np.integer):
        rng = np.random.default_rng(int(generator))
    else:
        raise TypeError(f"random_split: generator must be a numpy Generator, an int seed or "
                        f"None, got {type(generator).__name__}")
    perm = rng.permutation(n).tolist()
    out, start = [], 0
    for size in lengths:
        out.append(Subset(dataset, perm[start:start + size]))
        start += size
    return out
