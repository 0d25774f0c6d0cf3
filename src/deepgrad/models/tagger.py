"""Sequence taggers (course week 5, sequence to sequence, aligned): one tag per input word.

    x_t = E[w_t]                                 word embedding (row 0: padding)
    simple_rnn:   h_t = tanh(W_x x_t + W_h h_{t-1} + b)          left to right only
    bilstm:       h_t = [LSTM->(x_1..x_t); LSTM<-(x_t..x_T)]       both directions
    char_bilstm:  x_t = [E[w_t]; c(w_t)],  c(w) = [LSTM->(chars of w) last; LSTM<-(chars) first]
    p(tag_t | words) = softmax(W_o h_t + b_o)

The character features ``c(w)`` (Lample et al. 2016) give a word outside the vocabulary a
representation built from its spelling (suffixes "-ly", "-ing", capital-free digits...). They are
computed once per distinct word of a batch: ``chars`` (L, U) holds the U distinct words' characters
(time-major, 0 = padding), ``char_lengths`` (U,) their lengths, and ``word_index`` (T, N) the
position in 0..U-1 of the word at each (t, n).

Variable lengths are the recurrent layers' ``lengths=``: padded steps never change a state, and
the backward direction starts at each sentence's own last word.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from ..functional import plain as F
from ..nn import LSTM, RNN, Dropout, Embedding, Linear, Module
from ..tensor import Tensor

__all__ = ["SequenceTagger", "TAGGER_KINDS"]

TAGGER_KINDS = ("simple_rnn", "bilstm", "char_bilstm")


class SequenceTagger(Module):
    """``SequenceTagger(vocab_size, num_tags, kind, embedding_dim, hidden_size, ...)``.

    ``forward(words (T, N) int, lengths (N,), chars=None, char_lengths=None, word_index=None)``
    returns logits (T, N, num_tags); entries at padded positions are meaningless (mask them).
    """

    def __init__(
        self,
        vocab_size: int,
        num_tags: int,
        kind: Literal["simple_rnn", "bilstm", "char_bilstm"] = "bilstm",
        embedding_dim: int = 100,
        hidden_size: int = 128,
        num_chars: int = 0,
        char_embedding_dim: int = 25,
        char_hidden_size: int = 25,
        dropout: float = 0.25,
    ) -> None:
        super().__init__()
        if kind not in TAGGER_KINDS:
            raise ValueError(f"SequenceTagger: kind must be one of {TAGGER_KINDS}, got {kind!r}")
        if kind == "char_bilstm" and num_chars < 2:
            raise ValueError("SequenceTagger: kind='char_bilstm' needs num_chars >= 2 "
                             f"(padding + at least one character), got {num_chars}")
        self.kind = kind
        self.embedding = Embedding(vocab_size, embedding_dim, padding_idx=0)
        feat = embedding_dim
        if kind == "char_bilstm":
            self.char_embedding = Embedding(num_chars, char_embedding_dim, padding_idx=0)
            self.char_rnn = LSTM(char_embedding_dim, char_hidden_size, bidirectional=True)
            feat += 2 * char_hidden_size
        if kind == "simple_rnn":
            self.rnn: Module = RNN(feat, hidden_size)
            out_in = hidden_size
        else:
            self.rnn = LSTM(feat, hidden_size, bidirectional=True)
            out_in = 2 * hidden_size
        self.drop = Dropout(dropout)
        self.out = Linear(out_in, num_tags)

    def char_features(self, chars: Any, char_lengths: Any) -> Tensor:
        """(U, 2 * char_hidden_size): the last state of each direction of the char LSTM."""
        c = self.char_embedding(np.asarray(chars))
        _, (h_n, _) = self.char_rnn(c, lengths=np.asarray(char_lengths))
        return F.cat([h_n[0], h_n[1]], dim=1)

    def forward(
        self,
        words: Any,
        lengths: Any,
        chars: Any = None,
        char_lengths: Any = None,
        word_index: Any = None,
    ) -> Tensor:
        words = np.asarray(words)
        if words.ndim != 2:
            raise ValueError(f"SequenceTagger: words must be (time, batch) integer ids, got "
                             f"shape {words.shape}")
        x = self.embedding(words)
        if self.kind == "char_bilstm":
            if chars is None or char_lengths is None or word_index is None:
                raise ValueError("SequenceTagger(kind='char_bilstm'): pass chars, char_lengths "
                                 "and word_index")
            word_index = np.asarray(word_index)
            if word_index.shape != words.shape:
                raise ValueError(f"SequenceTagger: word_index must have the shape of words "
                                 f"{words.shape}, got {word_index.shape}")
            feats = self.char_features(chars, char_lengths)
            x = F.cat([x, feats[word_index]], dim=2)
        x = self.drop(x)
        h, _ = self.rnn(x, lengths=np.asarray(lengths))
        return self.out(self.drop(h))
