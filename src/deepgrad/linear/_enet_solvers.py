"""The solvers of the lasso and the elastic net, on centered data (:mod:`deepgrad.linear.lasso`).

All minimize the n-scaled objective  0.5 ||y - Z w||^2 + l1 ||w||_1 + 0.5 l2 ||w||^2
(l1 = n alpha l1_ratio, l2 = n alpha (1 - l1_ratio)), optionally with w >= 0, and stop when the
duality gap is <= tol ||y||^2 (scikit-learn's criterion, which bounds the distance to the
optimal objective). Each returns ``(w, gap, n_iter, converged)``.

* :func:`cd`: cyclic (or random) coordinate descent; coordinate j has the closed-form minimizer
      w_j <- S(z_j^T r_(j), l1) / (z_j^T z_j + l2),
  with r_(j) the residual without feature j and S(u, t) = sign(u) max(|u| - t, 0);
* :func:`cd_gram`: the same sweeps on the Gram matrix Q = Z^T Z and q = Z^T y (scikit-learn's
  ``precompute=True``): z_j^T r_(j) = q_j - (Q w)_j + Q_jj w_j;
* :func:`fista`: proximal gradient with Nesterov momentum and adaptive restart,
      w <- S(v - (1/L) grad f(v), l1 / L),   L = s_max(Z)^2 + l2.
"""

from __future__ import annotations

import numpy as np

__all__ = ["soft_threshold", "duality_gap", "cd", "cd_gram", "fista"]


def soft_threshold(u: np.ndarray | float, t: float) -> np.ndarray | float:
    """S(u, t) = sign(u) max(|u| - t, 0): the proximal map of t |.|."""
    return np.sign(u) * np.maximum(np.abs(u) - t, 0.0)


def duality_gap(
    R2: float, Ry: float, XtR: np.ndarray, w: np.ndarray, l1: float, l2: float, positive: bool
) -> float:
    """Duality gap of 0.5||y - Z w||^2 + l1 ||w||_1 + 0.5 l2 ||w||^2 (scikit-learn's formulas).

    Given R2 = ||R||^2, Ry = R^T y and XtR = Z^T R for the residual R = y - Z w. The dual point is
    the residual scaled into the dual feasible set, theta = R min(1, l1 / ||Z^T R - l2 w||_inf);
    with l1 = 0 the ridge dual ("formulation B"), with l1 = l2 = 0 the gradient norm ||Z^T R||^2.
    """
    w2 = float(w @ w) if l2 > 0 else 0.0
    if l1 == 0:
        if l2 == 0:
            return float(XtR @ XtR)
        return R2 + 0.5 * l2 * w2 - Ry + float(XtR @ XtR) / (2 * l2)
    XtA = XtR - l2 * w
    dual_norm = (float(np.max(XtA)) if positive else float(np.max(np.abs(XtA)))) if w.size else 0
    primal = 0.5 * (R2 + l2 * w2) + l1 * float(np.abs(w).sum())
    scale = l1 / dual_norm if dual_norm > l1 else 1.0
    dual = -0.5 * scale**2 * (R2 + l2 * w2) + scale * Ry
    return primal - dual


def _coordinate(tmp: float, l1: float, denom: float, positive: bool) -> float:
    if positive and tmp < 0:
        return 0.0
    return float(np.sign(tmp) * max(abs(tmp) - l1, 0.0) / denom)


def _order(p: int, rng: np.random.RandomState | None) -> np.ndarray:
    return rng.randint(p, size=p) if rng is not None else np.arange(p)


def cd(Z, y, w, l1, l2, max_iter, tol, positive=False, rng=None):
    """Coordinate descent on the residual r = y - Z w (``rng``: random coordinate selection)."""
    p = Z.shape[1]
    col_sq = np.einsum("ij,ij->j", Z, Z)
    R = y - Z @ w
    tol_abs = tol * float(y @ y)

    def gap() -> float:
        return duality_gap(float(R @ R), float(R @ y), Z.T @ R, w, l1, l2, positive)

    g = gap()
    if g <= tol_abs:
        return w, g, 0, True
    for it in range(max_iter):
        w_max = d_max = 0.0
        for j in _order(p, rng):
            if col_sq[j] == 0.0:
                continue
            wj = w[j]
            new = _coordinate(Z[:, j] @ R + wj * col_sq[j], l1, col_sq[j] + l2, positive)
            if new != wj:
                R += (wj - new) * Z[:, j]
                w[j] = new
            d_max = max(d_max, abs(new - wj))
            w_max = max(w_max, abs(new))
        if w_max == 0.0 or d_max / w_max <= tol or it == max_iter - 1:
            g = gap()
            if g <= tol_abs:
                return w, g, it + 1, True
    return w, g, max_iter, False


def cd_gram(Z, y, w, l1, l2, max_iter, tol, positive=False, rng=None):
    """Coordinate descent on the Gram matrix Q = Z^T Z (the same iterates as :func:`cd`)."""
    p = Z.shape[1]
    Q, q, yy = Z.T @ Z, Z.T @ y, float(y @ y)
    H = Q @ w
    tol_abs = tol * yy

    def gap() -> float:
        wq = float(w @ q)
        R2 = yy - 2 * wq + float(w @ H)
        return duality_gap(R2, yy - wq, q - H, w, l1, l2, positive)

    g = gap()
    if g <= tol_abs:
        return w, g, 0, True
    for it in range(max_iter):
        w_max = d_max = 0.0
        for j in _order(p, rng):
            if Q[j, j] == 0.0:
                continue
            wj = w[j]
            new = _coordinate(q[j] - H[j] + wj * Q[j, j], l1, Q[j, j] + l2, positive)
            if new != wj:
                H += (new - wj) * Q[:, j]
                w[j] = new
            d_max = max(d_max, abs(new - wj))
            w_max = max(w_max, abs(new))
        if w_max == 0.0 or d_max / w_max <= tol or it == max_iter - 1:
            g = gap()
            if g <= tol_abs:
                return w, g, it + 1, True
    return w, g, max_iter, False


def fista(Z, y, w, l1, l2, max_iter, tol, positive=False, rng=None):
    """FISTA with adaptive restart; the gap is checked every 10 steps (``rng`` is unused)."""
    L = (np.linalg.norm(Z, 2) ** 2 if Z.size else 0.0) + l2
    tol_abs = tol * float(y @ y)

    def gap(w: np.ndarray) -> float:
        R = y - Z @ w
        return duality_gap(float(R @ R), float(R @ y), Z.T @ R, w, l1, l2, positive)

    if L == 0.0:
        return w, gap(w), 1, True

    def prox(u: np.ndarray) -> np.ndarray:
        return np.maximum(u - l1 / L, 0.0) if positive else soft_threshold(u, l1 / L)

    v, t = w.copy(), 1.0
    for it in range(1, max_iter + 1):
        grad = Z.T @ (Z @ v - y) + l2 * v
        w_new = prox(v - grad / L)
        t_new = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t))
        if (v - w_new) @ (w_new - w) > 0:  # adaptive restart: momentum points uphill
            t_new, v = 1.0, w_new.copy()
        else:
            v = w_new + ((t - 1.0) / t_new) * (w_new - w)
        w, t = w_new, t_new
        if it % 10 == 0 or it == max_iter:
            g = gap(w)
            if g <= tol_abs:
                return w, g, it, True
    return w, g, max_iter, False


SOLVERS = {"cd": cd, "cd_gram": cd_gram, "proximal": fista}
