"""Sweep table, part 3: the losses, every reduction mode (see test_sweep.py). Losses that are
not PyTorch's (focal_loss, hinge_loss; torchvision's sigmoid_focal_loss) are compared with
their formula written in torch."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as TF
from sweep_case import LAYOUTS, Case, grid, labels, prob, rnd

import deepgrad.functional as F
from parity.float64 import Const

REDUCTIONS = [{"reduction": r} for r in ("mean", "sum", "none")]


def _reduce(loss, reduction, denom=None):
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / (loss.numel() if denom is None else denom)


def regression() -> list[Case]:
    out = []
    for name, extra in [("mse_loss", {}), ("l1_loss", {}), ("smooth_l1_loss", {"beta": 0.5}),
                        ("smooth_l1_loss", {"beta": 0.0}), ("huber_loss", {"delta": 0.7})]:
        fd, ft = getattr(F, name), getattr(TF, name)
        kws = [dict(r, **extra) for r in REDUCTIONS]
        out += grid(name, fd, ft, [[rnd(3, 4), rnd(3, 4, seed=1)], [rnd(5), rnd(5, seed=1)],
                                   [rnd(), rnd(seed=1)], [np.zeros((0, 3)), np.zeros((0, 3))],
                                   [rnd(3, 4), Const(rnd(3, 4, seed=1))],
                                   [rnd(3, 4), rnd(4, seed=1)]], kws)
        out += grid(name, fd, ft, [[rnd(3, 4), rnd(3, 4, seed=1)]], kws[:1], LAYOUTS[1:],
                    gradcheck_first=False)
        if name != "smooth_l1_loss":  # PyTorch's elementwise weight (torch >= 2.6)
            for r in REDUCTIONS:
                kw = dict(r, **extra)
                wfd = lambda x, t, w, f=fd, k=kw: f(x, t, weight=w, **k)  # noqa: E731
                wft = lambda x, t, w, f=ft, k=kw: f(x, t, weight=w, **k)  # noqa: E731
                out += grid(name, wfd, wft, [[rnd(3, 4), rnd(3, 4, seed=1), prob(3, 4, seed=2)],
                                             [rnd(3, 4), rnd(3, 4, seed=1), prob(4, seed=2)]],
                            gradcheck_first=r["reduction"] == "mean")
    return out


def binary() -> list[Case]:
    out = []
    bce, tbce = F.binary_cross_entropy, TF.binary_cross_entropy
    out += grid("binary_cross_entropy", bce, tbce,
                [[prob(3, 4), prob(3, 4, seed=1)], [prob(5), prob(5, seed=1)],
                 [prob(), prob(seed=1)], [np.zeros((0, 2)), np.zeros((0, 2))],
                 [prob(3, 4), prob(3, 4, seed=1), Const(prob(4, seed=2))],
                 [prob(3, 4), Const(np.round(prob(3, 4, seed=1)))],
                 [prob(3, 4), prob(4, seed=1)]], REDUCTIONS, LAYOUTS[:2])
    out.append(Case("binary_cross_entropy", bce, tbce, [np.array([0.0, 1.0, 0.5]),
                    Const(np.array([0.0, 1.0, 1.0]))], note="saturated"))
    out.append(Case("binary_cross_entropy", bce, tbce, [np.array([1.5]), Const(np.ones(1))]))
    bcel, tbcel = F.binary_cross_entropy_with_logits, TF.binary_cross_entropy_with_logits
    for pw in [None, Const(prob(4, seed=3) * 3)]:
        kws = [dict(r, pos_weight=pw) for r in REDUCTIONS]
        out += grid("binary_cross_entropy_with_logits", bcel, tbcel,
                    [[rnd(3, 4), prob(3, 4, seed=1)], [rnd(3, 4), prob(3, 4, seed=1),
                                                       Const(prob(4, seed=2))],
                     [rnd(3, 4, scale=30), Const(np.round(prob(3, 4, seed=1)))],
                     [rnd(2, 0), np.zeros((2, 0))]], kws, LAYOUTS[:2])
    out += grid("binary_cross_entropy_with_logits", bcel, tbcel, [[rnd(5), prob(5, seed=1)],
                                                                  [rnd(), prob(seed=1)]])

    def th_sfl(x, t, alpha=0.25, gamma=2.0, reduction="none"):
        p = torch.sigmoid(x)
        ce = TF.binary_cross_entropy_with_logits(x, t, reduction="none")
        p_t = p * t + (1 - p) * (1 - t)
        loss = ce * (1 - p_t) ** gamma
        if alpha >= 0:
            loss = (alpha * t + (1 - alpha) * (1 - t)) * loss
        return _reduce(loss, reduction)

    out += grid("sigmoid_focal_loss", F.sigmoid_focal_loss, th_sfl,
                [[rnd(3, 4), prob(3, 4, seed=1)], [rnd(), prob(seed=1)]],
                [{}, {"alpha": -1, "gamma": 0.0}, {"alpha": 0.5, "gamma": 1.0,
                                                   "reduction": "mean"},
                 {"reduction": "sum", "gamma": 3.0}])

    def th_hinge(s, t, margin=1.0, reduction="mean"):
        y = 2 * t - 1 if bool(((t == 0) | (t == 1)).all()) else t
        return _reduce(torch.clamp(margin - y * s, min=0), reduction)

    out += grid("hinge_loss", F.hinge_loss, th_hinge,
                [[rnd(3, 4), Const(np.sign(rnd(3, 4, seed=1)))],
                 [rnd(3, 4), Const(np.round(prob(3, 4, seed=1)))]],
                [{}, {"margin": 0.5, "reduction": "sum"}, {"reduction": "none"}])
    return out


def softmax_losses() -> list[Case]:
    out = []
    ce, tce = F.cross_entropy, TF.cross_entropy
    y2 = labels(4, classes=5)
    ign = y2.copy()
    ign[1] = -100
    w = Const(prob(5, seed=3))
    inputs = [[rnd(4, 5), y2], [rnd(5), np.array(2)], [rnd(2, 5, 3), labels(2, 3, classes=5)],
              [rnd(4, 5), ign], [rnd(4, 5), y2, w], [rnd(4, 5), ign, w],
              [rnd(4, 5), TF.softmax(torch.from_numpy(rnd(4, 5, seed=4)), 1).numpy()],
              [rnd(2, 5, 3), prob(2, 5, 3, seed=1)], [rnd(0, 5), np.zeros(0, np.int64)],
              [rnd(4, 5), np.full(4, -100)], [rnd(4, 5), np.array([0, 1, 5, 2])]]
    kws = [dict(r) for r in REDUCTIONS] + [{"label_smoothing": 0.2}, {"ignore_index": 3},
                                            {"label_smoothing": 0.1, "reduction": "sum"}]
    out += grid("cross_entropy", ce, tce, inputs, kws)
    out += grid("cross_entropy", ce, tce,
                [[rnd(4, 5), y2], [rnd(2, 5, 3), labels(2, 3, classes=5)]],
                [{}], LAYOUTS[1:] + ("channels_last",), gradcheck_first=False)
    nll, tnll = F.nll_loss, TF.nll_loss
    lp = TF.log_softmax(torch.from_numpy(rnd(4, 5)), 1).numpy()
    out += grid("nll_loss", nll, tnll, [[lp, y2], [lp, ign], [lp, y2, w], [lp[0], np.array(3)],
                                        [rnd(2, 5, 3), labels(2, 3, classes=5)],
                                        [lp, np.array([0, 1, 7, 2])]],
                [dict(r) for r in REDUCTIONS] + [{"ignore_index": 0}])

    def th_focal(x, y, gamma=2.0, weight=None, ignore_index=-100, reduction="mean"):
        logp = TF.log_softmax(x, 1)
        keep = y != ignore_index
        ys = torch.where(keep, y, 0)
        lpy = logp.gather(1, ys[:, None])[:, 0]
        wy = torch.ones_like(lpy) if weight is None else weight[ys]
        wy = wy * keep
        loss = -wy * (1 - lpy.exp()) ** gamma * lpy
        return _reduce(loss, reduction, wy.sum())

    out += grid("focal_loss", F.focal_loss, th_focal, [[rnd(4, 5), y2], [rnd(4, 5), ign, 1.5, w]],
                [dict(r) for r in REDUCTIONS] + [{"gamma": 0.0}])
    return out


def table() -> list[Case]:
    return regression() + binary() + softmax_losses()
