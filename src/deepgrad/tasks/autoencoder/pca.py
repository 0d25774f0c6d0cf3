"""PCA as the simplest autoencoder, trained by gradient descent, checked against an SVD.

The linear autoencoder ``x_hat = mu + W_d W_e (x - mu)`` is trained on the exact mean squared
error of the whole training set. For a linear model that error depends on the images only
through their covariance S (``LinearAutoencoder.covariance_loss``), so each full-batch gradient
step costs k x D x D instead of N x D x k, and its gradient has no mini-batch noise. Noise-free
steps matter here: the error barely changes when the code turns between principal components of
nearly equal variance (on MNIST the 32nd and 33rd differ by 7%), and only exact gradients follow
that slope down to the principal subspace.

Optimizer: Nesterov momentum 0.9 with the step size 0.08 D / lambda_1, lambda_1 the largest
eigenvalue of S from power iteration (the curvature scale; it sets a stable step, like the
Lipschitz constant of a proximal method, and says nothing about the subspace); in float64, where
the weights of pixels that never vary decay toward zero without reaching subnormal floats.

:func:`principal_angles` measures the result: the angles between the span of W_d's columns and
the top k right singular vectors of the centred training images (an SVD), all 0 when the
autoencoder has found PCA's subspace.
"""

from __future__ import annotations

import math

import numpy as np

from ... import optim
from ...models import LinearAutoencoder
from ...random import get_rng
from ...tensor import Tensor
from ...train.watch import label

__all__ = ["fit_linear_autoencoder", "principal_components", "principal_angles",
           "largest_eigenvalue"]

STEP_SCALE = 0.08  # step = STEP_SCALE * D / lambda_1 (0.25 diverged on MNIST, 0.1 did not)


def largest_eigenvalue(cov: np.ndarray, iterations: int = 100) -> float:
    """lambda_1 of a symmetric positive semi-definite matrix by power iteration."""
    v = np.ones(cov.shape[0]) / math.sqrt(cov.shape[0])
    lam = 0.0
    for _ in range(iterations):
        w = cov @ v
        lam = float(np.linalg.norm(w))
        if lam == 0.0:
            return 0.0
        v = w / lam
    return lam


def fit_linear_autoencoder(model: LinearAutoencoder, x: np.ndarray, steps: int) -> list[float]:
    """Train ``model`` on images ``x`` (N x C x H x W): set its mean, then ``steps`` full-batch
    Nesterov steps on the covariance form of the MSE. Returns the loss after every 10th step
    (and the last). The weights start small and random (N(0, 1/D), deepgrad's generator)."""
    flat = x.reshape(len(x), -1).astype(np.float64)
    mu = flat.mean(axis=0)
    centred = flat - mu
    cov = centred.T @ centred / len(flat)
    d, k = cov.shape[0], model.code_size
    model.mean = mu.astype(np.float32)
    model.double()
    rng = get_rng()
    model.encoder.weight.data[...] = rng.standard_normal((k, d)) / math.sqrt(d)
    model.decoder.weight.data[...] = rng.standard_normal((d, k)) / math.sqrt(d)
    lam1 = largest_eigenvalue(cov)
    lr = STEP_SCALE * d / lam1 if lam1 > 0 else 1.0
    label(model, "pca")  # how a watch of the training names it
    opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9, nesterov=True)
    s, total = Tensor(cov), float(np.trace(cov))
    losses = []
    for step in range(steps):
        loss = model.covariance_loss(s, total)
        value = float(loss.data)
        if not math.isfinite(value):
            raise FloatingPointError(f"the linear autoencoder diverged at step {step} (loss "
                                     f"{value}); step size {lr:.3g}")
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 10 == 0 or step == steps - 1:
            losses.append(value)
    model.float()
    return losses


def principal_components(x: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The mean image (D,) and the top ``k`` principal directions (D x k, orthonormal columns):
    right singular vectors of the centred images N x D from an SVD."""
    flat = x.reshape(len(x), -1).astype(np.float64)
    mu = flat.mean(axis=0)
    _, _, vt = np.linalg.svd(flat - mu, full_matrices=False)
    return mu, vt[:k].T


def principal_angles(decoder_weight: np.ndarray, components: np.ndarray) -> np.ndarray:
    """The principal angles (radians, largest first) between span(W_d) and span(components)."""
    from scipy.linalg import subspace_angles

    return subspace_angles(np.asarray(decoder_weight, np.float64),
                           np.asarray(components, np.float64))
