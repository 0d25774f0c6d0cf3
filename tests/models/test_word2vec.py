"""Word2Vec: the readable autodiff path and the compiled kernel perform the same updates; the
vocabulary, noise and subsampling tables are gensim's; bad corpora give clear errors."""

import numpy as np
import pytest

from deepgrad.models.word2vec import (
    VocabularyError,
    Word2Vec,
    build_vocab,
    encode,
    keep_thresholds,
    noise_table,
)


def zipf_sentences(n: int, vocab: int = 30, seed: int = 0) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(vocab)]
    p = 1 / np.arange(1, vocab + 1)
    p /= p.sum()
    return [[str(w) for w in rng.choice(words, size=rng.integers(2, 14), p=p)]
            for _ in range(n)]


@pytest.mark.parametrize("sg", [1, 0])
@pytest.mark.parametrize("sample", [0.0, 1e-2])
def test_readable_and_fast_paths_agree_float64(sg, sample):
    sents = zipf_sentences(40)
    kw = dict(vector_size=8, window=3, min_count=2, sg=sg, negative=3, sample=sample,
              epochs=2, seed=3, dtype=np.float64)
    slow = Word2Vec(sents, path="readable", **kw)
    fast = Word2Vec(sents, path="fast", **kw)
    assert slow.wv.index_to_key == fast.wv.index_to_key
    assert np.abs(fast.syn1neg).max() > 1e-3  # training moved the output vectors
    moved = np.abs(fast.syn0 - Word2Vec(**kw).build_vocab(sents).syn0).max()
    assert moved > 1e-3
    np.testing.assert_allclose(fast.syn0, slow.syn0, rtol=0, atol=1e-12)
    np.testing.assert_allclose(fast.syn1neg, slow.syn1neg, rtol=0, atol=1e-12)


def test_readable_and_fast_paths_agree_float32():
    sents = zipf_sentences(30, seed=1)
    kw = dict(vector_size=6, window=2, min_count=1, sg=1, negative=2, sample=0.0, epochs=1,
              seed=7)
    slow = Word2Vec(sents, path="readable", **kw)
    fast = Word2Vec(sents, path="fast", **kw)
    assert fast.syn0.dtype == slow.syn0.dtype == np.float32
    np.testing.assert_allclose(fast.syn0, slow.syn0, rtol=0, atol=1e-6)
    np.testing.assert_allclose(fast.syn1neg, slow.syn1neg, rtol=0, atol=1e-6)


def test_a_different_seed_gives_different_vectors_and_the_same_seed_the_same():
    sents = zipf_sentences(40)
    kw = dict(vector_size=8, window=3, min_count=2, sg=1, epochs=1)
    a, b, c = (Word2Vec(sents, seed=s, **kw) for s in (1, 1, 2))
    np.testing.assert_array_equal(a.syn0, b.syn0)
    assert np.abs(a.syn0 - c.syn0).max() > 1e-3


def test_vocabulary_order_and_min_count():
    words, counts, total = build_vocab([["b", "a", "b", "c"], ["a", "b", "d"]], min_count=2)
    assert words == ["b", "a"] and counts.tolist() == [3, 2] and total == 7
    ids, starts = encode([["b", "x", "a"], ["x"], ["a"] * 5], {"b": 0, "a": 1}, max_len=2)
    assert ids.tolist() == [0, 1, 1, 1, 1, 1, 1] and starts.tolist() == [0, 2, 4, 6, 7]


def test_tables_equal_gensims():
    gensim = pytest.importorskip("gensim")
    sents = zipf_sentences(200, vocab=60)
    ref = gensim.models.Word2Vec(vector_size=4, min_count=2, sample=1e-3, negative=5,
                                 workers=1, seed=1)
    ref.build_vocab(sents)
    m = Word2Vec(vector_size=4, min_count=2, sample=1e-3).build_vocab(sents)
    counts = np.array([ref.wv.get_vecattr(w, "count") for w in m.wv.index_to_key])
    np.testing.assert_array_equal(counts, m.wv.counts)
    assert set(m.wv.index_to_key) == set(ref.wv.index_to_key)
    # gensim's tables are in its own word order: compare per word
    order = [ref.wv.key_to_index[w] for w in m.wv.index_to_key]
    probs_ref = np.diff(np.concatenate([[0], ref.cum_table]))[order]
    np.testing.assert_allclose(np.diff(np.concatenate([[0], m.cum_table])), probs_ref, atol=1)
    sample_int = np.array([ref.wv.get_vecattr(w, "sample_int") for w in m.wv.index_to_key])
    np.testing.assert_array_equal(m.keep, sample_int)


