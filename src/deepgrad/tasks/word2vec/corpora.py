"""The word2vec task's corpora as lists of lower-cased sentences (lists of tokens).

* ``brown``: the Brown corpus, its 57,340 sentences with their tokens as tagged (punctuation
  marks included), lower-cased;
* ``austen``: Jane Austen's six novels (janeaustenr), one paragraph (lines up to a blank line)
  per sentence, tokenized into words by ``deepgrad.data.tokenize``;
* any other value: the path of a plain-text UTF-8 file, one sentence per non-blank line (as
  gensim's ``LineSentence``), tokenized by ``deepgrad.data.tokenize``.

Underscores (Project Gutenberg's ``_italics_``) separate words in both: ``_more_`` -> ``more``.

Returns ``(sentences, {file: md5})`` so the run records what it read.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..contract import TaskError

__all__ = ["load_corpus", "read_text_corpus"]


def _brown() -> tuple[list[list[str]], dict[str, str]]:
    from ...data import brown_corpus
    from ...data.store import dataset_dir

    sents = [[w.lower() for w, _ in s] for s in brown_corpus(tagset="brown")]
    folder = dataset_dir("brown")
    h = hashlib.md5()
    for p in sorted(folder.glob("c[a-r][0-9][0-9]")):
        h.update(p.read_bytes())
    return sents, {"brown/ca01..cr09 (concatenated)": h.hexdigest()}


def _austen() -> tuple[list[list[str]], dict[str, str]]:
    from ...data.janeausten import AUSTEN_FILES, FOLDER, austen_books
    from ...data.text import tokenize

    sents: list[list[str]] = []
    for lines in austen_books().values():
        para: list[str] = []
        for line in [*lines, ""]:
            if line.strip():
                para.append(line)
            elif para:
                sents.append(tokenize(" ".join(para).replace("_", " ")))
                para = []
    return [s for s in sents if s], {f"{FOLDER}/{k}": v for k, v in AUSTEN_FILES.items()}


def read_text_corpus(path: str | Path) -> list[list[str]]:
    """One lower-cased token list per non-blank line of a UTF-8 text file; a missing, empty,
    binary or wordless file is a :class:`TaskError` naming it."""
    from ...data.text import tokenize

    path = Path(path)
    if not path.is_file():
        raise TaskError(f"--corpus {path}: no such file (give brown, austen or the path of a "
                        "plain-text file)")
    raw = path.read_bytes()
    if not raw.strip():
        raise TaskError(f"--corpus {path}: the file is empty; expected plain text, one "
                        "sentence per line")
    if b"\x00" in raw[:65536]:
        raise TaskError(f"--corpus {path}: a binary file (NUL bytes found); expected plain "
                        "UTF-8 text, one sentence per line")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise TaskError(f"--corpus {path}: not UTF-8 text (byte {e.start}: {e.reason}); "
                        "expected plain text, one sentence per line") from None
    sents = [t for t in (tokenize(line.replace("_", " ")) for line in text.splitlines()) if t]
    if not sents:
        raise TaskError(f"--corpus {path}: no words in the file ({len(raw)} bytes)")
    return sents


def load_corpus(corpus: str) -> tuple[list[list[str]], dict[str, str]]:
    """``brown``, ``austen`` or a path -> (sentences, {file: md5})."""
    if corpus == "brown":
        return _brown()
    if corpus == "austen":
        return _austen()
    sents = read_text_corpus(corpus)
    md5 = hashlib.md5(Path(corpus).read_bytes()).hexdigest()
    return sents, {str(corpus): md5}
