"""Graph plumbing and input checks shared by the recurrent ops in ``functional/rnn.py``.

A whole recurrence is ONE graph node with several outputs (the sequence output and the final
states, ``tensor.make_results``): its backward runs once, given the delta of each output used.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..tensor import Tensor, make_results

__all__ = ["lengths_to_mask"]


# ------------------------------------------------------------------------------ graph wiring


def record(
    op: str,
    inputs: Sequence[Tensor | None],
    main_data: np.ndarray,
    final_data: Sequence[np.ndarray],
    run_backward: Callable[..., tuple],
) -> list[Tensor]:
    """The recurrence as ONE multi-output node: the sequence output and the final states.

    ``run_backward(delta_main_or_None, *delta_finals_or_None)`` returns one gradient per entry
    of ``inputs`` (entries that are None are not parents and their gradients are dropped).
    """
    parents = tuple(t for t in inputs if t is not None)

    def backward(deltas: tuple) -> tuple:
        grads = run_backward(*deltas)
        return tuple(g for t, g in zip(inputs, grads, strict=True) if t is not None)

    return list(make_results([main_data, *final_data], parents, backward, op))


# -------------------------------------------------------------------------------- validation


def check(
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


def state(s: Tensor | None, N: int, H: int, dt: np.dtype) -> np.ndarray:
    return np.zeros((N, H), dtype=dt) if s is None else s.data


def as_mask(mask: Any, T: int, N: int, dt: np.dtype, op: str) -> np.ndarray | None:
    """The (T, N) mask as 0/1 in the input's dtype, shaped (T, N, 1) to broadcast over H."""
    if mask is None:
        return None
    m = np.asarray(mask.data if isinstance(mask, Tensor) else mask)
    if m.shape != (T, N):
        raise ValueError(f"{op}: mask must have shape (T, N) = ({T}, {N}), got {m.shape}")
    m = m != 0
    return m.astype(dt)[:, :, None]


def grad_flags(x: Tensor, h0: Tensor | None) -> tuple[bool, bool]:
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
