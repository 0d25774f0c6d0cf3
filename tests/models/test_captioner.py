"""The caption decoders and the scene encoder against PyTorch twins (the benchmarks' twins, same
parameter names): logits, attention weights, the masked loss (+ attention penalty) and every
gradient in float64 and float32 on padded targets; step-wise decoding equal to the
teacher-forced pass; finite differences; beam search of width 1 equal to greedy decoding (and
the benchmarks' PyTorch decoding loops equal to deepgrad.decode's).

Differences are max |deepgrad - torch| / max |torch| per tensor (printed; ``pytest -s``)."""

import numpy as np
import pytest
from benchmarks.workloads.captioning import (
    END,
    PAD,
    START,
    padded_captions,
    torch_attention_caption_decoder,
    torch_attention_penalty,
    torch_beam_search,
    torch_caption_decoder,
    torch_caption_loss,
    torch_greedy,
    torch_scene_encoder,
)

import deepgrad as dg
import deepgrad.functional as F
from deepgrad import decode
from deepgrad.gradcheck import gradcheck
from deepgrad.models.captioner import (
    AttentionCaptionDecoder,
    CaptionDecoder,
    SceneEncoder,
    attention_penalty,
    caption_loss,
)

torch = pytest.importorskip("torch")
torch.set_num_threads(1)

TOL = {"float64": 1e-10, "float32": 1e-5}
VOCAB = 34
TINY = dict(img_bottleneck=4, hidden=5, embed=3, logit_bottleneck=4)


def close(got, want, tol: float, what: str) -> None:
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want.detach().numpy() if hasattr(want, "detach") else want, np.float64)
    assert got.shape == want.shape, f"{what}: shape {got.shape} != {want.shape}"
    err = float(np.max(np.abs(got - want)) / max(float(np.max(np.abs(want))), 1e-300))
    print(f"{what}: {err:.1e}")
    assert err <= tol, f"{what}: max |diff| / max |ref| = {err:.2e} > {tol:g}"


def twin(dg_model, torch_model, dtype: str):
    """``torch_model`` in ``dtype`` holding ``dg_model``'s weights, copied name by name."""
    sd = {k: np.asarray(v) for k, v in dg_model.state_dict().items()
          if "num_batches" not in k}
    tsd = {k: v for k, v in torch_model.state_dict().items() if "num_batches" not in k}
    assert sorted(sd) == sorted(tsd)
    for k, v in sd.items():
        assert v.shape == tuple(tsd[k].shape), k
    torch_model.to(getattr(torch, dtype))
    torch_model.load_state_dict({k: torch.tensor(v) for k, v in sd.items()}, strict=False)
    return torch_model


def in_dtype(model, dtype: str):
    return model.double() if dtype == "float64" else model


def compare_grads(m, t, tol: float, prefix: str) -> None:
    tg = dict(t.named_parameters())
    names = [n for n, _ in m.named_parameters()]
    assert sorted(names) == sorted(tg)
    for name, p in m.named_parameters():
        assert p.grad is not None, name
        close(p.grad, tg[name].grad, tol, f"{prefix} grad {name}")


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_caption_decoder_matches_torch(dtype):
    """The course's sizes (2048 -> 120 -> 300, embeddings 100, logit bottleneck 120)."""
    tol = TOL[dtype]
    dg.manual_seed(0)
    m = in_dtype(CaptionDecoder(2048, VOCAB), dtype)
    t = twin(m, torch_caption_decoder(2048, VOCAB), dtype)
    tok_in, targets, _ = padded_captions(5, 12, VOCAB, seed=1)
    assert (targets == PAD).any() and (tok_in == PAD).any()
    x = np.abs(np.random.default_rng(1).standard_normal((5, 2048))).astype(dtype)
    xd, xt = dg.Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    logits = m(xd, tok_in)
    logits_t = t(xt, torch.tensor(tok_in))
    assert logits.dtype == np.dtype(dtype) and logits.shape == (5, 11, VOCAB)
    close(logits.data, logits_t, tol, f"CaptionDecoder {dtype} logits")
    loss = caption_loss(logits, targets, PAD)
    loss_t = torch_caption_loss(logits_t, torch.tensor(targets), PAD)
    close(loss.data, loss_t, tol, f"CaptionDecoder {dtype} loss")
    loss.backward()
    loss_t.backward()
    compare_grads(m, t, tol, f"CaptionDecoder {dtype}")
    close(xd.grad, xt.grad, tol, f"CaptionDecoder {dtype} grad features")


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_attention_decoder_matches_torch(dtype):
    """The course's sizes, 16 annotations of 128, the loss with the attention penalty."""
    tol, lam = TOL[dtype], 0.7
    dg.manual_seed(1)
    m = in_dtype(AttentionCaptionDecoder(128, VOCAB), dtype)
    t = twin(m, torch_attention_caption_decoder(128, VOCAB), dtype)
    tok_in, targets, mask = padded_captions(4, 12, VOCAB, seed=2)
    assert not mask.all()
    a = np.maximum(np.random.default_rng(2).standard_normal((4, 16, 128)), 0).astype(dtype)
    ad, at = dg.Tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    logits, alpha = m(ad, tok_in)
    logits_t, alpha_t = t(at, torch.tensor(tok_in))
    assert alpha.shape == (4, 11, 16) and logits.dtype == np.dtype(dtype)
    close(logits.data, logits_t, tol, f"AttentionCaptionDecoder {dtype} logits")
    close(alpha.data, alpha_t, tol, f"AttentionCaptionDecoder {dtype} alpha")
    loss = caption_loss(logits, targets, PAD) + lam * attention_penalty(alpha, mask)
    loss_t = (torch_caption_loss(logits_t, torch.tensor(targets), PAD)
              + lam * torch_attention_penalty(alpha_t, torch.tensor(mask)))
    close(loss.data, loss_t, tol, f"AttentionCaptionDecoder {dtype} loss + penalty")
    loss.backward()
    loss_t.backward()
    compare_grads(m, t, tol, f"AttentionCaptionDecoder {dtype}")
    close(ad.grad, at.grad, tol, f"AttentionCaptionDecoder {dtype} grad annotations")


