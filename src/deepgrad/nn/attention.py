"""Multi-head attention (PyTorch's ``nn.MultiheadAttention``: names, parameters, masks).

Each of the h heads attends in its own learned subspace of size d = E / h:

    head_i = softmax((Q W_q^i)(K W_k^i)^T / sqrt(d) + B) (V W_v^i)
    out = concat(head_1, ..., head_h) W_o^T + b_o

with the projections packed as PyTorch packs them: ``in_proj_weight`` (3E, E) = [W_q; W_k; W_v]
and ``in_proj_bias`` (3E,) when key and value have the query's size E (else ``q_proj_weight``,
``k_proj_weight`` (E, kdim), ``v_proj_weight`` (E, vdim)), and ``out_proj`` a Linear(E, E).
So a torch model's ``state_dict()`` loads directly. Gradients come from the engine.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import functional as F
from ..functional.attention import attention_weights, scaled_dot_product_attention
from ..tensor import Tensor
from . import init
from .linear import Linear
from .module import Module, Parameter

__all__ = ["MultiheadAttention"]


def _float_mask(name: str, mask: Any, dtype: np.dtype) -> np.ndarray | Tensor | None:
    """PyTorch's ``_canonical_mask``: a boolean mask marks the positions NOT allowed to take
    part (True -> -inf), a float mask is added as it is."""
    if mask is None:
        return None
    m = mask.data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype == bool:
        out = np.zeros(m.shape, dtype=dtype)
        out[m] = -np.inf
        return out
    if m.dtype.kind != "f":
        raise TypeError(f"MultiheadAttention: only bool and floating types of {name} are "
                        f"supported, got dtype {m.dtype}")
    return mask if isinstance(mask, Tensor) else m.astype(dtype, copy=False)


def _add(a: Any, b: Any) -> Any:
    if a is None:
        return b
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        return F.add(a if isinstance(a, Tensor) else Tensor(a), b if isinstance(b, Tensor)
                     else Tensor(b))
    return a + b


def _pad_last(mask: Any) -> Any:
    """Append one zero column (the extra key of add_bias_kv / add_zero_attn)."""
    if mask is None:
        return None
    if isinstance(mask, Tensor):
        return F.pad(mask, [0, 1])
    return np.pad(mask, [(0, 0)] * (mask.ndim - 1) + [(0, 1)])


class MultiheadAttention(Module):
    """``MultiheadAttention(embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
    add_zero_attn=False, kdim=None, vdim=None, batch_first=False)``.

    ``forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
    average_attn_weights=True, is_causal=False) -> (attn_output, attn_weights or None)``;
    inputs (L, N, E) (``batch_first``: (N, L, E)) or unbatched (L, E). As in PyTorch, a
    boolean ``key_padding_mask`` (N, S) or ``attn_mask`` (L, S) / (N * num_heads, L, S) is
    True where attention is NOT allowed (the opposite of ``F.scaled_dot_product_attention``);
    float masks are added to the scores. Weights (N, L, S) averaged over heads, or
    (N, num_heads, L, S). ``dropout`` acts on the weights in training mode only. With
    ``need_weights=True`` a query that may see no key gives NaN (plain softmax, as PyTorch);
    with ``need_weights=False`` it gives zeros (PyTorch's scaled_dot_product_attention).
    """

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        add_bias_kv: bool = False,
        add_zero_attn: bool = False,
        kdim: int | None = None,
        vdim: int | None = None,
        batch_first: bool = False,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if int(embed_dim) <= 0 or int(num_heads) <= 0:
            raise ValueError(f"MultiheadAttention: embed_dim and num_heads must be positive, "
                             f"got embed_dim={embed_dim} and num_heads={num_heads}")
        if embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim ({embed_dim}) must be divisible "
                             f"by num_heads ({num_heads})")
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"MultiheadAttention: dropout must be in [0, 1], got {dropout}")
        e = self.embed_dim = int(embed_dim)
        self.kdim = e if kdim is None else int(kdim)
        self.vdim = e if vdim is None else int(vdim)
        self._qkv_same_embed_dim = self.kdim == e and self.vdim == e
        self.num_heads = int(num_heads)
        self.head_dim = e // self.num_heads
        self.dropout = float(dropout)
        self.batch_first = bool(batch_first)
        self.add_zero_attn = bool(add_zero_attn)
        dt = np.dtype(np.float32 if dtype is None else dtype)
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(np.empty((3 * e, e), dtype=dt))
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.register_parameter("in_proj_weight", None)
            self.q_proj_weight = Parameter(np.empty((e, e), dtype=dt))
            self.k_proj_weight = Parameter(np.empty((e, self.kdim), dtype=dt))
            self.v_proj_weight = Parameter(np.empty((e, self.vdim), dtype=dt))
        if bias:
            self.in_proj_bias = Parameter(np.empty(3 * e, dtype=dt))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(e, e, bias=bias, dtype=dt)
        if add_bias_kv:
            self.bias_k = Parameter(np.empty((1, 1, e), dtype=dt))
            self.bias_v = Parameter(np.empty((1, 1, e), dtype=dt))
        else:
            self.bias_k = self.bias_v = None
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        """PyTorch's: Xavier-uniform projections, zero biases, Xavier-normal bias_k/bias_v;
        out_proj.weight keeps Linear's default."""
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for w in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(w)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
            init.xavier_normal_(self.bias_v)

    # ------------------------------------------------------------------ forward
    def _project(self, query: Tensor, key: Tensor, value: Tensor) -> tuple[Tensor, ...]:
        e = self.embed_dim
        b = self.in_proj_bias
        bq, bk, bv = (None, None, None) if b is None else (b[:e], b[e:2 * e], b[2 * e:])
        if self._qkv_same_embed_dim:
            w = self.in_proj_weight
            wq, wk, wv = w[:e], w[e:2 * e], w[2 * e:]
        else:
            wq, wk, wv = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        return F.linear(query, wq, bq), F.linear(key, wk, bk), F.linear(value, wv, bv)

    def _check(self, query: Tensor, key: Tensor, value: Tensor) -> None:
        for name, t, size in (("query", query, self.embed_dim), ("key", key, self.kdim),
                              ("value", value, self.vdim)):
            if not isinstance(t, Tensor):
                raise TypeError(f"MultiheadAttention: {name} must be a Tensor, got "
                                f"{type(t).__name__}")
            if t.ndim != query.ndim or t.ndim not in (2, 3):
                raise ValueError(f"MultiheadAttention: query, key and value must all be 3-D "
                                 f"(batched) or 2-D (unbatched), got {query.shape}, "
                                 f"{key.shape}, {value.shape}")
            if t.shape[-1] != size:
                raise ValueError(f"MultiheadAttention: was expecting {name} embedding "
                                 f"dimension of {size}, but got {t.shape[-1]} (shape {t.shape})")
        if key.shape[:-1] != value.shape[:-1]:
            raise ValueError(f"MultiheadAttention: key shape {key.shape} does not match value "
                             f"shape {value.shape}")

    def forward(
        self,
        query: Tensor,
        key: Tensor,
        value: Tensor,
        key_padding_mask: Any = None,
        need_weights: bool = True,
        attn_mask: Any = None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        self._check(query, key, value)
        batched = query.ndim == 3
        if batched and self.batch_first:
            query, key, value = (F.transpose(t, 0, 1) for t in (query, key, value))
        if not batched:
            query, key, value = (F.unsqueeze(t, 1) for t in (query, key, value))
            if key_padding_mask is not None:
                key_padding_mask = np.asarray(getattr(key_padding_mask, "data",
                                                      key_padding_mask))[None]
        L, n, e = query.shape
        S, h, d = key.shape[0], self.num_heads, self.head_dim
        dtype = query.dtype
        if is_causal and attn_mask is None:
            raise ValueError("MultiheadAttention: is_causal=True is a hint and needs attn_mask "
                             "(e.g. a causal mask of shape (L, S))")
        use_causal = is_causal and key_padding_mask is None and not need_weights
        kpm = _float_mask("key_padding_mask", key_padding_mask, dtype)
        if kpm is not None and tuple(kpm.shape) != (n, S):
            raise ValueError(f"MultiheadAttention: expected key_padding_mask of shape {(n, S)} "
                             f"(N, S), got {tuple(kpm.shape)}")
        mask = None if use_causal else _float_mask("attn_mask", attn_mask, dtype)
        if mask is not None:
            if mask.ndim == 2:
                if tuple(mask.shape) != (L, S):
                    raise ValueError(f"MultiheadAttention: the shape of the 2D attn_mask is "
                                     f"{tuple(mask.shape)}, but should be {(L, S)}")
                mask = F.unsqueeze(mask, 0) if isinstance(mask, Tensor) else mask[None]
            elif mask.ndim == 3:
                if tuple(mask.shape) != (n * h, L, S):
                    raise ValueError(f"MultiheadAttention: the shape of the 3D attn_mask is "
                                     f"{tuple(mask.shape)}, but should be {(n * h, L, S)}")
            else:
                raise ValueError(f"MultiheadAttention: attn_mask must be 2-D or 3-D, got "
                                 f"{mask.ndim}-D")

        q, k, v = self._project(query, key, value)
        if self.bias_k is not None:
            k = F.cat([k, F.repeat(self.bias_k, 1, n, 1)], 0)
            v = F.cat([v, F.repeat(self.bias_v, 1, n, 1)], 0)
            mask, kpm = _pad_last(mask), _pad_last(kpm)
        # (seq, N, E) -> (N * h, seq, d): the heads become batch entries
        q = F.transpose(F.reshape(q, L, n * h, d), 0, 1)
        k = F.transpose(F.reshape(k, k.shape[0], n * h, d), 0, 1)
        v = F.transpose(F.reshape(v, v.shape[0], n * h, d), 0, 1)
        if self.add_zero_attn:
            zeros = Tensor(np.zeros((n * h, 1, d), dtype=dtype))
            k, v = F.cat([k, zeros], 1), F.cat([v, zeros], 1)
            mask, kpm = _pad_last(mask), _pad_last(kpm)
        s = k.shape[1]
        if kpm is not None:  # (N, S) -> (N * h, 1, S), merged into the attention mask
            kpm = (F.reshape(F.expand(F.reshape(kpm, n, 1, 1, s), n, h, 1, s), n * h, 1, s)
                   if isinstance(kpm, Tensor)
                   else np.broadcast_to(kpm.reshape(n, 1, 1, s), (n, h, 1, s)).reshape(
                       n * h, 1, s))
            mask = _add(mask, kpm)
        p = self.dropout if self.training else 0.0

        if need_weights:
            scores = F.matmul(F.mul(q, math.sqrt(1.0 / d)), F.transpose(k, 1, 2))
            if mask is not None:
                scores = _add(scores, mask)
            weights = attention_weights(scores, safe=False)
            if p > 0:
                weights = F.dropout(weights, p, training=True)
            out = F.matmul(weights, v)  # (N * h, L, d)
            out = F.reshape(F.transpose(out, 0, 1), L * n, e)
        else:
            if mask is not None:
                shape = (1, *mask.shape) if mask.shape[0] == 1 else (n, h, -1, s)
                mask = F.reshape(mask, *shape) if isinstance(mask, Tensor) else mask.reshape(
                    shape)
            out = scaled_dot_product_attention(
                F.reshape(q, n, h, L, d), F.reshape(k, n, h, s, d), F.reshape(v, n, h, s, d),
                mask, p, use_causal,
            )
            out = F.reshape(F.permute(out, 2, 0, 1, 3), L * n, e)
        out = F.reshape(self.out_proj(out), L, n, e)

        if self.batch_first and batched:
            out = F.transpose(out, 0, 1)
        if not batched:
            out = F.squeeze(out, 1)
        if not need_weights:
            return out, None
        weights = F.reshape(weights, n, h, L, s)
        if average_attn_weights:
            weights = F.mean(weights, dim=1)
        if not batched:
            weights = F.squeeze(weights, 0)
        return out, weights

    def extra_repr(self) -> str:
        return (f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, "
                f"dropout={self.dropout}, batch_first={self.batch_first}")
