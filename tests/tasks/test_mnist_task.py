"""The MNIST task end to end: on tiny IDX files written here (fast), and on real MNIST (slow)."""

import json

import numpy as np
import pytest

from deepgrad.data import write_idx
from deepgrad.tasks.mnist import train_mnist


def blob_digits(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
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
    folder = tmp_path / "idx"
    folder.mkdir()
    for split, n, seed in (("train", 600, 0), ("t10k", 200, 1)):
        x, y = blob_digits(n, seed)
        write_idx(folder / f"{split}-images-idx3-ubyte", x)
        write_idx(folder / f"{split}-labels-idx1-ubyte", y)
    return folder


@pytest.mark.parametrize("kind", ["mlp", "cnn"])
def test_train_mnist_pipeline_on_idx_fixture(tiny_mnist, tmp_path, kind):
    out = tmp_path / "out"
    r = train_mnist(kind, epochs=2, batch_size=32, out_dir=out, data_path=tiny_mnist, verbose=0)
    assert r["test_accuracy"] > 0.9, r
    assert r["train_images"] == 550
    for key in ("curves", "weights", "best_checkpoint"):
        assert (out / r[key].split("/")[-1]).exists()
    saved = json.loads((out / f"{kind}_result.json").read_text())
    assert saved["test_accuracy"] == r["test_accuracy"]
    assert len(saved["history"]["val_accuracy"]) == 2


@pytest.mark.slow
def test_mnist_mlp_reaches_98_percent(tmp_path):
    pytest.importorskip("deepgrad.data").mnist()  # obtains MNIST if needed
    r = train_mnist("mlp", out_dir=tmp_path, verbose=0)
    assert r["test_accuracy"] >= 0.98, r["test_accuracy"]


@pytest.mark.slow
def test_mnist_cnn_reaches_99_2_percent(tmp_path):
    r = train_mnist("cnn", out_dir=tmp_path, verbose=0)
    assert r["test_accuracy"] >= 0.992, r["test_accuracy"]
