"""Greedy decoding and sampling (temperature, top-k), batched.

Both generate one token per step for every sequence of the batch until each has produced the
end token or ``max_len`` tokens:

    greedy:   y_t = argmax_v log p(v | y_<t, x)
    sampling: y_t ~ softmax(log p(. | y_<t, x) / T), restricted to the k most probable tokens
              when ``top_k`` is given (the others get probability 0).

T -> 0 is greedy decoding, T = 1 samples the model's own distribution, T > 1 flattens it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..tensor import no_grad
from .common import Decoded, Step, as_tokens, check_common, log_softmax_rows, run_prefix

__all__ = ["greedy", "sample"]


def _generate(step: Step, start: Any, state: Any, max_len: int, end: int | None, pad: int | None,
              pick: Callable[[np.ndarray], np.ndarray], where: str) -> Decoded:
    prefix = as_tokens(start, where)
    B = prefix.shape[0]
    with no_grad():
        logp, state = run_prefix(step, prefix, state, where)
        check_common(max_len, end, logp.shape[1], where)
        fill = end if pad is None else pad
        tokens = np.full((B, max_len), 0 if fill is None else fill, dtype=np.int64)
        total = np.zeros(B)
        lengths = np.zeros(B, dtype=np.int64)
        done = np.zeros(B, dtype=bool)
        for t in range(max_len):
            y = pick(logp)
            live = ~done
            tokens[live, t] = y[live]
            total[live] += logp[live, y[live]]
            lengths[live] += 1
            if end is not None:
                done |= live & (y == end)
            if done.all() or t == max_len - 1:
                break
            out, state = step(y, state)
            logp = log_softmax_rows(out, where)
    used = int(lengths.max())
    return Decoded(tokens[:, :used], lengths, total, done.copy())


def greedy(step: Step, start: Any, state: Any = None, max_len: int = 50, end: int | None = None,
           pad: int | None = None) -> Decoded:
    """The most probable next token at every step.

    ``start``: (B,) start tokens or a (B, P) prefix fed through ``step`` first; ``state``: the
    model's initial state; ``end``: the end token (None: always ``max_len`` tokens); ``pad``:
    what fills the rows after their end (default: the end token, or 0)."""
    return _generate(step, start, state, max_len, end, pad,
                     lambda lp: lp.argmax(axis=1), "greedy")


def sample(step: Step, start: Any, state: Any = None, max_len: int = 50, end: int | None = None,
           temperature: float = 1.0, top_k: int | None = None,
           rng: np.random.Generator | None = None, pad: int | None = None) -> Decoded:
    """Draw each next token from softmax(log p / temperature), optionally among the ``top_k``
    most probable only. ``rng``: a NumPy generator (default: deepgrad's, ``dg.manual_seed``).
    ``log_prob`` of the result is under the model itself (T = 1, no top-k)."""
    if not temperature > 0:
        raise ValueError(f"sample: temperature must be > 0, got {temperature}")
    if top_k is not None and int(top_k) < 1:
        raise ValueError(f"sample: top_k must be >= 1 (or None), got {top_k}")
    if rng is None:
        from ..random import get_rng
        rng = get_rng()

    def pick(lp: np.ndarray) -> np.ndarray:
        z = lp / float(temperature)
        if top_k is not None and top_k < z.shape[1]:
            kth = np.partition(z, -top_k, axis=1)[:, -top_k][:, None]
            z = np.where(z >= kth, z, -np.inf)
        z = z - z.max(axis=1, keepdims=True)
        p = np.exp(z)
        cdf = np.cumsum(p, axis=1)
        u = rng.random(len(z))[:, None] * cdf[:, -1:]
        return np.minimum((cdf <= u).sum(axis=1), z.shape[1] - 1).astype(np.int64)

    return _generate(step, start, state, max_len, end, pad, pick, "sample")
