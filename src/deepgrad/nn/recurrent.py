"""Recurrent layers (course week 5): RNN, LSTM, GRU and their Cell versions, PyTorch's API.

Parameter names, shapes and gate order are PyTorch's, so ``load_state_dict`` takes a torch
model's weights: per layer k (and ``_reverse`` for the backward direction of a bidirectional
layer) ``weight_ih_l{k}`` (G*H, F_k), ``weight_hh_l{k}`` (G*H, H), ``bias_ih_l{k}``,
``bias_hh_l{k}`` (G*H,), G = 4 (LSTM: i, f, g, o), 3 (GRU: r, z, n), 1 (RNN); F_0 = input_size,
F_k = H * num_directions above. Default init (PyTorch's): every weight and bias
~ U(-1/sqrt(H), 1/sqrt(H)), drawn from ``deepgrad.random.get_rng()``.

Each (layer, direction) runs as one fused graph node (``deepgrad.functional.lstm`` etc.): the
time loop and its backpropagation through time are written by hand in NumPy.

Variable lengths: ``forward(input, hx, lengths=...)`` or ``mask=...`` ((T, N), or (N, T) with
``batch_first``; 1 where the step is real). Padded steps leave the state unchanged and give a zero
output, so ``output``, ``h_n`` and ``c_n`` equal PyTorch's on a ``pack_padded_sequence`` input
after ``pad_packed_sequence``; the backward direction starts at each sequence's last element.
Lengths must be whole numbers in [0, T] (anything else is refused naming the layer); a length of
0, which ``pack_padded_sequence`` refuses, is defined here: that sequence's output is all zeros
and its final state is its initial state.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..functional import plain as F  # the ops unwrapped: layers get Tensors
from ..functional.rnn import lengths_to_mask
from ..tensor import Tensor
from . import init
from .module import Module, Parameter
from .parameter import parameter_dtype
from .recurrent_cell import GRUCell, LSTMCell, RNNCell, RNNCellBase

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


class RNNBase(Module):
    """Shared machinery of RNN, LSTM and GRU (stacking, directions, batch_first, lengths)."""

    mode: str = ""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        if int(input_size) <= 0 or int(hidden_size) <= 0 or int(num_layers) <= 0:
            raise ValueError(
                f"{name}: input_size, hidden_size and num_layers must be positive, got "
                f"{input_size}, {hidden_size}, {num_layers}"
            )
        if not 0.0 <= float(dropout) <= 1.0:
            raise ValueError(f"{name}: dropout must be in [0, 1], got {dropout}")
        self.input_size = int(input_size)
        self.hidden_size = int(hidden_size)
        self.num_layers = int(num_layers)
        self.bias = bool(bias)
        self.batch_first = bool(batch_first)
        self.dropout = float(dropout)
        self.bidirectional = bool(bidirectional)
        dt = parameter_dtype(dtype, name)
        G, H = _GATES[self.mode], self.hidden_size
        D = 2 if self.bidirectional else 1
        for layer in range(self.num_layers):
            f_in = self.input_size if layer == 0 else H * D
            for direction in range(D):
                sfx = f"_l{layer}" + ("_reverse" if direction else "")
                setattr(self, "weight_ih" + sfx, Parameter(np.empty((G * H, f_in), dtype=dt)))
                setattr(self, "weight_hh" + sfx, Parameter(np.empty((G * H, H), dtype=dt)))
                if self.bias:
                    setattr(self, "bias_ih" + sfx, Parameter(np.empty(G * H, dtype=dt)))
                    setattr(self, "bias_hh" + sfx, Parameter(np.empty(G * H, dtype=dt)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)) (PyTorch's)."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def flatten_parameters(self) -> None:
        """No-op (PyTorch compatibility: there is no cuDNN weight buffer here)."""

    def _weights(self, layer: int, direction: int) -> list[Tensor | None]:
        sfx = f"_l{layer}" + ("_reverse" if direction else "")
        names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        return [getattr(self, n + sfx) if self.bias or n[0] == "w" else None for n in names]

    def _run(
        self, x: Tensor, states: list[Tensor | None], w: list, mask: Any, reverse: bool
    ) -> tuple:
        raise NotImplementedError

    def _mask(self, x: Tensor, lengths: Any, mask: Any, T: int, N: int) -> np.ndarray | None:
        name = type(self).__name__
        if lengths is not None and mask is not None:
            raise ValueError(f"{name}: pass lengths or mask, not both")
        if lengths is not None:
            lens = np.asarray(lengths.data if isinstance(lengths, Tensor) else lengths)
            if lens.shape != (N,):
                raise ValueError(
                    f"{name}: lengths must have shape (batch,) = ({N},), got {lens.shape}"
                )
            if lens.dtype.kind not in "iu" and not (
                lens.dtype.kind == "f" and np.all(lens == np.round(lens))
            ):
                raise ValueError(f"{name}: lengths must be whole numbers, got {lens.tolist()}")
            if lens.size and (lens.min() < 0 or lens.max() > T):
                raise ValueError(
                    f"{name}: lengths must lie in [0, {T}] (the input has {T} time steps), "
                    f"got {lens.tolist()}"
                )
            return lengths_to_mask(lens.astype(np.int64), T)
        if mask is None:
            return None
        given = np.asarray(mask.data if isinstance(mask, Tensor) else mask)
        m = given.T if self.batch_first and x.ndim == 3 and given.ndim == 2 else given
        if x.ndim == 2 and given.ndim == 1:  # unbatched input, mask (T,)
            m = given[:, None]
        if m.shape != (T, N):
            layout = "(batch, time)" if self.batch_first else "(time, batch)"
            raise ValueError(
                f"{name}: mask must have shape {layout} matching the input of shape "
                f"{tuple(x.shape)}, got {given.shape}"
            )
        return m

    def _initial_states(self, hx: Any, n_states: int, N: int, unbatched: bool) -> list:
        """hx as a list of per-state tensors of shape (num_layers * D, N, H), or Nones."""
        name = type(self).__name__
        if hx is None:
            return [None] * n_states
        hs = list(hx) if isinstance(hx, tuple | list) else [hx]
        if len(hs) != n_states:
            what = "a tuple (h_0, c_0)" if n_states == 2 else "one tensor h_0"
            raise ValueError(f"{name}: hx must be {what}, got {len(hs)} tensor(s)")
        D = 2 if self.bidirectional else 1
        want = (self.num_layers * D, N, self.hidden_size)
        out = []
        for s in hs:
            if unbatched and s.ndim == 2:
                s = s.unsqueeze(1)
            if tuple(s.shape) != want:
                raise ValueError(
                    f"{name}: initial state must have shape (num_layers * num_directions, "
                    f"batch, hidden_size) = {want}, got {tuple(s.shape)}"
                )
            out.append(s)
        return out

    def forward(
        self,
        input: Tensor,
        hx: Any = None,
        lengths: Any = None,
        mask: Any = None,  # noqa: A002
    ) -> tuple:
        """Run the stack over the sequence; returns (output, h_n), or (output, (h_n, c_n)).

        input: (T, N, input_size), (N, T, input_size) with batch_first, or unbatched (T, F).
        output: (T, N, D * H) (batch_first: (N, T, D * H)); h_n, c_n: (num_layers * D, N, H).
        """
        name = type(self).__name__
        n_states = 2 if self.mode == "LSTM" else 1
        if input.ndim not in (2, 3):
            raise ValueError(
                f"{name}: input must be 3-D (batch, seq, feature) if batch_first else (seq, "
                f"batch, feature), or 2-D unbatched; got shape {tuple(input.shape)}"
            )
        if input.shape[-1] != self.input_size:
            raise ValueError(
                f"{name}: expected input_size {self.input_size}, got input of shape "
                f"{tuple(input.shape)}"
            )
        unbatched = input.ndim == 2
        x = input.unsqueeze(1) if unbatched else input
        if self.batch_first and not unbatched:
            x = x.transpose(0, 1)
        T, N = x.shape[0], x.shape[1]
        m = self._mask(input, lengths, mask, T, N)
        states = self._initial_states(hx, n_states, N, unbatched)
        D = 2 if self.bidirectional else 1
        finals: list[list[Tensor]] = [[] for _ in range(n_states)]
        for layer in range(self.num_layers):
            outs = []
            for direction in range(D):
                k = layer * D + direction
                s0 = [None if s is None else s[k] for s in states]
                res = self._run(x, s0, self._weights(layer, direction), m, bool(direction))
                outs.append(res[0])
                for j in range(n_states):
                    finals[j].append(res[1 + j])
            x = outs[0] if D == 1 else F.cat(outs, dim=2)
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        out = x
        if self.batch_first and not unbatched:
            out = out.transpose(0, 1)
        fin = [F.stack(f) for f in finals]
        if unbatched:
            out = out.squeeze(1)
            fin = [f.squeeze(1) for f in fin]
        return (out, (fin[0], fin[1])) if n_states == 2 else (out, fin[0])

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s


class LSTM(RNNBase):
    """Long short-term memory, stacked and optionally bidirectional. Per step (PyTorch's gates):

    i = sigma(W_ii x + b_ii + W_hi h + b_hi),  f = sigma(W_if x + b_if + W_hf h + b_hf),
    g = tanh(W_ig x + b_ig + W_hg h + b_hg),   o = sigma(W_io x + b_io + W_ho h + b_ho),
    c_t = f * c_{t-1} + i * g,  h_t = o * tanh(c_t).

    ``forward(input, (h_0, c_0)=None, lengths=None, mask=None) -> (output, (h_n, c_n))``.
    """

    mode = "LSTM"

    def _run(self, x: Tensor, s: list, w: list, mask: Any, reverse: bool) -> tuple:
        return F.lstm(x, s[0], s[1], *w, mask=mask, reverse=reverse)


class GRU(RNNBase):
    """Gated recurrent unit, stacked and optionally bidirectional. Per step (PyTorch's):

    r = sigma(W_ir x + b_ir + W_hr h + b_hr),  z = sigma(W_iz x + b_iz + W_hz h + b_hz),
    n = tanh(W_in x + b_in + r * (W_hn h + b_hn)),  h_t = (1 - z) * n + z * h_{t-1}.

    ``forward(input, h_0=None, lengths=None, mask=None) -> (output, h_n)``.
    """

    mode = "GRU"

    def _run(self, x: Tensor, s: list, w: list, mask: Any, reverse: bool) -> tuple:
        return F.gru(x, s[0], *w, mask=mask, reverse=reverse)


class RNN(RNNBase):
    """Elman RNN, stacked and optionally bidirectional:

    h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh),  act = tanh (default) or relu.

    ``RNN(input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True,
    batch_first=False, dropout=0.0, bidirectional=False)``;
    ``forward(input, h_0=None, lengths=None, mask=None) -> (output, h_n)``.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        dtype: Any = None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        self.__dict__["mode"] = "RNN_" + nonlinearity.upper()
        super().__init__(
            input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, dtype
        )
        self.nonlinearity = nonlinearity

    def _run(self, x: Tensor, s: list, w: list, mask: Any, reverse: bool) -> tuple:
        fn = F.rnn_tanh if self.nonlinearity == "tanh" else F.rnn_relu
        return fn(x, s[0], *w, mask=mask, reverse=reverse)

    def extra_repr(self) -> str:
        s = super().extra_repr()
        return s + (", nonlinearity='relu'" if self.nonlinearity == "relu" else "")
