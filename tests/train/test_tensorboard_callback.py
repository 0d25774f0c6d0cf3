"""deepgrad.train.TensorBoard: what it writes, read back with TensorBoard's own reader
(EventAccumulator) and checked against the training's history, weights and gradients."""

import io
import sys

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn
from deepgrad.train import TensorBoard
from deepgrad.train.callbacks import Callback
from deepgrad.train.tensorboard import weight_image

pytest.importorskip("tensorboardX")
event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")

RNG = np.random.default_rng(0)
X = RNG.standard_normal((96, 6)).astype(np.float32)
Y = RNG.integers(0, 3, 96)


def read(path):
    acc = event_accumulator.EventAccumulator(
        str(path), size_guidance={"scalars": 0, "histograms": 0, "images": 0, "tensors": 0}
    )
    acc.Reload()
    return acc


class Snapshot(Callback):
    """The weights and gradients at every epoch's end, as the TensorBoard callback sees them."""

    def __init__(self):
        self.seen = []

    def on_epoch_end(self, epoch, logs=None):
        self.seen.append(
            {n: (p.data.copy(), p.grad.copy()) for n, p in self.model.named_parameters()}
        )


def test_scalars_histograms_images_and_graph(tmp_path):
    dg.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3))
    model.compile(optimizer="sgd", loss="cross_entropy", metrics=["accuracy"], lr=0.1)
    snap = Snapshot()
    tb = TensorBoard(tmp_path / "logs", histogram_freq=1, write_images=True, update_freq=2)
    hist = model.fit(
        X, Y, epochs=3, batch_size=16, validation_split=0.25, callbacks=[snap, tb], verbose=0
    )
    train, val = read(tmp_path / "logs" / "train"), read(tmp_path / "logs" / "validation")

    def values(acc, tag):
        return [e.step for e in acc.Scalars(tag)], [e.value for e in acc.Scalars(tag)]

    for tag, key in (
        ("epoch_loss", "loss"),
        ("epoch_accuracy", "accuracy"),
        ("epoch_learning_rate", "lr"),
    ):
        steps, vs = values(train, tag)
        assert steps == [0, 1, 2]
        np.testing.assert_allclose(vs, hist.history[key], rtol=1e-6)
    for tag, key in (("epoch_loss", "val_loss"), ("epoch_accuracy", "val_accuracy")):
        np.testing.assert_allclose(values(val, tag)[1], hist.history[key], rtol=1e-6)
    assert "epoch_val_loss" not in train.Tags()["scalars"]
    steps, _ = values(train, "batch_loss")
    assert steps == [2, 4, 6, 8, 10, 12, 14]  # 72 training images in 16s: 5 batches x 3 epochs
    for epoch, state in enumerate(snap.seen):
        for name, (w, g) in state.items():
            for tag, arr in ((f"weights/{name}", w), (f"gradients/{name}", g)):
                (h,) = [e.histogram_value for e in train.Histograms(tag) if e.step == epoch]
                assert h.num == arr.size
                assert h.min == pytest.approx(arr.min(), rel=1e-6)
                assert h.max == pytest.approx(arr.max(), rel=1e-6)
                assert h.sum == pytest.approx(arr.astype(np.float64).sum(), rel=1e-5, abs=1e-7)
                assert sum(h.bucket) == arr.size
    assert np.abs(snap.seen[0]["0.weight"][1]).max() > 0
    images = train.Images("images/0.weight")
    assert [e.step for e in images] == [0, 1, 2] and "images/0.bias" not in train.Tags()["images"]
    from PIL import Image

    img = np.asarray(Image.open(io.BytesIO(images[-1].encoded_image_string)).convert("L"))
    assert img.shape == (16, 6)
    expected = np.round(weight_image(snap.seen[-1]["0.weight"][0]) * 255)
    assert np.abs(img.astype(float) - expected).max() <= 1
    graph = train.Graph()
    nodes = {n.name: n for n in graph.node}
    linears = [n for n in graph.node if n.op == "linear"]
    assert len(linears) == 2 and {"0/weight", "0/bias", "2/weight", "2/bias", "input"} <= set(nodes)
    first = next(n for n in linears if "0/weight" in n.input)
    assert list(first.input) == ["input", "0/weight", "0/bias"]
    assert [d.size for d in first.attr["_output_shapes"].list.shape[0].dim] == [16, 16]


