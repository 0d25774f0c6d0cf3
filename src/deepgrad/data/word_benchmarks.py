"""The standard word-embedding benchmarks: WordSim-353, SimLex-999 and Google's analogies.

They ship in the PyPI wheel of gensim 4.4.0 (``gensim/test/test_data/``); ``pip download
--no-deps gensim==4.4.0`` fetches the wheel (nothing is installed) and the store copies out the
three files, MD5-checked. Formats (as gensim reads them):

* ``wordsim353.tsv``, ``simlex999.txt``: ``word1<TAB>word2<TAB>score`` per line, ``#`` comments;
* ``questions-words.txt``: ``: section`` headers, then ``a b c expected`` per line
  (``a`` is to ``b`` as ``c`` is to ``expected``), 19,544 questions in 14 sections.
"""

from __future__ import annotations

import os
from pathlib import Path

from .catalog import Dataset, register
from .sources import wheel_members
from .store import DataError, MissingDataError, dataset_dir, md5_file, say

__all__ = ["BENCHMARK_FILES", "benchmark_path", "read_word_pairs", "read_analogies",
           "obtain_word_benchmarks"]

GENSIM_SPEC = "gensim==4.4.0"
FOLDER = "word_benchmarks"
_IN_WHEEL = "gensim/test/test_data/"
BENCHMARK_FILES = {
    "wordsim353.tsv": "fa3334003a2c00a47810856c5813a990",
    "simlex999.txt": "ea3b421726e288d9c368d3db0f1831a4",
    "questions-words.txt": "8b7461cbf7ecc0aec9b32eb626821105",
}


def _present() -> bool:
    folder = dataset_dir(FOLDER)
    return all((folder / f).is_file() for f in BENCHMARK_FILES)


def obtain_word_benchmarks() -> None:
    """Fetch the gensim 4.4.0 wheel with pip (no dependencies, not installed) and copy the three
    benchmark files out of it into the store, checking their MD5s."""
    dest = dataset_dir(FOLDER, create=True)
    wheel_members(GENSIM_SPEC, {_IN_WHEEL + fname: (dest / fname, md5)
                                for fname, md5 in BENCHMARK_FILES.items()})
    say(f"word benchmarks ready in {dest} (MD5s verified)")


def benchmark_path(name: str) -> Path:
    """The store's copy of benchmark file ``name`` (fetched on first use, MD5 checked)."""
    if name not in BENCHMARK_FILES:
        raise KeyError(f"unknown benchmark file {name!r}; known: {', '.join(BENCHMARK_FILES)}")
    if not _present():
        say(f"the word benchmarks are not in {dataset_dir(FOLDER)}; obtaining them from PyPI "
            f"({GENSIM_SPEC} wheel, pip download --no-deps)")
        obtain_word_benchmarks()
    path = dataset_dir(FOLDER) / name
    if md5_file(path) != BENCHMARK_FILES[name]:
        raise DataError(f"{path}: MD5 differs from the file in the {GENSIM_SPEC} wheel; delete "
                        f"it and run `deepgrad data get {FOLDER}`")
    return path


def read_word_pairs(path: str | os.PathLike, delimiter: str = "\t"
                    ) -> list[tuple[str, str, float]]:
    """``[(word1, word2, human score), ...]`` from a WordSim/SimLex-style file.

    As gensim's ``evaluate_word_pairs``: ``#`` lines are comments, a line that is not
    ``a<TAB>b<TAB>number`` is skipped (its count is in the error only when nothing is left)."""
    path = Path(path)
    if not path.is_file():
        raise MissingDataError(f"{path}: word-pair file not found")
    pairs, bad = [], 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line or line.startswith("#"):
                continue
            parts = line.split(delimiter)
            try:
                a, b, sim = parts
                pairs.append((a, b, float(sim)))
            except ValueError:
                bad += 1
    if not pairs:
        raise DataError(f"{path}: no 'word1{delimiter!r}word2{delimiter!r}score' lines "
                        f"({bad} invalid)")
    return pairs


def read_analogies(path: str | os.PathLike) -> list[tuple[str, list[tuple[str, ...]]]]:
    """``[(section, [(a, b, c, expected), ...]), ...]`` from a questions-words-style file.

    As gensim's ``evaluate_word_analogies``: a question before any ``: section`` line is an
    error naming the line; a line without exactly four words is skipped."""
    path = Path(path)
    if not path.is_file():
        raise MissingDataError(f"{path}: analogy file not found")
    sections: list[tuple[str, list[tuple[str, ...]]]] = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if line.startswith(": "):
                sections.append((line.lstrip(": ").strip(), []))
                continue
            if not sections:
                raise DataError(f"{path}:{lineno}: a question before any ': section' header")
            words = line.split()
            if len(words) == 4:
                sections[-1][1].append(tuple(words))
    if not any(q for _, q in sections):
        raise DataError(f"{path}: no analogy questions (lines 'a b c expected')")
    return sections


register(Dataset(FOLDER, "WordSim-353, SimLex-999, Google analogies (word-embedding benchmarks)",
                 f"fetched from PyPI ({GENSIM_SPEC} wheel, test data; pip download --no-deps, "
                 "never installed)", _present, obtain_word_benchmarks))
