"""Scaled dot-product attention (PyTorch's ``F.scaled_dot_product_attention``).

Every query q_i looks at all keys k_j, turns their similarities into a probability
distribution, and returns the matching average of the values:

    A = softmax(Q K^T * scale + B)            (rows sum to 1; scale = 1 / sqrt(E) by default)
    out = dropout(A) V

Q (..., L, E), K (..., S, E), V (..., S, Ev) -> out (..., L, Ev). The additive bias B encodes
the masks: a boolean ``attn_mask`` keeps the positions that are True (the others get -inf,
weight 0), a float mask is added as it is, and ``is_causal`` lets query i see keys j <= i
only. A row whose every score is -inf (a query allowed to see nothing) gets all-zero weights
and output, as PyTorch does, instead of NaN.

Built from deepgrad's ops (matmul, softmax, where, dropout), so the backward pass is the chain
rule through them: dC/dV = A^T delta, dC/dA = delta V^T, dC/dS = A (dC/dA - rowsum(A dC/dA))
for the scores S, and dC/dQ = scale dC/dS K, dC/dK = scale dC/dS^T Q.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..tensor import Tensor
from .activation import softmax
from .dropout import dropout
from .math import matmul, mul, where
from .shape import expand, reshape, transpose, unsqueeze

__all__ = ["scaled_dot_product_attention"]


def _check_qkv(op: str, query: Any, key: Any, value: Any) -> None:
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: {name} must be a Tensor, got {type(t).__name__}")
        if t.ndim < 2:
            raise ValueError(f"{op}: {name} must have at least 2 dims (..., seq, features), "
                             f"got shape {t.shape}")
        if t.dtype.kind != "f" or t.dtype != query.dtype:
            raise TypeError(f"{op}: query, key and value must have the same floating dtype, got "
                            f"{query.dtype}, {key.dtype}, {value.dtype}")
    if query.shape[-1] != key.shape[-1]:
        raise ValueError(f"{op}: query and key must have the same feature size E, got query "
                         f"{query.shape} and key {key.shape}")
    if key.shape[-2] != value.shape[-2]:
        raise ValueError(f"{op}: key and value must have the same sequence length S, got key "
                         f"{key.shape} and value {value.shape}")


def _repeat_heads(t: Tensor, groups: int) -> Tensor:
    """(..., Hk, S, E) -> (..., Hk * groups, S, E), each head repeated ``groups`` times."""
    lead, hk = t.shape[:-3], t.shape[-3]
    e = expand(unsqueeze(t, -3), *lead, hk, groups, *t.shape[-2:])
    return reshape(e, *lead, hk * groups, *t.shape[-2:])


def mask_bias(op: str, attn_mask: Any, shape: tuple[int, ...], dtype: np.dtype) -> Any:
    """A boolean mask (True = take part) -> a constant 0 / -inf bias; a float mask as a Tensor
    (it can carry a gradient). Checked to broadcast to the scores' shape (..., L, S)."""
    if attn_mask is None:
        return None
    m = attn_mask.data if isinstance(attn_mask, Tensor) else np.asarray(attn_mask)
    try:
        np.broadcast_shapes(m.shape, shape)
    except ValueError:
        raise ValueError(f"{op}: attn_mask of shape {m.shape} does not broadcast to the "
                         f"attention scores' shape {shape} (..., L, S)") from None
    if m.dtype == bool:
        bias = np.zeros(m.shape, dtype=dtype)
        bias[~m] = -np.inf
        return Tensor(bias)
    if m.dtype.kind != "f":
        raise TypeError(f"{op}: attn_mask must be boolean or floating, got dtype {m.dtype}")
    if m.dtype != dtype:
        raise TypeError(f"{op}: a float attn_mask must have the query's dtype {dtype}, got "
                        f"{m.dtype}")
    return attn_mask if isinstance(attn_mask, Tensor) else Tensor(m)


def attention_weights(scores: Tensor, safe: bool) -> Tensor:
    """softmax over the last axis; with ``safe``, rows that are all -inf give zeros (not NaN)."""
    if safe:
        dead = np.all(scores.data == -np.inf, axis=-1, keepdims=True)
        if dead.any():
            probs = softmax(where(dead, 0.0, scores), dim=-1)
            return mul(probs, Tensor((~dead).astype(scores.dtype)))
    return softmax(scores, dim=-1)


def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Any = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    enable_gqa: bool = False,
) -> Tensor:
    """out = dropout(softmax(Q K^T scale + B)) V (see the module docstring), PyTorch's arguments.

    ``attn_mask``: boolean (True = take part) or float (added), broadcastable to (..., L, S);
    ``is_causal``: the lower-triangular (L, S) mask (top-left aligned), not together with
    ``attn_mask``; ``dropout_p``: dropout on the weights, always applied when > 0 (pass 0 in
    evaluation, as PyTorch); ``scale``: default 1 / sqrt(E); ``enable_gqa``: key/value heads
    (dim -3) are repeated to match the query's (grouped-query attention).
    """
    op = "scaled_dot_product_attention"
    _check_qkv(op, query, key, value)
    if not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"{op}: dropout_p must be in [0, 1], got {dropout_p}")
    if enable_gqa and query.ndim >= 3 and key.shape[-3] != query.shape[-3]:
        hq, hk = query.shape[-3], key.shape[-3]
        if hq % hk or value.shape[-3] != hk:
            raise ValueError(f"{op}: with enable_gqa the query heads ({hq}) must be a multiple "
                             f"of the key/value heads ({hk}, {value.shape[-3]})")
        key, value = _repeat_heads(key, hq // hk), _repeat_heads(value, hq // hk)
    L, S = query.shape[-2], key.shape[-2]
    factor = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    scores = mul(matmul(query, transpose(key, -2, -1)), factor)
    if is_causal:
        if attn_mask is not None:
            raise ValueError(f"{op}: give either attn_mask or is_causal=True, not both")
        attn_mask = np.tril(np.ones((L, S), dtype=bool))
    bias = mask_bias(op, attn_mask, scores.shape, scores.dtype)
    if bias is not None:
        scores = scores + bias
    weights = attention_weights(scores, safe=True)
    if dropout_p > 0:
        weights = dropout(weights, dropout_p, training=True)
    return matmul(weights, value)
