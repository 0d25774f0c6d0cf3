"""Jane Austen's R lazy-load database and the word benchmarks: readers tested on tiny files
written here in the official formats; fetching checked against the pinned MD5s."""

import gzip
import struct
import zlib

import numpy as np
import pytest

from deepgrad.data.janeausten import AUSTEN_BOOKS, austen_books, read_lazyload_db
from deepgrad.data.store import DataError, MissingDataError
from deepgrad.data.word_benchmarks import read_analogies, read_word_pairs

rdata = pytest.importorskip("rdata")


def _serialize(tmp_path, obj) -> bytes:
    p = tmp_path / "obj.rds"
    rdata.write_rds(p, obj, compression=None)
    return p.read_bytes()


def write_lazyload_db(folder, objects: dict) -> None:
    """An R lazy-load database as R writes it: each object a 4-byte big-endian length and a
    zlib stream of its serialization; the index a gzip-compressed serialization."""
    folder.mkdir(parents=True, exist_ok=True)
    data, index = b"", {}
    for name, obj in objects.items():
        raw = _serialize(folder, obj)
        chunk = struct.pack(">I", len(raw)) + zlib.compress(raw)
        index[name] = np.array([len(data), len(chunk)], dtype=np.int32)
        data += chunk
    (folder / "Rdata.rdb").write_bytes(data)
    meta = {"variables": index, "references": {}, "compressed": np.array([True])}
    (folder / "Rdata.rdx").write_bytes(gzip.compress(_serialize(folder, meta)))
    (folder / "obj.rds").unlink()


def test_lazyload_db_fixture(tmp_path):
    books = {k: np.array([k.upper(), "", f"The text of {k}.", "Second line."], dtype=object)
             for k in AUSTEN_BOOKS}
    write_lazyload_db(tmp_path / "db", books)
    objs = read_lazyload_db(tmp_path / "db" / "Rdata.rdx", tmp_path / "db" / "Rdata.rdb")
    assert list(objs["emma"]) == ["EMMA", "", "The text of emma.", "Second line."]
    out = austen_books(tmp_path / "db")
    assert list(out) == list(AUSTEN_BOOKS.values())
    assert out["Persuasion"][2] == "The text of persuasion."


def test_lazyload_db_errors(tmp_path):
    write_lazyload_db(tmp_path / "db", {"emma": np.array(["a"], dtype=object)})
    with pytest.raises(DataError, match="no sensesensibility"):
        austen_books(tmp_path / "db")
    with pytest.raises(MissingDataError, match="needs both"):
        read_lazyload_db(tmp_path / "db" / "Rdata.rdx", tmp_path / "nothing.rdb")
    (tmp_path / "db" / "Rdata.rdb").write_bytes(b"\x00\x00\x00\x09garbage!!")
    with pytest.raises(DataError, match="runs past the end|not zlib"):
        read_lazyload_db(tmp_path / "db" / "Rdata.rdx", tmp_path / "db" / "Rdata.rdb")
    (tmp_path / "db" / "Rdata.rdx").write_bytes(b"not gzip")
    with pytest.raises(DataError, match="not a gzip-compressed R index"):
        read_lazyload_db(tmp_path / "db" / "Rdata.rdx", tmp_path / "db" / "Rdata.rdb")


def test_word_pair_and_analogy_readers(tmp_path):
    p = tmp_path / "pairs.tsv"
    p.write_text("# comment\nlove\tsex\t6.77\nbad line\ntiger\tcat\t7.35\n")
    assert read_word_pairs(p) == [("love", "sex", 6.77), ("tiger", "cat", 7.35)]
    q = tmp_path / "q.txt"
    q.write_text(": capitals\nAthens Greece Baghdad Iraq\nshort line\n: family\na b c d\n")
    assert read_analogies(q) == [("capitals", [("Athens", "Greece", "Baghdad", "Iraq")]),
                                 ("family", [("a", "b", "c", "d")])]
    q.write_text("Athens Greece Baghdad Iraq\n")
    with pytest.raises(DataError, match=":1: a question before any"):
        read_analogies(q)
    p.write_text("# nothing\n")
    with pytest.raises(DataError, match="no 'word1"):
        read_word_pairs(p)


@pytest.mark.slow
def test_real_files_from_the_registries(store):
    from deepgrad.data.word_benchmarks import benchmark_path

    assert len(read_word_pairs(benchmark_path("wordsim353.tsv"))) == 353
    assert len(read_word_pairs(benchmark_path("simlex999.txt"))) == 999
    assert sum(len(q) for _, q in read_analogies(benchmark_path("questions-words.txt"))) \
        == 19544
    books = austen_books()
    assert [len(v) for v in books.values()] == [12624, 13030, 15349, 16235, 7856, 8328]
    assert books["Emma"][0] == "EMMA"
