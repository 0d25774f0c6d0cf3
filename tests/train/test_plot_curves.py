"""PlotCurves without matplotlib (issue 23): one warning naming the extra, before training starts;
training, checkpoints and metrics go on; plot_history itself raises a clear ImportError."""

import sys
import warnings

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn
from deepgrad.train import ModelCheckpoint, PlotCurves, plot_history


@pytest.fixture
def no_matplotlib(monkeypatch):
    for name in list(sys.modules):
        if name == "matplotlib" or name.startswith("matplotlib."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` now fails


def _data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 3)).astype(np.float32)
    return x, (x @ np.array([1.0, -2.0, 0.5], np.float32))[:, None]


def test_warns_at_construction_and_training_still_saves(no_matplotlib, tmp_path):
    png, best = tmp_path / "curves.png", tmp_path / "best.npz"
    with pytest.warns(UserWarning, match=r"matplotlib is not available.*deepgrad\[extras\]"):
        plot = PlotCurves(png)  # before any training
    dg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 1))
    model.compile("sgd", loss="mse", lr=0.05)
    x, y = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no second warning, no error, during training
        hist = model.fit(x, y, epochs=2, validation_split=0.25, verbose=0,
                         callbacks=[plot, ModelCheckpoint(best, monitor="val_loss",
                                                          save_best_only=True)])
    assert len(hist.history["loss"]) == 2 and best.exists() and not png.exists()
    assert plot.history["loss"] == hist.history["loss"]  # the numbers are still collected


def test_plot_history_names_the_extra(no_matplotlib, tmp_path):
    with pytest.raises(ImportError, match=r"plot_history needs matplotlib.*deepgrad\[extras\]"):
        plot_history({"loss": [1.0, 0.5]}, tmp_path / "c.png")


def test_with_matplotlib_it_draws(tmp_path):
    pytest.importorskip("matplotlib")
    png = tmp_path / "curves.png"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plot = PlotCurves(png)
    assert plot.enabled
    plot.on_train_begin()
    plot.on_epoch_end(0, {"loss": 1.0, "val_loss": 1.2})
    assert png.stat().st_size > 1000