def test_noise_table_draws_follow_the_three_quarter_power():
    counts = np.array([1000, 100, 10, 1])
    cum = noise_table(counts)
    draws = np.random.default_rng(0).integers(0, 2**32, 200_000) % cum[-1]
    freq = np.bincount(np.searchsorted(cum, draws, side="left"), minlength=4) / 200_000
    p = counts ** 0.75 / (counts ** 0.75).sum()
    np.testing.assert_allclose(freq, p, atol=0.005)


def test_subsampling_keeps_rare_words_and_drops_frequent_ones():
    keep = keep_thresholds(np.array([100_000, 10, 1]), 1e-3) / (2**32 - 1)
    t = 1e-3 * 100_011
    assert keep[0] == pytest.approx((np.sqrt(1e5 / t) + 1) * t / 1e5, rel=1e-6)
    assert keep[1] == keep[2] == pytest.approx(1.0, abs=1e-9)
    assert (keep_thresholds(np.array([5, 3]), 0) == 2**32 - 1).all()


def test_learns_which_words_share_contexts():
    # two "topics" that never share a sentence: words of one topic should end up closer
    rng = np.random.default_rng(0)
    topics = [[f"a{i}" for i in range(8)], [f"b{i}" for i in range(8)]]
    sents = [list(rng.choice(topics[k % 2], 10)) for k in range(600)]
    m = Word2Vec(sents, vector_size=16, window=3, min_count=1, sg=1, epochs=5, seed=0,
                 sample=0)
    u = m.wv.unit_vectors()
    idx = m.wv.key_to_index
    a = [idx[w] for w in topics[0]]
    b = [idx[w] for w in topics[1]]
    within = (u[a] @ u[a].T)[np.triu_indices(8, 1)].mean()
    across = (u[a] @ u[b].T).mean()
    assert within > across + 0.3
    m2 = Word2Vec(sents, vector_size=16, window=3, min_count=1, sg=0, epochs=5, seed=0,
                  sample=0)
    u2 = m2.wv.unit_vectors()
    assert (u2[a] @ u2[a].T)[np.triu_indices(8, 1)].mean() > (u2[a] @ u2[b].T).mean() + 0.3


def test_hogwild_threads_train_too():
    rng = np.random.default_rng(1)
    topics = [[f"a{i}" for i in range(8)], [f"b{i}" for i in range(8)]]
    sents = [list(rng.choice(topics[k % 2], 10)) for k in range(600)]
    m = Word2Vec(sents, vector_size=16, window=3, min_count=1, sg=1, epochs=5, seed=0,
                 sample=0, workers=2)
    assert np.isfinite(m.syn0).all() and m.stats["words"] == 6000 * 5
    u, idx = m.wv.unit_vectors(), m.wv.key_to_index
    a, b = [idx[w] for w in topics[0]], [idx[w] for w in topics[1]]
    assert (u[a] @ u[a].T)[np.triu_indices(8, 1)].mean() > (u[a] @ u[b].T).mean() + 0.3


def test_bad_corpora():
    with pytest.raises(VocabularyError, match="no words"):
        Word2Vec([[], []])
    with pytest.raises(VocabularyError, match=r"min_count=5.*'a', 3 times"):
        Word2Vec([["a", "a", "a", "b"]], min_count=5)
    with pytest.raises(ValueError, match="bad window=0"):
        Word2Vec(window=0)
    m = Word2Vec(min_count=1).build_vocab([["a", "b"]])
    with pytest.raises(VocabularyError, match="no in-vocabulary word"):
        m.train([["c", "d"]])
    with pytest.raises(RuntimeError, match="build_vocab"):
        Word2Vec().train([["a"]])


def test_loss_is_tracked_on_request_and_decreases():
    rng = np.random.default_rng(2)
    topics = [[f"a{i}" for i in range(8)], [f"b{i}" for i in range(8)]]
    sents = [list(rng.choice(topics[k % 2], 10)) for k in range(300)]
    seen = []
    m = Word2Vec(vector_size=16, window=3, min_count=1, sg=1, epochs=4, sample=0,
                 compute_loss=True).build_vocab(sents)
    m.train(sents, progress=lambda e, s: seen.append(s["loss"]))
    assert len(seen) == 4 and seen[0] > seen[-1] > 0
    assert np.isnan(Word2Vec(sents, vector_size=4, min_count=1, epochs=1).stats["loss"])
