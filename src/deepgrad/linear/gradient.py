"""Gradient descent for least squares: full-batch GD, SGD and mini-batch SGD.

The notes' comparison "gradient descent versus the analytic solution", on the mean squared error

    L(w, b) = (1/m) sum_{i in batch} s_i (x_i^T w + b - y_i)^2,
    dL/dw   = (2/m) X_B^T S_B (X_B w + b - y_B),   S_B = diag(s_i, i in B),
    dL/db   = (2/m) sum_{i in B} s_i (x_i^T w + b - y_i),
    w^t     = w^{t-1} - eta_t * dL/dw(w^{t-1})              (the update of plain GD / SGD).

Gradient methods are not equivariant under scaling of the inputs either: the columns of X are
standardized internally (z = (x - mean) / std) so that the level lines of L are as round as the
data allow, and the coefficients are mapped back to the original units at the end
(w = w_z / std, b = b_z - mean^T w). The sample weights s_i are scaled to mean 1 (all 1 when
none are given), so that full-batch GD on weights is GD on the repeated samples.

Two engines:

* ``optimizer=None``: the update above written out in NumPy (float64);
* ``optimizer=<a deepgrad optimizer class>`` (e.g. ``deepgrad.optim.SGD`` or ``Adam``): the
  parameters become ``dg.Tensor`` leaves, the loss is built from deepgrad ops and
  ``opt.zero_grad(); loss.backward(); opt.step()`` moves them. Any object following the
  PyTorch-like protocol ``opt = optimizer([w, b], lr=..., **optimizer_kwargs)`` with
  ``zero_grad()`` and ``step()`` works. This is the hook for ``deepgrad.optim``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["least_squares_gd", "GDResult"]


class GDResult:
    """Result of :func:`least_squares_gd`: coef, intercept, loss history, epochs run."""

    def __init__(
        self, coef: np.ndarray, intercept: float, losses: list[float], n_iter: int, converged: bool
    ) -> None:
        self.coef = coef
        self.intercept = intercept
        self.losses = losses
        self.n_iter = n_iter
        self.converged = converged


def _standardize(
    X: np.ndarray, center: bool, s: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    mean = np.average(X, axis=0, weights=s) if center else np.zeros(X.shape[1])
    scale = np.sqrt(np.average((X - mean) ** 2, axis=0, weights=s))
    scale = np.where(scale > 1e-12 * np.maximum(np.abs(mean), 1.0), scale, 1.0)
    return (X - mean) / scale, mean, scale


def least_squares_gd(
    X: np.ndarray,
    y: np.ndarray,
    *,
    fit_intercept: bool = True,
    solver: str = "gd",
    learning_rate: float | None = None,
    max_iter: int = 1000,
    batch_size: int | None = None,
    tol: float = 1e-10,
    random_state: int | np.random.Generator | None = 0,
    optimizer: Any = None,
    optimizer_kwargs: dict | None = None,
    sample_weight: np.ndarray | None = None,
) -> GDResult:
    """Minimize the MSE by (mini-batch) gradient descent; ``max_iter`` counts epochs.

    ``solver="gd"`` uses the whole data set per step (batch_size = n); ``"sgd"`` picks
    ``batch_size`` random examples per step (default 1: stochastic gradient descent; larger:
    mini-batch). ``learning_rate=None`` means 1/L for GD, where L = 2 * lambda_max(Z^T Z / n) is
    the Lipschitz constant of the gradient (the largest safe constant step), and 0.01 for SGD.
    Stops when an epoch moves the (standardized) parameters by less than
    ``tol * max(1, max|theta|)`` in max-norm (with mini-batches, whose steps never vanish at a
    constant rate, this rarely triggers: they run ``max_iter`` epochs).
    """
    if solver not in ("gd", "sgd"):
        raise ValueError(f"least_squares_gd: solver must be 'gd' or 'sgd', got {solver!r}")
    n, p = X.shape
    s = np.ones(n) if sample_weight is None else sample_weight / np.mean(sample_weight)
    Z, mean, scale = _standardize(X, fit_intercept, s)
    y_off = float(np.average(y, weights=s)) if fit_intercept else 0.0
    yc = y - y_off
    if batch_size is None:
        batch_size = n if solver == "gd" else 1
    if not 1 <= batch_size <= n:
        raise ValueError(f"least_squares_gd: batch_size must be in [1, {n}], got {batch_size}")
    if learning_rate is None:
        if solver == "gd":
            lip = 2.0 * np.linalg.norm(Z * np.sqrt(s)[:, None], 2) ** 2 / n
            learning_rate = 1.0 / max(lip, 1e-12)
        else:
            learning_rate = 0.01
    rng = np.random.default_rng(random_state)

    with np.errstate(over="ignore", invalid="ignore"):
        w, b, losses, n_iter, conv = _run(
            Z,
            yc,
            s,
            fit_intercept,
            learning_rate,
            max_iter,
            batch_size,
            tol,
            rng,
            optimizer,
            optimizer_kwargs,
        )
    coef = w / scale
    intercept = float(b + y_off - mean @ coef) if fit_intercept else 0.0
    return GDResult(coef, intercept, losses, n_iter, conv)


def _run(
    Z, yc, s, fit_intercept, learning_rate, max_iter, batch_size, tol, rng, optimizer, opt_kwargs
):
    if optimizer is None:
        w, b, losses, n_iter, conv = _numpy_loop(
            Z, yc, s, fit_intercept, learning_rate, max_iter, batch_size, tol, rng
        )
    else:
        w, b, losses, n_iter, conv = _optimizer_loop(
            Z,
            yc,
            s,
            fit_intercept,
            learning_rate,
            max_iter,
            batch_size,
            tol,
            rng,
            optimizer,
            opt_kwargs or {},
        )
    return w, b, losses, n_iter, conv


def _batches(n: int, batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    if batch_size == n:
        return [np.arange(n)]
    perm = rng.permutation(n)
    return [perm[i : i + batch_size] for i in range(0, n, batch_size)]


def _moved_less_than(old: np.ndarray, new: np.ndarray, tol: float) -> bool:
    return float(np.max(np.abs(new - old))) <= tol * max(1.0, float(np.max(np.abs(new))))


def _numpy_loop(Z, y, s, fit_intercept, lr, max_iter, batch_size, tol, rng):
    n, p = Z.shape
    w = np.zeros(p)
    b = 0.0
    losses: list[float] = []
    for epoch in range(1, max_iter + 1):
        old = np.append(w, b)
        for idx in _batches(n, batch_size, rng):
            Zb = Z[idx]
            r = (Zb @ w + b - y[idx]) * s[idx]  # weighted residual of the batch
            w -= lr * (2.0 / idx.size) * (Zb.T @ r)
            if fit_intercept:
                b -= lr * (2.0 / idx.size) * r.sum()
        loss = float(np.mean(s * (Z @ w + b - y) ** 2))
        losses.append(loss)
        if not np.isfinite(loss):
            raise FloatingPointError(
                f"least_squares_gd: the loss diverged at epoch {epoch} (learning_rate={lr}); "
                "use a smaller learning_rate"
            )
        if _moved_less_than(old, np.append(w, b), tol):
            return w, b, losses, epoch, True
    return w, b, losses, max_iter, False


def _optimizer_loop(Z, y, s, fit_intercept, lr, max_iter, batch_size, tol, rng, optimizer, kwargs):
    # deepgrad.optim hook: parameters as float64 Tensor leaves, loss through deepgrad ops.
    import deepgrad as dg

    n, p = Z.shape
    w = dg.Tensor(np.zeros(p), requires_grad=True)
    b = dg.Tensor(np.zeros(()), requires_grad=True)
    params = [w, b] if fit_intercept else [w]
    opt = optimizer(params, lr=lr, **kwargs)
    losses: list[float] = []
    old = np.zeros(p + 1)
    for epoch in range(1, max_iter + 1):
        for idx in _batches(n, batch_size, rng):
            opt.zero_grad()
            pred = dg.matmul(dg.Tensor(Z[idx]), w)
            if fit_intercept:
                pred = pred + b
            diff = pred - dg.Tensor(y[idx])
            loss_t = dg.mean(diff * diff * dg.Tensor(s[idx]))
            loss_t.backward()
            opt.step()
        wv = np.asarray(w.data, dtype=np.float64)
        bv = float(b.data) if fit_intercept else 0.0
        loss = float(np.mean(s * (Z @ wv + bv - y) ** 2))
        losses.append(loss)
        if not np.isfinite(loss):
            raise FloatingPointError(
                f"least_squares_gd: the loss diverged at epoch {epoch} with optimizer "
                f"{getattr(optimizer, '__name__', optimizer)} (lr={lr}); use a smaller lr"
            )
        new = np.append(wv, bv)
        if _moved_less_than(old, new, tol):
            return wv.copy(), bv, losses, epoch, True
        old = new
    return (
        np.asarray(w.data, dtype=np.float64).copy(),
        (float(b.data) if fit_intercept else 0.0),
        losses,
        max_iter,
        False,
    )
