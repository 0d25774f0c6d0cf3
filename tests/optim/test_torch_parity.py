"""Every optimizer and option combination against torch.optim: same params, same gradients."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import deepgrad as dg
from deepgrad import optim
from parity.optim import assert_params_close, make_params, run_both

CASES = {
    "sgd": (optim.SGD, torch.optim.SGD, dict(lr=0.1)),
    "sgd_wd": (optim.SGD, torch.optim.SGD, dict(lr=0.1, weight_decay=0.05)),
    "sgd_momentum": (optim.SGD, torch.optim.SGD, dict(lr=0.1, momentum=0.9)),
    "sgd_momentum_dampening_wd": (
        optim.SGD,
        torch.optim.SGD,
        dict(lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.01),
    ),
    "sgd_nesterov": (optim.SGD, torch.optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True)),
    "sgd_nesterov_wd": (
        optim.SGD,
        torch.optim.SGD,
        dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1),
    ),
    "adagrad": (optim.Adagrad, torch.optim.Adagrad, dict(lr=0.1)),
    "adagrad_all": (
        optim.Adagrad,
        torch.optim.Adagrad,
        dict(lr=0.1, lr_decay=0.05, weight_decay=0.02, initial_accumulator_value=0.3, eps=1e-6),
    ),
    "rmsprop": (optim.RMSprop, torch.optim.RMSprop, dict(lr=0.01)),
    "rmsprop_centered": (optim.RMSprop, torch.optim.RMSprop, dict(lr=0.01, centered=True)),
    "rmsprop_momentum_wd": (
        optim.RMSprop,
        torch.optim.RMSprop,
        dict(lr=0.01, momentum=0.9, weight_decay=0.1),
    ),
    "rmsprop_all": (
        optim.RMSprop,
        torch.optim.RMSprop,
        dict(lr=0.01, alpha=0.9, eps=1e-6, momentum=0.5, centered=True, weight_decay=0.01),
    ),
    "adam": (optim.Adam, torch.optim.Adam, dict(lr=0.01)),
    "adam_wd_betas": (
        optim.Adam,
        torch.optim.Adam,
        dict(lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1),
    ),
    "adam_amsgrad": (optim.Adam, torch.optim.Adam, dict(lr=0.01, amsgrad=True, weight_decay=0.01)),
    "adam_decoupled": (
        optim.Adam,
        torch.optim.Adam,
        dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True),
    ),
    "adamw": (optim.AdamW, torch.optim.AdamW, dict(lr=0.01)),
    "adamw_amsgrad": (
        optim.AdamW,
        torch.optim.AdamW,
        dict(lr=0.01, weight_decay=0.3, amsgrad=True),
    ),
    "adamax": (optim.Adamax, torch.optim.Adamax, dict(lr=0.02)),
    "adamax_wd": (
        optim.Adamax,
        torch.optim.Adamax,
        dict(lr=0.02, betas=(0.7, 0.9), weight_decay=0.1),
    ),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_matches_torch(case: str, dtype: str) -> None:
    dg_cls, torch_cls, kw = CASES[case]
    dgp, tp, dopt, _ = run_both(lambda p: dg_cls(p, **kw), lambda p: torch_cls(p, **kw), dtype)
    assert_params_close(dgp, tp, dtype)
    for st in dopt.state.values():  # state stays in the parameter dtype
        for k, v in st.items():
            if isinstance(v, np.ndarray):
                assert v.dtype == np.dtype(dtype), (k, v.dtype)


@pytest.mark.parametrize("case", ["sgd_nesterov_wd", "rmsprop_all", "adam_amsgrad", "adamax_wd"])
def test_state_matches_torch(case: str) -> None:
    """The named state (momentum buffers, moments, step) equals PyTorch's, entry by entry."""
    dg_cls, torch_cls, kw = CASES[case]
    _, _, dopt, topt = run_both(lambda p: dg_cls(p, **kw), lambda p: torch_cls(p, **kw), "float64")
    ds, ts = dopt.state_dict()["state"], topt.state_dict()["state"]
    assert sorted(ds) == sorted(ts)
    for i in ds:
        for k, tv in ts[i].items():
            np.testing.assert_allclose(np.asarray(ds[i][k]), tv.numpy(), rtol=1e-12, atol=1e-14)


