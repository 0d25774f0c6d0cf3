"""Plain text: reading a corpus file and the course's tokenizer.

The tokenizer lower-cases and splits on non-word characters: ``"Don't stop!"`` ->
``["don", "t", "stop"]`` (``keep_punct=True`` keeps punctuation marks as tokens).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from .store import DataError, MissingDataError

__all__ = ["text_corpus", "tokenize"]

_WORD = re.compile(r"\w+")
_WORD_OR_PUNCT = re.compile(r"\w+|[^\w\s]")


def text_corpus(path: str | os.PathLike, encoding: str = "utf-8") -> str:
    """The whole text of a plain-text file (or of all ``*.txt`` files in a folder, joined)."""
    path = Path(path)
    if path.is_dir():
        files = sorted(path.glob("*.txt"))
        if not files:
            raise MissingDataError(f"text_corpus: no .txt files in {path}")
        return "\n".join(text_corpus(f, encoding) for f in files)
    if not path.is_file():
        raise MissingDataError(f"text_corpus: {path} not found")
    try:
        return path.read_text(encoding=encoding)
    except UnicodeDecodeError as e:
        raise DataError(f"{path}: not {encoding} text ({e}); pass encoding=...") from e


def tokenize(text: str, lower: bool = True, keep_punct: bool = False) -> list[str]:
    """Split ``text`` into word tokens (lower-cased unless ``lower=False``)."""
    if lower:
        text = text.lower()
    return (_WORD_OR_PUNCT if keep_punct else _WORD).findall(text)
