"""deepgrad.train.XRay: statistics with known answers (a dead ReLU layer, saturated sigmoids,
plain SGD's update ratio), from fit, train_epochs, a hand loop and a task; JSON and figure."""

import json

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import functional as F
from deepgrad import nn, optim
from deepgrad.train import XRay, attached, plot_xray
from deepgrad.train.callbacks import Callback
from deepgrad.train.epochs import train_epochs

pytestmark = pytest.mark.filterwarnings("error:deepgrad.train.watch stopped:RuntimeWarning")

RNG = np.random.default_rng(0)
X = RNG.standard_normal((64, 6))
Y = RNG.integers(0, 3, 64)


def rows_of(xray, layer, key):
    return [r[key] for r in xray.rows if r["layer"] == layer]


def test_a_relu_layer_dead_by_construction_is_dead_and_its_weights_get_no_gradient():
    dg.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 3)
    ).double()
    model[2].bias.data[:] = -100.0  # z < 0 for every example: layer 3's ReLUs are dead
    model.compile(optimizer="sgd", loss="cross_entropy", lr=0.05)
    xray = XRay(None)
    model.fit(X, Y, epochs=2, batch_size=16, callbacks=[xray], verbose=0)
    assert rows_of(xray, "3", "dead") == [1.0, 1.0]
    assert all(0.0 <= d < 0.5 for d in rows_of(xray, "1", "dead"))  # the healthy one
    assert rows_of(xray, "2", "grad_norm") == [0.0, 0.0]  # no gradient reaches it
    assert all(g > 0 for g in rows_of(xray, "4", "grad_norm"))
    assert rows_of(xray, "3", "saturated") == [None, None]
    assert [r["epoch"] for r in xray.rows if r["layer"] == "0"] == [0, 1]
    assert [r["samples"] for r in xray.rows if r["layer"] == "0"] == [3, 4]  # steps 2-4, 5-8


def test_sigmoids_with_huge_weights_are_saturated_and_small_ones_are_not():
    dg.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(6, 32), nn.Sigmoid(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 3)
    )
    model[0].weight.data *= 200.0  # |z| in the hundreds
    model.compile(optimizer="sgd", loss="cross_entropy", lr=0.01)
    xray = XRay(None)
    model.fit(X.astype(np.float32), Y, epochs=1, batch_size=16, callbacks=[xray], verbose=0)
    (sat,) = rows_of(xray, "1", "saturated")
    z = X @ model[0].weight.data.T.astype(np.float64) + model[0].bias.data
    assert sat > 0.95 and sat == pytest.approx(np.mean(np.abs(z) > 4), abs=0.02)
    (sat_tanh,) = rows_of(xray, "3", "saturated")
    assert sat_tanh < 0.05
    assert rows_of(xray, "1", "dead") == [None]


def test_plain_sgd_update_ratio_is_lr_times_grad_over_weight_and_norms_are_exact():
    dg.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 10), nn.Tanh(), nn.Linear(10, 3)).double()
    lr = 0.3
    opt = optim.SGD(model.parameters(), lr=lr)
    seen = {}
    with XRay(None, freq=1) as xray:
        for step in range(1, 7):
            loss = F.cross_entropy(model(X), Y)
            opt.zero_grad()
            loss.backward()
            seen[step] = {
                name: (
                    np.sqrt(sum(np.sum(p.grad**2) for p in m.parameters())),
                    np.sqrt(sum(np.sum(p.data**2) for p in m.parameters())),
                )
                for name, m in (("0", model[0]), ("2", model[2]))
            }
            opt.step()
    assert [r["step"] for r in xray.rows if r["layer"] == "0"] == [2, 3, 4, 5, 6]
    for r in xray.rows:
        if r["layer"] in seen[2]:
            g, w = seen[r["step"]][r["layer"]]
            assert r["grad_norm"] == pytest.approx(g, rel=1e-12)
            assert r["weight_norm"] == pytest.approx(w, rel=1e-12)
            assert r["update_ratio"] == pytest.approx(lr * g / w, rel=1e-9)
            assert r["samples"] == 1 and r["epoch"] is None


def test_every_k_steps():
    dg.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 4), nn.ReLU(), nn.Linear(4, 3))
    opt = optim.SGD(model.parameters(), lr=0.1)
    with XRay(None, freq=3) as xray:
        for _ in range(10):
            loss = F.cross_entropy(model(X.astype(np.float32)), Y)
            opt.zero_grad()
            loss.backward()
            opt.step()
    assert sorted({r["step"] for r in xray.rows}) == [4, 7, 10]


def test_json_and_figure_from_fit(tmp_path):
    dg.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(6, 8), nn.Sigmoid(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 3)
    )
    model.compile(optimizer="adam", loss="cross_entropy", metrics=["accuracy"])
    xray = XRay(tmp_path / "x" / "xray.json", every=2)
    model.fit(
        X.astype(np.float32),
        Y,
        epochs=3,
        batch_size=8,
        callbacks=[xray],
        validation_split=0.25,
        verbose=0,
    )
    data = json.loads((tmp_path / "x" / "xray.json").read_text())
    assert data["freq"] == "epoch" and data["every"] == 2 and data["saturation"] == 4.0
    assert len(data["rows"]) == 3 * 5
    assert {r["layer"] for r in data["rows"]} == {"0", "1", "2", "3", "4"}
    assert data["rows"] == xray.to_dict()["rows"]
    assert sorted(p.name for p in (tmp_path / "x").iterdir()) == ["xray.json", "xray.png"]
    from PIL import Image

    with Image.open(tmp_path / "x" / "xray.png") as im:
        assert im.size[0] > 800
    again = plot_xray(tmp_path / "x" / "xray.json", tmp_path / "again.png")
    assert again.stat().st_size > 10_000


