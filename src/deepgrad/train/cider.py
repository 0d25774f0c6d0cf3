"""CIDEr-D (Vedantam et al. 2015) of tokenized captions, as the COCO caption evaluation.

Every sentence s becomes, for each order k = 1..n, a TF-IDF vector over k-grams g:

    v_k(s)[g] = c(g, s) (log M - log max(1, df(g)))

c(g, s) the count of g in s, M the number of images evaluated, and df(g) the number of images
whose references (any of them; hypotheses never count) contain g. So the IDF is computed over
the evaluated set itself: a single image gives log M = 0 and every score 0. A hypothesis h with
references R scores

    sim_k(h, r) = sum_g min(v_k(h)[g], v_k(r)[g]) v_k(r)[g] / (||v_k(h)|| ||v_k(r)||)
                  (0 when either norm is 0; the min clips repeated hypothesis k-grams)
    CIDEr-D(h, R) = 10 / |R| sum_{r in R} exp(-(|h| - |r|)^2 / (2 sigma^2)) (1/n) sum_k sim_k(h, r)

with |s| the length in tokens (a Gaussian penalty on the length difference), and the corpus
score is the mean over images.

Equal to pycocoevalcap 1.2's ``Cider().compute_score(gts, res)`` (tests/train/test_cider.py,
to 1e-9, mean and per image). Two details of that implementation: it measures a sentence's
length as its number of bigrams, max(|s| - 1, 0), which gives the same difference whenever
both sentences have a token (an empty one scores 0 whatever the penalty); and it always counts
1- to 4-grams whatever its ``n``, so it runs only with n = 4 (n < 4 raises IndexError inside
it, n > 4 averages in zeros). Here ``n`` is honoured: orders 1..n.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .bleu import _check_corpus, _corpus_layout, _lookup, _ngram_counts

__all__ = ["CiderResult", "cider_d"]


@dataclass(frozen=True, eq=False)
class CiderResult:
    """CIDEr-D: ``score`` the mean over images of ``per_image`` (float64, one per hypothesis,
    in the order given)."""

    score: float
    per_image: np.ndarray


def cider_d(hypotheses: Sequence[Sequence[str]],
            references: Sequence[Sequence[Sequence[str]]],
            n: int = 4, sigma: float = 6.0) -> CiderResult:
    """CIDEr-D of tokenized ``hypotheses`` (one per image), each against its references.

    ``hypotheses[i]`` is a list of tokens, ``references[i]`` a non-empty list of token lists.
    The IDF comes from the references of these images: score a whole test set at once, not
    image by image."""
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"cider_d: n must be an int >= 1, got {n!r}")
    if not (isinstance(sigma, int | float | np.floating) and math.isfinite(sigma) and sigma > 0):
        raise ValueError(f"cider_d: sigma must be a finite number > 0, got {sigma!r}")
    hyps, refs = _check_corpus(hypotheses, references, "cider_d")
    m = len(hyps)
    if m == 0:  # no images: NaN, as the mean of nothing
        return CiderResult(score=float("nan"), per_image=np.zeros(0))
    sentences, image, lengths = _corpus_layout(hyps, refs)
    ref_image = image[m:]
    n_ref = ref_image.size
    log_m = math.log(m)

    sims = np.zeros((n_ref, int(n)))  # sim_k(h, r), one row per reference
    for k, g in enumerate(_ngram_counts(sentences, int(n))):
        is_ref = g.sentence >= m
        # document frequency: the number of images whose references hold the k-gram
        in_image = np.unique(image[g.sentence[is_ref]] * g.size + g.gram[is_ref]) % max(g.size, 1)
        df = np.bincount(in_image, minlength=g.size)
        w = g.count * (log_m - np.log(np.maximum(df, 1.0)))[g.gram]  # TF-IDF weights
        norm = np.sqrt(np.bincount(g.sentence, weights=w * w, minlength=len(sentences)))
        # each reference k-gram meets the same k-gram of its image's hypothesis, if there
        hyp_key = g.sentence[~is_ref] * g.size + g.gram[~is_ref]  # sorted: rows are sorted
        at, found = _lookup(hyp_key, image[g.sentence[is_ref]] * g.size + g.gram[is_ref])
        w_hyp, w_ref = w[~is_ref], w[is_ref]
        w_hyp_at = w_hyp[at] if w_hyp.size else np.zeros(at.shape)
        clipped = np.where(found, np.minimum(w_hyp_at, w_ref) * w_ref, 0.0)
        dot = np.bincount(g.sentence[is_ref] - m, weights=clipped, minlength=n_ref)
        norm_h, norm_r = norm[ref_image], norm[m:]
        both = (norm_h != 0) & (norm_r != 0)
        sims[:, k] = np.divide(dot, norm_h * norm_r, out=np.zeros(n_ref), where=both)

    delta = (lengths[m:] - lengths[ref_image]).astype(np.float64)
    penalty = np.exp(-(delta * delta) / (2.0 * float(sigma) ** 2))
    per_ref = penalty * sims.mean(axis=1)
    per_image = 10.0 * np.bincount(ref_image, weights=per_ref, minlength=m) / np.bincount(
        ref_image, minlength=m)
    return CiderResult(score=float(per_image.mean()), per_image=per_image)
