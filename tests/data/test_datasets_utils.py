"""TensorDataset, Subset, random_split (PyTorch's rules) and DataLoader(num_workers=...)."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import deepgrad as dg
from deepgrad.data import DataLoader, Subset, TensorDataset, random_split


def _xy(n: int = 10):
    x = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    y = np.arange(n, dtype=np.int64) % 4
    return x, y


def test_tensor_dataset_indexing_and_length() -> None:
    x, y = _xy()
    ds = TensorDataset(dg.tensor(x), y)
    assert len(ds) == 10
    xi, yi = ds[3]
    assert isinstance(xi, dg.Tensor) and np.array_equal(xi.data, x[3]) and yi == y[3]
    t = tud.TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
    assert len(t) == len(ds) and np.array_equal(t[3][0].numpy(), ds[3][0].data)
    sl = ds[2:5]
    assert np.array_equal(sl[0].data, x[2:5]) and np.array_equal(sl[1], y[2:5])


def test_tensor_dataset_errors() -> None:
    x, y = _xy()
    with pytest.raises(ValueError, match=r"size mismatch.*tensor 1 has 9 samples.*tensor 0 has 10"):
        TensorDataset(x, y[:9])
    with pytest.raises(ValueError, match="at least one"):
        TensorDataset()
    with pytest.raises(ValueError, match="0-dimensional"):
        TensorDataset(x, np.float32(1.0))


def test_dataloader_over_tensor_dataset_yields_arrays() -> None:
    x, y = _xy()
    batches = list(DataLoader(TensorDataset(dg.tensor(x), dg.tensor(y)), batch_size=4))
    assert [len(b[0]) for b in batches] == [4, 4, 2]
    assert isinstance(batches[0][0], np.ndarray)
    np.testing.assert_array_equal(np.concatenate([b[0] for b in batches]), x)
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), y)


@pytest.mark.parametrize("lengths,expected", [
    ([3, 7], [3, 7]),
    ([0.5, 0.5], [5, 5]),
    ([0.33, 0.33, 0.34], [4, 3, 3]),  # floors 3, 3, 3; the remainder 1 goes to the first split
    ([0.25, 0.25, 0.25, 0.25], [3, 3, 2, 2]),
    ([1.0], [10]),
])
def test_random_split_lengths_like_torch(lengths, expected) -> None:
    x, y = _xy()
    parts = random_split(TensorDataset(x, y), lengths, generator=0)
    t_parts = tud.random_split(tud.TensorDataset(torch.from_numpy(x)), lengths,
                               generator=torch.Generator().manual_seed(0))
    assert [len(p) for p in parts] == expected == [len(p) for p in t_parts]
    seen = np.concatenate([np.asarray(p.indices, dtype=np.int64) for p in parts])
    assert sorted(seen.tolist()) == list(range(10))  # a partition


def test_random_split_reproducible_with_manual_seed() -> None:
    x, y = _xy(50)
    ds = TensorDataset(x, y)
    dg.manual_seed(3)
    a = random_split(ds, [0.8, 0.2])
    dg.manual_seed(3)
    b = random_split(ds, [0.8, 0.2])
    assert [p.indices for p in a] == [p.indices for p in b]
    c = random_split(ds, [0.8, 0.2])  # the generator moved on
    assert c[0].indices != a[0].indices
    gen = np.random.default_rng(11)
    d = random_split(ds, [40, 10], generator=gen)
    assert d[0].indices == np.random.default_rng(11).permutation(50)[:40].tolist()


def test_random_split_errors_and_warning() -> None:
    ds = TensorDataset(*_xy())
    with pytest.raises(ValueError, match=r"sum of input lengths \(9\).*\(10\)"):
        random_split(ds, [4, 5])
    with pytest.raises(ValueError, match="not between 0 and 1"):
        random_split(ds, [1.5, -0.5])
    with pytest.warns(UserWarning, match="length of split at index 1 is 0"):
        random_split(ds, [1.0, 0.0])
    with pytest.raises(TypeError, match="generator"):
        random_split(ds, [5, 5], generator="seed")


def test_subset_indexing_and_loader_fast_path() -> None:
    x, y = _xy()
    sub = Subset(TensorDataset(x, y), [7, 2, 5])
    assert len(sub) == 3 and np.array_equal(sub[0][0], x[7])
    assert np.array_equal(sub[[0, 2]][0], x[[7, 5]])
    (xb, yb), = list(DataLoader(sub, batch_size=3))
    np.testing.assert_array_equal(xb, x[[7, 2, 5]])
    np.testing.assert_array_equal(yb, y[[7, 2, 5]])
    nested = Subset(sub, [2, 0])
    (xb, _), = list(DataLoader(nested, batch_size=2))
    np.testing.assert_array_equal(xb, x[[5, 7]])


class _SlowDataset:
    """Items that take varying times, so threads finish out of order."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.threads: set[str] = set()

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int):
        self.threads.add(threading.current_thread().name)
        time.sleep(0.002 * ((i * 7) % 3))
        return np.full(2, i, dtype=np.float32), i % 3


@pytest.mark.parametrize("workers", [1, 2, 3])
@pytest.mark.parametrize("drop_last", [False, True])
def test_num_workers_gives_the_same_batches_in_order(workers, drop_last) -> None:
    ref_ds, ds = _SlowDataset(23), _SlowDataset(23)
    ref = list(DataLoader(ref_ds, batch_size=4, shuffle=True, seed=5, drop_last=drop_last))
    got = list(DataLoader(ds, batch_size=4, shuffle=True, seed=5, drop_last=drop_last,
                          num_workers=workers))
    assert len(got) == len(ref) == (5 if drop_last else 6)
    for (a, b), (c, d) in zip(ref, got, strict=True):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)
    assert ref_ds.threads == {threading.main_thread().name}
    assert ds.threads and all(t.startswith("deepgrad-loader") for t in ds.threads)


def test_num_workers_with_global_shuffle_and_arrays() -> None:
    x, y = _xy(37)
    dg.manual_seed(1)
    ref = [b for _ in range(2) for b in DataLoader((x, y), batch_size=8, shuffle=True)]
    dg.manual_seed(1)
    got = [b for _ in range(2)
           for b in DataLoader((x, y), batch_size=8, shuffle=True, num_workers=2,
                               prefetch_factor=1)]
    for (a, b), (c, d) in zip(ref, got, strict=True):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)


def test_num_workers_early_stop_and_errors_propagate() -> None:
    it = iter(DataLoader(_SlowDataset(40), batch_size=2, num_workers=2))
    next(it), next(it)
    assert any(t.name.startswith("deepgrad-loader") for t in threading.enumerate())
    it.close()  # what a `break` does: pending batches are cancelled, the threads joined
    assert not any(t.name.startswith("deepgrad-loader") for t in threading.enumerate())

    class Broken(_SlowDataset):
        def __getitem__(self, i: int):
            if i == 5:
                raise KeyError("bad sample 5")
            return super().__getitem__(i)

    with pytest.raises(KeyError, match="bad sample 5"):
        list(DataLoader(Broken(8), batch_size=2, num_workers=2))


def test_num_workers_argument_errors() -> None:
    x, y = _xy()
    with pytest.raises(ValueError, match="non-negative"):
        DataLoader((x, y), num_workers=-1)
    with pytest.raises(ValueError, match="prefetch_factor"):
        DataLoader((x, y), prefetch_factor=2)
    assert DataLoader((x, y), num_workers=2).prefetch_factor == 2
