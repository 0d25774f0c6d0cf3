"""The encoder-decoder with attention: attention equal to PyTorch's arithmetic in float64 (values
and gradients) and to finite differences; step-wise decoding equal to the teacher-forced pass;
padding of the source changing nothing."""

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.gradcheck import gradcheck
from deepgrad.models.seq2seq import Attention, Seq2Seq

torch = pytest.importorskip("torch")


def _torch_attention(kind, att, q, e, bias):
    W = {n: torch.tensor(p.data, requires_grad=True) for n, p in att.named_parameters()}
    k = e @ W["w_k.weight"].T + (W["w_k.bias"] if "w_k.bias" in W else 0)
    if kind == "additive":
        s = torch.tanh((q @ W["w_q.weight"].T).unsqueeze(2) + k.unsqueeze(1)) @ W["v.weight"].T
        s = s.squeeze(-1)
    else:
        s = q @ k.transpose(1, 2) / np.sqrt(q.shape[-1])
    a = torch.softmax(s + torch.tensor(bias), dim=-1)
    return a @ e, a, W


@pytest.mark.parametrize("kind", ["additive", "dot"])
def test_attention_matches_pytorch_in_float64(kind):
    dg.manual_seed(0)
    rng = np.random.default_rng(0)
    att = Attention(kind, 6, 8, attn_size=5).double()
    q = rng.standard_normal((3, 4, 6))
    e = rng.standard_normal((3, 7, 8))
    bias = np.zeros((3, 1, 7))
    bias[1, 0, 5:] = -1e9  # padding of the second input
    tq, te = torch.tensor(q, requires_grad=True), torch.tensor(e, requires_grad=True)
    ctx_t, a_t, W = _torch_attention(kind, att, tq, te, bias)
    gq, ge = dg.from_numpy(q).requires_grad_(), dg.from_numpy(e).requires_grad_()
    ctx, a = att(gq, att.keys(ge), ge, bias)
    np.testing.assert_allclose(a.data, a_t.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(ctx.data, ctx_t.detach().numpy(), atol=1e-12)
    assert np.abs(a.data[1, :, 5:]).max() < 1e-300
    delta = rng.standard_normal(ctx.shape)
    (ctx * dg.from_numpy(delta)).sum().backward()
    (ctx_t * torch.tensor(delta)).sum().backward()
    np.testing.assert_allclose(gq.grad, tq.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(ge.grad, te.grad.numpy(), atol=1e-10)
    for n, p in att.named_parameters():
        np.testing.assert_allclose(p.grad, W[n].grad.numpy(), atol=1e-10, err_msg=n)
    assert gradcheck(lambda x, y: att(x, att.keys(y), y, bias)[0],
                     dg.from_numpy(q).requires_grad_(), dg.from_numpy(e).requires_grad_())


@pytest.mark.parametrize("attention", ["additive", "dot", "none"])
def test_step_by_step_decoding_equals_the_teacher_forced_pass(attention):
    dg.manual_seed(1)
    m = Seq2Seq(20, 9, embed=6, enc_hidden=5, hidden=7, attention=attention).double()
    rng = np.random.default_rng(1)
    src = rng.integers(1, 20, (4, 9))
    lengths = np.array([9, 3, 6, 1])
    tgt = rng.integers(0, 9, (4, 5))
    logits, w = m(src, lengths, tgt)
    state = m.encode(src, lengths)
    logp = dg.functional.log_softmax(logits, dim=-1).data
    for t in range(5):
        lp, state = m.step(tgt[:, t], state)
        np.testing.assert_allclose(lp.data, logp[:, t], atol=1e-12)
        if w is not None:
            np.testing.assert_allclose(state["weights"], w.data[:, t], atol=1e-12)
    if w is not None:  # no weight on padding, weights sum to one
        assert np.abs(w.data[1, :, 3:]).max() < 1e-12 and np.abs(w.data[3, :, 1:]).max() < 1e-12
        np.testing.assert_allclose(w.data.sum(-1), 1.0, atol=1e-12)


def test_source_padding_changes_nothing():
    dg.manual_seed(2)
    m = Seq2Seq(20, 9, embed=6, enc_hidden=5, hidden=7).double()
    rng = np.random.default_rng(2)
    src = rng.integers(1, 20, (1, 6))
    tgt = rng.integers(0, 9, (1, 4))
    alone, _ = m(src, [6], tgt)
    padded = np.concatenate([src, rng.integers(1, 20, (1, 5))], axis=1)  # junk after the end
    with_pad, _ = m(padded, [6], tgt)
    np.testing.assert_allclose(with_pad.data, alone.data, atol=1e-12)


def test_seq2seq_refuses_bad_lengths_and_kinds():
    m = Seq2Seq(20, 9, embed=4, enc_hidden=3, hidden=5)
    with pytest.raises(ValueError, match="lengths must be in 1..4"):
        m.encode(np.ones((2, 4), dtype=int), [5, 2])
    with pytest.raises(ValueError, match=r"lengths \(batch,\)"):
        m.encode(np.ones((2, 4), dtype=int), [4])
    with pytest.raises(ValueError, match="attention must be 'additive', 'dot' or 'none'"):
        Seq2Seq(20, 9, attention="luong")