def test_quadratic_loss_through_autograd() -> None:
    """Gradients from a real backward pass (least squares), 5 steps of Adam and SGD-Nesterov."""
    rng = np.random.default_rng(3)
    a = rng.standard_normal((8, 4)).astype("float32")
    b = rng.standard_normal((8, 1)).astype("float32")
    w0 = rng.standard_normal((4, 1)).astype("float32")
    for dg_cls, t_cls, kw in [
        (optim.Adam, torch.optim.Adam, dict(lr=0.05)),
        (optim.SGD, torch.optim.SGD, dict(lr=0.01, momentum=0.9, nesterov=True)),
    ]:
        w = dg.Tensor(w0.copy(), requires_grad=True)
        tw = torch.tensor(w0.copy(), requires_grad=True)
        opt, topt = dg_cls([w], **kw), t_cls([tw], **kw)
        A, B = dg.Tensor(a), dg.Tensor(b)
        tA, tB = torch.from_numpy(a), torch.from_numpy(b)
        for _ in range(5):
            opt.zero_grad()
            loss = ((A @ w - B) ** 2).mean()
            loss.backward()
            opt.step()
            topt.zero_grad()
            ((tA @ tw - tB) ** 2).mean().backward()
            topt.step()
        np.testing.assert_allclose(w.data, tw.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_param_groups_with_different_lrs() -> None:
    dgp, tp = make_params("float64")
    kw = dict(lr=0.01, momentum=0.9)
    dopt = optim.SGD([{"params": dgp[:2]}, {"params": dgp[2:], "lr": 0.3, "momentum": 0.5}], **kw)
    topt = torch.optim.SGD(
        [{"params": tp[:2]}, {"params": tp[2:], "lr": 0.3, "momentum": 0.5}], **kw
    )
    assert dopt.param_groups[0]["lr"] == 0.01 and dopt.param_groups[1]["lr"] == 0.3
    rng = np.random.default_rng(5)
    for _ in range(3):
        for p, q in zip(dgp, tp, strict=True):
            g = rng.standard_normal(p.shape)
            p.grad, q.grad = g.copy(), torch.from_numpy(g.copy())
        dopt.step()
        topt.step()
    assert_params_close(dgp, tp, "float64")


def test_add_param_group_later() -> None:
    dgp, tp = make_params("float64")
    dopt = optim.Adam(dgp[:1], lr=0.01)
    topt = torch.optim.Adam(tp[:1], lr=0.01)
    rng = np.random.default_rng(6)
    for t in range(4):
        if t == 2:
            dopt.add_param_group({"params": dgp[1:], "lr": 0.1, "amsgrad": True})
            topt.add_param_group({"params": tp[1:], "lr": 0.1, "amsgrad": True})
        for p, q in zip(dgp, tp, strict=True):
            g = rng.standard_normal(p.shape)
            p.grad, q.grad = g.copy(), torch.from_numpy(g.copy())
        dopt.step()
        topt.step()
    assert_params_close(dgp, tp, "float64")


def test_load_torch_state_dict_then_continue() -> None:
    """A PyTorch Adam state dict (tensors) loads into deepgrad and training continues alike."""
    dgp, tp = make_params("float32")
    topt = torch.optim.Adam(tp, lr=0.01, amsgrad=True)
    rng = np.random.default_rng(8)

    def grads() -> list[np.ndarray]:
        return [rng.standard_normal(s).astype("float32") for s in (p.shape for p in dgp)]

    for _ in range(3):
        for q, g in zip(tp, grads(), strict=True):
            q.grad = torch.from_numpy(g)
        topt.step()
    for p, q in zip(dgp, tp, strict=True):
        p.data[...] = q.detach().numpy()
    dopt = optim.Adam(dgp, lr=0.5)
    dopt.load_state_dict(topt.state_dict())
    assert dopt.param_groups[0]["lr"] == 0.01
    for _ in range(2):
        for p, q, g in zip(dgp, tp, grads(), strict=True):
            p.grad, q.grad = g, torch.from_numpy(g.copy())
        dopt.step()
        topt.step()
    assert_params_close(dgp, tp, "float32")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    "case", ["adam", "adam_wd_betas", "adam_amsgrad", "adam_decoupled", "adamw_amsgrad"]
)
def test_fused_adam_kernel_matches_torch(monkeypatch, case: str, dtype: str) -> None:
    """The compiled one-pass Adam (used for parameters of >= 4096 weights) on every size."""
    from deepgrad import _jit
    from deepgrad.optim import _adam_kernel

    if not _jit.enabled():
        pytest.skip("numba not installed or switched off")
    monkeypatch.setattr(_adam_kernel, "MIN_SIZE", 1)
    calls = []
    real = _adam_kernel._adam
    monkeypatch.setattr(_adam_kernel, "_adam", lambda *a: calls.append(1) or real(*a))
    dg_cls, torch_cls, kw = CASES[case]
    dgp, tp, _, _ = run_both(lambda p: dg_cls(p, **kw), lambda p: torch_cls(p, **kw), dtype)
    assert_params_close(dgp, tp, dtype)
    assert calls
