"""Loss classes against torch.nn (values and input gradients), Keras names and conventions."""

import numpy as np
import pytest
import torch

import deepgrad as dg
import deepgrad.nn as nn
from parity.modules import has_op

needs = lambda *ops: pytest.mark.skipif(not has_op(*ops), reason=f"F.{ops} not landed yet")


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def compare(ours, theirs, x, target, *, rtol=1e-5, atol=1e-6, gradcheck=True):
    """Same loss and same d loss / d input as torch (float32), and a float64 gradcheck."""
    xd = dg.Tensor(x, requires_grad=True)
    xt = torch.from_numpy(x.copy()).requires_grad_(True)
    ld = ours(xd, target)
    lt = theirs(xt, torch.from_numpy(np.asarray(target)))
    assert ld.dtype == np.float32, f"loss dtype {ld.dtype}"
    np.testing.assert_allclose(ld.data, lt.detach().numpy(), rtol=rtol, atol=atol)
    up = rand(*ld.shape, seed=5) if ld.ndim else np.float32(1.0)
    ld.backward(up)
    lt.backward(torch.as_tensor(up))
    assert xd.grad.dtype == np.float32
    np.testing.assert_allclose(xd.grad, xt.grad.numpy(), rtol=rtol, atol=atol * 10)
    if gradcheck:
        t64 = target.astype(np.float64) if target.dtype.kind == "f" else target
        dg.gradcheck(lambda v: ours(v, t64), x.astype(np.float64))


@needs("mse_loss", "l1_loss", "huber_loss")
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_regression_losses(reduction):
    x, t = rand(4, 3), rand(4, 3, seed=1)
    compare(nn.MSELoss(reduction), torch.nn.MSELoss(reduction=reduction), x, t)
    compare(nn.L1Loss(reduction), torch.nn.L1Loss(reduction=reduction), x, t)
    compare(
        nn.HuberLoss(reduction, delta=0.7),
        torch.nn.HuberLoss(reduction=reduction, delta=0.7),
        x,
        t,
    )


@needs("binary_cross_entropy", "binary_cross_entropy_with_logits")
def test_binary_cross_entropies():
    z = rand(6, 2)
    p = 1 / (1 + np.exp(-z))
    y = (rand(6, 2, seed=1) > 0).astype(np.float32)
    w = np.array([0.5, 2.0], np.float32)
    compare(nn.BCELoss(), torch.nn.BCELoss(), p, y)
    compare(nn.BCELoss(weight=w), torch.nn.BCELoss(weight=torch.from_numpy(w)), p, y)
    compare(
        nn.BCEWithLogitsLoss(pos_weight=w, reduction="sum"),
        torch.nn.BCEWithLogitsLoss(pos_weight=torch.from_numpy(w), reduction="sum"),
        z,
        y,
    )


@needs("cross_entropy", "nll_loss", "log_softmax")
@pytest.mark.parametrize(
    "kw",
    [{}, {"reduction": "sum"}, {"label_smoothing": 0.1}, {"ignore_index": 2}, {"weight": "w"}],
    ids=str,
)
def test_cross_entropy_sparse_labels(kw):
    x = rand(8, 5)
    y = np.array([0, 4, 2, 1, 2, 3, 3, 0])
    kw_t = dict(kw)
    if kw.get("weight") == "w":
        w = np.linspace(0.5, 2, 5).astype(np.float32)
        kw, kw_t = {"weight": w}, {"weight": torch.from_numpy(w)}
    compare(nn.CrossEntropyLoss(**kw), torch.nn.CrossEntropyLoss(**kw_t), x, y)


