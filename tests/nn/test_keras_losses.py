"""Keras' losses: values and gradients against PyTorch, Keras' (y_true, y_pred) order, the
squeeze/expand of a last dim of 1, sample weights and reductions."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import deepgrad as dg
import deepgrad.nn as nn
from deepgrad.nn import keras_losses as K
from parity import check

EPS = 1e-7


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def probs(*shape, seed=0):
    return np.random.default_rng(seed).uniform(0.05, 0.95, shape).astype(np.float32)


def softmax_np(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return (e / e.sum(-1, keepdims=True)).astype(np.float32)


def th(a):
    return torch.from_numpy(np.asarray(a))


Y_REG = rand(6, 3, seed=1)
Y_POS = np.abs(rand(6, 3, seed=2)) + 0.1
Y_PM = np.where(rand(6, 3, seed=3) > 0, 1.0, -1.0).astype(np.float32)
Y_01 = (rand(6, 3, seed=4) > 0).astype(np.float32)
Y_DIST = softmax_np(rand(6, 3, seed=5))

# (Keras loss, y_true, y_pred, the same loss written in torch)
CASES = {
    "mse": (K.MeanSquaredError(), Y_REG, rand(6, 3), lambda p, t: TF.mse_loss(p, t)),
    "mae": (K.MeanAbsoluteError(), Y_REG, rand(6, 3), lambda p, t: TF.l1_loss(p, t)),
    "mape": (K.MeanAbsolutePercentageError(), Y_POS, rand(6, 3),
             lambda p, t: 100 * ((t - p) / t.abs().clamp(min=EPS)).abs().mean()),
    "msle": (K.MeanSquaredLogarithmicError(), Y_POS, np.abs(rand(6, 3)) + 0.1,
             lambda p, t: ((p.clamp(min=EPS) + 1).log() - (t.clamp(min=EPS) + 1).log())
             .pow(2).mean()),
    "huber": (K.Huber(delta=0.7), Y_REG, rand(6, 3), lambda p, t: TF.huber_loss(p, t, delta=0.7)),
    "log_cosh": (K.LogCosh(), Y_REG, rand(6, 3), lambda p, t: torch.log(torch.cosh(p - t)).mean()),
    "hinge": (K.Hinge(), Y_PM, rand(6, 3), lambda p, t: (1 - t * p).clamp(min=0).mean()),
    "hinge01": (K.Hinge(), Y_01, rand(6, 3),
                lambda p, t: (1 - (2 * t - 1) * p).clamp(min=0).mean()),
    "squared_hinge": (K.SquaredHinge(), Y_PM, rand(6, 3),
                      lambda p, t: (1 - t * p).clamp(min=0).pow(2).mean()),
    "categorical_hinge": (K.CategoricalHinge(), np.eye(3, dtype=np.float32)[[0, 1, 2, 2, 1, 0]],
                          rand(6, 3),
                          lambda p, t: ((1 - t) * p).amax(-1).sub((t * p).sum(-1)).add(1)
                          .clamp(min=0).mean()),
    "kld": (K.KLDivergence(), Y_DIST, softmax_np(rand(6, 3)),
            lambda p, t: TF.kl_div(p.clamp(EPS, 1).log(), t.clamp(EPS, 1), reduction="batchmean")),
    "poisson": (K.Poisson(), Y_POS, Y_POS + probs(6, 3),
                lambda p, t: TF.poisson_nll_loss(p, t, log_input=False, eps=EPS)),
    "bce": (K.BinaryCrossentropy(), Y_01, probs(6, 3),
            lambda p, t: TF.binary_cross_entropy(p, t)),
    "bce_logits": (K.BinaryCrossentropy(from_logits=True), Y_01, rand(6, 3),
                   lambda p, t: TF.binary_cross_entropy_with_logits(p, t)),
    "bce_smooth": (K.BinaryCrossentropy(label_smoothing=0.2), Y_01, probs(6, 3),
                   lambda p, t: TF.binary_cross_entropy(p, t * 0.8 + 0.1)),
    "cce": (K.CategoricalCrossentropy(), Y_DIST, probs(6, 3),
            lambda p, t: -(t * (p / p.sum(-1, keepdim=True)).log()).sum(-1).mean()),
    "cce_logits": (K.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1), Y_DIST,
                   rand(6, 3), lambda p, t: TF.cross_entropy(p, t, label_smoothing=0.1)),
    "cosine": (K.CosineSimilarity(), Y_REG, rand(6, 3),
               lambda p, t: -TF.cosine_similarity(p, t, dim=-1, eps=0).mean()),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_keras_loss_matches_torch_values_and_gradients(name):
    loss, y_true, y_pred, ref = CASES[name]
    check(lambda p: loss(y_true, p), lambda p: ref(p, th(y_true)), [y_pred],
          rtol=1e-5, atol=1e-6, gradcheck_atol=1e-4)


def test_sparse_categorical_crossentropy_labels_and_class_axis_last():
    z = rand(5, 4)
    y = np.array([3, 0, 1, 1, 2])
    loss = K.SparseCategoricalCrossentropy(from_logits=True)
    check(lambda p: loss(y, p), lambda p: TF.cross_entropy(p, th(y)), [z])
    # (N, 1) labels and whole-number float labels mean the same; probabilities by default
    p = softmax_np(z)
    expected = TF.cross_entropy(th(z), th(y)).item()
    for labels in (y[:, None], y.astype(np.float32), y[:, None].astype(np.float32)):
        assert nn.SparseCategoricalCrossentropy()(labels, p).item() == pytest.approx(
            expected, rel=1e-5)
    # Keras puts the classes last: (N, T, C) scores with (N, T) labels
    z3 = rand(2, 5, 4)
    y3 = np.random.default_rng(0).integers(0, 4, (2, 5))
    check(lambda q: loss(y3, q), lambda q: TF.cross_entropy(q.permute(0, 2, 1), th(y3)), [z3])


def test_dense1_output_pairs_with_flat_labels_sample_by_sample():
    """The issue-23 bug: (N, 1) predictions against (N,) labels must not broadcast to N x N."""
    p = probs(8, 1)
    y = (rand(8, seed=9) > 0).astype(np.float32)
    want_mse = TF.mse_loss(th(p[:, 0]), th(y)).item()
    broadcast = np.mean((p - y[None, :]) ** 2)  # what the N x N broadcast gives
    assert abs(want_mse - broadcast) > 1e-3
    for y_true, y_pred in ((y, p), (y[:, None], p), (y, p[:, 0]), (y[:, None], p[:, 0])):
        assert nn.get_loss("mse")(y_true, y_pred).item() == pytest.approx(want_mse, rel=1e-6)
    want_bce = TF.binary_cross_entropy(th(p[:, 0]), th(y)).item()
    assert nn.get_loss("binary_crossentropy")(y, p).item() == pytest.approx(want_bce, rel=1e-6)
    assert nn.get_loss("bce")(y.astype(np.int64), p).item() == pytest.approx(want_bce, rel=1e-6)
    # PyTorch's name keeps PyTorch's behaviour: a warning and the broadcast value, as torch
    with pytest.warns(UserWarning, match="broadcast"):
        torch_named = nn.MSELoss()(p, y).item()
    with pytest.warns(UserWarning):
        assert torch_named == pytest.approx(TF.mse_loss(th(p), th(y)).item(), rel=1e-6)


def test_sample_weight_and_reductions_follow_keras():
    y, p = Y_REG, rand(6, 3)
    per_sample = TF.mse_loss(th(p), th(y), reduction="none").mean(-1).numpy()
    w = np.array([1.0, 0.0, 2.0, 0.5, 1.0, 3.0], np.float32)
    mse = K.MeanSquaredError
    np.testing.assert_allclose(mse(reduction="none")(y, p).data, per_sample, rtol=1e-6)
    assert mse()(y, p, sample_weight=w).item() == pytest.approx((per_sample * w).sum() / 6,
                                                                  rel=1e-6)
    assert mse(reduction="sum")(y, p, sample_weight=w).item() == pytest.approx(
        (per_sample * w).sum(), rel=1e-6)
    assert mse(reduction="mean_with_sample_weight")(y, p, sample_weight=w).item() == (
        pytest.approx((per_sample * w).sum() / w.sum(), rel=1e-6))
    assert mse()(y, p, sample_weight=w[:, None]).item() == pytest.approx(
        (per_sample * w).sum() / 6, rel=1e-6)


def test_clear_errors_for_shapes_keras_cannot_pair():
    with pytest.raises(ValueError, match=r"mean_squared_error: y_true has shape \(6,\)"):
        K.MeanSquaredError()(np.zeros(6, np.float32), rand(6, 3))
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy"):
        K.CategoricalCrossentropy()(np.array([0, 1, 2]), probs(3, 3))
    with pytest.raises(ValueError, match=r"labels must be in \[0, 3\)"):
        K.SparseCategoricalCrossentropy()(np.array([0, 3]), probs(2, 3))
    with pytest.raises(ValueError, match="whole numbers"):
        K.SparseCategoricalCrossentropy()(np.array([0.5, 1.0]), probs(2, 3))
    with pytest.raises(ValueError, match="reduction must be one of"):
        K.MeanSquaredError(reduction="avg")


def test_names_config_and_repr():
    assert nn.get_loss("kld").name == "kl_divergence"
    assert nn.get_loss("huber").name == "huber_loss"
    assert nn.get_loss("mse").name == "mean_squared_error"
    bce = nn.BinaryCrossentropy(from_logits=True, label_smoothing=0.1)
    again = type(bce)(**bce.get_config())
    y, z = Y_01, rand(6, 3)
    assert again(y, z).item() == bce(y, z).item()
    assert "from_logits=True" in repr(bce)
    assert nn.get_loss("binary_crossentropy").keras_order
    assert not getattr(nn.get_loss("cross_entropy"), "keras_order", False)
    loss = nn.get_loss("mse")
    out = loss(dg.tensor(Y_REG), dg.tensor(rand(6, 3), requires_grad=True))
    assert out.dtype == np.float32 and out.ndim == 0