def _tiny(attention: bool, features: int = 6, vocab: int = 9, **kw):
    kind = AttentionCaptionDecoder if attention else CaptionDecoder
    return kind(features, vocab, **{**TINY, **kw}).double()


def _inputs(attention: bool, n: int, features: int = 6, seed: int = 0) -> np.ndarray:
    shape = (n, 4, features) if attention else (n, features)
    return np.abs(np.random.default_rng(seed).standard_normal(shape))


@pytest.mark.parametrize("attention", [False, True])
def test_step_by_step_decoding_reproduces_the_teacher_forced_pass(attention):
    dg.manual_seed(2)
    m = _tiny(attention)
    x = _inputs(attention, 4)
    tok_in, _, _ = padded_captions(4, 8, 9, lo=3, seed=3)
    out = m(x, tok_in)
    logits, alpha = out if attention else (out, None)
    logp = F.log_softmax(logits, dim=-1).data
    state = m.initial_state(x)
    for k in range(tok_in.shape[1]):
        lp, state = m.step(tok_in[:, k], state)
        close(lp.data, logp[:, k], 1e-12, f"attention={attention} step {k} log_softmax")
        if attention:
            close(state["alpha"], alpha.data[:, k], 1e-12, f"attention={attention} step {k} alpha")


@pytest.mark.parametrize("attention", [False, True])
def test_loss_gradient_wrt_the_features_matches_finite_differences(attention):
    dg.manual_seed(3)
    m = _tiny(attention)
    tok_in, targets, mask = padded_captions(3, 6, 9, lo=3, seed=4)
    assert not mask.all()

    def loss(x):
        if not attention:
            return caption_loss(m(x, tok_in), targets, PAD)
        logits, alpha = m(x, tok_in)
        return caption_loss(logits, targets, PAD) + 0.5 * attention_penalty(alpha, mask)

    assert gradcheck(loss, _inputs(attention, 3, seed=5), atol=1e-7, rtol=1e-5)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("train", [True, False])
def test_scene_encoder_matches_torch(train, dtype):
    # float32 batch statistics: PyTorch's CPU batch norm accumulates in double, deepgrad's small
    # inputs in float32; through four training-mode batch norms the early gradients of deepgrad
    # differ from the float64 truth by up to 1.4e-5 (PyTorch's by 2.6e-6)
    tol = 5e-5 if train and dtype == "float32" else TOL[dtype]
    rng = np.random.default_rng(4)
    m = in_dtype(SceneEncoder(classes=5, width=4), dtype)
    for p in m.parameters():  # not the initial BN ones/zeros: make every parameter matter
        p.data[...] = rng.standard_normal(p.data.shape) * 0.5
    for name, b in m.named_buffers():
        if "running" in name:
            b[...] = rng.random(b.shape) + 0.5
    t = twin(m, torch_scene_encoder(classes=5, width=4), dtype)
    m.train(train)
    t.train(train)
    x = rng.random((3, 1, 64, 64)).astype(dtype)
    y = rng.integers(0, 5, 3)
    xd, xt = dg.Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, out_t = m(xd), t(xt)
    assert out.shape == (3, 5) and out.dtype == np.dtype(dtype)
    close(out.data, out_t, tol, f"SceneEncoder {dtype} train={train} logits")
    F.cross_entropy(out, dg.Tensor(y)).backward()
    torch.nn.functional.cross_entropy(out_t, torch.tensor(y)).backward()
    compare_grads(m, t, tol, f"SceneEncoder {dtype} train={train}")
    close(xd.grad, xt.grad, tol, f"SceneEncoder {dtype} train={train} grad image")
    tb = dict(t.named_buffers())
    for name, b in m.named_buffers():
        if "running" in name:  # updated once in training mode, untouched in evaluation
            close(b, tb[name], tol, f"SceneEncoder {dtype} train={train} {name}")
    if not train:
        with dg.no_grad(), torch.no_grad():
            ann, vec = m.annotations(x), m.vector(x)
            assert ann.shape == (3, 64, 16) and vec.shape == (3, 256)
            xt = torch.tensor(x)
            close(ann.data, t.annotations(xt), tol, f"SceneEncoder {dtype} annotations")
            close(vec.data, t.vector(xt), tol, f"SceneEncoder {dtype} vector")


