"""Padding done right (issue 15, item 1), beyond the parity with pack_padded_sequence in
test_recurrent.py: what sits in the padding never reaches an output, a state or a gradient; the
reverse direction of a bidirectional layer starts at each sequence's own last element (checked
against the layer run on each sequence alone, reversed, with no torch involved); zero and bad
lengths; cross-entropy with ignore_index and masked accuracy over padded sequences."""

import numpy as np
import pytest
import torch

import deepgrad as dg
import deepgrad.nn as nn
from deepgrad.functional import cross_entropy
from deepgrad.train import masked_accuracy
from parity import randn

KINDS = ["LSTM", "GRU", "RNN"]
LENGTHS = [6, 2, 4, 1]


def _outputs(result, kind):
    out, fin = result
    return [out, *(fin if kind == "LSTM" else (fin,))]


@pytest.mark.parametrize("kind", KINDS)
def test_padding_never_reaches_outputs_states_or_gradients(kind):
    dg.manual_seed(0)
    m = getattr(nn, kind)(3, 5, num_layers=2, bidirectional=True, dtype=np.float64)
    x = randn(6, 4, 3, seed=1).astype(np.float64)
    pad = np.arange(6)[:, None] >= np.array(LENGTHS)[None]  # (T, N) True at padding
    y = x.copy()
    y[pad] = 1e3 * randn(int(pad.sum()), 3, seed=2)  # garbage in the padding
    xs = [dg.Tensor(a, requires_grad=True) for a in (x, y)]
    res = [_outputs(m(t, lengths=LENGTHS), kind) for t in xs]
    for a, b in zip(*res, strict=True):
        np.testing.assert_array_equal(a.data, b.data)
    assert np.all(res[0][0].data[pad] == 0)  # padded outputs are exactly zero
    for r, t in zip(res, xs, strict=True):
        sum((o * o).sum() for o in r).backward()
        assert np.all(t.grad[pad] == 0)  # no gradient flows into the padding
    np.testing.assert_array_equal(xs[0].grad, xs[1].grad)


