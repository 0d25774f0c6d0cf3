"""The fast word2vec path (private): word2vec.c's inner loop, compiled with Numba.

One call trains one thread's share of the corpus for one epoch, in place on ``syn0`` (input
vectors, W) and ``syn1neg`` (output vectors, W'). It performs exactly the updates that
:func:`deepgrad.models.word2vec.train_readable` computes with deepgrad's layers and autodiff,
drawing from the same random stream in the same order (see ``word2vec.py``):

    per sentence   alpha = alpha0 - (alpha0 - min_alpha) * done / total
                   subsampling: one draw per word when sample > 0; keep if keep[w] >= draw
    per position   reduced window b = draw % window (contexts i-window+b .. i+window-b)
    per update     ``negative`` draws, each a noise word bisect(cum, draw % cum[-1]);
                   a draw equal to the centre word is skipped

One update, for input h (skip-gram: one context vector; CBOW: the mean of the context
vectors) and targets t_0 = centre word (label 1), t_1.. = noise words (label 0)::

    g_d   = alpha (label_d - sigma(u_{t_d} . h))           all with the old u (exact gradient)
    e     = sum_d g_d u_{t_d}
    u_t_d += g_d h
    v_c   += e            for every context word c (CBOW: not divided by the count, as C)

Threads (``workers > 1``) call this on their own shards at once without locks (Hogwild!,
as word2vec.c and gensim): Numba releases the GIL (``nogil``). A shard is a contiguous run of
sentences (1/n of the corpus).
"""

from __future__ import annotations

import math
import threading
from typing import Any

import numpy as np

__all__ = ["train_epoch", "kernel", "MULT", "INC", "MASK48"]

MULT = 25214903917  # word2vec.c's (and java.util.Random's) linear congruential generator
INC = 11
MASK48 = (1 << 48) - 1

_compiled: Any = None
_lock = threading.Lock()


def kernel() -> Any:
    """The compiled epoch function (compiled, or loaded from Numba's cache, once)."""
    global _compiled
    with _lock:
        if _compiled is None:
            _compiled = _kernel_source()
    return _compiled


