"""Train/validation splits that keep class proportions, and k-fold cross-validation indices."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

__all__ = ["train_val_split", "stratified_split_indices", "kfold_indices"]


def stratified_split_indices(y: np.ndarray, val_fraction: float = 0.1,
                             seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """Index arrays ``(train_idx, val_idx)``; each class contributes ``round(val_fraction *
    n_class)`` examples to validation (at least one when the class has two or more)."""
    y = np.asarray(y)
    if not 0 < val_fraction < 1:
        raise ValueError(f"stratified split: val_fraction must be in (0, 1), got {val_fraction}")
    rng = np.random.default_rng(seed)
    train, val = [], []
    for c in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == c))
        k = int(round(val_fraction * len(idx)))
        if len(idx) >= 2:
            k = min(max(k, 1), len(idx) - 1)
        val.append(idx[:k])
        train.append(idx[k:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(val))


def train_val_split(x: np.ndarray, y: np.ndarray, val_fraction: float = 0.1,
                    stratify: bool = True, seed: int | None = 0):
    """``(x_train, y_train), (x_val, y_val)``, stratified by ``y`` unless ``stratify=False``."""
    if len(x) != len(y):
        raise ValueError(f"train_val_split: x has {len(x)} items, y has {len(y)}")
    if stratify:
        tr, va = stratified_split_indices(y, val_fraction, seed)
    else:
        perm = np.random.default_rng(seed).permutation(len(y))
        k = int(round(val_fraction * len(y)))
        tr, va = np.sort(perm[k:]), np.sort(perm[:k])
    return (x[tr], y[tr]), (x[va], y[va])


def kfold_indices(n_or_y: int | np.ndarray, k: int = 5, stratify: bool = False,
                  seed: int | None = 0) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(train_idx, val_idx)`` for each of ``k`` folds; every index is validated once.

    Pass labels and ``stratify=True`` to deal each class round-robin over the folds.
    """
    if stratify:
        y = np.asarray(n_or_y)
        n = len(y)
    else:
        n = int(n_or_y) if np.ndim(n_or_y) == 0 else len(n_or_y)
    if not 2 <= k <= n:
        raise ValueError(f"kfold_indices: need 2 <= k <= n, got k={k}, n={n}")
    rng = np.random.default_rng(seed)
    fold = np.empty(n, dtype=np.int64)
    if stratify:
        offset = 0
        for c in np.unique(y):
            idx = rng.permutation(np.flatnonzero(y == c))
            fold[idx] = (np.arange(len(idx)) + offset) % k
            offset += len(idx)
    else:
        fold[rng.permutation(n)] = np.arange(n) % k
    for f in range(k):
        yield np.flatnonzero(fold != f), np.flatnonzero(fold == f)
