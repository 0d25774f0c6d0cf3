"""Corpus BLEU on scene captions, against sacrebleu, nltk and pycocoevalcap (tests only).

The references are the five paraphrases of 200 composed scenes (deepgrad.data.scene_captions);
the hypotheses are what a captioning model gets wrong: words dropped, swapped, repeated, a
wrong digit name, truncations, another scene's caption, an empty and a one-word output.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from deepgrad.data.scene_captions import DIGIT_NAMES, captions_for
from deepgrad.train.bleu import BleuResult, corpus_bleu

NLTK_WEIGHTS = [(1.0, 0, 0, 0), (0.5, 0.5, 0, 0), (1 / 3, 1 / 3, 1 / 3, 0), (0.25,) * 4]


def scene_references(n_scenes: int = 200, seed: int = 0) -> list[list[list[str]]]:
    """The five tokenized captions of each of ``n_scenes`` random scenes of 2-5 digits."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n_scenes):
        k = int(rng.integers(2, 6))
        names = [DIGIT_NAMES[int(d)] for d in rng.integers(0, 10, k)]
        a, b = sorted(int(i) for i in rng.choice(k, 2, replace=False))
        size_a, size_b = (str(s) for s in rng.choice(["small", "large"], 2))
        relation = "left" if rng.random() < 0.5 else "above"
        captions = captions_for(names[a], size_a, names[b], size_b, relation, names)
        out.append([c.split() for c in captions])
    return out


def model_outputs(references: list[list[list[str]]], seed: int = 1) -> list[list[str]]:
    """One realistic (flawed) hypothesis per scene: a reference, damaged at random."""
    rng = np.random.default_rng(seed)
    hyps = []
    for i, refs in enumerate(references):
        words = list(refs[int(rng.integers(len(refs)))])
        kind = int(rng.integers(9))
        if kind == 1:  # a word dropped
            del words[int(rng.integers(len(words)))]
        elif kind == 2:  # two neighbours swapped
            j = int(rng.integers(len(words) - 1))
            words[j], words[j + 1] = words[j + 1], words[j]
        elif kind == 3:  # a wrong digit name
            digits = [j for j, w in enumerate(words) if w in DIGIT_NAMES]
            j = digits[int(rng.integers(len(digits)))]
            words[j] = str(rng.choice([d for d in DIGIT_NAMES if d != words[j]]))
        elif kind == 4:  # truncated (possibly shorter than 4 tokens)
            words = words[: int(rng.integers(1, len(words)))]
        elif kind == 5:  # a word repeated
            j = int(rng.integers(len(words)))
            words.insert(j, words[j])
        elif kind == 6:  # stuck on one word
            words = words[:2] + [words[1]] * int(rng.integers(2, 5)) + words[2:]
        elif kind == 7:  # another scene's caption
            other = references[(i + 1 + int(rng.integers(len(references) - 1))) % len(references)]
            words = list(other[int(rng.integers(len(other)))])
        hyps.append(words)  # kind 0: a reference, word for word
    hyps[0] = []  # an empty output
    hyps[1] = [hyps[1][1] if len(hyps[1]) > 1 else "seven"]  # one word
    hyps[2] = references[2][0][:2]  # two and three words
    hyps[3] = references[3][1][:3]
    return hyps


@pytest.fixture(scope="module")
def corpus() -> tuple[list[list[str]], list[list[list[str]]]]:
    refs = scene_references()
    return model_outputs(refs), refs


def _nltk_bleu(hyps, refs) -> list[float]:
    bleu_score = pytest.importorskip("nltk.translate.bleu_score")
    with warnings.catch_warnings():  # "The hypothesis contains 0 counts of 4-gram overlaps"
        warnings.simplefilter("ignore", UserWarning)
        return list(bleu_score.corpus_bleu(refs, hyps, weights=NLTK_WEIGHTS))


def test_corpus_is_realistic(corpus):
    hyps, refs = corpus
    assert len(hyps) == len(refs) == 200 and all(len(r) == 5 for r in refs)
    lengths = [len(h) for h in hyps]
    assert min(lengths) == 0 and 1 in lengths and sum(n < 4 for n in lengths) >= 5
    assert sum(h in r for h, r in zip(hyps, refs, strict=True)) < 100  # mostly damaged
    result = corpus_bleu(hyps, refs)
    assert isinstance(result, BleuResult)
    assert 0.3 < result.bleu[3] < result.bleu[2] < result.bleu[1] < result.bleu[0] < 1


