"""Shared helpers for the optimizer tests: identical parameters and gradients for both libraries."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

import deepgrad as dg

SHAPES = [(5, 4), (4,), (3, 2, 2), ()]


def make_params(dtype: str, seed: int = 0) -> tuple[list[dg.Tensor], list[torch.Tensor]]:
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    dgp = [dg.Tensor(a.copy(), requires_grad=True) for a in arrays]
    tp = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    return dgp, tp


def grad_sequence(steps: int, dtype: str, seed: int = 1) -> list[list[np.ndarray | None]]:
    """Per step, one gradient per parameter; parameter 1 has no gradient at step 1."""
    rng = np.random.default_rng(seed)
    seq = []
    for t in range(steps):
        row: list[np.ndarray | None] = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
        if t == 1:
            row[1] = None
        seq.append(row)
    return seq


def run_both(
    dg_opt_fn: Callable, torch_opt_fn: Callable, dtype: str, steps: int = 4
) -> tuple[list[dg.Tensor], list[torch.Tensor], object, object]:
    dgp, tp = make_params(dtype)
    dopt, topt = dg_opt_fn(dgp), torch_opt_fn(tp)
    for row in grad_sequence(steps, dtype):
        for p, q, g in zip(dgp, tp, row, strict=True):
            p.grad = None if g is None else g.copy()
            q.grad = None if g is None else torch.from_numpy(g.copy())
        dopt.step()
        topt.step()
    return dgp, tp, dopt, topt


def assert_params_close(dgp: list[dg.Tensor], tp: list[torch.Tensor], dtype: str) -> None:
    rtol, atol = (1e-6, 1e-7) if dtype == "float32" else (1e-12, 1e-13)
    for i, (p, q) in enumerate(zip(dgp, tp, strict=True)):
        assert p.data.dtype == np.dtype(dtype), f"param {i} became {p.data.dtype}"
        np.testing.assert_allclose(
            p.data, q.detach().numpy(), rtol=rtol, atol=atol, err_msg=f"param {i}"
        )
