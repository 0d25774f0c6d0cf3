"""The tagger's data: Brown sentences -> ids, the split, vocabularies, padded batches.

The course's setting: the Brown corpus in the universal tagset (12 tags), lowercased words, 25%
of the sentences held out (``sklearn.model_selection.train_test_split(test_size=0.25,
random_state=42)``), a vocabulary of the 10,000 most frequent training words (others are
``<unk>``). Characters (for the char features) come from the training words; a character never
seen there is ``<unk>`` too.

A batch is time-major and right-padded: ``words`` (T, N) with 0 = ``<pad>``, ``tags`` (T, N)
with ``IGNORE`` (-100) at padding (what cross-entropy's ``ignore_index`` skips), ``lengths``
(N,), and for the char features the distinct words of the batch (``chars`` (L, U),
``char_lengths`` (U,), ``word_index`` (T, N)).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from ...data.brown_tags import UNIVERSAL_TAGS

__all__ = ["IGNORE", "Encoder", "Batch", "split_sentences", "make_batches", "tokenize",
           "most_frequent_tag_baseline"]

IGNORE = -100
MAX_CHARS = 20  # a longer word keeps its first and last 10 characters (prefix and suffix)

Sentence = list[tuple[str, str]]


def split_sentences(sents: Sequence[Sentence], test_size: float = 0.25,
                    seed: int = 42) -> tuple[list[Sentence], list[Sentence]]:
    """The course's split: scikit-learn's ``train_test_split`` of the sentence list."""
    from sklearn.model_selection import train_test_split

    train, test = train_test_split(list(sents), test_size=test_size, random_state=seed)
    return list(train), list(test)


def _clip(word: str) -> str:
    return word if len(word) <= MAX_CHARS else word[: MAX_CHARS // 2] + word[-MAX_CHARS // 2:]


class Encoder:
    """Words, characters and tags <-> ids. Word ids: 0 ``<pad>``, 1 ``<unk>``, then the
    ``max_words`` most frequent training words (ties alphabetically); char ids likewise."""

    def __init__(self, words: Sequence[str], chars: Sequence[str],
                 tags: Sequence[str] = UNIVERSAL_TAGS) -> None:
        self.words = ["<pad>", "<unk>", *words]
        self.chars = ["<pad>", "<unk>", *chars]
        self.tags = list(tags)
        self.word_id = {w: i for i, w in enumerate(self.words)}
        self.char_id = {c: i for i, c in enumerate(self.chars)}
        self.tag_id = {t: i for i, t in enumerate(self.tags)}

    @classmethod
    def build(cls, train: Sequence[Sentence], max_words: int = 10000) -> Encoder:
        counts = Counter(w for s in train for w, _ in s)
        words = sorted(counts, key=lambda w: (-counts[w], w))[:max_words]
        chars = sorted({c for w in counts for c in w})
        return cls(words, chars)

    def to_dict(self) -> dict[str, list[str]]:
        return {"words": self.words[2:], "chars": self.chars[2:], "tags": self.tags}

    @classmethod
    def from_dict(cls, d: dict, where: str = "vocabulary") -> Encoder:
        for k in ("words", "chars", "tags"):
            if not isinstance(d.get(k), list):
                raise ValueError(f"{where}: expected a list under {k!r}")
        return cls(d["words"], d["chars"], d["tags"])

    def encode_words(self, words: Sequence[str]) -> np.ndarray:
        return np.array([self.word_id.get(w, 1) for w in words], dtype=np.int64)

    def encode_chars(self, word: str) -> list[int]:
        return [self.char_id.get(c, 1) for c in _clip(word)]

    def encode_tags(self, tags: Sequence[str]) -> np.ndarray:
        try:
            return np.array([self.tag_id[t] for t in tags], dtype=np.int64)
        except KeyError as e:
            raise ValueError(f"unknown tag {e.args[0]!r}; the tagset is {self.tags}") from None


@dataclass
class Batch:
    words: np.ndarray  # (T, N) int64, 0 = pad
    tags: np.ndarray  # (T, N) int64, IGNORE at pad
    lengths: np.ndarray  # (N,)
    chars: np.ndarray  # (L, U) int64, 0 = pad
    char_lengths: np.ndarray  # (U,)
    word_index: np.ndarray  # (T, N) into 0..U-1
    order: np.ndarray  # (N,) the sentences' indices in the list the batch was cut from

    @property
    def mask(self) -> np.ndarray:
        return self.tags != IGNORE


def _batch(enc: Encoder, sents: Sequence[Sentence], idx: np.ndarray, chars: bool) -> Batch:
    lengths = np.array([len(sents[i]) for i in idx], dtype=np.int64)
    if lengths.min(initial=1) < 1:
        raise ValueError("make_batches: an empty sentence (no words) cannot be tagged")
    T, N = int(lengths.max()), len(idx)
    words = np.zeros((T, N), np.int64)
    tags = np.full((T, N), IGNORE, np.int64)
    word_index = np.zeros((T, N), np.int64)
    types: dict[str, int] = {}
    for n, i in enumerate(idx):
        ws = [w for w, _ in sents[i]]
        words[: len(ws), n] = enc.encode_words(ws)
        tags[: len(ws), n] = enc.encode_tags([t for _, t in sents[i]])
        if chars:
            word_index[: len(ws), n] = [types.setdefault(w, len(types)) for w in ws]
    if chars:
        coded = [enc.encode_chars(w) for w in types]
        char_lengths = np.array([len(c) for c in coded], np.int64)
        ch = np.zeros((int(char_lengths.max()), len(coded)), np.int64)
        for u, c in enumerate(coded):
            ch[: len(c), u] = c
    else:
        ch, char_lengths = np.zeros((0, 0), np.int64), np.zeros(0, np.int64)
    return Batch(words, tags, lengths, ch, char_lengths, word_index, np.asarray(idx))


def make_batches(enc: Encoder, sents: Sequence[Sentence], batch_size: int, chars: bool,
                 rng: np.random.Generator | None = None) -> Iterator[Batch]:
    """Batches of sentences of similar length (little padding).

    With ``rng`` (training): shuffle, sort within pools of 50 batches by length, cut, and shuffle
    the batches. Without: sort all by length (evaluation; ``Batch.order`` maps back)."""
    lens = np.array([len(s) for s in sents])
    if rng is None:
        order = np.argsort(lens, kind="stable")
        cuts = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    else:
        perm = rng.permutation(len(sents))
        pool = 50 * batch_size
        cuts = []
        for p in range(0, len(perm), pool):
            chunk = perm[p:p + pool]
            chunk = chunk[np.argsort(lens[chunk], kind="stable")]
            cuts.extend(chunk[i:i + batch_size] for i in range(0, len(chunk), batch_size))
        cuts = [cuts[k] for k in rng.permutation(len(cuts))]
    for idx in cuts:
        yield _batch(enc, sents, idx, chars)


_TOKEN = re.compile(r"\w+(?:[-'.,/]\w+)*|n't|--|``|''|\S")


def tokenize(sentence: str) -> list[str]:
    """Split a sentence into Brown-like tokens: words (with inner ``-'.,/``), punctuation apart."""
    return _TOKEN.findall(sentence)


def most_frequent_tag_baseline(train: Sequence[Sentence], test: Sequence[Sentence]) -> float:
    """Accuracy on ``test`` of tagging each word with its most frequent training tag (ties: the
    tag seen first); a word never seen in training gets the most frequent tag overall."""
    per_word: dict[str, Counter] = {}
    overall: Counter = Counter()
    for s in train:
        for w, t in s:
            per_word.setdefault(w, Counter())[t] += 1
            overall[t] += 1
    default = overall.most_common(1)[0][0]
    best = {w: c.most_common(1)[0][0] for w, c in per_word.items()}
    right = total = 0
    for s in test:
        for w, t in s:
            right += best.get(w, default) == t
            total += 1
    return right / total
