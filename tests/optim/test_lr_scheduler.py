"""Learning-rate schedules against torch.optim.lr_scheduler over 20+ epochs."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from torch.optim import lr_scheduler as tls

import deepgrad as dg
from deepgrad import optim
from deepgrad.optim import lr_scheduler as dls

EPOCHS = 25
LRS = (0.1, 0.02)  # two parameter groups with different base rates


def _dg_opt() -> optim.SGD:
    ps = [dg.Tensor(np.zeros(2, "float32"), requires_grad=True) for _ in LRS]
    return optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(ps, LRS, strict=True)], lr=1.0)


def _torch_opt() -> torch.optim.SGD:
    ps = [torch.zeros(2, requires_grad=True) for _ in LRS]
    return torch.optim.SGD(
        [{"params": [p], "lr": lr} for p, lr in zip(ps, LRS, strict=True)], lr=1.0
    )


SCHEDULES = {
    "step": (lambda o: dls.StepLR(o, 4, gamma=0.5), lambda o: tls.StepLR(o, 4, gamma=0.5)),
    "multistep": (
        lambda o: dls.MultiStepLR(o, [3, 7, 7, 15], gamma=0.3),
        lambda o: tls.MultiStepLR(o, [3, 7, 7, 15], gamma=0.3),
    ),
    "exponential": (
        lambda o: dls.ExponentialLR(o, 0.9),
        lambda o: tls.ExponentialLR(o, 0.9),
    ),
    "cosine": (  # T_max < EPOCHS: also covers the rise after T_max
        lambda o: dls.CosineAnnealingLR(o, T_max=8, eta_min=0.001),
        lambda o: tls.CosineAnnealingLR(o, T_max=8, eta_min=0.001),
    ),
    "lambda": (
        lambda o: dls.LambdaLR(o, [lambda e: 1 / (1 + e), lambda e: 0.95**e]),
        lambda o: tls.LambdaLR(o, [lambda e: 1 / (1 + e), lambda e: 0.95**e]),
    ),
    "linear": (
        lambda o: dls.LinearLR(o, start_factor=0.25, total_iters=6),
        lambda o: tls.LinearLR(o, start_factor=0.25, total_iters=6),
    ),
    "linear_decay": (
        lambda o: dls.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=10),
        lambda o: tls.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=10),
    ),
    "warmup_then_cosine": (
        lambda o: dls.LinearWarmup(
            o, 5, start_factor=0.2, after=dls.CosineAnnealingLR(o, T_max=12)
        ),
        lambda o: tls.SequentialLR(
            o,
            [tls.LinearLR(o, start_factor=0.2, total_iters=5), tls.CosineAnnealingLR(o, 12)],
            milestones=[5],
        ),
    ),
    "warmup_then_step": (
        lambda o: dls.LinearWarmup(o, 3, start_factor=0.5, after=dls.StepLR(o, 4, 0.5)),
        lambda o: tls.SequentialLR(
            o,
            [tls.LinearLR(o, start_factor=0.5, total_iters=3), tls.StepLR(o, 4, 0.5)],
            milestones=[3],
        ),
    ),
}


def _trace(opt, sched, epochs: int, step_opt=None) -> list[list[float]]:
    out = [[g["lr"] for g in opt.param_groups]]
    for _ in range(epochs):
        if step_opt is not None:
            step_opt()
        sched.step()
        out.append([float(g["lr"]) for g in opt.param_groups])
    return out


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_schedule_matches_torch(name: str) -> None:
    dg_make, t_make = SCHEDULES[name]
    dopt, topt = _dg_opt(), _torch_opt()
    dsched, tsched = dg_make(dopt), t_make(topt)
    ours = _trace(dopt, dsched, EPOCHS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns that optimizer.step() was not called
        theirs = _trace(topt, tsched, EPOCHS)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)
    assert dsched.get_last_lr() == [g["lr"] for g in dopt.param_groups]


def test_warmup_defaults_start_at_zero_and_reach_base() -> None:
    opt = _dg_opt()
    sched = dls.LinearWarmup(opt, 4)
    lrs = [g[0] for g in _trace(opt, sched, 6)]
    np.testing.assert_allclose(lrs, [0.0, 0.025, 0.05, 0.075, 0.1, 0.1, 0.1])


@pytest.mark.parametrize("name", ["step", "cosine", "warmup_then_cosine", "lambda"])
def test_scheduler_state_dict_resume(name: str, tmp_path) -> None:
    dg_make, _ = SCHEDULES[name]
    opt = _dg_opt()
    sched = dg_make(opt)
    full = _trace(opt, sched, 20)
    opt = _dg_opt()
    sched = dg_make(opt)
    first = _trace(opt, sched, 9)
    flat = optim.flatten_state_dict({"opt": opt.state_dict(), "sched": sched.state_dict()})
    np.savez(tmp_path / "s.npz", **flat)
    with np.load(tmp_path / "s.npz", allow_pickle=False) as f:
        back = optim.unflatten_state_dict({k: f[k] for k in f.files})
    opt2 = _dg_opt()
    sched2 = dg_make(opt2)
    opt2.load_state_dict(back["opt"])
    sched2.load_state_dict(back["sched"])
    rest = _trace(opt2, sched2, 11)
    np.testing.assert_allclose(first + rest[1:], full, rtol=1e-15)


METRICS = [1.0, 0.9, 0.9, 0.95, 0.91, 0.92, 0.89, 0.9, 0.9, 0.9, 0.9, 0.5, 0.6, 0.6, 0.6, 0.6,
           0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6]  # fmt: skip


@pytest.mark.parametrize(
    "kw",
    [
        dict(patience=2),
        dict(patience=1, factor=0.5, cooldown=2, min_lr=[0.01, 0.001]),
        dict(mode="max", patience=0, threshold=0.05, threshold_mode="abs", factor=0.3),
        dict(patience=3, threshold=0.02, min_lr=0.015, eps=1e-3),
    ],
)
def test_reduce_on_plateau_matches_torch(kw: dict) -> None:
    dopt, topt = _dg_opt(), _torch_opt()
    ds, ts = dls.ReduceLROnPlateau(dopt, **kw), tls.ReduceLROnPlateau(topt, **kw)
    for m in METRICS:
        ds.step(m)
        ts.step(m)
        np.testing.assert_allclose(
            [g["lr"] for g in dopt.param_groups], [g["lr"] for g in topt.param_groups], rtol=1e-14
        )
        assert ds.num_bad_epochs == ts.num_bad_epochs and ds.best == ts.best
    assert dopt.param_groups[0]["lr"] < LRS[0]  # the sequence did trigger cuts


def test_reduce_on_plateau_state_dict() -> None:
    opt = _dg_opt()
    s = dls.ReduceLROnPlateau(opt, patience=1)
    for m in METRICS[:6]:
        s.step(m)
    back = optim.unflatten_state_dict(optim.flatten_state_dict(s.state_dict()))
    s2 = dls.ReduceLROnPlateau(_dg_opt(), patience=5)
    s2.load_state_dict(back)
    assert (s2.best, s2.num_bad_epochs, s2.patience, s2.last_epoch) == (
        s.best,
        s.num_bad_epochs,
        1,
        6,
    )


def test_scheduler_errors() -> None:
    with pytest.raises(TypeError, match="Optimizer"):
        dls.StepLR(object(), 3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="step_size"):
        dls.StepLR(_dg_opt(), 0)
    with pytest.raises(ValueError, match="factor"):
        dls.ReduceLROnPlateau(_dg_opt(), factor=1.5)
    with pytest.raises(KeyError, match="initial_lr"):
        dls.ExponentialLR(_dg_opt(), 0.9, last_epoch=3)
