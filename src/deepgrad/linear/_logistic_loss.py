"""The penalized cross-entropy of logistic and softmax regression, its gradient and Hessian.

Parameters theta: for two classes one vector (b, w) (b first when there is an intercept); for
K classes a (K, q) matrix flattened row by row, q = p + 1 with the intercepts in column 0. A is
the design matrix (a column of ones first with an intercept), s the sample weights, S = sum s,
and ``ridge`` the per-parameter L2 strengths (0 for the intercepts). The objective is
scikit-learn's scaling, the weighted *mean* loss:

    F(theta) = (1/S) [ sum_i s_i CE_i(theta) + (1/2) sum_j ridge_j theta_j^2 ],
    two classes:  CE_i = log(1 + e^{z_i}) - y_i z_i,    z = A theta, y in {0, 1},
    K classes:    CE_i = -log softmax(z_i)_{y_i},       z_i = Theta a_i,

    gradient (the delta of the notes: dCE/dz = p - y)
        two classes: (1/S) [A^T (s * (p - y)) + ridge * theta],   p = sigma(z)
        K classes:   (1/S) [(s * (P - Y))^T A + ridge * Theta],   P = softmax(Z)
    Hessian
        two classes: (1/S) [A^T diag(s p (1 - p)) A + diag(ridge)]
        K classes:   (1/S) [sum_i s_i (diag(p_i) - p_i p_i^T) (x) a_i a_i^T + diag(ridge)].
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import special

__all__ = ["sigmoid", "log_softmax", "softmax", "binary_objective", "multinomial_objective"]


def sigmoid(z: np.ndarray) -> np.ndarray:
    """sigma(z) = 1 / (1 + e^{-z}) (scipy's expit: no overflow, full relative precision)."""
    return special.expit(z)


def log_softmax(z: np.ndarray) -> np.ndarray:
    """log softmax(z) along the last axis: z - logsumexp(z), stable for large scores."""
    m = z.max(axis=-1, keepdims=True)
    return z - m - np.log(np.sum(np.exp(z - m), axis=-1, keepdims=True))


def softmax(z: np.ndarray) -> np.ndarray:
    """softmax(z)_k = e^{z_k} / sum_j e^{z_j} along the last axis."""
    return np.exp(log_softmax(z))


Objective = tuple[
    Callable[[np.ndarray], float],  # F
    Callable[[np.ndarray], tuple[float, np.ndarray]],  # F, grad F
    Callable[[np.ndarray], tuple[float, np.ndarray, np.ndarray]],  # F, grad, Hessian
]


def binary_objective(A: np.ndarray, y01: np.ndarray, s: np.ndarray, ridge: np.ndarray) -> Objective:
    """F, (F, g) and (F, g, H) of the two-class problem (module docstring)."""
    S = float(s.sum())

    def f(theta: np.ndarray) -> float:
        z = A @ theta
        return (float(s @ (np.logaddexp(0.0, z) - y01 * z)) + 0.5 * float(ridge @ theta**2)) / S

    def fg(theta: np.ndarray) -> tuple[float, np.ndarray]:
        z = A @ theta
        F = (float(s @ (np.logaddexp(0.0, z) - y01 * z)) + 0.5 * float(ridge @ theta**2)) / S
        return F, (A.T @ (s * (sigmoid(z) - y01)) + ridge * theta) / S

    def fgh(theta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        F, g = fg(theta)
        p = sigmoid(A @ theta)
        H = ((A * (s * p * (1.0 - p))[:, None]).T @ A + np.diag(ridge)) / S
        return F, g, H

    return f, fg, fgh


def multinomial_objective(
    A: np.ndarray, Y: np.ndarray, s: np.ndarray, ridge: np.ndarray
) -> Objective:
    """F, (F, g) and (F, g, H) of the K-class problem; Y is the (n, K) one-hot matrix."""
    n, q = A.shape
    K = Y.shape[1]
    S = float(s.sum())

    def f(theta: np.ndarray) -> float:
        logp = log_softmax(A @ theta.reshape(K, q).T)
        return (-float(s @ np.sum(Y * logp, axis=1)) + 0.5 * float(ridge @ theta**2)) / S

    def fg(theta: np.ndarray) -> tuple[float, np.ndarray]:
        logp = log_softmax(A @ theta.reshape(K, q).T)
        F = (-float(s @ np.sum(Y * logp, axis=1)) + 0.5 * float(ridge @ theta**2)) / S
        delta = (np.exp(logp) - Y) * s[:, None]  # dCE/dz = p - y, weighted
        return F, ((delta.T @ A).ravel() + ridge * theta) / S

    def fgh(theta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        F, g = fg(theta)
        P = softmax(A @ theta.reshape(K, q).T)
        # a block diagonal part minus one Gram matrix of the rows p_i (x) a_i (one large GEMM
        # instead of K^2 small ones)
        M = (P[:, :, None] * A[:, None, :]).reshape(n, K * q)
        H = -((M * s[:, None]).T @ M)
        for k in range(K):
            H[k * q : (k + 1) * q, k * q : (k + 1) * q] += (A * (s * P[:, k])[:, None]).T @ A
        H[np.diag_indices_from(H)] += ridge
        return F, g, H / S

    return f, fg, fgh
