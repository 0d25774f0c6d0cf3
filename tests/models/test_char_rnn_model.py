"""The character model's step equals its whole-sequence pass; the Kneser-Ney trigram is a
distribution (sums to one in every context) and prefers what it saw."""

import itertools

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.models.char_rnn import CharRNN
from deepgrad.models.ngram import KneserNeyLM


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_step_equals_the_sequence_pass(cell):
    dg.manual_seed(0)
    m = CharRNN(10, embed=4, hidden=6, cell=cell, num_layers=2).double()
    m.eval()
    x = np.random.default_rng(0).integers(0, 10, (3, 7))
    logp = dg.functional.log_softmax(m(x), dim=-1).data
    state = None
    for t in range(7):
        lp, state = m.step(x[:, t], state)
        np.testing.assert_allclose(lp.data, logp[:, t], atol=1e-12)


def test_char_rnn_refuses_an_unknown_cell():
    with pytest.raises(ValueError, match="cell must be one of lstm, gru, rnn"):
        CharRNN(10, cell="transformer")


@pytest.mark.parametrize("order", [1, 2, 3])
def test_kneser_ney_sums_to_one_in_every_context(order):
    rng = np.random.default_rng(order)
    V, start, end = 7, 0, 1
    seqs = [list(rng.integers(2, 6, rng.integers(1, 6))) for _ in range(40)]  # 6 never seen
    lm = KneserNeyLM(V, start, end, order=order, discount=0.7).fit(seqs)
    for ctx in itertools.product(range(V), repeat=order - 1):
        p = np.array([lm.prob(ctx, w) for w in range(V)])
        assert (p > 0).all()
        assert p.sum() == pytest.approx(1.0, abs=1e-12), ctx
    lp = lm.logprob(seqs)
    assert len(lp) == sum(len(s) + 1 for s in seqs)


def test_kneser_ney_prefers_the_continuations_it_saw():
    lm = KneserNeyLM(6, 0, 1, order=3).fit([[2, 3, 4]] * 5 + [[2, 5]])
    assert lm.prob([2, 3], 4) > 0.8
    assert lm.prob([0, 2], 3) > lm.prob([0, 2], 5) > lm.prob([0, 2], 4)
    with pytest.raises(ValueError, match=r"discount must be in \(0, 1\)"):
        KneserNeyLM(6, 0, 1, discount=1.0)