def test_an_xray_computes_exactly_the_unwatched_training():
    def train(callbacks):
        dg.manual_seed(3)
        model = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3))
        model.compile(optimizer="sgd", loss="cross_entropy", lr=0.1, momentum=0.9)
        model.fit(X.astype(np.float32), Y, epochs=2, batch_size=16, callbacks=callbacks, verbose=0)
        return [p.data.copy() for p in model.parameters()]

    for a, b in zip(train([]), train([XRay(None)]), strict=True):
        np.testing.assert_array_equal(a, b)


class Recorder(Callback):
    def __init__(self):
        self.calls = []

    def set_model(self, model):
        self.calls.append(("set_model", type(model).__name__))

    def on_train_begin(self, logs=None):
        self.calls.append(("train_begin",))

    def on_train_end(self, logs=None):
        self.calls.append(("train_end",))

    def on_epoch_end(self, epoch, logs=None):
        self.calls.append(("epoch_end", epoch, sorted(logs)))


def test_attached_callbacks_see_every_fit_and_train_epochs(tmp_path):
    rec = Recorder()
    dg.manual_seed(0)
    a = nn.Sequential(nn.Linear(6, 3))
    b = nn.Sequential(nn.Linear(6, 4), nn.Tanh(), nn.Linear(4, 3))
    a.compile(optimizer="sgd", loss="cross_entropy")
    xb = [(dg.tensor(X[i : i + 16], dtype=dg.float32), Y[i : i + 16]) for i in range(0, 64, 16)]
    xray = XRay(None)
    with attached([rec, xray]):
        a.fit(X.astype(np.float32), Y, epochs=1, batch_size=32, verbose=0)
        train_epochs(
            b,
            lambda rng: xb,
            lambda m, bt: F.cross_entropy(m(bt[0]), bt[1]),
            lambda m: 0.5,
            epochs=2,
            lr=1e-2,
            state_path=tmp_path / "s.npz",
            best_path=tmp_path / "b.npz",
        )
    assert rec.calls[0] == ("train_begin",) and rec.calls[-1] == ("train_end",)
    assert [c for c in rec.calls if c[0] == "train_begin"] == [("train_begin",)]
    ends = [c for c in rec.calls if c[0] == "epoch_end"]
    assert ends == [
        ("epoch_end", 0, ["learning_rate", "loss", "lr"]),
        ("epoch_end", 0, ["loss", "lr", "val"]),
        ("epoch_end", 1, ["loss", "lr", "val"]),
    ]
    assert {r["label"] for r in xray.rows} == {"Linear", "Sequential"}  # a: its one Linear
    assert [r["epoch"] for r in xray.rows if r["label"] == "Sequential" and r["layer"] == "0"] == [
        0,
        1,
    ]
    with pytest.raises(TypeError, match="must be Callbacks"):
        with attached([object()]):
            pass


def test_a_task_takes_callbacks(tmp_path):
    from deepgrad.tasks import mnist, run_task

    path, _ = run_task(
        mnist,
        mnist.Config(model="mlp", epochs=2, limit=512),
        tmp_path / "run",
        callbacks=[XRay(tmp_path / "xray.json")],
    )
    data = json.loads((tmp_path / "xray.json").read_text())
    linears = {r["layer"] for r in data["rows"] if r["type"] == "Linear"}
    assert len(linears) >= 2 and {r["epoch"] for r in data["rows"]} == {0, 1}
    assert (tmp_path / "xray.png").exists()


def test_bad_arguments():
    with pytest.raises(ValueError, match="freq must be 'epoch' or a number of steps"):
        XRay(None, freq="batch")
    with pytest.raises(ValueError, match="every must be an int >= 1"):
        XRay(None, every=0)
    with pytest.raises(ValueError, match="statistic must be one of"):
        XRay(None).series("nope")


def test_the_task_command_takes_xray(tmp_path, capsys):
    from deepgrad.cli import main

    argv = ["mnist", "--model", "mlp", "--epochs", "1", "--limit", "256"]
    assert main([*argv, "--out", str(tmp_path / "run"), "--xray", str(tmp_path / "x.json")]) == 0
    rows = json.loads((tmp_path / "x.json").read_text())["rows"]
    assert rows and all(r["epoch"] == 0 for r in rows)


def test_unit_stats_on_conv_outputs():
    from deepgrad.train.watch import unit_stats

    out = np.ones((4, 3, 5, 5))
    out[:, 1] = 0.0  # channel 1 dead everywhere
    out[0, 2] = 0.0  # channel 2 dead for one example only: alive
    assert unit_stats(nn.ReLU(), (dg.tensor(out),), out) == {"dead": pytest.approx(1 / 3)}
    z = np.array([[-5.0, -3.0, 0.0, 4.5]])
    assert unit_stats(nn.Tanh(), (dg.tensor(z),), np.tanh(z)) == {"saturated": 0.5}
    assert unit_stats(nn.Linear(4, 2), (dg.tensor(z),), z) == {}
