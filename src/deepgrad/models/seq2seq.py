"""An encoder-decoder with attention (week 5: sequence to sequence, unaligned).

Encoder: embedding, then a bidirectional GRU over the source characters (padded positions
masked by ``lengths``): annotations e_s = [h_s(forward); h_s(backward)], s = 1..S. The decoder
starts from s_0 = tanh(W_b [h_S(forward); h_1(backward)] + b_b) and runs a GRU over the target
tokens so far, teacher-forced in training (its input at step t is the true y_{t-1}):

    s_t = GRU(embed(y_{t-1}), s_{t-1})
    a_t = softmax_s(score(s_t, e_s))                     attention weights over the source
    c_t = sum_s a_ts e_s                                  the context
    h~_t = tanh(W_c [c_t; s_t])                           the attentional state (Luong et al.)
    p(y_t | y_<t, x) = softmax(W_o h~_t + b_o)

with score "additive" (Bahdanau et al.): v^T tanh(W_q s_t + W_k e_s + b_k) (a hidden
layer of attn_size), or "dot"
(scaled dot product on projected annotations): s_t . (W_k e_s) / sqrt(H). ``attention="none"``
is the baseline without attention: p(y_t | ...) = softmax(W_o s_t + b_o), the source reaching
the decoder only through s_0. Because the score uses s_t (not s_{t-1}) and no context is fed
back, training runs the decoder GRU over the whole target as one fused node.

``step(tokens, state)`` is the one-step form for :mod:`deepgrad.decode`.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np

from .. import nn
from ..functional import plain as F
from ..tensor import Tensor

__all__ = ["Attention", "Seq2Seq"]


class Attention(nn.Module):
    """``Attention(kind, query_size, key_size, attn_size=None)``: weights a (N, T, S) of queries
    (N, T, H) over annotations (N, S, D), and the contexts (N, T, D). ``kind``: "additive"
    (its hidden layer of ``attn_size``, default H) or "dot" (keys projected to H)."""

    def __init__(self, kind: str, query_size: int, key_size: int,
                 attn_size: int | None = None) -> None:
        super().__init__()
        if kind not in ("additive", "dot"):
            raise ValueError(f"Attention: kind must be 'additive' or 'dot', got {kind!r}")
        self.kind = kind
        self.query_size = int(query_size)
        if kind == "additive":
            a = int(attn_size or query_size)
            self.w_q = nn.Linear(query_size, a, bias=False)
            self.w_k = nn.Linear(key_size, a)
            self.v = nn.Linear(a, 1, bias=False)
        else:
            self.w_k = nn.Linear(key_size, query_size, bias=False)

    def keys(self, annotations: Tensor) -> Tensor:
        """W_k e_s for every source position (computed once per input): (N, S, H or A)."""
        return self.w_k(annotations)

    def forward(self, query: Tensor, keys: Tensor, values: Tensor,
                bias: np.ndarray) -> tuple[Tensor, Tensor]:
        """``bias`` (N, 1, S): 0 at real source positions, -1e9 at padding."""
        if self.kind == "additive":
            q = self.w_q(query)  # (N, T, H)
            e = F.tanh(q.unsqueeze(2) + keys.unsqueeze(1))  # (N, T, S, H)
            scores = self.v(e).squeeze(-1)
        else:
            scores = (query @ keys.transpose(1, 2)) * (1.0 / math.sqrt(self.query_size))
        weights = F.softmax(scores + bias, dim=-1)
        return weights @ values, weights


class Seq2Seq(nn.Module):
    """``Seq2Seq(src_vocab, tgt_vocab, embed=32, enc_hidden=64, hidden=128, attention=...,
    attn_size=None)``.

    ``forward(src, lengths, tgt_in) -> (logits (N, T, tgt_vocab), weights (N, T, S) or None)``
    with src (N, S) int (padding anywhere after ``lengths``), tgt_in (N, T) the decoder's inputs
    (BOS then the target shifted right)."""

    def __init__(self, src_vocab: int, tgt_vocab: int, embed: int = 32, enc_hidden: int = 64,
                 hidden: int = 128,
                 attention: Literal["additive", "dot", "none"] = "additive",
                 attn_size: int | None = None) -> None:
        super().__init__()
        if attention not in ("additive", "dot", "none"):
            raise ValueError(f"Seq2Seq: attention must be 'additive', 'dot' or 'none', got "
                             f"{attention!r}")
        self.attention_kind = attention
        self.src_embed = nn.Embedding(src_vocab, embed)
        self.encoder = nn.GRU(embed, enc_hidden, batch_first=True, bidirectional=True)
        self.bridge = nn.Linear(2 * enc_hidden, hidden)
        self.tgt_embed = nn.Embedding(tgt_vocab, embed)
        self.decoder = nn.GRU(embed, hidden, batch_first=True)
        if attention != "none":
            self.attention = Attention(attention, hidden, 2 * enc_hidden, attn_size)
            self.combine = nn.Linear(2 * enc_hidden + hidden, hidden)
        self.out = nn.Linear(hidden, tgt_vocab)

    def encode(self, src: Any, lengths: Any) -> dict[str, Any]:
        """The decoder's initial state and the memory it attends to, batch first:
        ``{"h": s_0 (N, H), "keys", "values": (N, S, .), "bias": (N, 1, S)}``."""
        src = np.asarray(src)
        lengths = np.asarray(lengths, dtype=np.int64)
        if src.ndim != 2 or lengths.shape != (src.shape[0],):
            raise ValueError(f"Seq2Seq.encode: src must be (batch, length) and lengths (batch,),"
                             f" got {src.shape} and {lengths.shape}")
        if lengths.min() < 1 or lengths.max() > src.shape[1]:
            raise ValueError(f"Seq2Seq.encode: lengths must be in 1..{src.shape[1]}, got "
                             f"{lengths.min()}..{lengths.max()}")
        ann, h_n = self.encoder(self.src_embed(src), lengths=lengths)
        h0 = F.tanh(self.bridge(F.cat([h_n[0], h_n[1]], dim=1)))
        state: dict[str, Any] = {"h": h0}
        if self.attention_kind != "none":
            pad = np.arange(src.shape[1])[None, :] >= lengths[:, None]
            state["bias"] = np.where(pad, -1e9, 0.0).astype(h0.dtype)[:, None, :]
            state["keys"] = self.attention.keys(ann)
            state["values"] = ann
        return state

    def _readout(self, s: Tensor, state: dict[str, Any]) -> tuple[Tensor, Tensor | None]:
        if self.attention_kind == "none":
            return self.out(s), None
        context, weights = self.attention(s, state["keys"], state["values"], state["bias"])
        h = F.tanh(self.combine(F.cat([context, s], dim=-1)))
        return self.out(h), weights

    def forward(self, src: Any, lengths: Any, tgt_in: Any) -> tuple[Tensor, Tensor | None]:
        state = self.encode(src, lengths)
        s, _ = self.decoder(self.tgt_embed(np.asarray(tgt_in)), state["h"].unsqueeze(0))
        return self._readout(s, state)

    def step(self, tokens: np.ndarray, state: dict[str, Any]) -> tuple[Tensor, dict[str, Any]]:
        """One decoding step for :mod:`deepgrad.decode`: log p(y_t | y_<t, x) (N, V) and the
        new state (``state["weights"]`` holds this step's attention weights (N, S))."""
        x = self.tgt_embed(np.asarray(tokens)[:, None])
        s, h = self.decoder(x, state["h"].unsqueeze(0))
        logits, weights = self._readout(s, state)
        new = dict(state, h=h[0])
        if weights is not None:
            new["weights"] = weights.data[:, 0]
        return F.log_softmax(logits[:, 0], dim=-1), new
