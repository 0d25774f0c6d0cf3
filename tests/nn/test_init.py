"""Initializers: distribution statistics, fans and gains as PyTorch, orthogonality, symmetry."""

import math

import numpy as np
import pytest
import torch

import deepgrad as dg
import deepgrad.nn as nn
from deepgrad.nn import init


def param(*shape):
    return nn.Parameter(np.empty(shape, dtype=np.float32))


@pytest.mark.parametrize("shape", [(30, 20), (32, 16, 3, 3), (8, 4, 5)])
def test_fans_match_torch(shape):
    ours = init._calculate_fan_in_and_fan_out(param(*shape))
    theirs = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    assert ours == theirs


@pytest.mark.parametrize(
    "args", [("linear",), ("sigmoid",), ("tanh",), ("relu",), ("leaky_relu", 0.2), ("selu",)]
)
def test_calculate_gain_matches_torch(args):
    assert init.calculate_gain(*args) == pytest.approx(torch.nn.init.calculate_gain(*args))


def _stats(fn, shape, *args, **kw):
    dg.manual_seed(0)
    p = param(*shape)
    out = fn(p, *args, **kw)
    assert out is p and p.dtype == np.float32
    return p.data


FAN_IN, FAN_OUT = 400, 600  # weight (600, 400)


def test_xavier_uniform_and_normal():
    w = _stats(init.xavier_uniform_, (FAN_OUT, FAN_IN))
    bound = math.sqrt(6 / (FAN_IN + FAN_OUT))
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    assert w.std() == pytest.approx(math.sqrt(2 / (FAN_IN + FAN_OUT)), rel=0.01)
    w = _stats(init.xavier_normal_, (FAN_OUT, FAN_IN), gain=2.0)
    assert w.std() == pytest.approx(2 * math.sqrt(2 / (FAN_IN + FAN_OUT)), rel=0.01)
    assert abs(w.mean()) < 0.01 * w.std() * 10


def test_kaiming_uniform_and_normal():
    w = _stats(init.kaiming_uniform_, (FAN_OUT, FAN_IN), nonlinearity="relu")
    assert np.abs(w).max() <= math.sqrt(6 / FAN_IN)
    assert w.std() == pytest.approx(math.sqrt(2 / FAN_IN), rel=0.01)
    w = _stats(init.kaiming_normal_, (FAN_OUT, FAN_IN), mode="fan_out", nonlinearity="relu")
    assert w.std() == pytest.approx(math.sqrt(2 / FAN_OUT), rel=0.01)
    w = _stats(init.kaiming_normal_, (64, 32, 3, 3), nonlinearity="relu")
    assert w.std() == pytest.approx(math.sqrt(2 / (32 * 9)), rel=0.02)
    with pytest.raises(ValueError, match="mode must be"):
        init.kaiming_normal_(param(3, 3), mode="fan_sideways")


def test_keras_he_normal_is_truncated_with_the_right_std():
    w = _stats(init.he_normal_, (FAN_OUT, FAN_IN))
    std = math.sqrt(2 / FAN_IN)
    assert w.std() == pytest.approx(std, rel=0.02)
    assert np.abs(w).max() <= 2 * std / 0.87962566103423978 + 1e-7


def test_normal_uniform_constant():
    w = _stats(init.normal_, (500, 400), 1.0, 0.5)
    assert w.mean() == pytest.approx(1.0, abs=0.005) and w.std() == pytest.approx(0.5, rel=0.01)
    w = _stats(init.uniform_, (500, 400), -2.0, 4.0)
    assert w.min() >= -2 and w.max() < 4 and w.mean() == pytest.approx(1.0, abs=0.01)
    assert np.all(_stats(init.constant_, (3, 4), 0.3) == np.float32(0.3))
    assert np.all(_stats(init.zeros_, (3, 4)) == 0) and np.all(_stats(init.ones_, (3,)) == 1)


@pytest.mark.parametrize("shape", [(20, 50), (50, 20), (16, 8, 3, 3), (30, 30)])
def test_orthogonal(shape):
    w = _stats(init.orthogonal_, shape, gain=2.0).reshape(shape[0], -1).astype(np.float64)
    rows, cols = w.shape
    gram = w @ w.T if rows <= cols else w.T @ w
    np.testing.assert_allclose(gram, 4.0 * np.eye(min(rows, cols)), atol=1e-5)


def test_seeded_and_explicit_generator_reproducible():
    a = _stats(init.xavier_uniform_, (5, 4))
    b = _stats(init.xavier_uniform_, (5, 4))
    np.testing.assert_array_equal(a, b)
    g1, g2 = np.random.default_rng(3), np.random.default_rng(3)
    np.testing.assert_array_equal(
        init.normal_(param(4, 4), generator=g1).data, init.normal_(param(4, 4), generator=g2).data
    )


def test_get_initializer_keras_names():
    assert init.get_initializer("glorot_uniform") is init.xavier_uniform_
    for name in ("he_normal", "he_uniform", "lecun_normal", "orthogonal", "zeros", "ones"):
        p = param(6, 5)
        init.get_initializer(name)(p)
        assert np.isfinite(p.data).all()
    with pytest.raises(ValueError, match="unknown initializer 'glorot'"):
        init.get_initializer("glorot")


def _train_steps(w1_init, w2_init, steps=5):
    """A 4-6-3 tanh MLP, a few SGD steps on a fixed batch; returns the first layer's weights."""
    dg.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 3))
    w1_init(model[0].weight)
    init.zeros_(model[0].bias)
    w2_init(model[2].weight)
    init.zeros_(model[2].bias)
    rng = np.random.default_rng(0)
    x = dg.tensor(rng.standard_normal((16, 4)))
    y = dg.tensor(rng.standard_normal((16, 3)))
    for _ in range(steps):
        model.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        with dg.no_grad():
            for p in model.parameters():
                p.data -= 0.5 * p.grad
    hidden = nn.Tanh()(model[0](x)).data
    return model[0].weight.data, model[2].weight.data, hidden


def test_constant_init_symmetry_is_never_broken():
    """The notes' symmetry problem: identical hidden units get identical deltas and updates."""
    w1, w2, hidden = _train_steps(
        lambda w: init.constant_(w, 0.3), lambda w: init.constant_(w, 0.2)
    )
    assert not np.allclose(w1, 0.3)  # the weights did move...
    np.testing.assert_allclose(w1, np.broadcast_to(w1[0], w1.shape), rtol=1e-6)  # ...in lockstep
    np.testing.assert_allclose(hidden, np.broadcast_to(hidden[:, :1], hidden.shape), rtol=1e-6)
    np.testing.assert_allclose(w2, np.broadcast_to(w2[:, :1], w2.shape), rtol=1e-6)


def test_zero_init_first_layer_never_learns():
    w1, w2, _ = _train_steps(init.zeros_, init.zeros_)
    np.testing.assert_array_equal(w1, 0)  # delta through a zero W2 is zero: W1 is stuck


def test_random_init_breaks_symmetry():
    w1, _, hidden = _train_steps(init.xavier_uniform_, init.xavier_uniform_)
    assert np.std(hidden, axis=1).min() > 1e-3  # the hidden units differ
    assert np.linalg.matrix_rank(w1) == 4
