"""Characters <-> token ids for the date task, padded batches, and decoding to strings."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from ...data.dates import alphabet
from ..contract import TaskError

__all__ = ["SourceCoder", "TARGET_CHARS", "BOS", "EOS", "encode_targets", "decode_target",
           "batches"]

BOS, EOS = 0, 1  # the decoder's start and end tokens
TARGET_CHARS = "0123456789-"  # ids 2.. : an ISO date is 10 of these


class SourceCoder:
    """The source alphabet: id 0 is padding, then every character a date format can write."""

    def __init__(self, chars: Sequence[str] | None = None, max_len: int = 40) -> None:
        self.chars = list(alphabet() if chars is None else chars)
        self.index = {c: i + 1 for i, c in enumerate(self.chars)}
        self.max_len = int(max_len)

    @property
    def vocab_size(self) -> int:
        return len(self.chars) + 1

    def encode(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Texts -> (ids (N, S) padded with 0, lengths (N,)); unknown characters, empty texts
        and texts longer than ``max_len`` are refused, naming the text."""
        lengths = np.array([len(t) for t in texts], dtype=np.int64)
        if len(texts) == 0:
            raise TaskError("seq2seq: no texts to encode")
        S = int(lengths.max())
        ids = np.zeros((len(texts), S), dtype=np.int64)
        for i, t in enumerate(texts):
            if not t:
                raise TaskError(f"seq2seq: input {i} is empty; give a date such as "
                                "'3rd of March, 1987'")
            if len(t) > self.max_len:
                raise TaskError(f"seq2seq: input {t!r} has {len(t)} characters, more than the "
                                f"{self.max_len} of the longest date format it learnt")
            for j, c in enumerate(t):
                k = self.index.get(c)
                if k is None:
                    raise TaskError(f"seq2seq: character {c!r} of {t!r} is not in the model's "
                                    f"alphabet {''.join(self.chars)!r}")
                ids[i, j] = k
        return ids, lengths


def encode_targets(isos: Sequence[str]) -> np.ndarray:
    """ISO dates -> (N, 11) ids: the 10 characters and EOS."""
    table = {c: i + 2 for i, c in enumerate(TARGET_CHARS)}
    return np.array([[table[c] for c in s] + [EOS] for s in isos], dtype=np.int64)


def decode_target(tokens: Sequence[int]) -> str:
    """Token ids (up to EOS) -> text; BOS/unknown ids never appear in a trained model's output
    but are shown as '?'."""
    out = []
    for t in tokens:
        if t == EOS:
            break
        out.append(TARGET_CHARS[t - 2] if 2 <= t < 2 + len(TARGET_CHARS) else "?")
    return "".join(out)


def batches(src: np.ndarray, lengths: np.ndarray, tgt: np.ndarray, batch_size: int,
            rng: np.random.Generator | None) -> Iterator[tuple[np.ndarray, ...]]:
    """Mini-batches (src cut to the batch's longest, lengths, decoder inputs, targets);
    shuffled when ``rng`` is given."""
    order = rng.permutation(len(src)) if rng is not None else np.arange(len(src))
    for s in range(0, len(order), batch_size):
        idx = order[s:s + batch_size]
        L = int(lengths[idx].max())
        y = tgt[idx]
        y_in = np.concatenate([np.full((len(idx), 1), BOS, dtype=np.int64), y[:, :-1]], axis=1)
        yield src[idx, :L], lengths[idx], y_in, y
