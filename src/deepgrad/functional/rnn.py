"""Recurrent ops (course week 5): RNN, LSTM and GRU cells and whole sequences.

Read ``rnn_plain.py`` first: the LSTM and GRU equations as a few deepgrad ops per step, whose
backpropagation through time autodiff does. The ops here compute the same numbers, fused.

PyTorch's weight layout and gate order: ``w_ih`` (G*H, F), ``w_hh`` (G*H, H), biases (G*H,),
with the gates stacked LSTM (i, f, g, o) and GRU (r, z, n), G = 4, 3, 1.

* Cells (``rnn_tanh_cell``, ``rnn_relu_cell``, ``lstm_cell``, ``gru_cell``) do one time step
  on a batch (N, F).
* Sequence ops (``rnn_tanh``, ``rnn_relu``, ``lstm``, ``gru``; torch's names) run one layer
  in one direction over a time-major sequence (T, N, F) as ONE graph node: the time loop runs
  in NumPy and its backward is a hand-written backpropagation through time (``rnn_kernels/``).
  Stacking, bidirectionality and batch_first are composed from them by ``nn.recurrent``.
* Variable lengths: ``mask`` (T, N) of 0/1 (or bool). Where it is 0 the step is skipped: the
  state is carried over unchanged and the output is 0, exactly what PyTorch computes on a packed
  sequence (``pack_padded_sequence``) and pads back. With ``reverse=True`` and right-padded
  sequences each sequence's backward pass therefore starts at its own last element.

The final states are extra outputs of the same computation: one multi-output node
(``tensor.make_results``, wired in ``rnn_graph.py``) whose backward gets the delta of each.
"""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from . import rnn_kernels as K
from .rnn_graph import as_mask as _mask
from .rnn_graph import check as _check
from .rnn_graph import grad_flags as _grad_flags
from .rnn_graph import lengths_to_mask
from .rnn_graph import record as _record
from .rnn_graph import state as _state
from .rnn_kernels import cells as KC

__all__ = [
    "rnn_tanh_cell",
    "rnn_relu_cell",
    "lstm_cell",
    "gru_cell",
    "rnn_tanh",
    "rnn_relu",
    "lstm",
    "gru",
    "lengths_to_mask",
]


# ------------------------------------------------------------------------------ sequence ops


def _not_torch_form(op: str, h0: Any) -> None:
    """torch.lstm/gru/rnn_* take (input, hx, params, has_biases, num_layers, ...): refuse that
    form clearly instead of misreading it."""
    if isinstance(h0, tuple | list):
        raise TypeError(
            f"{op}: deepgrad's {op} is one layer in one direction, called as (input, h0"
            f"{', c0' if op == 'lstm' else ''}, w_ih, w_hh, b_ih, b_hh, mask, reverse); "
            f"torch.{op}'s (input, hx, params, has_biases, ...) form is not supported "
            "(use deepgrad.nn's recurrent layers)"
        )


def lstm(
    input: Tensor,  # noqa: A002
    h0: Tensor | None,
    c0: Tensor | None,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
    mask: Any = None,
    reverse: bool = False,
) -> tuple[Tensor, Tensor, Tensor]:
    """One LSTM layer over a (T, N, F) sequence, as one graph node.

    i = sigma(W_ii x + b_ii + W_hi h + b_hi),  f = sigma(W_if x + b_if + W_hf h + b_hf),
    g = tanh(W_ig x + b_ig + W_hg h + b_hg),   o = sigma(W_io x + b_io + W_ho h + b_ho),
    c_t = f * c_{t-1} + i * g,  h_t = o * tanh(c_t).

    Returns (output (T, N, H), h_n (N, H), c_n (N, H)); zero initial states when h0/c0 are None.
    (One layer, one direction; torch.lstm's flat-parameter form is refused: use nn.LSTM.)
    """
    _not_torch_form("lstm", h0)
    N, H = _check("lstm", input, (h0, c0), w_ih, w_hh, b_ih, b_hh, 4, 3)
    dt = input.dtype
    out, h_n, c_n, bw = K.lstm_forward(
        input.data,
        _state(h0, N, H, dt),
        _state(c0, N, H, dt),
        w_ih.data,
        w_hh.data,
        None if b_ih is None else b_ih.data,
        None if b_hh is None else b_hh.data,
        _mask(mask, input.shape[0], N, dt, "lstm"),
        reverse,
    )
    need_dx, need_dh0 = _grad_flags(input, h0)

    def run_backward(dout: Any, dh_n: Any, dc_n: Any) -> tuple:
        return bw(dout, dh_n, dc_n, need_dx, need_dh0)

    inputs = (input, h0, c0, w_ih, w_hh, b_ih, b_hh)
    o, h, c = _record("lstm", inputs, out, (h_n, c_n), run_backward)
    return o, h, c


