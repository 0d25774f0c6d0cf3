"""Index-based ops: embedding lookup (with its scatter-add backward) and one_hot."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor, make_result

__all__ = ["embedding", "one_hot"]


def _indices(x: Any, op: str) -> np.ndarray:
    idx = np.asarray(x.data if isinstance(x, Tensor) else x)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{op}: indices must be integers (int64), got dtype {idx.dtype}")
    return idx


def _scatter_rows(idx: np.ndarray, rows: np.ndarray, n: int) -> np.ndarray:
    """g (n, D) with g[i] = sum of rows[k] over k where idx[k] = i (sorted segment sums).

    Sorting the indices and summing each run with np.add.reduceat is 3-9x faster than
    np.add.at on typical embedding shapes.
    """
    g = np.zeros((n, rows.shape[1]), dtype=rows.dtype)
    if idx.size == 0:
        return g
    order = np.argsort(idx, kind="stable")
    s = idx[order]
    starts = np.flatnonzero(np.concatenate(([True], s[1:] != s[:-1])))
    if starts.size == s.size:  # all distinct: a plain scatter
        g[s] = rows[order]
    else:
        g[s[starts]] = np.add.reduceat(rows[order], starts, axis=0)
    return g


def embedding(
    input: Any,  # noqa: A002
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """out[..., :] = W[input[...], :] (a table lookup; input holds integer indices).

    dC/dW_i = sum over positions k with input_k = i of delta_k (a scatter-add), divided by the
    count of i in the batch if ``scale_grad_by_freq``; the row ``padding_idx`` gets no gradient.
    ``max_norm``: rows looked up whose ``norm_type``-norm exceeds max_norm are rescaled in place
    to norm max_norm before the lookup (as PyTorch; not recorded in the graph).
    """
    op = "embedding"
    if sparse:
        raise NotImplementedError(
            f"{op}: sparse=True (a sparse gradient tensor) is not supported; deepgrad's "
            "gradients are dense arrays (the values are the same with sparse=False)"
        )
    idx = _indices(input, op)
    w = weight.data
    if w.ndim != 2:
        raise ValueError(f"{op}: weight must be 2-D (num_embeddings, embedding_dim), got {w.shape}")
    n = w.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = int(idx.min() if idx.min() < 0 else idx.max())
        raise IndexError(
            f"{op}: index {bad} is out of range for a table of {n} rows (expected 0 <= index < {n})"
        )
    if padding_idx is not None:
        if not -n <= padding_idx < n:
            raise ValueError(f"{op}: padding_idx {padding_idx} must be within [-{n}, {n})")
        padding_idx %= n
    if max_norm is not None:
        used = np.unique(idx)
        norms = np.linalg.norm(w[used], ord=norm_type, axis=1)
        big = norms > max_norm
        if big.any():
            scale = (max_norm / (norms[big] + 1e-7)).astype(w.dtype)
            w[used[big]] *= scale[:, None]
    flat = idx.reshape(-1)
    out = w[flat].reshape(idx.shape + (w.shape[1],))

    def backward(delta: np.ndarray) -> tuple:
        rows = delta.reshape(-1, w.shape[1])
        if scale_grad_by_freq:
            counts = np.bincount(flat, minlength=n)
            rows = rows / counts[flat, None].astype(rows.dtype)
        g = _scatter_rows(flat, rows, n)
        if padding_idx is not None:
            g[padding_idx] = 0
        return (g,)

    return make_result(out, (weight,), backward, op)


def one_hot(tensor: Any, num_classes: int = -1) -> Tensor:
    """out[..., c] = 1 if tensor[...] = c else 0, as int64 (no gradient).

    num_classes = -1 uses max(tensor) + 1.
    """
    op = "one_hot"
    idx = _indices(tensor, op)
    if num_classes == -1:
        if idx.size == 0:
            raise ValueError(f"{op}: cannot infer the number of classes from an empty tensor")
        num_classes = int(idx.max()) + 1
    if idx.size:
        lo, hi = int(idx.min()), int(idx.max())
        if lo < 0:
            raise ValueError(f"{op}: class values must be non-negative, got {lo}")
        if hi >= num_classes:
            raise ValueError(
                f"{op}: class value {hi} is out of range for num_classes={num_classes}"
            )
    out = np.zeros(idx.shape + (num_classes,), dtype=np.int64)
    flat = out.reshape(-1, num_classes)
    flat[np.arange(idx.size), idx.reshape(-1)] = 1
    return Tensor(out)
