"""CIDEr-D on scene captions, against pycocoevalcap 1.2's ``Cider`` (tests only).

The corpus is test_bleu's: the five captions of 200 composed scenes, and one flawed model
output per scene (dropped, swapped, repeated and wrong words, truncations, empty, one word).
"""

from __future__ import annotations

import numpy as np
import pytest
from test_bleu import model_outputs, scene_references

from deepgrad.train.cider import CiderResult, cider_d


@pytest.fixture(scope="module")
def corpus() -> tuple[list[list[str]], list[list[list[str]]]]:
    refs = scene_references()
    return model_outputs(refs), refs


def _coco_cider(hyps, refs, **kw) -> tuple[float, np.ndarray]:
    cider = pytest.importorskip("pycocoevalcap.cider.cider")
    gts = {i: [" ".join(r) for r in rs] for i, rs in enumerate(refs)}
    res = {i: [" ".join(h)] for i, h in enumerate(hyps)}
    score, per_image = cider.Cider(**kw).compute_score(gts, res)
    return float(score), np.asarray(per_image)


def test_matches_pycocoevalcap(corpus):
    hyps, refs = corpus
    ours = cider_d(hyps, refs)
    theirs, theirs_per_image = _coco_cider(hyps, refs)
    assert isinstance(ours, CiderResult) and ours.per_image.shape == (200,)
    assert ours.score == pytest.approx(theirs, abs=1e-9, rel=0)
    np.testing.assert_allclose(ours.per_image, theirs_per_image, rtol=0, atol=1e-9)
    assert ours.score == pytest.approx(ours.per_image.mean(), abs=1e-12)
    assert 0.5 < ours.score < 5 and ours.per_image[0] == 0.0  # the empty hypothesis


def test_sigma_and_uneven_reference_counts(corpus):
    # 1 to 5 references per image: each image's sum over references is divided by its count
    hyps, refs = corpus
    rng = np.random.default_rng(2)
    refs = [rs[: int(rng.integers(1, 6))] for rs in refs]
    for sigma in (6.0, 3.0, 1.5):
        ours = cider_d(hyps, refs, sigma=sigma)
        theirs, theirs_per_image = _coco_cider(hyps, refs, sigma=sigma)
        assert ours.score == pytest.approx(theirs, abs=1e-9, rel=0)
        np.testing.assert_allclose(ours.per_image, theirs_per_image, rtol=0, atol=1e-9)


def test_identical_hypotheses(corpus):
    _, refs = corpus
    hyps = [rs[i % 5] for i, rs in enumerate(refs)]
    ours = cider_d(hyps, refs)
    theirs, theirs_per_image = _coco_cider(hyps, refs)
    np.testing.assert_allclose(ours.per_image, theirs_per_image, rtol=0, atol=1e-9)
    # a reference as the hypothesis scores 10 / 5 against itself (cosine 1, no length
    # penalty) plus its partial similarity to the other four
    assert np.all(ours.per_image >= 2.0 - 1e-12) and ours.score > 2.5


def test_a_single_image_scores_zero():
    # the IDF numerator is log(number of images) and every reference n-gram has df = 1:
    # with one image every TF-IDF weight is log 1 - log 1 = 0
    refs = [["a seven to the left of a two".split(), "a two to the right of a seven".split()]]
    hyps = [refs[0][0]]
    assert cider_d(hyps, refs).per_image.tolist() == [0.0]
    assert _coco_cider(hyps, refs)[0] == 0.0


def test_pycocoevalcap_counts_only_up_to_four_grams(corpus):
    # its cook_refs/cook_test always build 1- to 4-grams, whatever Cider(n=...): n = 5 averages
    # a 5th order of zeros into the mean (so 4/5 of CIDEr-D), n < 4 fails with IndexError
    hyps, refs = corpus
    theirs, _ = _coco_cider(hyps, refs, n=5)
    assert theirs == pytest.approx(0.8 * cider_d(hyps, refs).score, abs=1e-9)
    five = cider_d(hyps, refs, n=5).score  # here the 5-grams count
    assert five != pytest.approx(theirs, abs=1e-6)
    one = cider_d(hyps, refs, n=1)
    assert one.per_image.shape == (200,) and 0 < one.score < 10


def test_bad_input_raises_naming_the_index():
    ok = [["a", "seven"]]
    refs = [[["a", "seven"], ["a", "two"]]]
    with pytest.raises(ValueError, match="cider_d: 1 hypotheses but 2 reference sets"):
        cider_d(ok, refs * 2)
    with pytest.raises(ValueError, match=r"cider_d: references\[0\] is empty"):
        cider_d(ok, [[]])
    with pytest.raises(ValueError, match=r"cider_d: hypotheses\[0\] must be a list of str "
                                         r"tokens, got str"):
        cider_d(["a seven"], refs)
    with pytest.raises(ValueError, match=r"references\[0\]\[0\]\[1\] must be a str token"):
        cider_d(ok, [[["a", None]]])
    with pytest.raises(ValueError, match="n must be an int >= 1, got 0"):
        cider_d(ok, refs, n=0)
    with pytest.raises(ValueError, match="sigma must be a finite number > 0, got -1"):
        cider_d(ok, refs, sigma=-1.0)
    assert np.isnan(cider_d([], []).score)
