"""Second-order solvers shared by the logistic models: damped Newton and proximal Newton (L1).

Newton's method minimizes the local quadratic model of a smooth convex F:

    theta <- theta + t d,   (H + eps I) d = -g   (g = grad F, H = Hessian; a tiny eps =
        1e-12 trace(H)/dim keeps the Cholesky solve defined when H is singular -- e.g. the
        softmax's shift invariance, a direction in which g has no component anyway),

with t found by backtracking (Armijo: F(theta + t d) <= F(theta) + 1e-4 t g^T d). Near the
optimum t = 1 and convergence is quadratic.

Proximal Newton for F(theta) = f(theta) + lam sum_{j in P} |theta_j| (glmnet's scheme): the
direction minimizes g^T d + 0.5 d^T H d + lam ||theta_P + d_P||_1 by cyclic coordinate descent,

    u_j <- S(H_jj theta_j - b_j, lam) / H_jj,   b_j = g_j + (H d)_j - H_jj d_j,

(S the soft-thresholding operator; unpenalized coordinates skip S), then the same backtracking
on F with the decrease g^T d + lam (||theta_P + d_P||_1 - ||theta_P||_1).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import linalg

Fun = Callable[[np.ndarray], tuple[float, np.ndarray, np.ndarray]]


def _newton_direction(H: np.ndarray, g: np.ndarray) -> np.ndarray:
    eps = 1e-12 * max(float(np.trace(H)) / max(H.shape[0], 1), 1e-300)
    try:
        return linalg.cho_solve(linalg.cho_factor(H + eps * np.eye(H.shape[0])), -g)
    except linalg.LinAlgError:
        return np.linalg.lstsq(H, -g, rcond=None)[0]


def newton(
    fgh: Fun, f_only: Callable[[np.ndarray], float], theta: np.ndarray, max_iter: int, tol: float
) -> tuple[np.ndarray, int, bool]:
    """Damped Newton; stops when max |g| <= tol. Returns (theta, iterations, converged)."""
    for it in range(1, max_iter + 1):
        f, g, H = fgh(theta)
        if float(np.max(np.abs(g))) <= tol:
            return theta, it - 1, True
        d = _newton_direction(H, g)
        slope = float(g @ d)
        if slope >= 0:  # numerically not a descent direction: fall back to the gradient
            d, slope = -g, -float(g @ g)
        t = 1.0
        while t > 1e-12:
            if f_only(theta + t * d) <= f + 1e-4 * t * slope:
                break
            t *= 0.5
        else:
            return theta, it, False
        theta = theta + t * d
    f, g, _ = fgh(theta)
    return theta, max_iter, bool(np.max(np.abs(g)) <= tol)


def l1_violation(theta: np.ndarray, g: np.ndarray, lam: float, penalized: np.ndarray) -> float:
    """Largest violation of the optimality conditions of f + lam ||theta_P||_1."""
    v = np.abs(g).copy()
    pen = penalized
    nz = pen & (theta != 0)
    z = pen & (theta == 0)
    v[nz] = np.abs(g[nz] + lam * np.sign(theta[nz]))
    v[z] = np.maximum(np.abs(g[z]) - lam, 0.0)
    return float(v.max()) if v.size else 0.0


def prox_newton(
    fgh: Fun,
    f_only: Callable[[np.ndarray], float],
    theta: np.ndarray,
    lam: float,
    penalized: np.ndarray,
    max_iter: int,
    tol: float,
    inner_sweeps: int = 100,
) -> tuple[np.ndarray, int, bool]:
    """Proximal Newton for f + lam ||theta_P||_1 (see the module docstring)."""
    q = theta.size
    for it in range(1, max_iter + 1):
        f, g, H = fgh(theta)
        if l1_violation(theta, g, lam, penalized) <= tol:
            return theta, it - 1, True
        d = np.zeros(q)
        Hd = np.zeros(q)
        diag = np.maximum(np.diag(H).copy(), 1e-12)
        for _ in range(inner_sweeps):
            biggest = 0.0
            for j in range(q):
                b = g[j] + Hd[j] - diag[j] * d[j]
                if penalized[j]:
                    a = diag[j] * theta[j] - b
                    u = np.sign(a) * max(abs(a) - lam, 0.0) / diag[j]
                else:
                    u = theta[j] - b / diag[j]
                step = (u - theta[j]) - d[j]
                if step != 0.0:
                    d[j] += step
                    Hd += step * H[:, j]
                    biggest = max(biggest, abs(step))
            if biggest <= 1e-3 * tol / max(diag.max(), 1.0):
                break
        pen_old = lam * float(np.abs(theta[penalized]).sum())
        F = f + pen_old
        tp = theta[penalized]
        decrease = float(g @ d) + lam * float(np.sum(np.abs(tp + d[penalized]) - np.abs(tp)))
        if decrease >= 0:
            return theta, it, l1_violation(theta, g, lam, penalized) <= tol
        if -decrease <= 1e-13 * (1.0 + abs(F)):
            # below the resolution of F: the line search cannot judge; the unit step is right
            theta = theta + d
            continue
        t = 1.0
        while t > 1e-12:
            new = theta + t * d
            if f_only(new) + lam * float(np.abs(new[penalized]).sum()) <= F + 1e-4 * t * decrease:
                break
            t *= 0.5
        else:
            return theta, it, False
        theta = theta + t * d
    f, g, _ = fgh(theta)
    return theta, max_iter, l1_violation(theta, g, lam, penalized) <= tol