def test_matches_sacrebleu(corpus):
    sacrebleu = pytest.importorskip("sacrebleu")
    hyps, refs = corpus
    ours = corpus_bleu(hyps, refs)
    sys_stream = [" ".join(h) for h in hyps]
    # sacrebleu takes references as streams: the j-th reference of every segment, for each j
    ref_streams = [[" ".join(r[j]) for r in refs] for j in range(5)]
    for n in range(1, 5):
        metric = sacrebleu.metrics.BLEU(tokenize="none", smooth_method="none",
                                        effective_order=False, max_ngram_order=n)
        theirs = metric.corpus_score(sys_stream, ref_streams)
        assert ours.bleu[n - 1] == pytest.approx(theirs.score / 100, abs=1e-9, rel=0)
        assert list(ours.matches[:n]) == list(theirs.counts)
        assert list(ours.totals[:n]) == list(theirs.totals)
        assert (ours.hyp_length, ours.ref_length) == (theirs.sys_len, theirs.ref_len)
        assert ours.brevity_penalty == pytest.approx(theirs.bp, abs=1e-12, rel=0)
    assert corpus_bleu(hyps, refs, max_n=2).bleu == ours.bleu[:2]
    six = corpus_bleu(hyps, refs, max_n=6)
    metric = sacrebleu.metrics.BLEU(tokenize="none", smooth_method="none", max_ngram_order=6)
    assert six.bleu[5] == pytest.approx(metric.corpus_score(sys_stream, ref_streams).score / 100,
                                        abs=1e-9, rel=0)


def test_matches_nltk_when_every_hypothesis_has_four_tokens(corpus):
    hyps, refs = corpus
    keep = [i for i, h in enumerate(hyps) if len(h) >= 4]
    hyps, refs = [hyps[i] for i in keep], [refs[i] for i in keep]
    theirs = _nltk_bleu(hyps, refs)
    ours = corpus_bleu(hyps, refs)
    np.testing.assert_allclose(ours.bleu, theirs, rtol=0, atol=1e-12)


def test_nltk_counts_a_short_hypothesis_as_one_ngram(corpus):
    # nltk's modified_precision returns matches / max(1, n-gram count) per sentence, so every
    # hypothesis shorter than n adds 1 to its corpus denominator of order n (Papineni,
    # sacrebleu and pycocoevalcap add 0); with those denominators the values are equal
    hyps, refs = corpus
    ours = corpus_bleu(hyps, refs)
    theirs = _nltk_bleu(hyps, refs)
    short = [sum(len(h) < n for h in hyps) for n in range(1, 5)]
    logs = [math.log(m / (t + s)) for m, t, s in zip(ours.matches, ours.totals, short,
                                                     strict=True)]
    as_nltk = [ours.brevity_penalty * math.exp(math.fsum(logs[:n]) / n) for n in range(1, 5)]
    np.testing.assert_allclose(as_nltk, theirs, rtol=0, atol=1e-12)
    assert short[1] > 0 and theirs[1] < ours.bleu[1] - 1e-4


def test_matches_pycocoevalcap(corpus):
    bleu = pytest.importorskip("pycocoevalcap.bleu.bleu")
    hyps, refs = corpus
    gts = {i: [" ".join(r) for r in rs] for i, rs in enumerate(refs)}
    res = {i: [" ".join(h)] for i, h in enumerate(hyps)}
    theirs, _ = bleu.Bleu(4).compute_score(gts, res, verbose=0)
    # pycocoevalcap's BleuScorer divides (matches + 1e-15) by (totals + 1e-9) and takes the
    # brevity ratio as (c + 1e-15) / (r + 1e-9), so that an empty corpus does not divide by
    # zero: relative differences of order 1e-9 / totals, well under 1e-6
    np.testing.assert_allclose(corpus_bleu(hyps, refs).bleu, theirs, rtol=1e-6, atol=0)