def gru(
    input: Tensor,  # noqa: A002
    h0: Tensor | None,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
    mask: Any = None,
    reverse: bool = False,
) -> tuple[Tensor, Tensor]:
    """One GRU layer over a (T, N, F) sequence, as one graph node (PyTorch's GRU):

    r = sigma(W_ir x + b_ir + W_hr h + b_hr),  z = sigma(W_iz x + b_iz + W_hz h + b_hz),
    n = tanh(W_in x + b_in + r * (W_hn h + b_hn)),  h_t = (1 - z) * n + z * h_{t-1}.

    Returns (output (T, N, H), h_n (N, H)).
    """
    _not_torch_form("gru", h0)
    N, H = _check("gru", input, (h0,), w_ih, w_hh, b_ih, b_hh, 3, 3)
    dt = input.dtype
    out, h_n, bw = K.gru_forward(
        input.data,
        _state(h0, N, H, dt),
        w_ih.data,
        w_hh.data,
        None if b_ih is None else b_ih.data,
        None if b_hh is None else b_hh.data,
        _mask(mask, input.shape[0], N, dt, "gru"),
        reverse,
    )
    need_dx, need_dh0 = _grad_flags(input, h0)

    def run_backward(dout: Any, dh_n: Any) -> tuple:
        return bw(dout, dh_n, need_dx, need_dh0)

    o, h = _record("gru", (input, h0, w_ih, w_hh, b_ih, b_hh), out, (h_n,), run_backward)
    return o, h


def _elman(
    nonlinearity: str,
    input: Tensor,  # noqa: A002
    h0: Tensor | None,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None,
    b_hh: Tensor | None,
    mask: Any,
    reverse: bool,
) -> tuple[Tensor, Tensor]:
    op = f"rnn_{nonlinearity}"
    _not_torch_form(op, h0)
    N, H = _check(op, input, (h0,), w_ih, w_hh, b_ih, b_hh, 1, 3)
    dt = input.dtype
    out, h_n, bw = K.rnn_forward(
        input.data,
        _state(h0, N, H, dt),
        w_ih.data,
        w_hh.data,
        None if b_ih is None else b_ih.data,
        None if b_hh is None else b_hh.data,
        _mask(mask, input.shape[0], N, dt, op),
        reverse,
        nonlinearity,
    )
    need_dx, need_dh0 = _grad_flags(input, h0)

    def run_backward(dout: Any, dh_n: Any) -> tuple:
        return bw(dout, dh_n, need_dx, need_dh0)

    o, h = _record(op, (input, h0, w_ih, w_hh, b_ih, b_hh), out, (h_n,), run_backward)
    return o, h


def rnn_tanh(
    input: Tensor,  # noqa: A002
    h0: Tensor | None,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
    mask: Any = None,
    reverse: bool = False,
) -> tuple[Tensor, Tensor]:
    """One Elman RNN layer over a (T, N, F) sequence, as one graph node:

    h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh).  Returns (output (T, N, H), h_n (N, H)).
    """
    return _elman("tanh", input, h0, w_ih, w_hh, b_ih, b_hh, mask, reverse)


def rnn_relu(
    input: Tensor,  # noqa: A002
    h0: Tensor | None,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
    mask: Any = None,
    reverse: bool = False,
) -> tuple[Tensor, Tensor]:
    """One Elman RNN layer over a (T, N, F) sequence, as one graph node:

    h_t = relu(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh).  Returns (output (T, N, H), h_n (N, H)).
    """
    return _elman("relu", input, h0, w_ih, w_hh, b_ih, b_hh, mask, reverse)


# ------------------------------------------------------------------------------------- cells


