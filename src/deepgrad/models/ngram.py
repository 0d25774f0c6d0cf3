"""A smoothed character n-gram language model: interpolated Kneser-Ney (Chen & Goodman 1998,
with one discount D per order), the classical baseline of a character RNN.

For a trigram, with c(.) counts of the training sequences and N1+(.) numbers of distinct
continuations:

    P(w | u v) = max(c(u v w) - D, 0) / c(u v .) + D N1+(u v .) / c(u v .) * P(w | v)
    P(w | v)   = max(N1+(. v w) - D, 0) / N1+(. v .) + D N1+(v .)' / N1+(. v .) * P(w)
    P(w)       = (1 - eps) N1+(. w) / N1+(. .) + eps / V

(N1+(v .)' counts the distinct w with N1+(. v w) > 0). A context never seen falls back to the
next lower order entirely. Every sequence is padded with ``order - 1`` start tokens in front and
ends with the end token, so p(sequence) includes the probability of ending.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

import numpy as np

__all__ = ["KneserNeyLM"]


class KneserNeyLM:
    """``KneserNeyLM(vocab_size, start, end, order=3, discount=0.75).fit(sequences)``;
    ``logprob(sequences)`` (natural log, one value per target token)."""

    def __init__(self, vocab_size: int, start: int, end: int, order: int = 3,
                 discount: float = 0.75, eps: float = 1e-3) -> None:
        if order < 1:
            raise ValueError(f"KneserNeyLM: order must be >= 1, got {order}")
        if not 0.0 < discount < 1.0:
            raise ValueError(f"KneserNeyLM: discount must be in (0, 1), got {discount}")
        self.V, self.start, self.end = int(vocab_size), int(start), int(end)
        self.order, self.D, self.eps = int(order), float(discount), float(eps)

    def _grams(self, seq: Sequence[int]) -> Iterable[tuple[int, ...]]:
        padded = [self.start] * (self.order - 1) + list(seq) + [self.end]
        for i in range(self.order - 1, len(padded)):
            yield tuple(padded[i - self.order + 1:i + 1])

    def fit(self, sequences: Iterable[Sequence[int]]) -> KneserNeyLM:
        # counts[k][context][w]: k = context length; the top order has real counts, the lower
        # ones continuation counts (how many distinct left extensions)
        top: dict[tuple, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        for seq in sequences:
            for g in self._grams(seq):
                top[g[:-1]][g[-1]] += 1
        self.counts = {self.order - 1: top}
        for k in range(self.order - 2, -1, -1):
            lower: dict[tuple, dict[int, int]] = defaultdict(lambda: defaultdict(int))
            for ctx, nxt in self.counts[k + 1].items():
                for w in nxt:
                    lower[ctx[1:]][w] += 1
            self.counts[k] = lower
        return self

    def prob(self, context: Sequence[int], w: int) -> float:
        """P(w | the last order-1 tokens of context)."""
        ctx = tuple(context)[-(self.order - 1):] if self.order > 1 else ()
        return self._p(ctx, w)

    def _p(self, ctx: tuple, w: int) -> float:
        k = len(ctx)
        table = self.counts[k].get(ctx)
        if k == 0:
            assert table is not None
            return (1 - self.eps) * table.get(w, 0) / sum(table.values()) + self.eps / self.V
        lower = self._p(ctx[1:], w)
        if not table:
            return lower
        total = sum(table.values())
        return (max(table.get(w, 0) - self.D, 0.0) + self.D * len(table) * lower) / total

    def logprob(self, sequences: Iterable[Sequence[int]]) -> np.ndarray:
        """log P of every target token (each character and the end) of every sequence."""
        out = [np.log(self._p(g[:-1], g[-1])) for seq in sequences for g in self._grams(seq)]
        return np.array(out)
