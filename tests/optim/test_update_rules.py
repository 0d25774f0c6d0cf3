"""Each optimizer against its update rule written out in NumPy, on an elliptic quadratic.

f(w) = 1/2 (w - w*)^T H (w - w*) with H = diag(1, 10, 0.5) (the elongated level sets of the
notes), gradient g = H (w - w*). The reference loops below are the docstrings' equations in the
notes' vocabulary (h_t, G_t, m_t, v_t); each must match deepgrad step by step in float64 and
end near the known minimum w*.
"""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import optim

H = np.array([1.0, 10.0, 0.5])
W_STAR = np.array([1.0, -2.0, 3.0])
W0 = np.array([-1.0, 1.0, 0.0])


def grad(w: np.ndarray) -> np.ndarray:
    return H * (w - W_STAR)


def run_deepgrad(make_opt, steps: int) -> list[np.ndarray]:
    w = dg.Tensor(W0.copy(), requires_grad=True)
    opt = make_opt([w])
    out = []
    for _ in range(steps):
        w.grad = grad(w.data)
        opt.step()
        out.append(w.data.copy())
    return out


def momentum_notes(eta: float, alpha: float, steps: int) -> list[np.ndarray]:
    """Notes: h_t = alpha h_{t-1} + eta g_t;  w_t = w_{t-1} - h_t."""
    w, h, out = W0.copy(), np.zeros(3), []
    for _ in range(steps):
        h = alpha * h + eta * grad(w)
        w = w - h
        out.append(w)
    return out


def nesterov_notes(eta: float, alpha: float, steps: int) -> list[np.ndarray]:
    """Notes: h_t = alpha h_{t-1} + eta grad(w_{t-1} - alpha h_{t-1});  w_t = w_{t-1} - h_t.

    deepgrad (like PyTorch) stores the look-ahead point w_t - alpha h_t; return that.
    """
    w, h, out = W0.copy(), np.zeros(3), []
    for _ in range(steps):
        h = alpha * h + eta * grad(w - alpha * h)
        w = w - h
        out.append(w - alpha * h)
    return out


def adagrad_rule(eta: float, eps: float, steps: int) -> list[np.ndarray]:
    """G_t = G_{t-1} + g_t^2;  w_t = w_{t-1} - eta g_t / (sqrt(G_t) + eps)."""
    w, G, out = W0.copy(), np.zeros(3), []
    for _ in range(steps):
        g = grad(w)
        G = G + g**2
        w = w - eta * g / (np.sqrt(G) + eps)
        out.append(w)
    return out


def rmsprop_rule(eta: float, alpha: float, eps: float, steps: int) -> list[np.ndarray]:
    """G_t = alpha G_{t-1} + (1 - alpha) g_t^2;  w_t = w_{t-1} - eta g_t / (sqrt(G_t) + eps)."""
    w, G, out = W0.copy(), np.zeros(3), []
    for _ in range(steps):
        g = grad(w)
        G = alpha * G + (1 - alpha) * g**2
        w = w - eta * g / (np.sqrt(G) + eps)
        out.append(w)
    return out


def adam_rule(eta, b1, b2, eps, steps, amsgrad=False, wd=0.0) -> list[np.ndarray]:
    """m_t, v_t moving averages of g and g^2, bias-corrected; AdamW-style decay if wd."""
    w, m, v, vmax, out = W0.copy(), np.zeros(3), np.zeros(3), np.zeros(3), []
    for t in range(1, steps + 1):
        g = grad(w)
        w = w * (1 - eta * wd)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        vmax = np.maximum(vmax, v)
        vhat = (vmax if amsgrad else v) / (1 - b2**t)
        w = w - eta * (m / (1 - b1**t)) / (np.sqrt(vhat) + eps)
        out.append(w)
    return out


def adamax_rule(eta, b1, b2, eps, steps) -> list[np.ndarray]:
    """m_t as Adam;  u_t = max(b2 u_{t-1}, |g_t| + eps);  w_t = w_{t-1} - eta/(1-b1^t) m_t/u_t."""
    w, m, u, out = W0.copy(), np.zeros(3), np.zeros(3), []
    for t in range(1, steps + 1):
        g = grad(w)
        m = b1 * m + (1 - b1) * g
        u = np.maximum(b2 * u, np.abs(g) + eps)
        w = w - eta / (1 - b1**t) * m / u
        out.append(w)
    return out


RULES = {
    "momentum": (
        lambda p: optim.SGD(p, lr=0.05, momentum=0.9),
        lambda n: momentum_notes(0.05, 0.9, n),
        400,
    ),
    "nesterov": (
        lambda p: optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True),
        lambda n: nesterov_notes(0.05, 0.9, n),
        300,
    ),
    "adagrad": (lambda p: optim.Adagrad(p, lr=0.9), lambda n: adagrad_rule(0.9, 1e-10, n), 800),
    "rmsprop": (
        lambda p: optim.RMSprop(p, lr=0.01, alpha=0.9),
        lambda n: rmsprop_rule(0.01, 0.9, 1e-8, n),
        1500,
    ),
    "adam": (
        lambda p: optim.Adam(p, lr=0.05, betas=(0.9, 0.99)),
        lambda n: adam_rule(0.05, 0.9, 0.99, 1e-8, n),
        1500,
    ),
    "amsgrad": (
        lambda p: optim.Adam(p, lr=0.05, amsgrad=True),
        lambda n: adam_rule(0.05, 0.9, 0.999, 1e-8, n, amsgrad=True),
        1500,
    ),
    "adamw": (
        lambda p: optim.AdamW(p, lr=0.05, weight_decay=1e-4),
        lambda n: adam_rule(0.05, 0.9, 0.999, 1e-8, n, wd=1e-4),
        1500,
    ),
    "adamax": (
        lambda p: optim.Adamax(p, lr=0.05, betas=(0.9, 0.99)),
        lambda n: adamax_rule(0.05, 0.9, 0.99, 1e-8, n),
        1500,
    ),
}


@pytest.mark.parametrize("name", sorted(RULES))
def test_follows_its_rule_and_converges(name: str) -> None:
    make_opt, rule, steps = RULES[name]
    got = run_deepgrad(make_opt, steps)
    want = rule(steps)
    for t in range(30):  # step by step (later, near w*, rounding differences can grow)
        np.testing.assert_allclose(got[t], want[t], rtol=1e-11, atol=1e-12, err_msg=f"step {t}")
    # AdamW's decay pulls slightly towards 0, Adam-family methods hover within ~lr
    tol = 2e-2 if name in ("adamw", "adamax", "adam", "amsgrad", "rmsprop") else 1e-6
    np.testing.assert_allclose(got[-1], W_STAR, atol=tol)


def test_nesterov_beats_plain_momentum_on_elliptic_quadratic() -> None:
    """The notes' claim, on this problem: Nesterov gets closer to w* in the same steps."""
    plain = run_deepgrad(lambda p: optim.SGD(p, lr=0.05, momentum=0.9), 60)[-1]
    nest = run_deepgrad(lambda p: optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True), 60)[-1]
    assert np.linalg.norm(nest - W_STAR) < np.linalg.norm(plain - W_STAR)


def test_plain_sgd_is_gradient_descent() -> None:
    got = run_deepgrad(lambda p: optim.SGD(p, lr=0.1), 3)
    w = W0.copy()
    for t in range(3):
        w = w - 0.1 * grad(w)
        np.testing.assert_allclose(got[t], w, rtol=1e-15, atol=1e-16)  # BLAS may use FMA
