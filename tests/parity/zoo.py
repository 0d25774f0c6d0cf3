"""Shared by the zoo tests: realistic weights in a torch twin, copying, comparing logits."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numpy as np
import torch

import deepgrad as dg
import deepgrad.nn.init as dg_init


def realistic_weights(model: torch.nn.Module, x: torch.Tensor, seed: int = 0) -> None:
    """He-normal weights and small random biases (signals keep their scale through depth);
    batch norm gets random gamma/beta and running statistics *measured* (one train-mode pass
    with momentum 1) on 8 fresh images shaped like ``x``, as a trained network has, so eval-mode
    logits depend on every layer. (Statistics of the test batch itself would make some channels'
    variance ~0 deep in the net, where float32 torch is itself 1e-4 away from float64.)"""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.Conv2d | torch.nn.Linear):
                fan_in = m.weight[0].numel()
                m.weight.copy_(torch.randn(m.weight.shape, generator=g) * (2.0 / fan_in) ** 0.5)
                if m.bias is not None:
                    m.bias.copy_(torch.randn(m.bias.shape, generator=g) * 0.05)
            elif isinstance(m, torch.nn.BatchNorm2d):
                m.weight.copy_(0.5 + torch.rand(m.weight.shape, generator=g))
                m.bias.copy_(torch.randn(m.bias.shape, generator=g) * 0.2)
                m.momentum = 1.0
        was = model.training
        model.train()
        model(torch.randn((8, *x.shape[1:]), generator=g, dtype=x.dtype))
        model.train(was)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.momentum = 0.1


def load_torch_into(ours: dg.nn.Module, theirs: torch.nn.Module) -> None:
    """torch state_dict -> ours with strict=True (every name, shape and buffer must match)."""
    ours.load_state_dict(theirs.state_dict(), strict=True)


def relative_error(ours: np.ndarray, theirs: np.ndarray) -> float:
    """max |ours - theirs| / max |theirs|."""
    theirs = np.asarray(theirs, np.float64)
    return float(np.abs(np.asarray(ours, np.float64) - theirs).max() / np.abs(theirs).max())


def eval_logits_agree(ours: dg.nn.Module, theirs: torch.nn.Module, x: np.ndarray,
                      rtol: float = 1e-4) -> float:
    """Load theirs into ours, run both in eval mode on ``x``, return and check the rel error."""
    load_torch_into(ours, theirs)
    ours.eval()
    theirs.eval()
    with torch.no_grad():
        want = theirs(torch.from_numpy(x)).numpy()
    with dg.no_grad():
        got = ours(dg.Tensor(x)).data
    assert got.shape == want.shape and got.dtype == want.dtype
    err = relative_error(got, want)
    assert err < rtol, f"logits differ: relative error {err:.2e} >= {rtol:g}"
    return err


@contextlib.contextmanager
def no_random_init() -> Iterator[None]:
    """Skip deepgrad's random initialisation (counting parameters of 100M-weight networks
    needs their shapes, not 100M random draws)."""
    saved = dg_init.uniform_, dg_init.normal_
    dg_init.uniform_ = lambda t, *a, **k: t  # type: ignore[assignment]
    dg_init.normal_ = lambda t, *a, **k: t  # type: ignore[assignment]
    try:
        yield
    finally:
        dg_init.uniform_, dg_init.normal_ = saved


def shapes(state: dict) -> dict[str, tuple[int, ...]]:
    return {k: tuple(v.shape) for k, v in state.items()}
