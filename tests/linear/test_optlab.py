"""The optimization lab: gradients vs deepgrad autograd, runs vs hand-written GD."""

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.linear.optlab import PROBLEMS, logistic_curves, run, steps_to_tol, tune

pytest.importorskip("deepgrad.optim")


def _dg_value(name, w):
    x, y = w[0], w[1]
    if name == "rosenbrock":
        return (1 - x) ** 2 + 100 * (y - x * x) ** 2
    if name == "beale":
        return (
            (1.5 - x + x * y) ** 2 + (2.25 - x + x * y * y) ** 2 + (2.625 - x + x * y * y * y) ** 2
        )
    if name == "saddle":
        return x * x - y * y
    P = PROBLEMS["quadratic"]
    r = dg.matmul(dg.Tensor(P.extra["X"]), w) - dg.Tensor(P.extra["y"])
    return 0.5 * dg.mean(r * r)


@pytest.mark.parametrize("name", list(PROBLEMS))
def test_gradients_match_autograd(name):
    prob = PROBLEMS[name]
    for point in [prob.start, np.array([0.3, -0.7]), np.array([1.7, 0.4])]:
        w = dg.Tensor(point.astype(np.float64), requires_grad=True)
        v = _dg_value(name, w)
        v.backward()
        np.testing.assert_allclose(prob.grad(point, None), w.grad, rtol=1e-10, atol=1e-12)
        assert float(prob.f(point)) == pytest.approx(float(v.data), rel=1e-12)


def test_gd_run_is_the_gd_formula():
    prob = PROBLEMS["beale"]
    traj = run("GD", prob, lr=0.01, steps=50, stop_at_target=False)
    w = prob.start.copy()
    for k in range(50):
        w = w - 0.01 * prob.grad(w, None)  # w_t = w_{t-1} - eta grad f(w_{t-1})
        np.testing.assert_allclose(traj[k + 1], w, rtol=1e-12)


def test_momentum_beats_gd_on_the_ill_conditioned_quadratic():
    prob = PROBLEMS["quadratic"]
    lrs = np.geomspace(1e-3, 0.1, 5)
    _, k_gd, _ = tune("GD", prob, lrs=lrs, steps=1500)
    _, k_mom, traj = tune("Nesterov", prob, lrs=lrs, steps=1500)
    assert k_gd is not None and k_mom is not None and k_mom < k_gd
    np.testing.assert_allclose(traj[-1], prob.minimum, atol=1e-2)
    assert steps_to_tol(prob, traj) == len(traj) - 1


def test_stochastic_methods_need_a_finite_sum():
    with pytest.raises(ValueError, match="finite-sum"):
        run("SGD", PROBLEMS["rosenbrock"], lr=0.01, steps=3)
    traj = run("mini-batch SGD", PROBLEMS["quadratic"], lr=0.01, steps=300)
    assert PROBLEMS["quadratic"].f(traj[-1]) < 0.01 * PROBLEMS["quadratic"].f(traj[0])


def test_logistic_curves_descend():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    y = (X @ [1.0, -1.0, 0.5] + 0.3 * rng.normal(size=120) > 0).astype(float)
    curves = logistic_curves(X, y, 1e-2, {"GD": 0.5, "Adam": 0.05}, epochs=10)
    for c in curves.values():
        assert c.shape == (11,) and c[-1] < 0.6 * c[0]


def test_descend_is_run_with_the_methods_settings_and_takes_any_optimizer():
    from deepgrad.linear.optlab import PROBLEMS, descend, run

    prob = PROBLEMS["rosenbrock"]
    a = run("Nesterov", prob, 1e-3, steps=50)
    b = descend(prob, "SGD", {"lr": 1e-3, "momentum": 0.9, "nesterov": True}, steps=50)
    np.testing.assert_array_equal(a, b)
    c = descend(prob, "Adamax", {"lr": 0.05}, steps=20, stop_at_target=False)
    assert c.shape == (21, 2) and prob.f(c[-1]) < prob.f(c[0])
    with pytest.raises(ValueError, match="finite-sum"):
        descend(prob, "SGD", {"lr": 0.1}, steps=5, batch=4)
