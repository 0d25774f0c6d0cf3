"""deepgrad.decode on toy models whose probabilities are known exactly: beam search against
exhaustive search, beam width 1 against greedy, batches against one-by-one, sampling against
its distribution."""

import itertools

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import decode, nn
from deepgrad.decode.beam import length_normalized

V, END = 5, 4  # tokens 0..4, 4 is the end token


def markov(seed: int, order: int = 1, conc: float = 0.7):
    """A Markov chain over V tokens with random transition probabilities; order 2 keeps the
    previous token in the state (so beam search must reorder it)."""
    rng = np.random.default_rng(seed)
    shape = (V,) * order + (V,)
    table = np.log(rng.dirichlet(np.full(V, conc), size=shape[:-1]))

    if order == 1:
        def step(tokens, state):
            return table[tokens], state
    else:
        def step(tokens, state):
            return table[state, tokens], tokens.copy()
    return table, step


def exhaustive(table, order, start, max_len, norm, alpha):
    """Every sequence of up to max_len tokens that stops at the first END (or at max_len)."""
    best = (-np.inf, None)
    for n in range(1, max_len + 1):
        for seq in itertools.product(range(V), repeat=n):
            if END in seq[:-1] or (n < max_len and seq[-1] != END):
                continue
            prev, last, lp = start, start, 0.0
            for tok in seq:
                lp += table[last, tok] if order == 1 else table[prev, last, tok]
                prev, last = last, tok
            score = float(length_normalized(np.array([lp]), np.array([n]), norm, alpha)[0])
            if score > best[0] + 1e-12:
                best = (score, list(seq), lp)
    return best


@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize("norm,alpha", [("none", 0.0), ("gnmt", 0.6), ("gnmt", 1.0),
                                        ("average", 0.0)])
def test_wide_beam_finds_what_exhaustive_search_finds(order, norm, alpha):
    max_len = 4
    for seed in range(6):
        table, step = markov(seed, order)
        start = np.array([seed % END])
        state = start.copy() if order == 2 else None
        score, seq, lp = exhaustive(table, order, int(start[0]), max_len, norm, alpha)
        out = decode.beam_search(step, start, state, max_len=max_len, end=END,
                                 beam_width=V ** max_len, length_norm=norm, alpha=alpha)
        assert out.scores[0] == pytest.approx(score, abs=1e-10)
        assert out.log_prob[0] == pytest.approx(lp, abs=1e-10)
        assert out.sequences(strip_end=False)[0] == seq
        assert bool(out.finished[0]) == (seq[-1] == END)


def test_narrow_beam_can_miss_and_wider_never_scores_worse_without_normalization():
    # a chain built so that greedy is wrong: the most probable first token leads nowhere good
    table = np.log(np.array([
        [0.01, 0.55, 0.44, 0.00, 0.00],  # from 0 (start): 1 looks best
        [0.00, 0.00, 0.00, 0.50, 0.50],  # from 1: a coin flip to 3 or the end
        [0.00, 0.00, 0.00, 0.00, 1.00],  # from 2: surely the end
        [0.00, 0.00, 0.00, 0.00, 1.00],
        [0.20, 0.20, 0.20, 0.20, 0.20],
    ]) + 1e-300)

    def step(tokens, state):
        return table[tokens], state

    g = decode.greedy(step, np.array([0]), max_len=5, end=END)
    assert g.sequences()[0] == [1, 3] and g.log_prob[0] == pytest.approx(np.log(0.55 * 0.5))
    b = decode.beam_search(step, np.array([0]), max_len=5, end=END, beam_width=2,
                           length_norm="none")
    assert b.sequences()[0] == [2] and b.log_prob[0] == pytest.approx(np.log(0.44))
    prev = -np.inf
    for k in (1, 2, 3, 5, 25):
        s = decode.beam_search(step, np.array([0]), max_len=5, end=END, beam_width=k,
                               length_norm="none").scores[0]
        assert s >= prev - 1e-12
        prev = s


@pytest.mark.parametrize("norm", ["none", "gnmt", "average"])
def test_beam_width_one_is_greedy(norm):
    for seed in range(5):
        table, step = markov(100 + seed, order=2)
        start = np.arange(4)
        g = decode.greedy(step, start, start.copy(), max_len=7, end=END)
        b = decode.beam_search(step, start, start.copy(), max_len=7, end=END, beam_width=1,
                               length_norm=norm)
        np.testing.assert_array_equal(b.tokens, g.tokens)
        np.testing.assert_array_equal(b.lengths, g.lengths)
        np.testing.assert_allclose(b.log_prob, g.log_prob, rtol=0, atol=1e-12)
        np.testing.assert_array_equal(b.finished, g.finished)


def test_a_batch_decodes_as_its_inputs_one_by_one():
    table, step = markov(7, order=2)
    start = np.array([0, 1, 2, 3, 1, 0])
    kw = dict(max_len=6, end=END)
    for fn, extra in ((decode.greedy, {}), (decode.beam_search, {"beam_width": 3}),
                      (decode.beam_search, {"beam_width": 4, "n_best": 2})):
        whole = fn(step, start, start.copy(), **kw, **extra)
        for i in range(len(start)):
            one = fn(step, start[i:i + 1], start[i:i + 1].copy(), **kw, **extra)
            L = one.tokens.shape[-1]
            np.testing.assert_array_equal(whole.tokens[i][..., :L], one.tokens[0])
            assert (whole.tokens[i][..., L:] == END).all()
            np.testing.assert_array_equal(whole.lengths[i], one.lengths[0])
            np.testing.assert_allclose(whole.log_prob[i], one.log_prob[0], atol=1e-12)


