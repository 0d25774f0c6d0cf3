"""Backpropagation by hand: the notes' four equations for a dense network, in NumPy.

A network of L layers: a^0 = x, then for l = 1..L

    z^l = w^l a^{l-1} + b^l,      a^l = sigma(z^l)

(w^l is n_l x n_{l-1}, PyTorch's ``Linear.weight`` layout). With the error of neuron j in
layer l defined as delta^l_j = dC/dz^l_j, the four fundamental equations are

    BP1   delta^L = nabla_a C ⊙ sigma'(z^L)                  (the output layer)
    BP2   delta^l = ((w^{l+1})^T delta^{l+1}) ⊙ sigma'(z^l)   (one layer back)
    BP3   dC/db^l_j = delta^l_j
    BP4   dC/dw^l_jk = a^{l-1}_k delta^l_j

for one example; the cost of a batch is the average C = (1/n) sum_x C_x, so the batch's
gradients are the averages of the examples'. Rows are examples here: z^l = a^{l-1} (w^l)^T + b^l,
and BP4 summed over the batch is (delta^l)^T a^{l-1} / n. The cost is the quadratic
C_x = (1/2) ||y - a^L||^2, whose nabla_a C is a^L - y.

This is the readable path: deepgrad's autodiff (``Tensor.backward``) computes the same
gradients from the recorded graph, and the tests check the two against each other and PyTorch.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["ACTIVATIONS", "forward_plain", "backprop_plain", "quadratic_cost"]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


ACTIVATIONS = {  # name -> (sigma, sigma')
    "sigmoid": (_sigmoid, lambda z: _sigmoid(z) * (1.0 - _sigmoid(z))),
    "tanh": (np.tanh, lambda z: 1.0 - np.tanh(z) ** 2),
    "relu": (lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(z.dtype)),
}


def _check(
    weights: Sequence[np.ndarray], biases: Sequence[np.ndarray], x: np.ndarray, activation: str
) -> None:
    if activation not in ACTIVATIONS:
        raise ValueError(
            f"backprop_plain: activation must be one of {', '.join(ACTIVATIONS)}, "
            f"got {activation!r}"
        )
    if len(weights) != len(biases) or not weights:
        raise ValueError(
            f"backprop_plain: {len(weights)} weight matrices and {len(biases)} "
            "bias vectors; give one of each per layer"
        )
    fan_in = x.shape[1] if x.ndim == 2 else None
    for l, (w, b) in enumerate(zip(weights, biases, strict=True), 1):
        if w.ndim != 2 or w.shape[1] != fan_in or b.shape != (w.shape[0],):
            raise ValueError(
                f"backprop_plain: layer {l} has w {w.shape} and b {b.shape} but "
                f"receives {fan_in} activations (x is {x.shape}); expected w "
                f"(n_{l}, {fan_in}) and b (n_{l},)"
            )
        fan_in = w.shape[0]


def forward_plain(
    weights: Sequence[np.ndarray],
    biases: Sequence[np.ndarray],
    x: np.ndarray,
    activation: str = "sigmoid",
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The forward pass: ``(zs, activations)`` with zs[l-1] = z^l and activations[l] = a^l
    (activations[0] = x), every layer through ``activation`` as in the notes."""
    _check(weights, biases, x, activation)
    sigma = ACTIVATIONS[activation][0]
    zs, activations = [], [x]
    for w, b in zip(weights, biases, strict=True):
        zs.append(activations[-1] @ w.T + b)
        activations.append(sigma(zs[-1]))
    return zs, activations


def quadratic_cost(a: np.ndarray, y: np.ndarray) -> float:
    """C = (1/n) sum_x (1/2) ||y(x) - a^L(x)||^2."""
    return float(0.5 * np.sum((a - y) ** 2) / len(a))


def backprop_plain(
    weights: Sequence[np.ndarray],
    biases: Sequence[np.ndarray],
    x: np.ndarray,
    y: np.ndarray,
    activation: str = "sigmoid",
) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """``(grad_w, grad_b, deltas)`` of the quadratic cost averaged over the batch ``x`` (N x
    n_0) with targets ``y`` (N x n_L), by BP1-BP4; deltas[l-1] is delta^l, one row per example."""
    zs, activations = forward_plain(weights, biases, x, activation)
    if y.shape != activations[-1].shape:
        raise ValueError(
            f"backprop_plain: targets y have shape {y.shape}, the network's output "
            f"a^L has {activations[-1].shape}"
        )
    d_sigma = ACTIVATIONS[activation][1]
    n = len(x)
    deltas: list[np.ndarray] = [np.empty(0)] * len(weights)
    deltas[-1] = (activations[-1] - y) * d_sigma(zs[-1])  # BP1, nabla_a C = a^L - y
    for l in range(len(weights) - 2, -1, -1):
        deltas[l] = (deltas[l + 1] @ weights[l + 1]) * d_sigma(zs[l])  # BP2
    grad_b = [d.sum(axis=0) / n for d in deltas]  # BP3, averaged over the batch
    grad_w = [d.T @ a / n for d, a in zip(deltas, activations[:-1], strict=True)]  # BP4
    return grad_w, grad_b, deltas
