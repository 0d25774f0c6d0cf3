"""Losses: parity with torch.nn.functional (forward + gradients in float32) and gradcheck."""

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import deepgrad as dg
import deepgrad.functional as F
from parity import check, randn

REDUCTIONS = ["none", "mean", "sum"]


def _labels(shape, c, seed=0, ignore=None, n_ignored=0):
    y = np.random.default_rng(seed).integers(0, c, size=shape).astype(np.int64)
    if n_ignored:
        flat = y.reshape(-1)
        flat[: min(n_ignored, flat.size - 1) if flat.size > 1 else 0] = ignore
    return y


# (input shape, target shape): 2-D, batch 1, unbatched (C,), N-D (N, C, d1) and (N, C, d1, d2)
INDEX_SHAPES = [
    ((5, 4), (5,)),
    ((1, 3), (1,)),
    ((4,), ()),
    ((2, 3, 4), (2, 4)),
    ((2, 3, 2, 2), (2, 2, 2)),
]
CLASS_WEIGHT = {
    3: np.array([0.5, 2.0, 1.25], np.float32),
    4: np.array([0.3, 1.0, 2.0, 0.7], np.float32),
}


def _ignore_setup(ignore, x_shape, y_shape, seed):
    """ignore: None (no ignored targets), 'default' (-100 present), 'custom' (a real class)."""
    c = x_shape[1] if len(x_shape) > 1 else x_shape[0]
    if ignore is None:
        return {}, _labels(y_shape, c, seed)
    if ignore == "default":
        return {}, _labels(y_shape, c, seed, ignore=-100, n_ignored=2)
    y = _labels(y_shape, c, seed)
    return {"ignore_index": int(y.reshape(-1)[0])}, y


@pytest.mark.parametrize("shapes", INDEX_SHAPES, ids=lambda s: str(s[0]))
@pytest.mark.parametrize(
    "reduction,weighted,ignore,smoothing",
    list(itertools.product(REDUCTIONS, [False, True], [None, "default", "custom"], [0.0, 0.15])),
)
def test_cross_entropy_index_targets(shapes, reduction, weighted, ignore, smoothing):
    x_shape, y_shape = shapes
    c = x_shape[1] if len(x_shape) > 1 else x_shape[0]
    kw, y = _ignore_setup(ignore, x_shape, y_shape, seed=len(x_shape))
    if y.ndim == 0 and ignore == "default":
        y = np.array(-100)
    kw.update(reduction=reduction, label_smoothing=smoothing)
    w = CLASS_WEIGHT[c] if weighted else None
    dg_w = None if w is None else dg.Tensor(w)
    th_w = None if w is None else torch.from_numpy(w)
    x = randn(*x_shape, seed=7, scale=2.0)
    all_ignored = ignore == "default" and y.ndim == 0
    check(
        lambda a, t: F.cross_entropy(a, t, dg_w, **kw),
        lambda a, t: TF.cross_entropy(a, t, th_w, **kw),
        [x, y],
        gradcheck=not (all_ignored and reduction == "mean"),  # nan
        rtol=2e-5,
        atol=2e-6,
    )


@pytest.mark.parametrize("shapes", INDEX_SHAPES, ids=lambda s: str(s[0]))
@pytest.mark.parametrize(
    "reduction,weighted,ignore",
    list(itertools.product(REDUCTIONS, [False, True], [None, "default", "custom"])),
)
def test_nll_loss(shapes, reduction, weighted, ignore):
    x_shape, y_shape = shapes
    c = x_shape[1] if len(x_shape) > 1 else x_shape[0]
    kw, y = _ignore_setup(ignore, x_shape, y_shape, seed=len(x_shape) + 1)
    if y.ndim == 0 and ignore == "default":
        y = np.array(1)
    kw.update(reduction=reduction)
    w = CLASS_WEIGHT[c] if weighted else None
    dg_w = None if w is None else dg.Tensor(w)
    th_w = None if w is None else torch.from_numpy(w)
    logp = torch.log_softmax(
        torch.from_numpy(randn(*x_shape, seed=5)), 1 if len(x_shape) > 1 else 0
    )
    check(
        lambda a, t: F.nll_loss(a, t, dg_w, **kw),
        lambda a, t: TF.nll_loss(a, t, th_w, **kw),
        [logp.numpy(), y],
    )


