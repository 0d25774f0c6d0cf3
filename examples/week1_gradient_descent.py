"""Week 1: gradient descent by hand on least squares, the way PyTorch's tutorials write it.

    python examples/week1_gradient_descent.py

Fits y ~ X w + b on scikit-learn's diabetes data (standardized) with the update
w <- w - lr * dC/dw written as ``w -= lr * w.grad`` under ``no_grad``, and compares the result
with the normal equations' solution w* = (X^T X)^{-1} X^T y.
"""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.preprocessing import StandardScaler

import deepgrad as dg


def main(steps: int = 2000, lr: float = 0.1) -> float:
    X, y = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    y = (y - y.mean()) / y.std()
    Xt, yt = dg.tensor(X, dtype=np.float64), dg.tensor(y[:, None], dtype=np.float64)
    w = dg.tensor(np.zeros((X.shape[1], 1)), dtype=np.float64, requires_grad=True)
    b = dg.tensor(np.zeros(1), dtype=np.float64, requires_grad=True)
    for step in range(steps):
        loss = ((Xt @ w + b - yt) ** 2).mean()
        loss.backward()
        with dg.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        w.grad = b.grad = None
        if step % 500 == 0:
            print(f"step {step:5d}  MSE {loss.item():.6f}")
    A = np.hstack([X, np.ones((len(X), 1))])
    exact = np.linalg.lstsq(A, y, rcond=None)[0]
    gap = float(np.abs(np.append(w.data[:, 0], b.data) - exact).max())
    print(f"final MSE {loss.item():.6f}; largest |w - w*| against the normal equations: {gap:.2e}")
    return gap


if __name__ == "__main__":
    main()
