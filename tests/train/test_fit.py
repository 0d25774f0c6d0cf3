"""Keras-style training: fit/evaluate/predict, callbacks, checkpoints, exact resume."""

import io
import math

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn
from deepgrad.train import (
    CheckpointError,
    CSVLogger,
    EarlyStopping,
    LearningRateScheduler,
    ModelCheckpoint,
    PlotCurves,
    Progbar,
    ReduceLROnPlateau,
    TerminateOnNaN,
    load_checkpoint,
)

DROPOUT = 0.2  # dropout draws from the RNG too: resume must restore it


def mse(out, y):
    return ((out - y) ** 2).mean()


def regression_data(n=256, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 5)).astype(np.float32)
    w = rng.standard_normal((5, 1)).astype(np.float32)
    y = x @ w + 0.01 * rng.standard_normal((n, 1)).astype(np.float32)
    return x, y


def make_model(seed=0, dropout=0.0):
    dg.manual_seed(seed)
    layers = [nn.Linear(5, 16), nn.Tanh()] + ([nn.Dropout(dropout)] if dropout else [])
    return nn.Sequential(*layers, nn.Linear(16, 1))


def test_fit_reduces_loss_and_history():
    x, y = regression_data()
    model = make_model()
    model.compile(optimizer="adam", loss=mse, lr=0.01)
    hist = model.fit(x, y, batch_size=32, epochs=8, validation_split=0.25, verbose=0)
    assert set(hist.history) >= {"loss", "val_loss"}
    assert len(hist.history["loss"]) == 8
    assert hist.history["loss"][-1] < 0.2 * hist.history["loss"][0]
    pred = model.predict(x[:10])
    assert pred.shape == (10, 1) and pred.dtype == np.float32
    assert model.evaluate(x, y) == pytest.approx(float(mse(dg.tensor(model.predict(x)),
                                                           dg.tensor(y)).item()), rel=1e-4)


def test_fit_requires_compile_and_checks_lengths():
    x, y = regression_data(20)
    model = make_model()
    with pytest.raises(RuntimeError, match="compile"):
        model.fit(x, y)
    model.compile("sgd", loss=mse)
    with pytest.raises(ValueError, match="20 samples but y has 19"):
        model.fit(x, y[:19], verbose=0)
    with pytest.raises(ValueError, match="unknown optimizer"):
        model.compile("adamm", loss=mse)


def test_fit_on_iterable_of_batches_and_class_weight():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((200, 2)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.int64)
    dg.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 2))

    def xent(out, t, reduction="mean"):
        logp = out - out.logsumexp(1, keepdim=True)
        nll = -logp[np.arange(len(t.data)), t.data]
        return nll.mean() if reduction == "mean" else nll

    model.compile("sgd", loss=xent, metrics=["accuracy"], lr=0.5)
    batches = [(x[i:i + 50], y[i:i + 50]) for i in range(0, 200, 50)]
    hist = model.fit(batches, epochs=5, verbose=0)
    assert hist.history["accuracy"][-1] > 0.9
    hist = model.fit(x, y, epochs=1, class_weight={0: 1.0, 1: 3.0}, verbose=0)
    assert math.isfinite(hist.history["loss"][0])
    loss, acc = model.evaluate(x, y)
    assert acc > 0.9


def test_resume_is_exact(tmp_path):
    """Train 6 epochs straight; train 3, 'crash', resume to 6: identical weights and history."""
    x, y = regression_data(128)
    ref = make_model(seed=1, dropout=DROPOUT)
    ref.compile("adam", loss=mse, lr=0.01)
    dg.manual_seed(123)
    h_ref = ref.fit(x, y, batch_size=16, epochs=6, verbose=0)

    ckpt = tmp_path / "run.npz"
    m1 = make_model(seed=1, dropout=DROPOUT)
    m1.compile("adam", loss=mse, lr=0.01)
    dg.manual_seed(123)
    m1.fit(x, y, batch_size=16, epochs=3, verbose=0, resume=ckpt)
    dg.manual_seed(999)  # a fresh process would have another RNG state
    m2 = make_model(seed=7, dropout=DROPOUT)  # and other initial weights
    m2.compile("adam", loss=mse, lr=0.01)
    h2 = m2.fit(x, y, batch_size=16, epochs=6, verbose=0, resume=ckpt)
    for (k, a), (k2, b) in zip(ref.state_dict().items(), m2.state_dict().items(), strict=True):
        assert k == k2
        np.testing.assert_array_equal(a, b, err_msg=k)
    assert h2.history["loss"] == pytest.approx(h_ref.history["loss"], rel=0, abs=0)


