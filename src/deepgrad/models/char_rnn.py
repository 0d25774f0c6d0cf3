"""A character-level language model (week 5: sequential output): embed, recurrent layer(s),
a linear read-out of the next character's logits at every step.

    h_t = cell(embed(x_t), h_{t-1}),   p(x_{t+1} | x_<=t) = softmax(W h_t + b)

``cell`` is "lstm", "gru" or "rnn" (Elman, tanh). ``forward(x, lengths)`` takes (N, T) token ids
(padding after each row's length) and gives (N, T, V) logits; ``step(tokens, state)`` is the
one-step form for :mod:`deepgrad.decode` (its state holds the recurrent layers' (h, c) or h of
shape (num_layers, N, H): batch axis 1, so beam search takes ``batch_axis=1``).
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from .. import nn
from ..functional import plain as F
from ..tensor import Tensor

__all__ = ["CharRNN"]

_CELLS = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}


class CharRNN(nn.Module):
    """``CharRNN(vocab_size, embed=32, hidden=256, cell="lstm", num_layers=1, dropout=0.0)``."""

    def __init__(self, vocab_size: int, embed: int = 32, hidden: int = 256,
                 cell: Literal["lstm", "gru", "rnn"] = "lstm", num_layers: int = 1,
                 dropout: float = 0.0) -> None:
        super().__init__()
        if cell not in _CELLS:
            raise ValueError(f"CharRNN: cell must be one of {', '.join(_CELLS)}, got {cell!r}")
        self.cell = cell
        self.embed = nn.Embedding(vocab_size, embed)
        self.rnn = _CELLS[cell](embed, hidden, num_layers=num_layers, batch_first=True,
                                dropout=dropout)
        self.drop = nn.Dropout(dropout)
        self.out = nn.Linear(hidden, vocab_size)

    def forward(self, x: Any, lengths: Any = None) -> Tensor:
        h, _ = self.rnn(self.embed(np.asarray(x)), lengths=lengths)
        return self.out(self.drop(h))

    def step(self, tokens: np.ndarray, state: Any) -> tuple[Tensor, Any]:
        """log p(next | tokens so far) (N, V) and the new state (None at the start)."""
        h, state = self.rnn(self.embed(np.asarray(tokens)[:, None]), state)
        return F.log_softmax(self.out(h[:, 0]), dim=-1), state
