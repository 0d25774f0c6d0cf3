"""The plain update rules (a few lines each, as the docstrings write them) == the optimizers."""

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.optim import SGD, Adam
from deepgrad.optim.adam import adam_step_plain
from deepgrad.optim.sgd import sgd_step_plain


def _grads(seed, n=6, shape=(5, 4)):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape) for _ in range(n)]


@pytest.mark.parametrize("kw", [{}, {"momentum": 0.9}, {"momentum": 0.9, "nesterov": True},
                                {"momentum": 0.5, "weight_decay": 0.1}])
def test_sgd_equals_its_plain_rule(kw):
    w0 = np.random.default_rng(0).standard_normal((5, 4))
    p = dg.tensor(w0, dtype=np.float64, requires_grad=True)
    opt = SGD([p], lr=0.05, **kw)
    w, h = w0.copy(), None
    for g in _grads(1):
        p.grad = g.copy()
        opt.step()
        w, h = sgd_step_plain(w, g, h, 0.05, **kw)
    np.testing.assert_allclose(p.data, w, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_adam_equals_its_plain_rule(dtype):
    """float32 takes the fused kernel, float64 the NumPy path: both follow the plain rule."""
    w0 = np.random.default_rng(0).standard_normal((64, 33)).astype(dtype)
    p = dg.tensor(w0, dtype=dtype, requires_grad=True)
    opt = Adam([p], lr=0.01, betas=(0.8, 0.99))
    w, m, v = w0.astype(np.float64), np.zeros(w0.shape), np.zeros(w0.shape)
    for t, g in enumerate(_grads(2, shape=w0.shape), 1):
        p.grad = g.astype(dtype)
        opt.step()
        w, m, v = adam_step_plain(w, g.astype(dtype).astype(np.float64), m, v, t, lr=0.01,
                                  betas=(0.8, 0.99))
    tol = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(p.data, w, rtol=tol, atol=tol)