def test_corrupt_checkpoint_clear_error_previous_survives(tmp_path):
    x, y = regression_data(64)
    model = make_model()
    model.compile("sgd", loss=mse)
    path = tmp_path / "ckpt.npz"
    model.fit(x, y, epochs=1, verbose=0, callbacks=[ModelCheckpoint(path, monitor="loss")])
    good = path.read_bytes()
    ckpt = load_checkpoint(path)
    assert ckpt["epoch"] == 0 and ckpt["optimizer"] is not None
    bad = tmp_path / "bad.npz"
    bad.write_bytes(good[: len(good) // 2])
    with pytest.raises(CheckpointError, match="corrupt or truncated"):
        load_checkpoint(bad)
    # a failing write leaves the previous checkpoint intact and no temp files behind
    import deepgrad.train.checkpoint as C

    class Boom(Exception):
        pass

    orig = np.savez

    def exploding(*a, **k):
        orig(*a, **k)
        raise Boom

    C.np.savez = exploding
    try:
        with pytest.raises(Boom):
            C.save_checkpoint(path, model, epoch=5)
    finally:
        C.np.savez = orig
    assert path.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_early_stopping_restores_best_weights():
    x, y = regression_data(64)
    model = make_model()
    model.compile("sgd", loss=mse, lr=0.05)
    seq = iter([1.0, 0.5, 0.7, 0.8, 0.9, 0.95])
    snapshots = []

    class FakeVal(dg.train.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["val_loss"] = next(seq)
            snapshots.append({k: v.copy() for k, v in self.model.state_dict().items()})

    es = EarlyStopping(patience=2, restore_best_weights=True)
    hist = model.fit(x, y, epochs=6, verbose=0, callbacks=[FakeVal(), es])
    assert len(hist.history["loss"]) == 4  # best at epoch 1, two more without improvement
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, snapshots[1][k])


def test_lr_callbacks_csv_nan_and_plot(tmp_path):
    x, y = regression_data(64)
    model = make_model()
    model.compile("sgd", loss=mse, lr=0.1)
    sched = LearningRateScheduler(lambda epoch, lr: 0.1 * 0.5**epoch)
    csv_path, png = tmp_path / "log.csv", tmp_path / "curves.png"
    model.fit(x, y, epochs=3, validation_split=0.25, verbose=0,
              callbacks=[sched, CSVLogger(csv_path), PlotCurves(png)])
    assert model.optimizer.param_groups[0]["lr"] == pytest.approx(0.025)
    rows = csv_path.read_text().strip().splitlines()
    assert rows[0].startswith("epoch,") and len(rows) == 4
    assert png.stat().st_size > 1000
    plateau = ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1, min_delta=10.0)
    model.fit(x, y, epochs=3, verbose=0, callbacks=[plateau])
    assert model.optimizer.param_groups[0]["lr"] < 0.025
    model.compile("sgd", loss=lambda o, t: mse(o, t) * float("nan"))
    hist = model.fit(x, y, epochs=3, verbose=0, callbacks=[TerminateOnNaN()])
    assert len(hist.history["loss"]) == 1


def test_progbar_interactive_and_plain():
    buf = io.StringIO()
    bar = Progbar(10, stream=buf, interactive=True, min_interval=0)
    for i in range(1, 11):
        bar.update(i, {"loss": 1.0 / i})
    bar.finish(10, {"loss": 0.1})
    text = buf.getvalue()
    assert "\r" in text and "ETA" in text and "10/10 [" in text and "loss: 0.1000" in text
    buf = io.StringIO()
    bar = Progbar(5, stream=buf, interactive=False)
    bar.update(3, {"loss": 1.0})
    bar.finish(5, {"loss": 0.5})
    assert buf.getvalue().count("\n") == 1 and "ms/step" in buf.getvalue()


def test_float32_model_stays_float32():
    x, y = regression_data(32)
    model = make_model()
    model.compile("adam", loss=mse)
    model.fit(x.astype(np.float64), y.astype(np.float64), epochs=1, verbose=0)
    for p in model.parameters():
        assert p.dtype == np.float32
        assert p.grad is None or p.grad.dtype == np.float32


def test_fit_with_dataloader_and_lazy_dense():
    from deepgrad.data import DataLoader

    rng = np.random.default_rng(0)
    x = rng.standard_normal((200, 4)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    dg.manual_seed(0)
    model = nn.Sequential(nn.Dense(16, activation="relu"), nn.Dense(2))
    model.compile("adam", loss="cross_entropy", metrics=["accuracy"], lr=0.01)
    hist = model.fit(DataLoader((x, y), batch_size=32, shuffle=True), epochs=5,
                     validation_data=(x, y), verbose=0)
    assert hist.history["val_accuracy"][-1] > 0.9
    assert model[0].weight.shape == (16, 4)
