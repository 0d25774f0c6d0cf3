"""Measuring a generator instead of eyeballing it, with a classifier trained here on the same
images (the mnist task's CNN, ``models.mnist_cnn``).

- ``fid``: the Fréchet distance between Gaussians fitted to the classifier's penultimate
  features (128 numbers after the last ReLU) of real test images and of generated ones,

      FID = |mu_r - mu_g|^2 + tr(S_r + S_g - 2 (S_r S_g)^(1/2))        (Heusel et al. 2017)

  Lower is better; 0 for identical statistics. It is NOT the FID of the literature: that one
  uses Inception-v3's 2048 pool features on ImageNet-like photos, so its numbers cannot be
  compared with these (even their scale differs). ``fid_train_vs_test``, between real training
  and real test images, is this measure's floor for the sample size.
- ``classifier_confidence``: the mean of the classifier's largest class probability over the
  samples; high when samples look like one definite class.
- ``class_coverage``: the entropy of the histogram of predicted classes over the samples divided
  by log 10: 1 when every class is generated equally often, 0 when one class is (mode collapse).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ... import models
from ...tensor import Tensor, no_grad
from ...train.watch import label

__all__ = ["Judge", "train_judge", "frechet_distance", "fid", "confidence_and_coverage"]


class Judge:
    """The trained classifier: ``features(x)`` (N x 128) and ``proba(x)`` (N x 10) for images
    in [0, 1] (N x 1 x H x W), standardized with the training images' mean and std;
    ``classes``: the names of its classes, when known."""

    def __init__(self, model: Any, mean: float, std: float,
                 classes: list[str] | None = None) -> None:
        self.model, self.mean, self.std = model, float(mean), float(std)
        self.classes = classes
        model.eval()
        self.body, self.head = model[:-2], model[-2:]  # up to the ReLU of the 128 features

    def _prep(self, x: np.ndarray) -> np.ndarray:
        return ((np.asarray(x, np.float32) - np.float32(self.mean)) / np.float32(self.std))

    def features_and_proba(self, x: np.ndarray, batch: int = 500) -> tuple[np.ndarray, np.ndarray]:
        feats, probs = [], []
        with no_grad():
            for s in range(0, len(x), batch):
                f = self.body(Tensor(self._prep(x[s:s + batch])))
                z = np.asarray(self.head(f).data, np.float64)
                z = np.exp(z - z.max(axis=1, keepdims=True))
                feats.append(np.asarray(f.data, np.float64))
                probs.append(z / z.sum(axis=1, keepdims=True))
        return np.concatenate(feats), np.concatenate(probs)


def train_judge(x: np.ndarray, y: np.ndarray, epochs: int, resume: Any) -> Judge:
    """The mnist task's CNN trained on images ``x`` in [0, 1] (N x 1 x 28 x 28) with Adam
    (lr 2e-3, cosine decay), batch 128; ``resume`` is its fit state file."""
    from ...train import LearningRateScheduler

    mean, std = float(x.mean()), float(x.std())
    model = label(models.mnist_cnn(), "judge")  # in a watch's records
    lr = 2e-3
    model.compile(optimizer="adam", loss="cross_entropy", metrics=["accuracy"], lr=lr)
    cosine = LearningRateScheduler(
        lambda e, _: lr * 0.5 * (1 + math.cos(math.pi * e / max(epochs, 1))))
    xs = (x - np.float32(mean)) / np.float32(std)
    model.fit(xs, y, batch_size=128, epochs=epochs, callbacks=[cosine], resume=resume)
    return Judge(model, mean, std)


def frechet_distance(mu1: np.ndarray, s1: np.ndarray, mu2: np.ndarray, s2: np.ndarray) -> float:
    """|mu1 - mu2|^2 + tr(S1 + S2 - 2 (S1 S2)^(1/2)), the matrix square root by
    ``scipy.linalg.sqrtm`` (a tiny ridge is added if the product is singular, as pytorch-fid)."""
    import warnings

    from scipy.linalg import LinAlgWarning, sqrtm

    diff = np.asarray(mu1, np.float64) - np.asarray(mu2, np.float64)
    with warnings.catch_warnings():  # features that never fire make S singular: handled below
        warnings.simplefilter("ignore", LinAlgWarning)
        covmean = sqrtm(s1 @ s2)
        if not np.isfinite(covmean).all():
            eps = 1e-6 * np.eye(len(s1))
            covmean = sqrtm((s1 + eps) @ (s2 + eps))
    covmean = np.real(covmean)
    return float(diff @ diff + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


def _stats(f: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return f.mean(axis=0), np.cov(f, rowvar=False)


def fid(features_a: np.ndarray, features_b: np.ndarray) -> float:
    """The Fréchet distance between the Gaussians fitted to two sets of features."""
    return frechet_distance(*_stats(features_a), *_stats(features_b))


def confidence_and_coverage(proba: np.ndarray, classes: int = 10) -> tuple[float, float]:
    """(mean max probability, entropy of the predicted-class histogram / log classes)."""
    counts = np.bincount(proba.argmax(axis=1), minlength=classes).astype(np.float64)
    p = counts / counts.sum()
    nz = p[p > 0]
    entropy = float(-(nz * np.log(nz)).sum()) + 0.0  # + 0.0: one class gives 0, not -0
    return float(proba.max(axis=1).mean()), max(entropy, 0.0) / math.log(classes)