@pytest.mark.parametrize("end", [END, None])
@pytest.mark.parametrize("attention", [False, True])
def test_beam_search_of_width_one_is_greedy_decoding(attention, end):
    dg.manual_seed(5)
    m = _tiny(attention)
    x = _inputs(attention, 8, seed=6)
    start = np.full(8, START)
    # raise END's bias by its median margin at the first word: half the captions end at once,
    # the others later (or never)
    first = m.step(start, m.initial_state(x))[0].data
    margin = np.delete(first, END, axis=1).max(axis=1) - first[:, END]
    m.readout.logits.bias.data[END] += np.median(margin)
    g = decode.greedy(m.step, start, m.initial_state(x), max_len=9, end=end)
    b = decode.beam_search(m.step, start, m.initial_state(x), beam_width=1, max_len=9, end=end)
    np.testing.assert_array_equal(b.tokens, g.tokens)
    np.testing.assert_array_equal(b.lengths, g.lengths)
    np.testing.assert_array_equal(b.finished, g.finished)
    close(b.log_prob, g.log_prob, 1e-12, f"beam1 vs greedy attention={attention} end={end} log p")
    if end is not None:
        assert g.finished.any() and np.unique(g.lengths).size > 1  # ended at different steps
    else:
        assert (g.lengths == 9).all() and not g.finished.any()


@pytest.mark.parametrize("beam", [None, 3])
def test_the_benchmarks_torch_decoding_loops_decode_as_deepgrad(beam):
    """What caption_greedy_* / caption_beam5_* time in PyTorch is the same search."""
    dg.manual_seed(6)
    m = _tiny(False, vocab=40)
    t = twin(m, torch_caption_decoder(6, 40, **TINY), "float64")
    x = _inputs(False, 5, seed=7)
    s0, start = m.initial_state(x), np.full(5, START)
    with torch.no_grad():
        if beam is None:
            d = decode.greedy(m.step, start, s0, max_len=7, end=None)
            tokens, lp = torch_greedy(t, torch.tensor(x), 7)
        else:
            d = decode.beam_search(m.step, start, s0, max_len=7, end=None, beam_width=beam)
            tokens, lp = torch_beam_search(t, torch.tensor(x), 7, beam)
    np.testing.assert_array_equal(d.tokens, tokens.numpy())
    close(d.log_prob, lp, 1e-12, f"torch loop vs deepgrad beam={beam} log p")


def test_beam_search_with_the_attention_decoders_reorder_equals_the_generic_one():
    """``AttentionCaptionDecoder.reorder`` skips copying the annotations when a beam only
    reorders its own hypotheses: the same captions and log-probabilities as reorder_state."""
    from deepgrad import decode, no_grad

    rng = np.random.default_rng(5)
    m = AttentionCaptionDecoder(16, 30, hidden=24, embed=8, img_bottleneck=8,
                                logit_bottleneck=8)
    m.eval()
    a = rng.normal(size=(7, 9, 16)).astype(np.float32)
    with no_grad():
        r1 = decode.beam_search(m.step, np.full(7, 2), m.initial_state(a), max_len=12, end=3,
                                beam_width=4)
        r2 = decode.beam_search(m.step, np.full(7, 2), m.initial_state(a), max_len=12, end=3,
                                beam_width=4, reorder=m.reorder)
    np.testing.assert_array_equal(r1.tokens, r2.tokens)
    np.testing.assert_array_equal(r1.log_prob, r2.log_prob)


def test_scene_encoder_vector_needs_a_side_that_is_a_multiple_of_32():
    with pytest.raises(ValueError, match="multiple of 32.*got a 40 x 40 image"):
        SceneEncoder().vector(np.zeros((1, 1, 40, 40), np.float32))
