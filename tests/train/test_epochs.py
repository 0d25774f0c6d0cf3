"""train_epochs: learns, keeps the best validation epoch, resumes exactly after an interruption."""

import math

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import functional as F
from deepgrad import nn
from deepgrad.train.epochs import train_epochs

RNG = np.random.default_rng(0)
X = RNG.standard_normal((96, 5)).astype(np.float32)
Y = (X @ RNG.standard_normal(5) > 0).astype(np.int64)


def _model():
    dg.manual_seed(3)
    return nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Dropout(0.2), nn.Linear(8, 2))


def _batches(rng, fail_at=None):
    order = rng.permutation(len(X))
    for s in range(0, len(X), 16):
        if fail_at is not None and fail_at():
            raise KeyboardInterrupt
        yield X[order[s:s + 16]], Y[order[s:s + 16]]


def _loss(m, b):
    return F.cross_entropy(m(b[0]), b[1])


def _val(m):
    return float(_loss(m, (X, Y)).data)


def _train(tmp, batches=_batches, epochs=4):
    m = _model()
    h = train_epochs(m, batches, _loss, _val, epochs=epochs, lr=0.05,
                     state_path=tmp / "state.npz", best_path=tmp / "best.npz")
    return m, h


def test_it_learns_and_keeps_the_best_epoch(tmp_path):
    m, h = _train(tmp_path)
    assert h["val"][-1] < h["val"][0] and len(h["loss"]) == 4
    assert h["best_epoch"][0] == int(np.argmin(h["val"]))
    assert _val(m) == pytest.approx(min(h["val"]), rel=1e-6)  # the best weights are loaded


def test_an_interrupted_run_resumes_exactly(tmp_path):
    full, hf = _train(tmp_path / "a")
    calls = {"n": 0}

    def crash_in_epoch_three():
        calls["n"] += 1
        return calls["n"] > 2 * 6 + 3  # 6 batches per epoch: the power goes off in epoch 3

    with pytest.raises(KeyboardInterrupt):
        _train(tmp_path / "b", lambda rng: _batches(rng, crash_in_epoch_three))
    resumed, hr = _train(tmp_path / "b")
    assert hr["val"] == hf["val"] and hr["loss"] == hf["loss"]
    for (n, a), (_, b) in zip(full.state_dict().items(), resumed.state_dict().items(),
                              strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b), err_msg=n)


def test_a_nan_loss_stops_with_the_epoch_named(tmp_path):
    m = _model()
    with pytest.raises(FloatingPointError, match="the loss became nan in epoch 1"):
        train_epochs(m, lambda rng: iter([(X * np.nan, Y)]), _loss, _val, epochs=1, lr=0.1,
                     state_path=tmp_path / "s.npz", best_path=tmp_path / "b.npz")


def test_maximize_keeps_the_first_best_epoch_and_lr_floor_sets_the_decay(tmp_path):
    m, figures, weights = _model(), iter([0.5, 0.7, 0.7, 0.6]), []

    def accuracy(model):  # ties with epoch 2 in epoch 3: epoch 2 (index 1) is kept
        weights.append({k: np.array(v) for k, v in model.state_dict().items()})
        return next(figures)

    h = train_epochs(m, _batches, _loss, accuracy, epochs=4, lr=0.05, lr_floor=0.1,
                     maximize=True, state_path=tmp_path / "s.npz", best_path=tmp_path / "b.npz")
    assert h["best_epoch"] == [1]
    for k, v in m.state_dict().items():
        np.testing.assert_array_equal(np.asarray(v), weights[1][k])
    assert h["lr"] == [0.05 * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * e / 4))) for e in range(4)]
    _, plain = _train(tmp_path / "plain")  # the default: a cosine decay to zero, as before
    assert plain["lr"] == [0.05 * 0.5 * (1 + math.cos(math.pi * e / 4)) for e in range(4)]
