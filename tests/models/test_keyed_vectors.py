"""KeyedVectors: the word2vec text format (gensim reads ours, we read gensim's), queries as
gensim computes them, unknown words with suggestions."""

import numpy as np
import pytest

from deepgrad.models.keyed_vectors import KeyedVectors, UnknownWordError


def random_kv(n=60, d=7, seed=0):
    rng = np.random.default_rng(seed)
    words = [f"word{i}" for i in range(n)] + ["king", "queen", "kings"]
    return KeyedVectors(words, rng.standard_normal((len(words), d)).astype(np.float32))


def test_text_format_round_trip_and_gensim_reads_it(tmp_path):
    kv = random_kv()
    kv.save_word2vec_format(tmp_path / "v.txt")
    back = KeyedVectors.load_word2vec_format(tmp_path / "v.txt")
    assert back.index_to_key == kv.index_to_key
    np.testing.assert_array_equal(back.vectors, kv.vectors)  # float32 repr is exact
    gensim = pytest.importorskip("gensim")
    ref = gensim.models.KeyedVectors.load_word2vec_format(str(tmp_path / "v.txt"))
    assert ref.index_to_key == kv.index_to_key
    np.testing.assert_array_equal(ref.vectors, kv.vectors)
    ref.save_word2vec_format(str(tmp_path / "g.txt"))
    np.testing.assert_array_equal(KeyedVectors.load_word2vec_format(tmp_path / "g.txt").vectors,
                                  kv.vectors)


def test_queries_equal_gensims(tmp_path):
    gensim = pytest.importorskip("gensim")
    kv = random_kv(200, 10, seed=3)
    kv.save_word2vec_format(tmp_path / "v.txt")
    ref = gensim.models.KeyedVectors.load_word2vec_format(str(tmp_path / "v.txt"))
    assert kv.similarity("king", "queen") == pytest.approx(ref.similarity("king", "queen"),
                                                           abs=1e-6)
    ours = kv.most_similar("king", topn=7)
    theirs = ref.most_similar("king", topn=7)
    assert [w for w, _ in ours] == [w for w, _ in theirs]
    np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], atol=1e-6)
    ours = kv.most_similar(positive=["king", "word3"], negative=["queen"], topn=5,
                           restrict_vocab=100)
    theirs = ref.most_similar(positive=["king", "word3"], negative=["queen"], topn=5,
                              restrict_vocab=100)
    assert [w for w, _ in ours] == [w for w, _ in theirs]


def test_unknown_word_suggests_close_words():
    kv = random_kv()
    with pytest.raises(UnknownWordError, match=r"'kingg' is not in the vocabulary.*king"):
        kv.most_similar("kingg")
    with pytest.raises(UnknownWordError, match="no close word"):
        kv["zzzzzz"]


@pytest.mark.parametrize("text, match", [
    ("", "empty file"),
    ("2 three\n", "header"),
    ("2 2\na 1 2\n", "says 2 words, found 1"),
    ("1 2\na 1\n", ":2: expected a word and 2 numbers, got 1"),
    ("1 2\na 1 x\n", ":2: a value of 'a' is not a number"),
    ("2 1\na 1\na 2\n", "duplicate"),
])
def test_bad_vector_files(tmp_path, text, match):
    p = tmp_path / "bad.txt"
    p.write_text(text)
    with pytest.raises(ValueError, match=match):
        KeyedVectors.load_word2vec_format(p)


def test_binary_vector_file_is_refused(tmp_path):
    p = tmp_path / "bin.bin"
    p.write_bytes(b"3 2\nab\xff\xfe\x00\x01")
    with pytest.raises(ValueError, match="not UTF-8 text"):
        KeyedVectors.load_word2vec_format(p)


def test_words_with_spaces_cannot_be_saved(tmp_path):
    kv = KeyedVectors(["a b", "c"], np.zeros((2, 2), np.float32))
    with pytest.raises(ValueError, match="white space"):
        kv.save_word2vec_format(tmp_path / "v.txt")
    assert not (tmp_path / "v.txt").exists()