def test_identical_hypotheses_score_one(corpus):
    _, refs = corpus
    hyps = [rs[i % 5] for i, rs in enumerate(refs)]
    result = corpus_bleu(hyps, refs)
    assert result.bleu == (1.0, 1.0, 1.0, 1.0)
    assert result.precisions == (1.0,) * 4 and result.brevity_penalty == 1.0
    assert result.hyp_length == result.ref_length
    assert result.as_dict() == {"bleu1": 1.0, "bleu2": 1.0, "bleu3": 1.0, "bleu4": 1.0}


def test_no_four_gram_match_gives_zero_bleu4():
    refs = [["a small seven to the left of a large two".split(),
             "a two to the right of a seven".split()]]
    hyps = ["a two to right the of a seven".split()]  # trigrams match, no 4-gram does
    ours = corpus_bleu(hyps, refs)
    theirs = _nltk_bleu(hyps, refs)
    assert ours.matches[3] == 0 and ours.matches[2] > 0
    assert ours.bleu[3] == 0.0
    # nltk stands sys.float_info.min in for the zero precision: e^(log(2.2e-308) / 4) ~ 1e-77
    assert theirs[3] < 1e-12
    np.testing.assert_allclose(ours.bleu[:3], theirs[:3], rtol=0, atol=1e-12)
    assert 0.0 < ours.bleu[2] < ours.bleu[1] < ours.bleu[0] <= 1.0


def test_closest_reference_length_tie_goes_to_the_shorter():
    sacrebleu = pytest.importorskip("sacrebleu")
    # hypothesis of 5 tokens, references of 4 and 6: both 1 away, r = 4, so no penalty
    refs = [["a seven and two".split(), "a seven and a two there".split()]]
    hyps = ["a seven and a two".split()]
    ours = corpus_bleu(hyps, refs)
    assert (ours.hyp_length, ours.ref_length, ours.brevity_penalty) == (5, 4, 1.0)
    theirs = sacrebleu.metrics.BLEU(tokenize="none", smooth_method="none").corpus_score(
        [" ".join(hyps[0])], [[" ".join(refs[0][0])], [" ".join(refs[0][1])]])
    assert theirs.ref_len == 4 and ours.bleu[3] == pytest.approx(theirs.score / 100, abs=1e-9)
    np.testing.assert_allclose(ours.bleu, _nltk_bleu(hyps, refs), rtol=0, atol=1e-12)
    short = corpus_bleu(["a seven".split()], refs)  # 2 tokens: closest is 4, penalised
    assert short.ref_length == 4 and short.brevity_penalty == pytest.approx(math.exp(1 - 4 / 2))


def test_bad_input_raises_naming_the_index():
    ok = [["a", "seven"]]
    refs = [[["a", "seven"], ["a", "two"]]]
    with pytest.raises(ValueError, match="2 hypotheses but 1 reference sets"):
        corpus_bleu(ok * 2, refs)
    with pytest.raises(ValueError, match=r"references\[1\] is empty"):
        corpus_bleu(ok * 2, refs + [[]])
    with pytest.raises(ValueError, match=r"hypotheses\[1\] must be a list of str tokens, got "
                                         r"str .*split the string"):
        corpus_bleu([ok[0], "a seven"], refs * 2)
    with pytest.raises(ValueError, match=r"hypotheses\[0\]\[1\] must be a str token, got int"):
        corpus_bleu([["a", 7]], refs)
    with pytest.raises(ValueError, match="hypotheses must be a list, got str"):
        corpus_bleu("a seven", refs)
    with pytest.raises(ValueError, match="references must be a list, got dict"):
        corpus_bleu(ok, {0: refs[0]})
    with pytest.raises(ValueError, match=r"references\[0\] must be a list of references, each "
                                         r"a list of tokens; got a list of str"):
        corpus_bleu(ok, [["a", "seven"]])
    with pytest.raises(ValueError, match=r"references\[0\]\[1\] must be a list of str tokens"):
        corpus_bleu(ok, [[["a", "seven"], "a two"]])
    with pytest.raises(ValueError, match="max_n must be an int >= 1, got 0"):
        corpus_bleu(ok, refs, max_n=0)
