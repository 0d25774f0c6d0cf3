"""Word vectors by word: cosine similarity, nearest neighbours, analogies, the word2vec text format.

The similarity of words a and b is the cosine of their vectors, cos(a, b) = a.b / (|a| |b|).
``most_similar(positive=[b, c], negative=[a])`` is 3CosAdd (Mikolov et al. 2013): the words
nearest to the mean of the unit vectors b^ + c^ - a^ ("a is to b as c is to ?"), the inputs
excluded. Computed as gensim's ``KeyedVectors`` does (float32, same order of operations), so
figures agree with it on the same vectors.

The word2vec text format (word2vec.c ``-binary 0``, gensim ``save_word2vec_format``)::

    <number of words> <dimensions>
    word v_1 v_2 ... v_d          one line per word, most frequent first
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

__all__ = ["KeyedVectors", "UnknownWordError"]


class UnknownWordError(KeyError):
    """A query word that is not in the vocabulary; the message suggests close words."""

    def __str__(self) -> str:  # KeyError would print the repr of the message
        return str(self.args[0]) if self.args else ""


class KeyedVectors:
    """``vectors[i]`` is the vector of ``index_to_key[i]`` (most frequent word first).

    ``counts`` (optional): each word's count in the training corpus."""

    def __init__(self, index_to_key: Sequence[str], vectors: np.ndarray,
                 counts: Sequence[int] | None = None) -> None:
        vectors = np.asarray(vectors)
        if vectors.ndim != 2 or vectors.shape[0] != len(index_to_key):
            raise ValueError(f"KeyedVectors: vectors should be ({len(index_to_key)}, d), got "
                             f"shape {vectors.shape}")
        self.index_to_key = list(index_to_key)
        self.key_to_index = {k: i for i, k in enumerate(self.index_to_key)}
        if len(self.key_to_index) != len(self.index_to_key):
            raise ValueError("KeyedVectors: duplicate words in index_to_key")
        self.vectors = vectors
        self.counts = None if counts is None else np.asarray(counts, dtype=np.int64)

    @property
    def vector_size(self) -> int:
        return int(self.vectors.shape[1])

    def __len__(self) -> int:
        return len(self.index_to_key)

    def __contains__(self, word: object) -> bool:
        return word in self.key_to_index

    def index(self, word: str) -> int:
        """The row of ``word``; :class:`UnknownWordError` suggesting close words otherwise."""
        try:
            return self.key_to_index[word]
        except KeyError:
            raise UnknownWordError(self._unknown_message(word)) from None

    def _unknown_message(self, word: str) -> str:
        close = difflib.get_close_matches(str(word), self.index_to_key, n=5, cutoff=0.6)
        hint = (f"; close words in the vocabulary: {', '.join(close)}" if close
                else "; no close word in the vocabulary")
        return (f"word {word!r} is not in the vocabulary ({len(self)} words, those seen at "
                f"least min_count times in the corpus){hint}")

    def __getitem__(self, word: str) -> np.ndarray:
        return self.vectors[self.index(word)]

    def norms(self) -> np.ndarray:
        """|v| of every row (in the vectors' dtype, as gensim's ``fill_norms``)."""
        return np.linalg.norm(self.vectors, axis=1)

    def unit_vectors(self) -> np.ndarray:
        """Every row divided by its length."""
        return self.vectors / self.norms()[:, None]

    def similarity(self, a: str, b: str) -> float:
        """cos(a, b) = a.b / (|a| |b|)."""
        va, vb = _unit(self[a]), _unit(self[b])
        return float(np.dot(va, vb))

    def most_similar(self, positive: Sequence[str] | str = (), negative: Sequence[str] = (),
                     topn: int = 10, restrict_vocab: int | None = None
                     ) -> list[tuple[str, float]]:
        """The ``topn`` words nearest (cosine) to the mean of the unit vectors of ``positive``
        minus those of ``negative``, the query words excluded; only the first
        ``restrict_vocab`` (most frequent) words are candidates when given."""
        positive = [positive] if isinstance(positive, str) else list(positive)
        negative = list(negative)
        keys = positive + negative
        if not keys:
            raise ValueError("most_similar: give at least one positive or negative word")
        rows = [self.index(w) for w in keys]
        norms = self.norms()
        mean = np.zeros(self.vector_size, self.vectors.dtype)
        for r, weight in zip(rows, [1.0] * len(positive) + [-1.0] * len(negative),
                             strict=True):
            mean += weight * (self.vectors[r] / norms[r])
        mean = _unit(mean / len(keys))
        end = len(self) if not restrict_vocab else min(int(restrict_vocab), len(self))
        dists = np.dot(self.vectors[:end], mean) / norms[:end]
        k = min(topn + len(rows), end)
        best = np.argsort(dists)[::-1][:k]  # gensim's matutils.argsort(reverse=True)
        exclude = set(rows)
        out = [(self.index_to_key[i], float(dists[i])) for i in best if i not in exclude]
        return out[:topn]

    def analogy(self, a: str, b: str, c: str, topn: int = 5) -> list[tuple[str, float]]:
        """"a is to b as c is to ?": ``most_similar(positive=[b, c], negative=[a])``."""
        return self.most_similar(positive=[b, c], negative=[a], topn=topn)

    # --- the word2vec text format ---

    def save_word2vec_format(self, path: str | os.PathLike) -> None:
        """Write the word2vec text format atomically (a temporary file, then rename)."""
        for w in self.index_to_key:
            if not w or any(ch.isspace() for ch in w):
                raise ValueError(f"save_word2vec_format: word {w!r} is empty or holds white "
                                 "space; the text format cannot store it")
        path = Path(path)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        vecs = self.vectors.astype(np.float32)
        try:
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(f"{len(self)} {self.vector_size}\n")
                for w, row in zip(self.index_to_key, vecs, strict=True):
                    f.write(w + " " + " ".join(map(str, row)) + "\n")  # shortest float32 repr
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    @classmethod
    def load_word2vec_format(cls, path: str | os.PathLike) -> KeyedVectors:
        """Read the word2vec text format; errors name the file, the line and what was
        expected."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such word-vector file")
        try:
            with open(path, encoding="utf-8") as f:
                lines = f.read().splitlines()
        except UnicodeDecodeError as e:
            raise ValueError(f"{path}: not UTF-8 text (the word2vec *text* format is "
                             f"expected; binary files are not read) ({e})") from None
        head = lines[0].split() if lines else []
        if len(head) != 2 or not all(h.isdigit() for h in head):
            raise ValueError(f"{path}:1: expected the header '<words> <dimensions>', got "
                             f"{lines[0][:60]!r}" if lines else f"{path}: empty file")
        n, d = int(head[0]), int(head[1])
        body = [ln for ln in lines[1:] if ln.strip()]
        if len(body) != n:
            raise ValueError(f"{path}: the header says {n} words, found {len(body)} lines")
        words, vecs = [], np.empty((n, d), np.float32)
        for i, ln in enumerate(body):
            parts = ln.rstrip().split(" ")
            if len(parts) != d + 1:
                raise ValueError(f"{path}:{i + 2}: expected a word and {d} numbers, got "
                                 f"{len(parts) - 1} numbers")
            try:
                vecs[i] = np.array(parts[1:], dtype=np.float32)
            except ValueError:
                raise ValueError(f"{path}:{i + 2}: a value of {parts[0]!r} is not a number"
                                 ) from None
            words.append(parts[0])
        if len(set(words)) != n:
            raise ValueError(f"{path}: duplicate words")
        return cls(words, vecs)


def _unit(v: np.ndarray) -> np.ndarray:
    """v / |v| in v's dtype (the zero vector unchanged), as gensim's ``matutils.unitvec``: in
    float64, the length by BLAS ``dnrm2`` (SciPy's), then rounded to v's dtype."""
    x = v.astype(np.float64)
    try:
        from scipy.linalg.blas import dnrm2
        n = float(dnrm2(x)) if x.size else 0.0
    except ImportError:  # without SciPy: NumPy's norm (may differ in the last bit)
        n = float(np.linalg.norm(x))
    return v if n == 0 else (x * (1.0 / n)).astype(v.dtype)