def test_epoch_only_and_steps_per_second(tmp_path):
    dg.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 3))
    model.compile(optimizer="adam", loss="cross_entropy")
    model.fit(
        X,
        Y,
        epochs=2,
        batch_size=32,
        verbose=0,
        callbacks=[TensorBoard(tmp_path, write_steps_per_second=True, write_graph=False)],
    )
    train = read(tmp_path / "train")
    tags = train.Tags()
    assert sorted(tags["scalars"]) == [
        "epoch_learning_rate",
        "epoch_loss",
        "epoch_steps_per_second",
    ]
    assert tags["histograms"] == [] and not tags["graph"]
    assert all(e.value > 0 for e in train.Scalars("epoch_steps_per_second"))
    assert not (tmp_path / "validation").exists()


def test_embeddings_for_the_projector(tmp_path):
    dg.manual_seed(0)

    class Bag(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(5, 4)
            self.out = nn.Linear(4, 3)

        def forward(self, idx):
            return self.out(self.emb(idx).mean(1))

    model = Bag()
    model.compile(optimizer="sgd", loss="cross_entropy")
    idx = RNG.integers(0, 5, (32, 3))
    labels = tmp_path / "words.txt"
    labels.write_text("a\nb\nc\nd\ne\n")
    model.fit(
        idx,
        Y[:32],
        epochs=1,
        batch_size=8,
        verbose=0,
        callbacks=[
            TensorBoard(
                tmp_path / "logs", embeddings_freq=1, embeddings_metadata={"emb": str(labels)}
            )
        ],
    )
    (tsv,) = (tmp_path / "logs" / "train").glob("*/emb/tensors.tsv")
    table = np.loadtxt(tsv, delimiter="\t")
    np.testing.assert_allclose(table, model.emb.weight.data, rtol=1e-5)
    assert (tsv.parent / "metadata.tsv").read_text().split() == ["a", "b", "c", "d", "e"]
    assert "emb" in (tmp_path / "logs" / "train" / "projector_config.pbtxt").read_text()


def test_weight_images():
    assert weight_image(np.ones(3)) is None
    np.testing.assert_array_equal(weight_image(np.full((2, 2), 5.0)), np.zeros((2, 2)))
    conv = np.arange(2 * 3 * 2 * 2, dtype=float).reshape(2, 3, 2, 2)
    img = weight_image(conv)
    assert img.shape == (4, 6) and img.min() == 0 and img.max() == 1
    assert img[0, 2] == pytest.approx(conv[0, 1, 0, 0] / conv.max())  # filter 0, input 1


def test_arguments_and_the_missing_package(monkeypatch):
    with pytest.raises(ValueError, match="update_freq must be 'epoch', 'batch' or an int"):
        TensorBoard(update_freq="sometimes")
    with pytest.raises(ValueError, match="histogram_freq must be an int >= 0"):
        TensorBoard(histogram_freq=-1)
    with pytest.raises(ValueError, match="TensorFlow's profiler"):
        TensorBoard(profile_batch=2)
    assert TensorBoard(update_freq="batch").update_freq == 1
    monkeypatch.setitem(sys.modules, "tensorboardX", None)
    with pytest.raises(ImportError, match=r'pip install "deepgrad\[tensorboard\]"'):
        TensorBoard()


def test_torch_is_not_imported_for_tensorboardx(tmp_path):
    import subprocess

    code = (
        f"import sys, deepgrad.train as t; t.TensorBoard({str(tmp_path)!r}).writer().close(); "
        "print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