def lstm_cell(
    input: Tensor,  # noqa: A002
    hx: Tensor | None,
    cx: Tensor | None,
    w_ih: Tensor,
    w_hh: Tensor | None = None,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
) -> tuple[Tensor, Tensor]:
    """One LSTM step on (N, F): the equations of :func:`lstm`. Returns (h', c').

    torch.lstm_cell's form, ``lstm_cell(input, (hx, cx), w_ih, w_hh, b_ih, b_hh)``, works too.
    """
    if isinstance(hx, tuple | list):  # torch.lstm_cell(input, (h, c), w_ih, w_hh, b_ih, b_hh)
        if len(hx) != 2 or b_hh is not None:
            raise TypeError(
                "lstm_cell: with the state as a pair the arguments are (input, (hx, cx), w_ih, "
                "w_hh, b_ih=None, b_hh=None), as torch.lstm_cell"
            )
        (hx, cx), w_ih, w_hh, b_ih, b_hh = hx, cx, w_ih, w_hh, b_ih
    if w_hh is None:
        raise TypeError("lstm_cell: missing the argument w_hh")
    N, H = _check("lstm_cell", input, (hx, cx), w_ih, w_hh, b_ih, b_hh, 4, 2)
    dt = input.dtype
    h1, c1, bw = KC.lstm_cell_forward(
        input.data,
        _state(hx, N, H, dt),
        _state(cx, N, H, dt),
        w_ih.data,
        w_hh.data,
        None if b_ih is None else b_ih.data,
        None if b_hh is None else b_hh.data,
    )
    need_dx, need_dh0 = _grad_flags(input, hx)

    def run_backward(dh: Any, dc: Any) -> tuple:
        return bw(dh, dc, need_dx, need_dh0)

    inputs = (input, hx, cx, w_ih, w_hh, b_ih, b_hh)
    h, c = _record("lstm_cell", inputs, h1, (c1,), run_backward)
    return h, c


def gru_cell(
    input: Tensor,  # noqa: A002
    hx: Tensor | None,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
) -> Tensor:
    """One GRU step on (N, F): the equations of :func:`gru`. Returns h'."""
    N, H = _check("gru_cell", input, (hx,), w_ih, w_hh, b_ih, b_hh, 3, 2)
    dt = input.dtype
    h1, bw = KC.gru_cell_forward(
        input.data,
        _state(hx, N, H, dt),
        w_ih.data,
        w_hh.data,
        None if b_ih is None else b_ih.data,
        None if b_hh is None else b_hh.data,
    )
    need_dx, need_dh0 = _grad_flags(input, hx)

    def run_backward(dh: Any) -> tuple:
        return bw(dh, need_dx, need_dh0)

    return _record("gru_cell", (input, hx, w_ih, w_hh, b_ih, b_hh), h1, (), run_backward)[0]


def _rnn_cell(
    op: str,
    nonlinearity: str,
    input: Tensor,  # noqa: A002
    hx: Tensor | None,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None,
    b_hh: Tensor | None,
) -> Tensor:
    N, H = _check(op, input, (hx,), w_ih, w_hh, b_ih, b_hh, 1, 2)
    dt = input.dtype
    h1, bw = KC.rnn_cell_forward(
        input.data,
        _state(hx, N, H, dt),
        w_ih.data,
        w_hh.data,
        None if b_ih is None else b_ih.data,
        None if b_hh is None else b_hh.data,
        nonlinearity,
    )
    need_dx, need_dh0 = _grad_flags(input, hx)

    def run_backward(dh: Any) -> tuple:
        return bw(dh, need_dx, need_dh0)

    return _record(op, (input, hx, w_ih, w_hh, b_ih, b_hh), h1, (), run_backward)[0]


def rnn_tanh_cell(
    input: Tensor,  # noqa: A002
    hx: Tensor | None,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
) -> Tensor:
    """One Elman step on (N, F):  h' = tanh(W_ih x + b_ih + W_hh h + b_hh)."""
    return _rnn_cell("rnn_tanh_cell", "tanh", input, hx, w_ih, w_hh, b_ih, b_hh)


def rnn_relu_cell(
    input: Tensor,  # noqa: A002
    hx: Tensor | None,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
) -> Tensor:
    """One Elman step on (N, F):  h' = relu(W_ih x + b_ih + W_hh h + b_hh)."""
    return _rnn_cell("rnn_relu_cell", "relu", input, hx, w_ih, w_hh, b_ih, b_hh)
