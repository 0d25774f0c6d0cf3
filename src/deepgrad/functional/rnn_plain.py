"""The LSTM and GRU as the notes write them, composed of deepgrad ops: autodiff does BPTT.

LSTM step (PyTorch's gate order i, f, g, o in the rows of W_ih, W_hh):

    i = sigma(W_ii x + b_ii + W_hi h + b_hi)      input gate
    f = sigma(W_if x + b_if + W_hf h + b_hf)      forget gate
    g = tanh(W_ig x + b_ig + W_hg h + b_hg)       candidate
    o = sigma(W_io x + b_io + W_ho h + b_ho)      output gate
    c' = f * c + i * g,   h' = o * tanh(c')

GRU step (gates r, z, n):

    r = sigma(W_ir x + b_ir + W_hr h + b_hr),   z = sigma(W_iz x + b_iz + W_hz h + b_hz)
    n = tanh(W_in x + b_in + r * (W_hn h + b_hn)),   h' = (1 - z) * n + z * h

Over a sequence, the same step is applied at every t with the same weights (an unrolled graph of
T steps); ``backward`` then runs backpropagation through time by itself. ``functional.rnn``
computes the same numbers as one fused node with a hand-written BPTT (``rnn_kernels/``), much
faster; tests check plain == fused == PyTorch.
"""

from __future__ import annotations

from ..tensor import Tensor
from .activation import sigmoid, tanh
from .linear import linear
from .shape import chunk, stack

__all__ = ["lstm_cell_plain", "gru_cell_plain", "lstm_plain", "gru_plain"]


def lstm_cell_plain(x: Tensor, h: Tensor, c: Tensor, w_ih: Tensor, w_hh: Tensor,
                    b_ih: Tensor | None = None, b_hh: Tensor | None = None
                    ) -> tuple[Tensor, Tensor]:
    """One LSTM step: (h', c')."""
    i, f, g, o = chunk(linear(x, w_ih, b_ih) + linear(h, w_hh, b_hh), 4, 1)
    c = sigmoid(f) * c + sigmoid(i) * tanh(g)
    return sigmoid(o) * tanh(c), c


def gru_cell_plain(x: Tensor, h: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
                   b_hh: Tensor | None = None) -> Tensor:
    """One GRU step: h'."""
    xr, xz, xn = chunk(linear(x, w_ih, b_ih), 3, 1)
    hr, hz, hn = chunk(linear(h, w_hh, b_hh), 3, 1)
    r, z = sigmoid(xr + hr), sigmoid(xz + hz)
    n = tanh(xn + r * hn)
    return (1 - z) * n + z * h


def lstm_plain(x: Tensor, h: Tensor, c: Tensor, w_ih: Tensor, w_hh: Tensor,
               b_ih: Tensor | None = None, b_hh: Tensor | None = None
               ) -> tuple[Tensor, Tensor, Tensor]:
    """An LSTM layer over x (T, N, F): (outputs (T, N, H), h_T, c_T)."""
    outs = []
    for t in range(x.shape[0]):
        h, c = lstm_cell_plain(x[t], h, c, w_ih, w_hh, b_ih, b_hh)
        outs.append(h)
    return stack(outs), h, c


def gru_plain(x: Tensor, h: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
              b_hh: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """A GRU layer over x (T, N, F): (outputs (T, N, H), h_T)."""
    outs = []
    for t in range(x.shape[0]):
        h = gru_cell_plain(x[t], h, w_ih, w_hh, b_ih, b_hh)
        outs.append(h)
    return stack(outs), h