@pytest.mark.parametrize("shape", [(4, 5), (5,), (1, 3), (2, 3, 2, 2)])
@pytest.mark.parametrize(
    "reduction,weighted,smoothing", list(itertools.product(REDUCTIONS, [False, True], [0.0, 0.2]))
)
def test_cross_entropy_probability_targets(shape, reduction, weighted, smoothing):
    c = shape[1] if len(shape) > 1 else shape[0]
    cw = {5: np.array([0.2, 1.0, 2.0, 0.5, 1.5], np.float32), **CLASS_WEIGHT}
    w = cw[c] if weighted else None
    dg_w = None if w is None else dg.Tensor(w)
    th_w = None if w is None else torch.from_numpy(w)
    x = randn(*shape, seed=3, scale=2.0)
    probs = torch.softmax(torch.from_numpy(randn(*shape, seed=4)), 1 if len(shape) > 1 else 0)
    kw = dict(reduction=reduction, label_smoothing=smoothing)
    check(
        lambda a, t: F.cross_entropy(a, t, dg_w, **kw),
        lambda a, t: TF.cross_entropy(a, t, th_w, **kw),
        [x, probs.numpy()],
    )


def test_cross_entropy_noncontiguous_logits():
    y = _labels((6,), 5, seed=1)
    check(
        lambda a, t: F.cross_entropy(a, t, label_smoothing=0.1),
        lambda a, t: TF.cross_entropy(a, t, label_smoothing=0.1),
        [randn(6, 5, seed=2), y],
        noncontiguous=True,
    )
    for view in (randn(3, 4, seed=2).T, randn(4, 6, seed=2)[:, ::-2]):  # strided views as-is
        labels = y[:4] % 3
        dx = dg.Tensor(view, requires_grad=True)
        tx = torch.tensor(np.ascontiguousarray(view), requires_grad=True)
        ld = F.cross_entropy(dx, dg.Tensor(labels), label_smoothing=0.2)
        lt = TF.cross_entropy(tx, torch.from_numpy(labels), label_smoothing=0.2)
        ld.backward()
        lt.backward()
        np.testing.assert_allclose(ld.item(), lt.item(), rtol=1e-6)
        np.testing.assert_allclose(dx.grad, tx.grad.numpy(), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("smoothing", [0.0, 0.1])
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_extreme_logits(smoothing, weighted):
    inf = np.inf
    x = np.array(
        [
            [1e30, -1e30, 0.0, 5.0],
            [-1e30, -1e30, -1e30, -1e30],
            [-inf, 0.0, 1.0, -inf],
            [88.0, 89.0, 90.0, -200.0],
            [3e38, -3e38, 1.0, 2.0],
        ],
        np.float32,
    )
    y = np.array([1, 2, 2, 0, 0])
    w = np.array([0.5, 1.0, 2.0, 1.5], np.float32) if weighted else None
    for reduction in REDUCTIONS:
        dx, tx = dg.Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        kw = dict(reduction=reduction, label_smoothing=smoothing)
        ld = F.cross_entropy(dx, dg.Tensor(y), None if w is None else dg.Tensor(w), **kw)
        lt = TF.cross_entropy(
            tx, torch.from_numpy(y), None if w is None else torch.from_numpy(w), **kw
        )
        np.testing.assert_allclose(ld.data, lt.detach().numpy(), rtol=1e-5)
        up = np.asarray(randn(*ld.shape, seed=1))
        (ld * dg.Tensor(up)).sum().backward()
        (lt * torch.tensor(up)).sum().backward()
        assert np.all(np.isfinite(dx.grad))
        np.testing.assert_allclose(dx.grad, tx.grad.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("offset", [59.0, 75.0, -75.0, 1e4])
@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_cross_entropy_large_logits_both_exp_paths(offset, smoothing):
    """Rows whose max is beyond +-60 take the max-shifted path; others exp(x) directly."""
    x = randn(4, 5, seed=3, scale=2.0)
    x[1] += offset  # one row far from 0, the others near it
    for fn, th in [(F.cross_entropy, TF.cross_entropy), (F.focal_loss, _torch_focal)]:
        kw = {"label_smoothing": smoothing} if fn is F.cross_entropy else {"gamma": 2.0}
        if fn is F.focal_loss and smoothing:
            continue
        check(
            lambda a, t, fn=fn, kw=kw: fn(a, t, **kw),
            lambda a, t, th=th, kw=kw: th(a, t, **kw),
            [x, np.array([0, 1, 2, 3])],
            gradcheck=abs(offset) < 1e3,  # float64 finite differences need moderate logits
        )
    probs = torch.softmax(torch.from_numpy(randn(4, 5, seed=4)), 1).numpy()
    check(
        lambda a, t: F.cross_entropy(a, t, label_smoothing=smoothing),
        lambda a, t: TF.cross_entropy(a, t, label_smoothing=smoothing),
        [x, probs],
        gradcheck=abs(offset) < 1e3,
    )


def test_float32_logits_int64_labels_stay_float32():
    x = dg.Tensor(randn(8, 6), requires_grad=True)
    for labels in (np.arange(8) % 6, (np.arange(8) % 6).astype(np.int32)):
        for kw in (
            {},
            {"label_smoothing": 0.1},
            {"weight": np.linspace(0.5, 2, 6)},  # a float64 weight must not promote
            {"reduction": "none"},
        ):
            x.grad = None
            loss = F.cross_entropy(x, dg.Tensor(labels), **kw)
            assert loss.dtype == np.float32, kw
            loss.sum().backward()
            assert x.grad.dtype == np.float32, kw
    for fn in (F.nll_loss, F.focal_loss):
        x.grad = None
        loss = fn(x, dg.Tensor(np.arange(8) % 6))
        loss.backward()
        assert loss.dtype == np.float32 and x.grad.dtype == np.float32


def test_cross_entropy_retain_graph_second_backward():
    x = dg.Tensor(randn(4, 5), requires_grad=True)
    loss = F.cross_entropy(x, dg.Tensor(np.array([0, 1, 2, 3])), label_smoothing=0.1)
    loss.backward(retain_graph=True)
    first = x.grad.copy()
    loss.backward()
    np.testing.assert_allclose(x.grad, 2 * first, rtol=1e-6)


def test_cross_entropy_errors():
    x = dg.Tensor(randn(4, 5), requires_grad=True)
    with pytest.raises(ValueError, match=r"cross_entropy: target has shape \(3,\).*\(4,\)"):
        F.cross_entropy(x, dg.Tensor(np.zeros(3, np.int64)))
    with pytest.raises(TypeError, match="cross_entropy: float targets must be class prob"):
        F.cross_entropy(x, dg.Tensor(np.zeros(4, np.float32)))
    with pytest.raises(
        IndexError, match="cross_entropy: target class index 5 is out of range for 5"
    ):
        F.cross_entropy(x, dg.Tensor(np.array([0, 1, 5, 2])))
    with pytest.raises(IndexError, match="index -3 is out of range"):
        F.nll_loss(x, dg.Tensor(np.array([0, 1, -3, 2])))
    with pytest.raises(ValueError, match="reduction must be"):
        F.cross_entropy(x, dg.Tensor(np.zeros(4, np.int64)), reduction="avg")
    with pytest.raises(ValueError, match=r"weight must have shape \(5,\)"):
        F.cross_entropy(x, dg.Tensor(np.zeros(4, np.int64)), np.ones(3, np.float32))
    with pytest.raises(TypeError, match="must be integers"):
        F.nll_loss(x, dg.Tensor(np.zeros(4, np.float32)))
    with pytest.raises(ValueError, match="label_smoothing"):
        F.cross_entropy(x, dg.Tensor(np.zeros(4, np.int64)), label_smoothing=1.5)
    # ignore_index values are never range-checked
    F.cross_entropy(x, dg.Tensor(np.array([0, -100, 4, -100])))


def _torch_focal(x, y, gamma, w=None, reduction="mean", ignore_index=-100):
    logp = torch.log_softmax(x, 1)
    keep = y != ignore_index
    ys = torch.where(keep, y, torch.zeros_like(y))
    lp = logp.gather(1, ys.unsqueeze(1)).squeeze(1)
    wy = (w[ys] if w is not None else torch.ones_like(lp)) * keep
    loss = -((1 - lp.exp()) ** gamma) * lp * wy
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.sum() / wy.sum()


@pytest.mark.parametrize("gamma", [0.0, 0.5, 1.0, 2.0])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_focal_loss(gamma, reduction, weighted):
    y = np.array([0, 3, 2, -100, 1, 3])
    w = CLASS_WEIGHT[4] if weighted else None
    dg_w = None if w is None else dg.Tensor(w)
    th_w = None if w is None else torch.from_numpy(w)
    check(
        lambda a, t: F.focal_loss(a, t, gamma, dg_w, reduction=reduction),
        lambda a, t: _torch_focal(a, t, gamma, th_w, reduction),
        [randn(6, 4, seed=2, scale=2.0), y],
    )


def test_focal_loss_gamma0_is_cross_entropy_and_nd():
    x = dg.Tensor(randn(2, 4, 3, seed=1))
    y = dg.Tensor(_labels((2, 3), 4))
    np.testing.assert_allclose(
        F.focal_loss(x, y, gamma=0).data, F.cross_entropy(x, y).data, rtol=1e-6
    )
    check(
        lambda a, t: F.focal_loss(a, t, 2.0, reduction="none"),
        lambda a, t: _torch_focal(
            a.movedim(1, -1).reshape(-1, 4), t.reshape(-1), 2.0, None, "none"
        ).reshape(2, 3),
        [randn(2, 4, 3, seed=1), _labels((2, 3), 4)],
    )


# ---------------------------------------------------------------- regression and binary losses
def _pair_inputs(shape, seed=0, gap=0.05):
    x, t = randn(*shape, seed=seed), randn(*shape, seed=seed + 1)
    diff = x - t
    x = np.where(np.abs(diff) < gap, x + 4 * gap, x).astype(np.float32)  # away from x = t
    return x, t


def _away_from(x, t, kink, gap=0.05):
    """Move x so that |x - t| stays away from ``kink`` (huber/smooth_l1 switch points)."""
    d = np.abs(x - t)
    return np.where(np.abs(d - kink) < gap, x + np.sign(x - t) * 3 * gap, x).astype(np.float32)


REG_SHAPES = [(1,), (6,), (3, 4), (2, 3, 4)]


@pytest.mark.parametrize("shape", REG_SHAPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "name,dg_fn,th_fn,kink",
    [
        ("mse", F.mse_loss, TF.mse_loss, None),
        ("l1", F.l1_loss, TF.l1_loss, None),
        ("huber", F.huber_loss, TF.huber_loss, 1.0),
        (
            "huber_0.5",
            lambda a, b, reduction: F.huber_loss(a, b, reduction, delta=0.5),
            lambda a, b, reduction: TF.huber_loss(a, b, reduction, delta=0.5),
            0.5,
        ),
        ("smooth_l1", F.smooth_l1_loss, TF.smooth_l1_loss, 1.0),
        (
            "smooth_l1_0.3",
            lambda a, b, reduction: F.smooth_l1_loss(a, b, reduction=reduction, beta=0.3),
            lambda a, b, reduction: TF.smooth_l1_loss(a, b, reduction=reduction, beta=0.3),
            0.3,
        ),
        (
            "smooth_l1_0",
            lambda a, b, reduction: F.smooth_l1_loss(a, b, reduction=reduction, beta=0.0),
            lambda a, b, reduction: TF.smooth_l1_loss(a, b, reduction=reduction, beta=0.0),
            None,
        ),
    ],
)
def test_regression_losses(name, dg_fn, th_fn, kink, shape, reduction):
    x, t = _pair_inputs(shape, seed=len(shape))
    if kink is not None:
        x = _away_from(x, t, kink)
    check(
        lambda a, b: dg_fn(a, b, reduction=reduction),
        lambda a, b: th_fn(a, b, reduction=reduction),
        [x, t],
    )


def test_regression_noncontiguous_and_broadcast():
    x, t = _pair_inputs((4, 5), seed=3)
    check(F.mse_loss, TF.mse_loss, [x, t], noncontiguous=True)
    with pytest.warns(UserWarning, match="mse_loss: target shape"):
        check(F.mse_loss, lambda a, b: TF.mse_loss(a, b), [randn(4, 5), randn(5, seed=2)])
    with pytest.raises(ValueError, match="l1_loss: target shape"):
        F.l1_loss(dg.Tensor(randn(4, 5)), dg.Tensor(randn(3, seed=1)))


def test_regression_target_as_array_keeps_dtype():
    x = dg.Tensor(randn(3, 2), requires_grad=True)
    loss = F.mse_loss(x, np.zeros((3, 2)))  # a float64 target array
    loss.backward()
    assert loss.dtype == np.float32 and x.grad.dtype == np.float32


def _probs(*shape, seed=0):
    return (1 / (1 + np.exp(-randn(*shape, seed=seed)))).astype(np.float32)


@pytest.mark.parametrize("shape", [(1,), (5,), (3, 4), (2, 2, 3)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_cross_entropy(shape, reduction, weighted):
    w = np.linspace(0.5, 2.0, shape[-1]).astype(np.float32) if weighted else None
    dg_w = None if w is None else dg.Tensor(w)
    th_w = None if w is None else torch.from_numpy(w)
    check(
        lambda a, t: F.binary_cross_entropy(a, t, dg_w, reduction=reduction),
        lambda a, t: TF.binary_cross_entropy(a, t, th_w, reduction=reduction),
        [_probs(*shape, seed=1), _probs(*shape, seed=2)],
    )


def test_binary_cross_entropy_saturated_and_errors():
    x = np.array([0.0, 1.0, 1e-30, 1.0 - 1e-7, 0.5], np.float32)
    t = np.array([1.0, 0.0, 1.0, 0.0, 0.5], np.float32)
    # target as a constant: at x in {0, 1} PyTorch's target gradient uses unclamped logs (inf);
    # deepgrad's is the exact derivative of the clamped loss (finite)
    check(
        lambda a: F.binary_cross_entropy(a, dg.Tensor(t)),
        lambda a: TF.binary_cross_entropy(a, torch.from_numpy(t)),
        [x],
        gradcheck=False,
    )
    with pytest.raises(ValueError, match=r"binary_cross_entropy: input must hold probabilities"):
        F.binary_cross_entropy(dg.Tensor(np.array([1.5, 0.2], np.float32)), np.ones(2))
    with pytest.raises(ValueError, match=r"target has shape \(3,\) but input has shape \(2,\)"):
        F.binary_cross_entropy(dg.Tensor(np.array([0.5, 0.2], np.float32)), np.ones(3))


@pytest.mark.parametrize("shape", [(1,), (6,), (3, 4), (2, 3, 4)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "weighted,pos", [(False, False), (True, False), (False, True), (True, True)]
)
def test_bce_with_logits(shape, reduction, weighted, pos):
    c = shape[-1]
    w = np.linspace(0.5, 2.0, c).astype(np.float32) if weighted else None
    pw = np.linspace(0.3, 3.0, c).astype(np.float32) if pos else None

    def call(lib_fn, wrap):
        kw = dict(
            reduction=reduction,
            pos_weight=None if pw is None else wrap(pw),
        )
        return lambda x, t: lib_fn(x, t, None if w is None else wrap(w), **kw)

    # PyTorch does not differentiate weight / pos_weight: constants in the parity check
    check(
        call(F.binary_cross_entropy_with_logits, dg.Tensor),
        call(TF.binary_cross_entropy_with_logits, torch.from_numpy),
        [randn(*shape, seed=1, scale=3.0), _probs(*shape, seed=2)],
    )


def test_bce_with_logits_weight_gradients():
    """deepgrad also differentiates weight and pos_weight: checked by finite differences."""
    for reduction in REDUCTIONS:
        dg.gradcheck(
            lambda x, t, w, pw, r=reduction: F.binary_cross_entropy_with_logits(
                x, t, w, reduction=r, pos_weight=pw
            ),
            randn(3, 4, seed=1, scale=2.0).astype(np.float64),
            _probs(3, 4, seed=2).astype(np.float64),
            np.linspace(0.5, 2.0, 4),
            np.linspace(0.3, 3.0, 4),
        )


def test_bce_with_logits_extreme_and_noncontiguous():
    x = np.array([-1e4, -100.0, -20.0, 0.0, 20.0, 100.0, 1e4], np.float32)
    t = np.array([1.0, 0.0, 1.0, 0.5, 0.0, 1.0, 0.0], np.float32)
    check(
        F.binary_cross_entropy_with_logits,
        TF.binary_cross_entropy_with_logits,
        [x, t],
        gradcheck=False,
    )
    check(
        F.binary_cross_entropy_with_logits,
        TF.binary_cross_entropy_with_logits,
        [randn(4, 3), _probs(4, 3)],
        noncontiguous=True,
    )


def _torch_sigmoid_focal(inputs, targets, alpha=0.25, gamma=2.0, reduction="none"):
    """torchvision.ops.sigmoid_focal_loss, written out."""
    p = torch.sigmoid(inputs)
    ce = TF.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce * ((1 - p_t) ** gamma)
    if alpha >= 0:
        loss = (alpha * targets + (1 - alpha) * (1 - targets)) * loss
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


@pytest.mark.parametrize(
    "alpha,gamma", [(0.25, 2.0), (-1.0, 2.0), (0.6, 0.0), (0.25, 1.0), (0.4, 1.5)]
)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("soft", [False, True])
def test_sigmoid_focal_loss(alpha, gamma, reduction, soft):
    t = _probs(3, 4, seed=5) if soft else (randn(3, 4, seed=5) > 0).astype(np.float32)
    check(
        lambda a, b: F.sigmoid_focal_loss(a, b, alpha, gamma, reduction),
        lambda a, b: _torch_sigmoid_focal(a, b, alpha, gamma, reduction),
        [randn(3, 4, seed=4, scale=2.0), t],
    )


def _hinge_inputs(shape, seed, binary01):
    s = randn(*shape, seed=seed)
    y = np.where(randn(*shape, seed=seed + 1) > 0, 1.0, -1.0).astype(np.float32)
    h = 1.0 - y * s
    s = np.where(np.abs(h) < 0.05, s + 0.2 * y, s).astype(np.float32)  # away from the kink
    return s, ((y + 1) / 2).astype(np.float32) if binary01 else y


@pytest.mark.parametrize("shape", [(1,), (6,), (4, 3)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("binary01", [False, True])
def test_hinge_loss(shape, reduction, binary01):
    s, t = _hinge_inputs(shape, seed=len(shape), binary01=binary01)

    def th(a, b):
        y = 2 * b - 1 if binary01 else b
        loss = torch.clamp(1.0 - y * a, min=0)
        return {"none": loss, "mean": loss.mean(), "sum": loss.sum()}[reduction]

    check(
        lambda a: F.hinge_loss(a, dg.Tensor(t), reduction=reduction),
        lambda a: th(a, torch.from_numpy(t)),
        [s],
    )


def test_hinge_loss_matches_keras_formula_and_margin():
    s, y = _hinge_inputs((5, 3), seed=1, binary01=False)
    keras = np.mean(
        np.mean(np.maximum(1.0 - y * s, 0.0), axis=-1)
    )  # keras.losses.hinge, batch mean
    np.testing.assert_allclose(F.hinge_loss(dg.Tensor(s), y).item(), keras, rtol=1e-6)
    got = F.hinge_loss(dg.Tensor(s), (y + 1) / 2, margin=2.0, reduction="sum").item()
    np.testing.assert_allclose(got, np.maximum(2.0 - y * s, 0).sum(), rtol=1e-6)
