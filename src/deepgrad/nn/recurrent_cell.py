"""Recurrent cells, one time step each: RNNCell, LSTMCell, GRUCell (PyTorch's API and names).

Parameters ``weight_ih`` (G*H, input_size), ``weight_hh`` (G*H, H), ``bias_ih``, ``bias_hh``
(G*H,) with PyTorch's gate order (LSTM i, f, g, o; GRU r, z, n), initialised
U(-1/sqrt(H), 1/sqrt(H)) from ``deepgrad.random.get_rng()``. Inputs (N, input_size) or unbatched
(input_size,). For whole sequences use ``nn.LSTM`` etc. (one fused node per layer), which is
faster than a Python loop over a cell.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..functional import plain as F  # the ops unwrapped: layers get Tensors
from ..tensor import Tensor
from . import init
from .module import Module, Parameter
from .parameter import parameter_dtype

__all__ = ["RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]


class RNNCellBase(Module):
    """One time step: weight_ih (G*H, input_size), weight_hh (G*H, H), bias_ih, bias_hh (G*H,)."""

    gates: int = 1

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, dtype: Any = None
    ) -> None:
        super().__init__()
        name = type(self).__name__
        if int(input_size) <= 0 or int(hidden_size) <= 0:
            raise ValueError(
                f"{name}: input_size and hidden_size must be positive, got {input_size}, "
                f"{hidden_size}"
            )
        self.input_size = int(input_size)
        self.hidden_size = int(hidden_size)
        self.bias = bool(bias)
        dt = parameter_dtype(dtype, name)
        GH = self.gates * self.hidden_size
        self.weight_ih = Parameter(np.empty((GH, self.input_size), dtype=dt))
        self.weight_hh = Parameter(np.empty((GH, self.hidden_size), dtype=dt))
        if self.bias:
            self.bias_ih = Parameter(np.empty(GH, dtype=dt))
            self.bias_hh = Parameter(np.empty(GH, dtype=dt))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)) (PyTorch's)."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def _prepare(self, input: Tensor, hx: Any, n_states: int) -> tuple:  # noqa: A002
        name = type(self).__name__
        if input.ndim not in (1, 2) or input.shape[-1] != self.input_size:
            raise ValueError(
                f"{name}: input must have shape (batch, {self.input_size}) or "
                f"({self.input_size},), got {tuple(input.shape)}"
            )
        unbatched = input.ndim == 1
        x = input.unsqueeze(0) if unbatched else input
        if hx is None:
            states: list = [None] * n_states
        else:
            states = list(hx) if n_states == 2 else [hx]
            if len(states) != n_states:
                raise ValueError(f"{name}: hx must be a tuple (h, c), got {len(states)} tensors")
            states = [s.unsqueeze(0) if unbatched and s.ndim == 1 else s for s in states]
        return x, states, unbatched

    def _params(self) -> tuple:
        return self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


class LSTMCell(RNNCellBase):
    """One LSTM step (the equations of :class:`LSTM`): ``forward(x, (h, c)=None) -> (h', c')``."""

    gates = 4

    def forward(self, input: Tensor, hx: Any = None) -> tuple[Tensor, Tensor]:  # noqa: A002
        x, (h, c), unbatched = self._prepare(input, hx, 2)
        h1, c1 = F.lstm_cell(x, h, c, *self._params())
        return (h1.squeeze(0), c1.squeeze(0)) if unbatched else (h1, c1)


class GRUCell(RNNCellBase):
    """One GRU step (the equations of :class:`GRU`): ``forward(x, h=None) -> h'``."""

    gates = 3

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        x, (h,), unbatched = self._prepare(input, hx, 1)
        h1 = F.gru_cell(x, h, *self._params())
        return h1.squeeze(0) if unbatched else h1


class RNNCell(RNNCellBase):
    """One Elman step:  h' = act(W_ih x + b_ih + W_hh h + b_hh), act = tanh or relu.

    ``forward(x, h=None) -> h'``.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        dtype: Any = None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(
                f"RNNCell: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}"
            )
        super().__init__(input_size, hidden_size, bias, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        x, (h,), unbatched = self._prepare(input, hx, 1)
        fn = F.rnn_tanh_cell if self.nonlinearity == "tanh" else F.rnn_relu_cell
        h1 = fn(x, h, *self._params())
        return h1.squeeze(0) if unbatched else h1

    def extra_repr(self) -> str:
        s = super().extra_repr()
        return s + (", nonlinearity='relu'" if self.nonlinearity == "relu" else "")
