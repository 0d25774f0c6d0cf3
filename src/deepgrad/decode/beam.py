"""Beam search, batched: keep the ``beam_width`` most probable partial sequences per input.

At each step every live hypothesis y_<t (score s = log p(y_<t | x)) is extended by every token
v, with score s + log p(v | y_<t, x); of the beam_width x V candidates of one input the
beam_width best survive. A hypothesis that produced the end token is *finished*: it keeps its
slot in the beam with its score unchanged (extended by nothing), competing with the live ones,
so beam width 1 is exactly greedy decoding. Search stops when every hypothesis is finished or
has ``max_len`` tokens. With a beam as wide as the number of partial sequences nothing is
pruned and the result is the exhaustive search's.

Candidates are pruned by their log-probability; the final choice among the beam's hypotheses
is by the length-normalized score (``length_norm``), since a longer sequence has more factors
below 1 and would otherwise lose to a short one:

    "gnmt":     score = log p(Y) / lp(Y),  lp(Y) = ((5 + |Y|) / 6) ** alpha   (Wu et al., 2016,
                the GNMT paper, eq. 14; alpha = 0 is no normalization, alpha = 1 ~ per token)
    "average":  score = log p(Y) / |Y|     (the mean log-probability per token)
    "none":     score = log p(Y)

|Y| counts the generated tokens including the end token (the factors of p(Y)).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import numpy as np

from ..tensor import no_grad
from .common import (
    Decoded,
    Step,
    as_tokens,
    check_common,
    log_softmax_rows,
    reorder_state,
    run_prefix,
)

__all__ = ["beam_search", "length_normalized", "top_k_stable"]


def length_normalized(log_prob: np.ndarray, lengths: np.ndarray, length_norm: str = "gnmt",
                      alpha: float = 0.6) -> np.ndarray:
    """The score beam search ranks finished hypotheses by (see the module docstring)."""
    lp = np.asarray(log_prob, dtype=np.float64)
    n = np.maximum(np.asarray(lengths, dtype=np.float64), 1.0)
    if length_norm == "gnmt":
        return lp / ((5.0 + n) / 6.0) ** float(alpha)
    if length_norm == "average":
        return lp / n
    if length_norm == "none":
        return lp.copy()
    raise ValueError(f"beam_search: length_norm must be 'gnmt', 'average' or 'none', got "
                     f"{length_norm!r}")


def top_k_stable(scores: np.ndarray, k: int) -> np.ndarray:
    """The column indices of each row's ``k`` largest scores, best first, ties to the lower
    index: exactly ``np.argsort(-scores, axis=1, kind="stable")[:, :k]``, without sorting the
    whole row. (The k-th largest value t is found by partition; every score above t is kept,
    and of those equal to t the first ones; the k kept are then sorted stably.)"""
    n = scores.shape[1]
    if k >= n:
        return np.argsort(-scores, axis=1, kind="stable")[:, :k]
    t = np.partition(scores, n - k, axis=1)[:, n - k][:, None]
    above = scores > t
    need = k - above.sum(axis=1, keepdims=True)
    equal = scores == t
    keep = above | (equal & (np.cumsum(equal, axis=1) <= need))
    idx = np.nonzero(keep)[1].reshape(scores.shape[0], k)  # ascending column order per row
    vals = np.take_along_axis(scores, idx, axis=1)
    return np.take_along_axis(idx, np.argsort(-vals, axis=1, kind="stable"), axis=1)


def beam_search(step: Step, start: Any, state: Any = None, max_len: int = 50,
                end: int | None = None, beam_width: int = 5,
                length_norm: Literal["gnmt", "average", "none"] = "gnmt", alpha: float = 0.6,
                n_best: int = 1, pad: int | None = None,
                reorder: Callable[[Any, np.ndarray], Any] | None = None,
                batch_axis: int = 0) -> Decoded:
    """Beam search over ``step`` for a batch of B inputs (see the module docstring).

    ``start``: (B,) start tokens or a (B, P) prefix; ``state``: the model's state for the B
    inputs, repeated to B * beam_width rows (input-major: rows b*K .. b*K+K-1 are input b's
    beam) with ``reorder(state, index)`` (default :func:`reorder_state` along ``batch_axis``).
    Returns a :class:`Decoded` with ``scores``; with ``n_best > 1`` each field has a second
    axis of the ``n_best`` best hypotheses, best first."""
    where = "beam_search"
    K = int(beam_width)
    if K < 1:
        raise ValueError(f"{where}: beam_width must be >= 1, got {beam_width}")
    if not 1 <= int(n_best) <= K:
        raise ValueError(f"{where}: n_best must be between 1 and beam_width={K}, got {n_best}")
    length_normalized(np.zeros(1), np.ones(1), length_norm, alpha)  # checks the name
    move = reorder or (lambda s, i: reorder_state(s, i, batch_axis))
    prefix = as_tokens(start, where)
    B = prefix.shape[0]
    with no_grad():
        logp, state = run_prefix(step, prefix, state, where)
        V = logp.shape[1]
        check_common(max_len, end, V, where)
        rows = np.repeat(np.arange(B), K)
        state = move(state, rows)
        logp = logp[rows]
        scores = np.full((B, K), -np.inf)
        scores[:, 0] = 0.0  # one hypothesis to start with: no duplicates in the beam
        fill = end if pad is None else pad
        tokens = np.full((B, K, max_len), 0 if fill is None else fill, dtype=np.int64)
        lengths = np.zeros((B, K), dtype=np.int64)
        finished = np.zeros((B, K), dtype=bool)
        base = (np.arange(B) * K)[:, None]
        for t in range(max_len):
            cand = scores[:, :, None] + logp.reshape(B, K, V)
            # a finished hypothesis is one candidate: itself, with its score (slot 0)
            cand[finished] = -np.inf
            cand[finished, 0] = scores[finished]
            flat = cand.reshape(B, K * V)
            best = top_k_stable(flat, K)  # ties: the lower index
            origin, tok = best // V, best % V
            scores = np.take_along_axis(flat, best, axis=1)
            was_done = np.take_along_axis(finished, origin, axis=1)
            tokens = np.take_along_axis(tokens, origin[:, :, None], axis=1)
            lengths = np.take_along_axis(lengths, origin, axis=1)
            grow = ~was_done & np.isfinite(scores)
            tokens[grow, t] = tok[grow]
            lengths[grow] += 1
            finished = was_done | ~np.isfinite(scores)  # (a -inf candidate is a dead slot)
            if end is not None:
                finished |= grow & (tok == end)
            if finished.all() or t == max_len - 1:
                break
            state = move(state, (base + origin).ravel())
            out, state = step(tok.ravel(), state)
            logp = log_softmax_rows(out, where)
    ended = finished & np.isfinite(scores)
    if end is not None:  # a hypothesis cut by max_len has not produced the end token
        last = np.take_along_axis(tokens, np.maximum(lengths - 1, 0)[:, :, None], 2)[:, :, 0]
        ended &= last == end
    else:
        ended[:] = False
    ranked = length_normalized(scores, lengths, length_norm, alpha)
    ranked[~np.isfinite(scores)] = -np.inf
    order = np.argsort(-ranked, axis=1, kind="stable")[:, :n_best]
    pick = (lambda a: np.take_along_axis(a, order, axis=1))
    used = int(pick(lengths).max())  # the width the returned hypotheses need
    toks = np.take_along_axis(tokens[:, :, :used], order[:, :, None], axis=1)
    res = Decoded(toks, pick(lengths), pick(scores), pick(ended), pick(ranked))
    if n_best == 1:
        res = Decoded(res.tokens[:, 0], res.lengths[:, 0], res.log_prob[:, 0],
                      res.finished[:, 0], res.scores[:, 0])  # type: ignore[index]
    return res
