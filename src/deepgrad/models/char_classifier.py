"""A character-level sequence classifier (course week 5, sequential input, one output).

    x_t = E[c_t]  (the name's characters, 0 = padding)
    h_t, c_t = LSTM(x_t, h_{t-1}, c_{t-1})      run to each name's own last character
    p(class | name) = softmax(W_o h_L + b_o)     (bidirectional: h_L = [h->_L; h<-_1])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..functional import plain as F
from ..nn import LSTM, Dropout, Embedding, Linear, Module
from ..tensor import Tensor

__all__ = ["CharClassifier"]


class CharClassifier(Module):
    """``CharClassifier(num_chars, num_classes, embedding_dim=16, hidden_size=64,
    bidirectional=False, dropout=0.2)``; ``forward(chars (L, N) int, lengths (N,))`` -> logits
    (N, num_classes)."""

    def __init__(self, num_chars: int, num_classes: int, embedding_dim: int = 16,
                 hidden_size: int = 64, bidirectional: bool = False,
                 dropout: float = 0.2) -> None:
        super().__init__()
        self.embedding = Embedding(num_chars, embedding_dim, padding_idx=0)
        self.rnn = LSTM(embedding_dim, hidden_size, bidirectional=bidirectional)
        self.drop = Dropout(dropout)
        self.out = Linear(hidden_size * (2 if bidirectional else 1), num_classes)

    def forward(self, chars: Any, lengths: Any) -> Tensor:
        chars = np.asarray(chars)
        if chars.ndim != 2:
            raise ValueError(f"CharClassifier: chars must be (time, batch) integer ids, got "
                             f"shape {chars.shape}")
        _, (h_n, _) = self.rnn(self.embedding(chars), lengths=np.asarray(lengths))
        h = h_n[0] if h_n.shape[0] == 1 else F.cat([h_n[0], h_n[1]], dim=1)
        return self.out(self.drop(h))