def _kernel_source():
    import numba

    mult, inc, mask = np.uint64(MULT), np.uint64(INC), np.uint64(MASK48)
    sh16 = np.uint64(16)

    @numba.njit(cache=True, nogil=True, fastmath=True, error_model="numpy")
    def _update(syn1neg, h, neu1e, cand, gs, center, negative, alpha, cum, state, with_loss,
                zero):
        """One update: centre word ``center`` against ``negative`` noise draws; input ``h``.
        Returns (new state, loss of this update); adds the input error into ``neu1e``."""
        dim = h.shape[0]
        n = 1
        cand[0] = center
        top = cum[cum.shape[0] - 1]
        for _ in range(negative):
            r = np.int64(state >> sh16)
            state = (state * mult + inc) & mask
            x = r % top
            lo, hi = 0, cum.shape[0]
            while lo < hi:  # bisect_left(cum, x)
                mid = (lo + hi) >> 1
                if cum[mid] < x:
                    lo = mid + 1
                else:
                    hi = mid
            if lo != center:
                cand[n] = lo
                n += 1
        loss = 0.0
        for d in range(n):
            row = syn1neg[cand[d]]
            f = zero  # accumulate in the vectors' dtype (float32: twice the SIMD width)
            for k in range(dim):
                f += h[k] * row[k]
            label = 1.0 if d == 0 else 0.0
            sig = 1.0 / (1.0 + math.exp(-f))
            gs[d] = (label - sig) * alpha
            if with_loss:  # -log sigma(+-f), computed stably as softplus(-+f)
                z = -f if d == 0 else f
                loss += max(z, 0.0) + math.log1p(math.exp(-abs(z)))
        for d in range(n):
            row = syn1neg[cand[d]]
            g = gs[d]
            for k in range(dim):
                neu1e[k] += g * row[k]
        for d in range(n):
            row = syn1neg[cand[d]]
            g = gs[d]
            for k in range(dim):
                row[k] += g * h[k]
        return state, loss

    @numba.njit(cache=True, nogil=True, fastmath=True, error_model="numpy")
    def _epoch(ids, starts, syn0, syn1neg, cum, keep, sg, window, negative, sample,
               alpha0, min_alpha, done, total, state_arr, with_loss):
        dim = syn0.shape[1]
        dt = syn0.dtype
        zero = syn0[0, 0] - syn0[0, 0]
        state = state_arr[0]
        longest = 0
        for s in range(starts.shape[0] - 1):
            longest = max(longest, starts[s + 1] - starts[s])
        kept = np.empty(longest, np.int64)
        cand = np.empty(negative + 1, np.int64)
        gs = np.empty(negative + 1, dt)
        neu1e = np.empty(dim, dt)
        h = np.empty(dim, dt)
        trained = 0
        loss = 0.0
        updates = 0
        for s in range(starts.shape[0] - 1):
            a, b = starts[s], starts[s + 1]
            alpha = max(min_alpha, alpha0 - (alpha0 - min_alpha) * (done / total))
            done += b - a
            n = 0
            for p in range(a, b):
                w = ids[p]
                if sample:
                    r = np.int64(state >> sh16)
                    state = (state * mult + inc) & mask
                    if keep[w] < r:
                        continue
                kept[n] = w
                n += 1
            trained += n
            for i in range(n):
                r = np.int64(state >> sh16)
                state = (state * mult + inc) & mask
                red = r % window
                lo = max(0, i - window + red)
                hi = min(n, i + window + 1 - red)
                center = kept[i]
                if sg:
                    for j in range(lo, hi):
                        if j == i:
                            continue
                        ctx = syn0[kept[j]]
                        for k in range(dim):
                            h[k] = ctx[k]
                            neu1e[k] = 0.0
                        state, l_ = _update(syn1neg, h, neu1e, cand, gs, center, negative,
                                            alpha, cum, state, with_loss, zero)
                        loss += l_
                        updates += 1
                        for k in range(dim):
                            ctx[k] += neu1e[k]
                else:
                    count = hi - lo - 1
                    if count <= 0:
                        continue
                    for k in range(dim):
                        h[k] = 0.0
                        neu1e[k] = 0.0
                    for j in range(lo, hi):
                        if j != i:
                            ctx = syn0[kept[j]]
                            for k in range(dim):
                                h[k] += ctx[k]
                    inv = 1.0 / count
                    for k in range(dim):
                        h[k] *= inv
                    state, l_ = _update(syn1neg, h, neu1e, cand, gs, center, negative, alpha,
                                        cum, state, with_loss, zero)
                    loss += l_
                    updates += 1
                    for j in range(lo, hi):
                        if j != i:
                            ctx = syn0[kept[j]]
                            for k in range(dim):
                                ctx[k] += neu1e[k]
        state_arr[0] = state
        return trained, loss, updates

    return _epoch


def train_epoch(ids: np.ndarray, starts: np.ndarray, syn0: np.ndarray, syn1neg: np.ndarray,
                cum: np.ndarray, keep: np.ndarray, sg: bool, window: int, negative: int,
                sample: bool, alpha0: float, min_alpha: float, done: int, total: int,
                state: np.ndarray, with_loss: bool = False) -> tuple[int, float, int]:
    """Train one shard for one epoch in place: (words kept after subsampling, summed loss,
    number of updates). ``state`` is a 1-element uint64 array, advanced in place."""
    trained, loss, updates = kernel()(ids, starts, syn0, syn1neg, cum, keep, bool(sg),
                                       int(window), int(negative), bool(sample), float(alpha0),
                                       float(min_alpha), float(done), float(total), state,
                                       bool(with_loss))
    return int(trained), float(loss), int(updates)
