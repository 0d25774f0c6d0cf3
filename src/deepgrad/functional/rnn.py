"""Recurrent ops (course week 5): RNN, LSTM and GRU cells and whole sequences.

PyTorch's weight layout and gate order: ``w_ih`` (G*H, F), ``w_hh`` (G*H, H), biases (G*H,),
with the gates stacked LSTM (i, f, g, o) and GRU (r, z, n), G = 4, 3, 1.

* Cells (``rnn_tanh_cell``, ``rnn_relu_cell``, ``lstm_cell``, ``gru_cell``) do one time step
  on a batch (N, F).
* Sequence ops (``rnn_tanh``, ``rnn_relu``, ``lstm``, ``gru``; torch's names) run one layer
  in one direction over a time-major sequence (T, N, F) as ONE graph node: the time loop runs
  in NumPy and its backward is a hand-written backpropagation through time (``rnn_kernels.py``).
  Stacking, bidirectionality and batch_first are composed from them by ``nn.recurrent``.
* Variable lengths: ``mask`` (T, N) of 0/1 (or bool). Where it is 0 the step is skipped: the
  state is carried over unchanged and the output is 0, exactly what PyTorch computes on a packed
  sequence (``pack_padded_sequence``) and pads back. With ``reverse=True`` and right-padded
  sequences each sequence's backward pass therefore starts at its own last element.

The final states are extra outputs of the same computation: small nodes that hand their
gradient to the sequence node before it runs its backward.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..tensor import Tensor, make_result
from . import rnn_kernels as K

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


# ------------------------------------------------------------------------------ graph wiring


def _final_state(main: Tensor, data: np.ndarray, slots: list, k: int, zero: np.ndarray) -> Tensor:
    """An extra output of ``main``'s computation: its delta is parked in ``slots[k]``.

    It hands ``zero`` (a read-only broadcast the sequence node recognises) down to ``main`` so
    that ``main``'s backward runs, after this node's, even when only the final state is used.
    """

    def backward(delta: np.ndarray) -> tuple:
        slots[k] = delta if slots[k] is None else slots[k] + delta
        return (zero,)

    return make_result(data, (main,), backward, main._op + "_state")


def _record(
    op: str,
    inputs: Sequence[Tensor | None],
    main_data: np.ndarray,
    final_data: Sequence[np.ndarray],
    run_backward: Callable[..., tuple],
) -> list[Tensor]:
    """One node for the whole recurrence, plus one light node per final state.

    ``run_backward(delta_main_or_None, *delta_finals_or_None)`` returns one gradient per entry
    of ``inputs`` (entries that are None are not parents and their gradients are dropped).
    """
    parents = tuple(t for t in inputs if t is not None)
    slots: list[np.ndarray | None] = [None] * len(final_data)
    zero = np.broadcast_to(np.zeros((), dtype=main_data.dtype), main_data.shape)

    def backward(delta: np.ndarray) -> tuple:
        extra = list(slots)
        slots[:] = [None] * len(slots)
        grads = run_backward(None if delta is zero else delta, *extra)
        return tuple(g for t, g in zip(inputs, grads, strict=True) if t is not None)

    main = make_result(main_data, parents, backward, op)
    return [main] + [_final_state(main, d, slots, k, zero) for k, d in enumerate(final_data)]


# -------------------------------------------------------------------------------- validation


def _check(
    op: str,
    x: Tensor,
    states: Sequence[Tensor | None],
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None,
    b_hh: Tensor | None,
    gates: int,
    x_ndim: int,
) -> tuple[int, int]:
    """Validate shapes and dtypes; return (N, H)."""
    for name, t in (("input", x), ("w_ih", w_ih), ("w_hh", w_hh)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: {name} must be a Tensor, got {type(t).__name__}")
    if x.ndim != x_ndim:
        want = "(T, N, input_size)" if x_ndim == 3 else "(N, input_size)"
        raise ValueError(f"{op}: input must have shape {want}, got {x.shape}")
    dt = x.dtype
    if dt.kind != "f":
        raise TypeError(f"{op}: input must be floating point, got {dt}")
    if w_hh.ndim != 2 or w_hh.shape[0] != gates * w_hh.shape[1]:
        raise ValueError(
            f"{op}: w_hh must have shape ({gates}*hidden_size, hidden_size), got {w_hh.shape}"
        )
    H = w_hh.shape[1]
    F = x.shape[-1]
    if w_ih.shape != (gates * H, F):
        raise ValueError(
            f"{op}: w_ih must have shape ({gates * H}, {F}) for hidden_size {H} and "
            f"input_size {F} (input shape {x.shape}), got {w_ih.shape}"
        )
    N = x.shape[-2]
    for name, b in (("b_ih", b_ih), ("b_hh", b_hh)):
        if b is not None and b.shape != (gates * H,):
            raise ValueError(f"{op}: {name} must have shape ({gates * H},), got {b.shape}")
    for name, s in zip(("hx", "cx"), states, strict=False):
        if s is not None and s.shape != (N, H):
            raise ValueError(
                f"{op}: {name} must have shape (batch, hidden_size) = ({N}, {H}), got {s.shape}"
            )
    for name, t in (("w_ih", w_ih), ("w_hh", w_hh), ("b_ih", b_ih), ("b_hh", b_hh)) + tuple(
        zip(("hx", "cx"), states, strict=False)
    ):
        if t is not None and t.dtype != dt:
            raise TypeError(f"{op}: {name} has dtype {t.dtype} but input has dtype {dt}")
    return N, H


def _state(s: Tensor | None, N: int, H: int, dt: np.dtype) -> np.ndarray:
    return np.zeros((N, H), dtype=dt) if s is None else s.data


def _mask(mask: Any, T: int, N: int, dt: np.dtype, op: str) -> np.ndarray | None:
    """The (T, N) mask as 0/1 in the input's dtype, shaped (T, N, 1) to broadcast over H."""
    if mask is None:
        return None
    m = np.asarray(mask.data if isinstance(mask, Tensor) else mask)
    if m.shape != (T, N):
        raise ValueError(f"{op}: mask must have shape (T, N) = ({T}, {N}), got {m.shape}")
    m = m != 0
    return m.astype(dt)[:, :, None]