@needs("cross_entropy", "log_softmax")
def test_cross_entropy_probability_and_onehot_targets():
    x = rand(6, 4)
    probs = np.random.default_rng(2).dirichlet(np.ones(4), 6).astype(np.float32)
    compare(nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss(), x, probs)
    onehot = np.eye(4, dtype=np.float32)[[0, 1, 3, 2, 2, 1]]
    compare(
        nn.CrossEntropyLoss(label_smoothing=0.2),
        torch.nn.CrossEntropyLoss(label_smoothing=0.2),
        x,
        onehot,
    )
    w = np.array([1, 2, 0.5, 1], np.float32)
    compare(nn.CrossEntropyLoss(weight=w), torch.nn.CrossEntropyLoss(torch.from_numpy(w)), x, probs)
    with pytest.raises(ValueError, match="must have the input's shape"):
        nn.CrossEntropyLoss()(dg.tensor(x), probs[:, :3])


@needs("cross_entropy", "nll_loss", "log_softmax")
def test_cross_entropy_spatial_input():
    x = rand(2, 3, 4, 5)
    y = np.random.default_rng(0).integers(0, 3, (2, 4, 5))
    compare(nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss(), x, y)


@needs("nll_loss", "log_softmax", "softmax")
def test_keras_crossentropies_take_probabilities():
    z = rand(5, 4)
    y = np.array([3, 0, 1, 1, 2])
    probs = dg.functional.softmax(dg.tensor(z), 1)
    expected = torch.nn.functional.cross_entropy(torch.from_numpy(z), torch.from_numpy(y)).item()
    sparse = nn.get_loss("sparse_categorical_crossentropy")
    assert sparse(y, probs).item() == pytest.approx(expected, rel=1e-5)
    onehot = np.eye(4, dtype=np.float32)[y]
    cat = nn.get_loss("categorical_crossentropy")
    assert cat(onehot, probs).item() == pytest.approx(expected, rel=1e-5)
    assert nn.get_loss("categorical_crossentropy", from_logits=True)(onehot, z).item() == (
        pytest.approx(expected, rel=1e-5)
    )
    # Keras clips probabilities at 1e-7: a confident mistake costs -log(1e-7), not infinity
    hard = np.array([[1.0, 0.0]], np.float32)
    assert cat(np.array([[0.0, 1.0]], np.float32), hard).item() == pytest.approx(
        -np.log(1e-7), rel=1e-4
    )


@needs("binary_cross_entropy_with_logits")
def test_keras_binary_crossentropy():
    z = rand(6, 1)
    y = (rand(6, 1, seed=3) > 0).astype(np.float32)
    expected = torch.nn.functional.binary_cross_entropy_with_logits(
        torch.from_numpy(z), torch.from_numpy(y)
    ).item()
    p = 1 / (1 + np.exp(-z))
    assert nn.get_loss("binary_crossentropy")(y, p).item() == pytest.approx(expected, rel=1e-5)
    logits_loss = nn.get_loss("binary_crossentropy", from_logits=True)
    assert logits_loss(y, z).item() == pytest.approx(expected, rel=1e-5)


@needs("nll_loss")
def test_nll_loss():
    x = np.log(np.random.default_rng(0).dirichlet(np.ones(5), 7)).astype(np.float32)
    y = np.array([0, 1, 2, 3, 4, 0, 1])
    compare(nn.NLLLoss(), torch.nn.NLLLoss(), x, y)


def test_hinge_loss_keras_formula():
    s = rand(6, 3)
    y01 = (rand(6, 3, seed=1) > 0).astype(np.float32)
    ypm = 2 * y01 - 1
    expected = np.maximum(0, 1 - ypm * s).mean()
    assert nn.HingeLoss()(s, y01).item() == pytest.approx(expected, rel=1e-6)
    assert nn.get_loss("hinge")(ypm, s).item() == pytest.approx(expected, rel=1e-6)
    sq = nn.get_loss("squared_hinge")(ypm, s).item()
    assert sq == pytest.approx((np.maximum(0, 1 - ypm * s) ** 2).mean(), rel=1e-6)
    # torch's MultiLabelSoftMargin is different; compare the gradient with autograd in torch
    xt = torch.from_numpy(s).requires_grad_(True)
    torch.clamp(1 - torch.from_numpy(ypm) * xt, min=0).mean().backward()
    xd = dg.Tensor(s, requires_grad=True)
    nn.HingeLoss()(xd, ypm).backward()
    np.testing.assert_allclose(xd.grad, xt.grad.numpy(), rtol=1e-6)


