"""What every decoder shares: the step-function contract, the decoded result, state reordering.

A model is decoded through one function, its *step*::

    step(tokens, state) -> (log_probs, state)

``tokens``: int64 (B,), the last token of each of the B sequences being decoded (at the first
step, the start token or the last token of the prefix); ``state``: whatever the model carries
from step to step (hidden states, encoder memory, the tokens so far ...). ``log_probs``: (B, V)
log-probabilities (or unnormalized logits, which are log-softmaxed) of the next token, a NumPy
array or a Tensor. The decoders never look inside ``state``; beam search reorders it with
:func:`reorder_state` (arrays and Tensors in nested tuples/lists/dicts, batch along
``batch_axis``) or a ``reorder(state, index)`` the caller gives.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..tensor import Tensor

__all__ = ["Step", "Decoded", "reorder_state", "log_softmax_rows", "as_tokens", "run_prefix"]

Step = Callable[[np.ndarray, Any], tuple[Any, Any]]


@dataclass
class Decoded:
    """Decoded sequences of one batch.

    ``tokens``: int64 (B, L) generated tokens (the start token and the prefix not included;
    the end token included where it was produced), padded after the end with ``pad``;
    ``lengths``: (B,) tokens up to and including the end token (L's used part);
    ``log_prob``: (B,) sum of the log-probabilities of those tokens, under the model (not the
    temperature); ``finished``: (B,) True where the end token was produced.
    Beam search adds ``scores`` (B,), the length-normalized score it ranked by, and with
    ``n_best > 1`` every field gains an axis: (B, n_best, ...), best first."""

    tokens: np.ndarray
    lengths: np.ndarray
    log_prob: np.ndarray
    finished: np.ndarray
    scores: np.ndarray | None = None

    def sequences(self, strip_end: bool = True) -> list[list[int]]:
        """The token lists of a (B, L) result, each cut at its length (end token removed
        unless ``strip_end`` is false)."""
        if self.tokens.ndim != 2:
            raise ValueError(f"Decoded.sequences: expects (B, L) tokens, got shape "
                             f"{self.tokens.shape}; index the n_best axis first")
        out = []
        for row, n, fin in zip(self.tokens, self.lengths, self.finished, strict=True):
            n = int(n) - (1 if strip_end and fin else 0)
            out.append([int(t) for t in row[:n]])
        return out


def _as_array(x: Any) -> np.ndarray:
    return np.asarray(x.data if isinstance(x, Tensor) else x)


def log_softmax_rows(x: Any, where: str) -> np.ndarray:
    """(B, V) log-probabilities from a step's output (logits are normalized; float64 out).

    log_softmax(a)_v = a_v - m - log sum_u exp(a_u - m), m = max_u a_u. For float32 outputs the
    exponentials are taken in float32 (summed in float64): their error, ~1e-7 in the
    log-normalizer, is below the float32 input's own rounding; float64 outputs stay float64."""
    a0 = _as_array(x)
    if a0.ndim != 2:
        raise ValueError(f"{where}: the step function must return log-probabilities of shape "
                         f"(batch, vocabulary), got shape {a0.shape}")
    lowp = a0.dtype == np.float32
    a = a0 if lowp else a0.astype(np.float64, copy=False)
    m = a.max(axis=1, keepdims=True)
    m[~np.isfinite(m)] = 0.0
    z = a - m
    lse = np.log(np.exp(z).sum(axis=1, keepdims=True, dtype=np.float64))
    return z.astype(np.float64) - lse if lowp else z - lse


def reorder_state(state: Any, index: np.ndarray, batch_axis: int = 0) -> Any:
    """``state`` with every array/Tensor leaf indexed by ``index`` along ``batch_axis``
    (tuples, lists and dicts are walked; None and Python scalars are kept)."""
    if state is None or isinstance(state, int | float | str | bool):
        return state
    if isinstance(state, Tensor):
        return Tensor(np.take(state.data, index, axis=batch_axis))
    if isinstance(state, np.ndarray):
        return np.take(state, index, axis=batch_axis)
    if isinstance(state, tuple | list):
        return type(state)(reorder_state(s, index, batch_axis) for s in state)
    if isinstance(state, dict):
        return {k: reorder_state(v, index, batch_axis) for k, v in state.items()}
    raise TypeError(f"reorder_state: cannot reorder a state leaf of type "
                    f"{type(state).__name__}; pass reorder=callable(state, index)")


def as_tokens(start: Any, where: str) -> np.ndarray:
    """The start tokens or prefixes as int64 (B, P), P >= 1 (a (B,) array is P = 1)."""
    a = np.asarray(start)
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2 or a.shape[0] == 0 or a.shape[1] == 0:
        raise ValueError(f"{where}: start must be (batch,) start tokens or (batch, prefix) "
                         f"tokens with batch, prefix >= 1; got shape {np.shape(start)}")
    if not np.issubdtype(a.dtype, np.integer):
        raise ValueError(f"{where}: start tokens must be integers, got dtype {a.dtype}")
    return a.astype(np.int64)


def run_prefix(step: Step, prefix: np.ndarray, state: Any, where: str) -> tuple[np.ndarray, Any]:
    """Feed a (B, P) prefix through ``step``; the log-probabilities after its last token."""
    logp = None
    for t in range(prefix.shape[1]):
        out, state = step(prefix[:, t], state)
        logp = log_softmax_rows(out, where)
    assert logp is not None
    if logp.shape[0] != prefix.shape[0]:
        raise ValueError(f"{where}: the step function returned {logp.shape[0]} rows for a batch "
                         f"of {prefix.shape[0]}")
    return logp, state


def check_common(max_len: int, end: int | None, vocab: int, where: str) -> None:
    if int(max_len) < 1:
        raise ValueError(f"{where}: max_len must be >= 1, got {max_len}")
    if end is not None and not 0 <= int(end) < vocab:
        raise ValueError(f"{where}: end token {end} is outside the vocabulary of {vocab}")