def test_n_best_are_distinct_and_sorted_by_score():
    table, step = markov(3, order=1)
    out = decode.beam_search(step, np.array([0, 2]), max_len=5, end=END, beam_width=6, n_best=4)
    assert out.tokens.shape[:2] == (2, 4)
    assert (np.diff(out.scores, axis=1) <= 1e-12).all()
    for b in range(2):
        seqs = {tuple(out.tokens[b, j, :out.lengths[b, j]]) for j in range(4)}
        assert len(seqs) == 4
        for j in range(4):  # log_prob is the model's probability of that sequence
            seq, last, lp = out.tokens[b, j, :out.lengths[b, j]], [0, 2][b], 0.0
            for tok in seq:
                lp += table[last, tok]
                last = tok
            assert out.log_prob[b, j] == pytest.approx(lp, abs=1e-12)


def test_a_prefix_is_fed_before_decoding():
    table, step = markov(11, order=2)
    prefix = np.array([[0, 1, 2], [3, 3, 1]])
    a = decode.greedy(step, prefix, prefix[:, 0].copy(), max_len=6, end=END)
    # the same as starting after the prefix by hand: state = second-to-last token
    b = decode.greedy(step, prefix[:, -1], prefix[:, -2].copy(), max_len=6, end=END)
    np.testing.assert_array_equal(a.tokens, b.tokens)


def test_sampling_draws_from_the_tempered_top_k_distribution():
    table, step = markov(5, order=1, conc=2.0)
    n = 40000
    start = np.zeros(n, dtype=np.int64)
    for temperature, top_k in ((1.0, None), (0.6, None), (1.7, None), (1.0, 2)):
        out = decode.sample(step, start, max_len=1, end=END, temperature=temperature,
                            top_k=top_k, rng=np.random.default_rng(0))
        z = table[0] / temperature
        if top_k:
            z = np.where(z >= np.sort(z)[-top_k], z, -np.inf)
        p = np.exp(z - z.max())
        p /= p.sum()
        freq = np.bincount(out.tokens[:, 0], minlength=V) / n
        se = np.sqrt(p * (1 - p) / n)
        assert (np.abs(freq - p) <= 5 * se + 1e-12).all(), (temperature, top_k, freq, p)
        np.testing.assert_allclose(out.log_prob, table[0][out.tokens[:, 0]])


def test_top_k_one_and_a_cold_temperature_are_greedy():
    table, step = markov(9, order=2)
    start = np.arange(4)
    g = decode.greedy(step, start, start.copy(), max_len=8, end=END)
    for kw in ({"top_k": 1}, {"temperature": 1e-4}):
        s = decode.sample(step, start, start.copy(), max_len=8, end=END,
                          rng=np.random.default_rng(1), **kw)
        np.testing.assert_array_equal(s.tokens, g.tokens)


def test_a_recurrent_model_with_tensor_state_decodes_consistently():
    dg.manual_seed(0)
    emb, cell, head = nn.Embedding(V, 8), nn.GRUCell(8, 16), nn.Linear(16, V)

    def step(tokens, h):
        h = cell(emb(tokens), h)
        return head(h), h  # logits (a Tensor) and a Tensor state

    h0 = dg.tensor(np.random.default_rng(0).standard_normal((3, 16)).astype(np.float32))
    start = np.array([0, 1, 2])
    g = decode.greedy(step, start, h0, max_len=10, end=END)
    b1 = decode.beam_search(step, start, h0, max_len=10, end=END, beam_width=1)
    np.testing.assert_array_equal(b1.tokens, g.tokens)
    b4 = decode.beam_search(step, start, h0, max_len=10, end=END, beam_width=4,
                            length_norm="none")
    assert (b4.log_prob >= g.log_prob - 1e-6).all()  # (true here; not a theorem in general)
    one = decode.beam_search(step, start[1:2], h0[1:2], max_len=10, end=END, beam_width=4,
                             length_norm="none")
    np.testing.assert_array_equal(one.tokens[0], b4.tokens[1][:one.tokens.shape[1]])


def test_bad_arguments_are_refused_with_the_reason():
    table, step = markov(0)
    with pytest.raises(ValueError, match="beam_width must be >= 1"):
        decode.beam_search(step, np.array([0]), beam_width=0)
    with pytest.raises(ValueError, match="n_best must be between 1 and beam_width=2"):
        decode.beam_search(step, np.array([0]), beam_width=2, n_best=3)
    with pytest.raises(ValueError, match="length_norm must be"):
        decode.beam_search(step, np.array([0]), length_norm="mean")
    with pytest.raises(ValueError, match="end token 9 is outside the vocabulary of 5"):
        decode.greedy(step, np.array([0]), end=9)
    with pytest.raises(ValueError, match="temperature must be > 0"):
        decode.sample(step, np.array([0]), temperature=0)
    with pytest.raises(ValueError, match="start must be"):
        decode.greedy(step, np.zeros((1, 1, 1), dtype=int))
    with pytest.raises(ValueError, match="start tokens must be integers"):
        decode.greedy(step, np.array([0.5]))
    with pytest.raises(ValueError, match=r"shape \(batch, vocabulary\)"):
        decode.greedy(lambda t, s: (np.zeros(V), s), np.array([0]))
    with pytest.raises(TypeError, match="cannot reorder a state leaf of type object"):
        decode.beam_search(lambda t, s: (table[t], s), np.array([0]), state=object())


def test_the_result_is_as_wide_as_its_longest_returned_hypothesis():
    table, step = markov(4, order=1)
    out = decode.beam_search(step, np.arange(4), max_len=9, end=END, beam_width=6)
    assert out.tokens.shape[1] == out.lengths.max()
