"""Shared fixtures: tiny MNIST IDX files written here, a fresh run root (DEEPGRAD_OUT)."""

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(__file__))



def make_blob_digits(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """28x28 images whose class (0-3) is the quadrant holding a bright blob, plus noise."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 4, n)
    x = rng.integers(0, 60, (n, 28, 28))
    for i, c in enumerate(y):
        r, q = divmod(int(c), 2)
        x[i, 3 + 14 * r: 11 + 14 * r, 3 + 14 * q: 11 + 14 * q] += 180
    return x.astype(np.uint8), y.astype(np.uint8)


@pytest.fixture
def tiny_mnist(tmp_path):
    """The four MNIST IDX files, written here: 600 training and 200 test blob digits."""
    from deepgrad.data import write_idx

    folder = tmp_path / "idx"
    folder.mkdir()
    for split, n, seed in (("train", 600, 0), ("t10k", 200, 1)):
        x, y = make_blob_digits(n, seed)
        write_idx(folder / f"{split}-images-idx3-ubyte", x)
        write_idx(folder / f"{split}-labels-idx1-ubyte", y)
    return folder


@pytest.fixture
def out_root(tmp_path, monkeypatch):
    """A fresh DEEPGRAD_OUT: where runs go by default."""
    root = tmp_path / "runs"
    monkeypatch.setenv("DEEPGRAD_OUT", str(root))
    return root


@pytest.fixture
def blob_digits():
    """The generator of the fixture's images: ``blob_digits(n, seed) -> (x, y)``."""
    return make_blob_digits