@pytest.mark.parametrize("kind", KINDS)
def test_reverse_direction_starts_at_each_sequences_own_last_element(kind):
    """Each sequence alone (its real part, no padding) through the same layer: the batch's padded
    result must equal it, outputs, final states and input gradients, both directions and
    layers. The Keras bug (masking misapplied in reverse) would start the reverse direction at
    the padding and break exactly this."""
    dg.manual_seed(0)
    m = getattr(nn, kind)(3, 4, num_layers=2, bidirectional=True, dtype=np.float64)
    x = randn(6, 4, 3, seed=3).astype(np.float64)
    xb = dg.Tensor(x, requires_grad=True)
    batch = _outputs(m(xb, lengths=LENGTHS), kind)
    w = randn(*batch[0].shape, seed=4).astype(np.float64)
    (batch[0] * dg.Tensor(w)).sum().backward()
    for n, L in enumerate(LENGTHS):
        xn = dg.Tensor(x[:L, n:n + 1], requires_grad=True)
        alone = _outputs(m(xn), kind)
        np.testing.assert_allclose(batch[0].data[:L, n], alone[0].data[:, 0], rtol=1e-12,
                                   atol=1e-13)
        for fb, fa in zip(batch[1:], alone[1:], strict=True):
            np.testing.assert_allclose(fb.data[:, n], fa.data[:, 0], rtol=1e-12, atol=1e-13)
        (alone[0] * dg.Tensor(w[:L, n:n + 1])).sum().backward()
        np.testing.assert_allclose(xb.grad[:L, n], xn.grad[:, 0], rtol=1e-10, atol=1e-12)
    # the reverse half of the output at a sequence's last element saw only that element
    H = 4
    last = batch[0].data[LENGTHS[1] - 1, 1, H:]
    one = _outputs(m(dg.Tensor(x[LENGTHS[1] - 1:LENGTHS[1], 1:2])), kind)[0].data[0, 0, H:]
    assert not np.allclose(last, one)  # layer 2's reverse input depends on layer 1's forward
    single = getattr(nn, kind)(3, 4, bidirectional=True, dtype=np.float64)
    out = single(dg.Tensor(x), lengths=LENGTHS)[0].data
    for n, L in enumerate(LENGTHS):
        alone = single(dg.Tensor(x[L - 1:L, n:n + 1]))[0].data[0, 0, H:]
        np.testing.assert_allclose(out[L - 1, n, H:], alone, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("kind", KINDS)
def test_zero_length_gives_zero_output_and_the_initial_state(kind):
    m = getattr(nn, kind)(3, 4, bidirectional=True, dtype=np.float64)
    x = dg.Tensor(randn(5, 3, 3, seed=5).astype(np.float64), requires_grad=True)
    h0 = randn(2, 3, 4, seed=6).astype(np.float64)
    hx = (dg.Tensor(h0), dg.Tensor(h0 * 0.5)) if kind == "LSTM" else dg.Tensor(h0)
    res = _outputs(m(x, hx, lengths=[5, 0, 2]), kind)
    assert np.all(res[0].data[:, 1] == 0)
    np.testing.assert_array_equal(res[1].data[:, 1], h0[:, 1])
    res[0].sum().backward()
    assert np.all(x.grad[:, 1] == 0)


def test_bad_lengths_are_refused_naming_the_layer():
    m = nn.GRU(3, 4, bidirectional=True)
    x = dg.Tensor(randn(5, 3, 3))
    with pytest.raises(ValueError, match=r"GRU: lengths must lie in \[0, 5\] \(the input has 5 "
                                         r"time steps\), got \[6, 1, 2\]"):
        m(x, lengths=[6, 1, 2])
    with pytest.raises(ValueError, match=r"GRU: lengths must lie in \[0, 5\]"):
        m(x, lengths=[-1, 1, 2])
    with pytest.raises(ValueError, match="GRU: lengths must be whole numbers"):
        m(x, lengths=[2.5, 1, 1])
    with pytest.raises(ValueError, match=r"GRU: lengths must have shape \(batch,\) = \(3,\)"):
        m(x, lengths=[5, 1])
    np.testing.assert_array_equal(m(x, lengths=[5.0, 1.0, 2.0])[0].data,
                                  m(x, lengths=[5, 1, 2])[0].data)


def test_cross_entropy_ignores_padding_like_torch_and_sends_it_no_gradient():
    T, N, C = 6, 4, 5
    logits = randn(T, N, C, seed=7).astype(np.float64)
    tags = np.random.default_rng(0).integers(0, C, (T, N))
    pad = np.arange(T)[:, None] >= np.array(LENGTHS)[None]
    tags[pad] = -100
    z = dg.Tensor(logits, requires_grad=True)
    loss = cross_entropy(z.reshape(-1, C), tags.reshape(-1), ignore_index=-100)
    loss.backward()
    tz = torch.tensor(logits, requires_grad=True)
    tl = torch.nn.functional.cross_entropy(tz.reshape(-1, C), torch.tensor(tags.reshape(-1)))
    tl.backward()
    np.testing.assert_allclose(loss.data, tl.item(), rtol=1e-12)
    np.testing.assert_allclose(z.grad, tz.grad.numpy(), rtol=1e-12, atol=1e-15)
    assert np.all(z.grad[pad] == 0)
    kept = ~pad  # the mean is over the real positions only
    ref = cross_entropy(dg.Tensor(logits[kept]), tags[kept])
    np.testing.assert_allclose(loss.data, ref.data, rtol=1e-12)


def test_masked_accuracy_counts_only_real_positions_like_sklearn():
    from sklearn.metrics import accuracy_score

    rng = np.random.default_rng(1)
    T, N, C = 7, 5, 4
    y = rng.integers(0, C, (T, N))
    scores = rng.standard_normal((T, N, C))
    lengths = np.array([7, 3, 5, 1, 6])
    mask = np.arange(T)[:, None] < lengths[None]
    ref = accuracy_score(y[mask], scores.argmax(-1)[mask])
    assert masked_accuracy(y, scores, mask=mask) == pytest.approx(ref, abs=0)
    y_ign = np.where(mask, y, -100)
    assert masked_accuracy(y_ign, scores) == pytest.approx(ref, abs=0)
    assert masked_accuracy(y_ign, scores.argmax(-1)) == pytest.approx(ref, abs=0)
    # the padding is never right by accident: predictions there do not matter
    pred = scores.argmax(-1)
    pred[~mask] = y[~mask]
    assert masked_accuracy(y, pred, mask=mask) == pytest.approx(ref, abs=0)
    assert masked_accuracy(y, pred) > ref  # without the mask the padding would count
    with pytest.raises(ValueError, match="mask must have y_true's shape"):
        masked_accuracy(y, scores, mask=mask.T)
    with pytest.raises(ValueError, match="y_pred must have y_true's shape"):
        masked_accuracy(y, scores[:3])
    assert np.isnan(masked_accuracy(y, scores, mask=np.zeros_like(mask)))
