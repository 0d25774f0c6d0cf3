"""The optimization lab of week 1: deepgrad.optim on 2-D functions and logistic regression.

Test functions (each with its gradient written out; tests check them against deepgrad autograd):

* ``quadratic``: an ill-conditioned elliptic bowl written as a least-squares finite sum,
  f(w) = (1/(2n)) sum_i (x_i^T w - y_i)^2 with elongated, rotated inputs (condition number ~25),
  so that SGD (batch 1) and mini-batch SGD have real stochastic gradients;
* ``rosenbrock``: (1 - x)^2 + 100 (y - x^2)^2, a curved valley, minimum (1, 1);
* ``beale``: (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2, minimum (3, 0.5);
* ``saddle``: x^2 - y^2 started next to the saddle point: no minimum; "converged" means escaped
  (f < -1).

Methods: GD, SGD, mini-batch SGD (``deepgrad.optim.SGD`` on 1 / 16 samples; quadratic only),
momentum and Nesterov (SGD with momentum 0.9), AdaGrad, RMSprop and Adam, all full batch on the 2-D
functions. :func:`tune` picks, for each method and function, the learning rate from a log grid
that reaches the tolerance in the fewest steps, so the table compares each method at its best.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Problem", "PROBLEMS", "METHODS", "run", "descend", "steps_to_tol", "tune",
           "logistic_curves", "logistic_optimum"]


@dataclass
class Problem:
    """A 2-D test function: f, its gradient (optionally on a batch), start, target, view."""

    name: str
    f: Callable[[np.ndarray], np.ndarray]  # accepts (..., 2) and returns (...)
    grad: Callable[[np.ndarray, np.ndarray | None], np.ndarray]  # (w, batch indices or None)
    start: np.ndarray
    f_target: float  # "converged" once f(w) <= f_target
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    minimum: np.ndarray | None = None
    n_samples: int | None = None  # finite-sum problems support stochastic batches
    extra: dict[str, Any] = field(default_factory=dict)


def _make_quadratic(n: int = 200, seed: int = 0) -> Problem:
    rng = np.random.default_rng(seed)
    theta = np.deg2rad(30)
    R = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    X = rng.normal(size=(n, 2)) * np.array([5.0, 1.0]) @ R.T  # variances 25 : 1
    w_true = np.array([1.0, 2.0])
    y = X @ w_true + 0.5 * rng.normal(size=n)
    w_star = np.linalg.lstsq(X, y, rcond=None)[0]

    def f(w: np.ndarray) -> np.ndarray:
        w = np.asarray(w)
        r = w @ X.T - y  # (..., n)
        return 0.5 * np.mean(r**2, axis=-1)

    f_star = float(f(w_star))

    def grad(w: np.ndarray, idx: np.ndarray | None = None) -> np.ndarray:
        Xb, yb = (X, y) if idx is None else (X[idx], y[idx])
        return Xb.T @ (Xb @ w - yb) / len(yb)

    return Problem(
        "quadratic",
        f,
        grad,
        np.array([-4.0, -3.5]),
        f_star + 1e-6,
        (-5, 5),
        (-4.5, 5.5),
        w_star,
        n,
        {"X": X, "y": y, "f_star": f_star},
    )


def _rosen_f(w: np.ndarray) -> np.ndarray:
    x, y = w[..., 0], w[..., 1]
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def _rosen_g(w: np.ndarray, idx: Any = None) -> np.ndarray:
    x, y = w
    return np.array([-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)])


_BEALE_C = (1.5, 2.25, 2.625)


def _beale_f(w: np.ndarray) -> np.ndarray:
    x, y = w[..., 0], w[..., 1]
    return sum((c - x + x * y ** (k + 1)) ** 2 for k, c in enumerate(_BEALE_C))


def _beale_g(w: np.ndarray, idx: Any = None) -> np.ndarray:
    x, y = w
    gx = gy = 0.0
    for k, c in enumerate(_BEALE_C):
        t = c - x + x * y ** (k + 1)
        gx += 2 * t * (y ** (k + 1) - 1)
        gy += 2 * t * x * (k + 1) * y**k
    return np.array([gx, gy])


def _saddle_f(w: np.ndarray) -> np.ndarray:
    return w[..., 0] ** 2 - w[..., 1] ** 2


def _saddle_g(w: np.ndarray, idx: Any = None) -> np.ndarray:
    return np.array([2 * w[0], -2 * w[1]])


PROBLEMS: dict[str, Problem] = {
    "quadratic": _make_quadratic(),
    "rosenbrock": Problem(
        "rosenbrock",
        _rosen_f,
        _rosen_g,
        np.array([-1.5, 2.0]),
        1e-6,
        (-2, 2),
        (-1, 3),
        np.array([1.0, 1.0]),
    ),
    "beale": Problem(
        "beale",
        _beale_f,
        _beale_g,
        np.array([1.0, 1.5]),
        1e-6,
        (-1, 4),
        (-1, 2),
        np.array([3.0, 0.5]),
    ),
    "saddle": Problem(
        "saddle",
        _saddle_f,
        _saddle_g,
        np.array([1.0, 1e-3]),
        -1.0,
        (-1.5, 1.5),
        (-1.5, 1.5),
        None,
        extra={"lrs": np.geomspace(1e-3, 0.1, 5)},
    ),
}


def _optim() -> Any:
    import deepgrad.optim as optim

    return optim


# name -> (optimizer class name, kwargs, batch size or None for the full gradient)
METHODS: dict[str, tuple[str, dict[str, Any], int | None]] = {
    "GD": ("SGD", {}, None),
    "SGD": ("SGD", {}, 1),
    "mini-batch SGD": ("SGD", {}, 16),
    "momentum": ("SGD", {"momentum": 0.9}, None),
    "Nesterov": ("SGD", {"momentum": 0.9, "nesterov": True}, None),
    "AdaGrad": ("Adagrad", {}, None),
    "RMSprop": ("RMSprop", {}, None),
    "Adam": ("Adam", {}, None),
}


def run(
    method: str,
    problem: Problem,
    lr: float,
    steps: int = 2000,
    seed: int = 0,
    stop_at_target: bool = True,
) -> np.ndarray:
    """Trajectory (k + 1, 2) of ``method`` (a name of :data:`METHODS`) on ``problem``: w_0 =
    start, then one row per update (see :func:`descend`)."""
    cls_name, kwargs, batch = METHODS[method]
    if batch is not None and problem.n_samples is None:
        raise ValueError(f"optlab.run: {method} needs a finite-sum problem; {problem.name} is not")
    return descend(problem, cls_name, {"lr": lr, **kwargs}, steps, batch, seed, stop_at_target)


def descend(
    problem: Problem,
    optimizer: str,
    settings: dict[str, Any],
    steps: int = 2000,
    batch: int | None = None,
    seed: int = 0,
    stop_at_target: bool = True,
) -> np.ndarray:
    """Trajectory (k + 1, 2) of the ``deepgrad.optim`` class named ``optimizer`` (``"SGD"``,
    ``"Adam"`` ...), built with ``settings`` (its keyword arguments, ``lr`` included), on
    ``problem``: w_0 = start, then one row per update.

    The parameter is a float64 ``dg.Tensor``; each step sets its ``.grad`` from the problem's
    gradient (on a random batch of ``batch`` samples when given: finite-sum problems only) and
    calls the optimizer's ``step()``. Stops early once f <= f_target (if ``stop_at_target``) or
    on divergence (f not finite or |w| > 1e6).
    """
    import deepgrad as dg

    if batch is not None and problem.n_samples is None:
        raise ValueError(f"optlab.descend: a batch needs a finite-sum problem; {problem.name} "
                         "is not")
    w = dg.Tensor(problem.start.astype(np.float64).copy(), requires_grad=True)
    opt = getattr(_optim(), optimizer)([w], **settings)
    rng = np.random.default_rng(seed)
    traj = [w.data.copy()]
    for _ in range(steps):
        idx = None if batch is None else rng.choice(problem.n_samples, batch, replace=False)
        w.grad = problem.grad(w.data, idx)
        opt.step()
        traj.append(w.data.copy())
        fw = float(problem.f(w.data))
        if not np.isfinite(fw) or np.max(np.abs(w.data)) > 1e6:
            break
        if stop_at_target and fw <= problem.f_target:
            break
    return np.array(traj)


def steps_to_tol(problem: Problem, traj: np.ndarray) -> int | None:
    """The first step k with f(w_k) <= f_target, or None if never reached."""
    hit = np.flatnonzero(problem.f(traj) <= problem.f_target)
    return int(hit[0]) if hit.size else None


def tune(
    method: str, problem: Problem, lrs: Any = None, steps: int = 2000
) -> tuple[float, int | None, np.ndarray]:
    """The learning rate (from a log grid) reaching f_target in the fewest steps.

    Returns ``(lr, steps or None, trajectory)``; if no rate reaches the target, the one ending at
    the lowest f. Default grid: 1e-4 .. 1 (9 values); on the saddle 1e-3 .. 0.1 (5 values), so
    that escaping it takes small steps rather than one leap.
    """
    if lrs is None:
        lrs = problem.extra.get("lrs", np.geomspace(1e-4, 1.0, 9))
    best: tuple[float, float, float, np.ndarray] | None = None
    for lr in lrs:
        with np.errstate(over="ignore", invalid="ignore"):
            traj = run(method, problem, float(lr), steps)
            k = steps_to_tol(problem, traj)
            final = float(problem.f(traj[-1]))
        key = (k if k is not None else np.inf, final if np.isfinite(final) else np.inf)
        if best is None or key < best[:2]:
            best = (key[0], key[1], float(lr), traj)
    assert best is not None
    k = None if best[0] == np.inf else int(best[0])
    return best[2], k, best[3]


def logistic_curves(
    X: np.ndarray,
    y: np.ndarray,
    lam: float,
    methods: dict[str, float],
    epochs: int = 30,
    batch_size: int = 32,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Mean log-loss + (lam/2) ||w||^2 per epoch for each method (name -> learning rate).

    GD uses the full batch, every other method mini-batches of ``batch_size`` (one epoch = one
    pass). Gradient: X_B^T (sigma(X_B w + b) - y_B) / m + lam w (b unpenalized).
    """
    from scipy.special import expit

    import deepgrad as dg

    n, p = X.shape

    def loss(w: np.ndarray, b: float) -> float:
        z = X @ w + b
        return float(np.mean(np.logaddexp(0, z) - y * z) + 0.5 * lam * w @ w)

    out: dict[str, np.ndarray] = {}
    for name, lr in methods.items():
        cls_name, kwargs, _ = METHODS[name]
        rng = np.random.default_rng(seed)
        w = dg.Tensor(np.zeros(p), requires_grad=True)
        b = dg.Tensor(np.zeros(1), requires_grad=True)
        opt = getattr(_optim(), cls_name)([w, b], lr=lr, **kwargs)
        curve = [loss(w.data, float(b.data[0]))]
        bs = n if name == "GD" else (1 if name == "SGD" else batch_size)
        for _ in range(epochs):
            perm = rng.permutation(n)
            for s in range(0, n, bs):
                idx = perm[s : s + bs]
                r = expit(X[idx] @ w.data + b.data[0]) - y[idx]
                w.grad = X[idx].T @ r / len(idx) + lam * w.data
                b.grad = np.array([r.mean()])
                opt.step()
            curve.append(loss(w.data, float(b.data[0])))
        out[name] = np.array(curve)
    return out


def logistic_optimum(X: np.ndarray, y: np.ndarray, lam: float) -> float:
    """The exact minimum of mean log-loss + (lam/2) ||w||^2 (b unpenalized), by Newton's method
    (quadratic convergence: the gradient reaches 1e-12)."""
    from scipy.special import expit

    n, p = X.shape
    Z = np.hstack([X, np.ones((n, 1))])
    pen = np.r_[np.full(p, lam), 0.0]

    def f_only(theta: np.ndarray) -> float:
        z = Z @ theta
        return float(np.mean(np.logaddexp(0, z) - y * z) + 0.5 * theta @ (pen * theta))

    def fgh(theta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        s = expit(Z @ theta)
        g = Z.T @ (s - y) / n + pen * theta
        H = (Z * (s * (1 - s))[:, None]).T @ Z / n + np.diag(pen)
        return f_only(theta), g, H

    from ._newton import newton

    theta, _, ok = newton(fgh, f_only, np.zeros(p + 1), max_iter=100, tol=1e-12)
    if not ok:
        raise RuntimeError("logistic_optimum: Newton's method did not converge")
    return f_only(theta)