def _grad_flags(x: Tensor, h0: Tensor | None) -> tuple[bool, bool]:
    return x.requires_grad, h0 is not None and h0.requires_grad


def lengths_to_mask(lengths: Any, total_length: int | None = None) -> np.ndarray:
    """A time-major (T, N) bool mask, True at t < lengths[n] (T = max length unless given)."""
    lens = np.asarray(lengths.data if isinstance(lengths, Tensor) else lengths)
    if lens.ndim != 1 or lens.dtype.kind not in "iu":
        raise ValueError(
            f"lengths_to_mask: lengths must be 1-D integers, got {lens.dtype} {lens.shape}"
        )
    T = int(lens.max(initial=0)) if total_length is None else int(total_length)
    if lens.size and (lens.min() < 0 or lens.max() > T):
        raise ValueError(f"lengths_to_mask: lengths must lie in [0, {T}], got {lens.tolist()}")
    return np.arange(T)[:, None] < lens[None, :]


# ------------------------------------------------------------------------------ sequence ops


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
    """
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
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
) -> tuple[Tensor, Tensor]:
    """One LSTM step on (N, F): the equations of :func:`lstm`. Returns (h', c')."""
    N, H = _check("lstm_cell", input, (hx, cx), w_ih, w_hh, b_ih, b_hh, 4, 2)
    dt = input.dtype
    _, h1, c1, bw = K.lstm_forward(
        input.data[None],
        _state(hx, N, H, dt),
        _state(cx, N, H, dt),
        w_ih.data,
        w_hh.data,
        None if b_ih is None else b_ih.data,
        None if b_hh is None else b_hh.data,
        None,
        False,
    )
    need_dx, need_dh0 = _grad_flags(input, hx)

    def run_backward(dh: Any, dc: Any) -> tuple:
        dx, *rest = bw(None, dh, dc, need_dx, need_dh0)
        return (None if dx is None else dx[0], *rest)

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
    _, h1, bw = K.gru_forward(
        input.data[None],
        _state(hx, N, H, dt),
        w_ih.data,
        w_hh.data,
        None if b_ih is None else b_ih.data,
        None if b_hh is None else b_hh.data,
        None,
        False,
    )
    need_dx, need_dh0 = _grad_flags(input, hx)

    def run_backward(dh: Any) -> tuple:
        dx, *rest = bw(None, dh, need_dx, need_dh0)
        return (None if dx is None else dx[0], *rest)

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
    _, h1, bw = K.rnn_forward(
        input.data[None],
        _state(hx, N, H, dt),
        w_ih.data,
        w_hh.data,
        None if b_ih is None else b_ih.data,
        None if b_hh is None else b_hh.data,
        None,
        False,
        nonlinearity,
    )
    need_dx, need_dh0 = _grad_flags(input, hx)

    def run_backward(dh: Any) -> tuple:
        dx, *rest = bw(None, dh, need_dx, need_dh0)
        return (None if dx is None else dx[0], *rest)

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
