"""clip_grad_norm_ / clip_grad_value_ against torch.nn.utils."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import deepgrad as dg
from deepgrad import optim
from parity.optim import grad_sequence, make_params


def _with_grads(dtype: str, scale: float = 1.0):
    dgp, tp = make_params(dtype)
    row = grad_sequence(2, dtype)[1]  # parameter 1 has no gradient
    for p, q, g in zip(dgp, tp, row, strict=True):
        p.grad = None if g is None else np.array(g * np.asarray(scale, dtype))
        q.grad = None if g is None else torch.from_numpy(np.array(g * np.asarray(scale, dtype)))
    return dgp, tp


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 1e4])  # clipping, and no clipping
def test_clip_grad_norm_matches_torch(dtype: str, norm_type: float, max_norm: float) -> None:
    dgp, tp = _with_grads(dtype)
    total = optim.clip_grad_norm_(dgp, max_norm, norm_type=norm_type)
    ttotal = torch.nn.utils.clip_grad_norm_(tp, max_norm, norm_type=norm_type)
    rtol = 1e-6 if dtype == "float32" else 1e-12
    assert isinstance(total, dg.Tensor) and total.shape == () and total.dtype == np.dtype(dtype)
    np.testing.assert_allclose(total.item(), ttotal.item(), rtol=rtol)
    for p, q in zip(dgp, tp, strict=True):
        if q.grad is None:
            assert p.grad is None
            continue
        assert p.grad.dtype == np.dtype(dtype)
        np.testing.assert_allclose(p.grad, q.grad.numpy(), rtol=rtol, atol=1e-7)
    if max_norm < 1:
        assert optim.grad_norm(dgp, norm_type) == pytest.approx(max_norm, rel=1e-5)


def test_clip_grad_norm_single_tensor_and_nonfinite() -> None:
    p = dg.Tensor(np.ones(4, "float32"), requires_grad=True)
    p.grad = np.full(4, 2.0, "float32")  # norm 4
    assert optim.clip_grad_norm_(p, 1.0).item() == pytest.approx(4.0)
    np.testing.assert_allclose(p.grad, 2.0 / (4.0 + 1e-6), rtol=1e-6)
    p.grad = np.array([1.0, np.inf, 0.0, 0.0], "float32")
    with pytest.raises(RuntimeError, match="non|inf"):
        optim.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)


def test_clip_grad_norm_leaves_readonly_grads_alone() -> None:
    p = dg.Tensor(np.ones(3, "float32"), requires_grad=True)
    g = np.full(3, 10.0, "float32")
    g.flags.writeable = False
    p.grad = g
    optim.clip_grad_norm_([p], 1.0)
    assert p.grad is not g and np.all(g == 10.0)
    assert np.linalg.norm(p.grad) == pytest.approx(1.0, rel=1e-5)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_clip_grad_value_matches_torch(dtype: str) -> None:
    dgp, tp = _with_grads(dtype, scale=3.0)
    optim.clip_grad_value_(dgp, 0.7)
    torch.nn.utils.clip_grad_value_(tp, 0.7)
    for p, q in zip(dgp, tp, strict=True):
        if q.grad is not None:
            assert p.grad.dtype == np.dtype(dtype)
            np.testing.assert_array_equal(p.grad, q.grad.numpy())
    assert max(np.abs(p.grad).max() for p in dgp if p.grad is not None) == pytest.approx(0.7)
    with pytest.raises(ValueError, match="clip_value"):
        optim.clip_grad_value_(dgp, -1.0)