def _torch_softmax_focal(x, y, gamma, alpha=None):
    logp = torch.log_softmax(x, 1).gather(1, y[:, None])[:, 0]
    loss = -((1 - logp.exp()) ** gamma) * logp
    if alpha is not None:
        loss = loss * torch.as_tensor(alpha)[y] if np.ndim(alpha) else loss * alpha
    return loss.mean()


def _torch_sigmoid_focal(x, t, gamma=2.0, alpha=0.25):  # torchvision.ops.sigmoid_focal_loss
    p = torch.sigmoid(x)
    ce = torch.nn.functional.binary_cross_entropy_with_logits(x, t, reduction="none")
    p_t = p * t + (1 - p) * (1 - t)
    loss = ce * (1 - p_t) ** gamma
    return (loss * (alpha * t + (1 - alpha) * (1 - t))).mean()


@needs("log_softmax", "gather")
@pytest.mark.parametrize("gamma, alpha", [(2.0, None), (0.5, 0.25), (2.0, [0.1, 0.2, 0.3, 0.4])])
def test_focal_loss_softmax_form(gamma, alpha):
    x = rand(8, 4)
    y = np.array([0, 1, 2, 3, 3, 2, 1, 0])
    compare(
        nn.FocalLoss(alpha=alpha, gamma=gamma),
        lambda a, b: _torch_softmax_focal(a, b, gamma, alpha),
        x,
        y,
    )


@needs("binary_cross_entropy_with_logits", "sigmoid")
def test_focal_loss_sigmoid_form_matches_torchvision_formula():
    x = rand(6, 3)
    t = (rand(6, 3, seed=1) > 0).astype(np.float32)
    compare(nn.FocalLoss(alpha=0.25, gamma=2.0), _torch_sigmoid_focal, x, t)


@needs("cross_entropy", "log_softmax", "gather")
def test_focal_loss_with_gamma_zero_is_cross_entropy():
    x, y = rand(8, 4), np.array([0, 1, 2, 3, 3, 2, 1, 0])
    ce = nn.CrossEntropyLoss()(x, y).item()
    assert nn.FocalLoss(alpha=None, gamma=0.0)(x, y).item() == pytest.approx(ce, rel=1e-6)


def test_get_loss_names_and_errors():
    # Keras' names give Keras' losses, PyTorch's class names and deepgrad's short names PyTorch's
    assert isinstance(nn.get_loss("mse"), nn.MeanSquaredError)
    assert isinstance(nn.get_loss("MSE"), nn.MeanSquaredError)
    assert isinstance(nn.get_loss("mae"), nn.MeanAbsoluteError)
    assert nn.get_loss("huber", delta=2.0).delta == 2.0
    assert isinstance(nn.get_loss("bce"), nn.BinaryCrossentropy)
    assert isinstance(nn.get_loss("BinaryCrossentropy"), nn.BinaryCrossentropy)
    assert isinstance(nn.get_loss("sparse_categorical_crossentropy"),
                      nn.SparseCategoricalCrossentropy)
    assert isinstance(nn.get_loss("mseloss"), nn.MSELoss)
    assert isinstance(nn.get_loss("l1"), nn.L1Loss)
    assert isinstance(nn.get_loss("bce_with_logits"), nn.BCEWithLogitsLoss)
    assert isinstance(nn.get_loss("cross_entropy"), nn.CrossEntropyLoss)
    assert not nn.get_loss("sparse_categorical_crossentropy").from_logits
    assert nn.get_loss("cross_entropy").from_logits
    with pytest.raises(ValueError, match="unknown loss 'msee'"):
        nn.get_loss("msee")
    with pytest.raises(ValueError, match="reduction must be"):
        nn.MSELoss(reduction="avg")
    assert repr(nn.CrossEntropyLoss()) == "CrossEntropyLoss()"
