"""A vocabulary: tokens <-> integer ids, with the special tokens PAD, UNK, START, END.

Ids 0..3 are ``<pad>``, ``<unk>``, ``<start>``, ``<end>``; the other tokens follow by decreasing
count (ties alphabetically), keeping only those seen at least ``min_count`` times.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

__all__ = ["Vocabulary", "PAD", "UNK", "START", "END"]

PAD, UNK, START, END = "<pad>", "<unk>", "<start>", "<end>"
SPECIALS = (PAD, UNK, START, END)


class Vocabulary:
    """``Vocabulary.build(token_lists, min_count=1, max_size=None)``; ``encode``/``decode``."""

    def __init__(self, tokens: Sequence[str] = ()) -> None:
        self.itos: list[str] = list(SPECIALS) + [t for t in tokens if t not in SPECIALS]
        self.stoi: dict[str, int] = {t: i for i, t in enumerate(self.itos)}

    pad_id, unk_id, start_id, end_id = 0, 1, 2, 3

    @classmethod
    def build(cls, sentences: Iterable[Sequence[str]], min_count: int = 1,
              max_size: int | None = None) -> Vocabulary:
        """Count tokens over ``sentences`` (lists of tokens) and keep the frequent ones."""
        if min_count < 1:
            raise ValueError(f"Vocabulary.build: min_count must be >= 1, got {min_count}")
        counts = Counter(t for s in sentences for t in s)
        kept = sorted((t for t, c in counts.items() if c >= min_count and t not in SPECIALS),
                      key=lambda t: (-counts[t], t))
        if max_size is not None:
            kept = kept[: max(0, max_size - len(SPECIALS))]
        vocab = cls(kept)
        vocab.counts = counts
        return vocab

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, token: str) -> bool:
        return token in self.stoi

    def __getitem__(self, token: str) -> int:
        return self.stoi.get(token, self.unk_id)

    def encode(self, tokens: Sequence[str], add_start_end: bool = False) -> list[int]:
        """Token ids (unknown tokens -> UNK), optionally wrapped in START ... END."""
        ids = [self.stoi.get(t, self.unk_id) for t in tokens]
        return [self.start_id, *ids, self.end_id] if add_start_end else ids

    def decode(self, ids: Iterable[int], strip_special: bool = True) -> list[str]:
        """Tokens of ``ids``; stops at END and drops PAD/START when ``strip_special``."""
        out = []
        for i in ids:
            i = int(i)
            if not 0 <= i < len(self.itos):
                raise IndexError(f"Vocabulary.decode: id {i} outside 0..{len(self.itos) - 1}")
            tok = self.itos[i]
            if strip_special:
                if tok == END:
                    break
                if tok in (PAD, START):
                    continue
            out.append(tok)
        return out

    def encode_batch(self, sentences: Sequence[Sequence[str]], max_len: int | None = None,
                     add_start_end: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Encode and right-pad with PAD: ``(ids int64 B x T, mask bool B x T)``.

        ``max_len`` truncates (and fixes T); otherwise T is the longest sentence.
        """
        seqs = [self.encode(s, add_start_end) for s in sentences]
        if max_len is not None:
            seqs = [s[:max_len] for s in seqs]
        T = max_len if max_len is not None else max((len(s) for s in seqs), default=0)
        ids = np.full((len(seqs), T), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(seqs), T), dtype=bool)
        for i, s in enumerate(seqs):
            ids[i, : len(s)] = s
            mask[i, : len(s)] = True
        return ids, mask

    def __repr__(self) -> str:
        return f"Vocabulary({len(self)} tokens)"
