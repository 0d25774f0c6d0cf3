"""Week-6 workloads (the final project): the caption decoders' training steps and decoding.

deepgrad builds ``deepgrad.models.captioner`` (what the captioning task trains); the PyTorch
twins below are the same equations with PyTorch layers under the same names, so the state dicts
agree name by name (tests/models/test_captioner.py checks outputs and every gradient against
them in float64 and float32).

Training steps: teacher forcing on padded captions of ``steps`` tokens (START, the words, END,
then PAD), caption lengths 8..``steps`` tokens; the decoder reads tokens[:, :-1] and is scored on
tokens[:, 1:] with the cross-entropy averaged over the non-PAD targets; Adam 1e-3. The course's
sizes: image features 2048 -> bottleneck 120 -> h0 = c0 (LSTM 300), embeddings 100, logit
bottleneck 120. The attention decoder reads 64 annotations of 128 (the SceneEncoder's 8 x 8 map
at width 32) and adds the doubly stochastic attention penalty (lambda = 1).

Decoding: 20 tokens from START with no early stop (``end=None``) for a batch of images, with
``deepgrad.decode.greedy`` / ``deepgrad.decode.beam_search(beam_width=5)`` over the decoder's
``step``; PyTorch runs the same loop by hand (greedy: log_softmax, argmax; beam: a batched beam
search with ``topk`` over K x V candidates per image, the LSTM state reordered with
``index_select``), the initial state included in both.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from .base import Workload

if TYPE_CHECKING:
    import torch

PAD, UNK, START, END = 0, 1, 2, 3  # deepgrad.data.vocab's special tokens
FEATURES, IMG_BOTTLENECK, HIDDEN, EMBED, LOGIT_BOTTLENECK = 2048, 120, 300, 100, 120
SCENE_VOCAB = 34  # the composed scenes' vocabulary (with the four special tokens)
LOCATIONS, ANNOTATION = 64, 128  # SceneEncoder(width=32).annotations of a 64 x 64 scene
DECODE_LEN, BEAM = 20, 5


# ---------------------------------------------------------------- the PyTorch twins
@functools.cache
def _torch_parts() -> tuple[type, type]:
    """The twins' shared blocks: (InitialState, Readout) as torch modules."""
    import torch.nn as nn
    import torch.nn.functional as F

    class InitialState(nn.Module):
        """h_0 = c_0 = elu(W_0 elu(W_b x + b_b) + b_0)."""

        def __init__(self, features: int, bottleneck: int, hidden: int) -> None:
            super().__init__()
            self.to_bottleneck = nn.Linear(features, bottleneck)
            self.to_h0 = nn.Linear(bottleneck, hidden)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return F.elu(self.to_h0(F.elu(self.to_bottleneck(x))))

    class Readout(nn.Module):
        """vocab logits = W_v elu(W_l u + b_l) + b_v."""

        def __init__(self, size: int, bottleneck: int, vocab: int) -> None:
            super().__init__()
            self.bottleneck = nn.Linear(size, bottleneck)
            self.logits = nn.Linear(bottleneck, vocab)

        def forward(self, u: torch.Tensor) -> torch.Tensor:
            return self.logits(F.elu(self.bottleneck(u)))

    return InitialState, Readout


def torch_caption_decoder(features: int, vocab: int, img_bottleneck: int = IMG_BOTTLENECK,
                          hidden: int = HIDDEN, embed: int = EMBED,
                          logit_bottleneck: int = LOGIT_BOTTLENECK) -> torch.nn.Module:
    """torch twin of ``deepgrad.models.captioner.CaptionDecoder`` (same parameter names):
    ``forward(x, tokens_in) -> logits``, and ``initial_state(x) -> (h, c)``,
    ``step(tokens, h, c) -> (log_probs, h, c)`` for the decoding loops."""
    import torch.nn as nn
    import torch.nn.functional as F

    InitialState, Readout = _torch_parts()

    class CaptionDecoder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.init_state = InitialState(features, img_bottleneck, hidden)
            self.embed = nn.Embedding(vocab, embed)
            self.lstm = nn.LSTM(embed, hidden, batch_first=True)
            self.readout = Readout(hidden, logit_bottleneck, vocab)

        def forward(self, x: torch.Tensor, tokens_in: torch.Tensor) -> torch.Tensor:
            h0 = self.init_state(x).unsqueeze(0)
            out, _ = self.lstm(self.embed(tokens_in), (h0, h0))
            return self.readout(out)

        def initial_state(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            h0 = self.init_state(x)
            return h0, h0

        def step(self, tokens: torch.Tensor, h: torch.Tensor, c: torch.Tensor
                 ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
            out, (h1, c1) = self.lstm(self.embed(tokens[:, None]), (h[None], c[None]))
            return F.log_softmax(self.readout(out[:, 0]), dim=-1), h1[0], c1[0]

    return CaptionDecoder()


def torch_attention_caption_decoder(annotation_size: int, vocab: int,
                                    img_bottleneck: int = IMG_BOTTLENECK, hidden: int = HIDDEN,
                                    embed: int = EMBED, logit_bottleneck: int = LOGIT_BOTTLENECK,
                                    attn_size: int | None = None) -> torch.nn.Module:
    """torch twin of ``deepgrad.models.captioner.AttentionCaptionDecoder`` (same names):
    ``forward(a, tokens_in) -> (logits (N, T, V), alpha (N, T, L))``."""
    import torch
    import torch.nn as nn

    InitialState, Readout = _torch_parts()
    d, a_size = int(annotation_size), int(attn_size or hidden)

    class AttentionCaptionDecoder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.init_state = InitialState(d, img_bottleneck, hidden)
            self.embed = nn.Embedding(vocab, embed)
            self.w_h = nn.Linear(hidden, a_size, bias=False)
            self.w_a = nn.Linear(d, a_size)
            self.v = nn.Linear(a_size, 1, bias=False)
            self.cell = nn.LSTMCell(embed + d, hidden)
            self.readout = Readout(hidden + d, logit_bottleneck, vocab)

        def forward(self, a: torch.Tensor, tokens_in: torch.Tensor
                    ) -> tuple[torch.Tensor, torch.Tensor]:
            h = c = self.init_state(a.mean(dim=1))
            keys = self.w_a(a)  # (N, L, A), once per image
            emb = self.embed(tokens_in)
            logits, alphas = [], []
            for t in range(emb.shape[1]):
                e = self.v(torch.tanh(self.w_h(h).unsqueeze(1) + keys)).squeeze(-1)  # (N, L)
                alpha = torch.softmax(e, dim=-1)
                z = torch.bmm(alpha.unsqueeze(1), a).squeeze(1)  # (N, D)
                h, c = self.cell(torch.cat([emb[:, t], z], dim=-1), (h, c))
                logits.append(self.readout(torch.cat([h, z], dim=-1)))
                alphas.append(alpha)
            return torch.stack(logits, dim=1), torch.stack(alphas, dim=1)

    return AttentionCaptionDecoder()


def torch_scene_encoder(classes: int = 10, width: int = 32) -> torch.nn.Module:
    """torch twin of ``deepgrad.models.captioner.SceneEncoder`` (same names): ``forward`` gives
    the class logits, ``annotations`` (N, L, C) and ``vector`` (N, 16 C) the decoders' inputs."""
    import torch.nn as nn
    import torch.nn.functional as F

    w = int(width)
    chans = [1, w, 2 * w, 4 * w, 4 * w]
    layers: list[nn.Module] = []
    for k in range(4):
        layers += [nn.Conv2d(chans[k], chans[k + 1], 3, padding=1, bias=False),
                   nn.BatchNorm2d(chans[k + 1]), nn.ReLU()]
        if k < 3:
            layers.append(nn.MaxPool2d(2))

    class SceneEncoder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.body = nn.Sequential(*layers)
            self.classifier = nn.Linear(4 * w, int(classes))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.classifier(self.body(x).amax(dim=(2, 3)))

        def annotations(self, x: torch.Tensor) -> torch.Tensor:
            m = self.body(x)
            return m.flatten(2).transpose(1, 2)

        def vector(self, x: torch.Tensor) -> torch.Tensor:
            m = self.body(x)
            return F.max_pool2d(m, (m.shape[2] // 4, m.shape[3] // 4)).flatten(1)

    return SceneEncoder()


def torch_caption_loss(logits: torch.Tensor, targets: torch.Tensor, pad: int = PAD
                       ) -> torch.Tensor:
    """Mean cross-entropy over the non-``pad`` targets (``caption_loss``'s twin)."""
    import torch.nn.functional as F

    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1),
                           ignore_index=int(pad))


def torch_attention_penalty(alpha: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """sum_n sum_i (1 - sum_t alpha_nti)^2 over the real steps, per real target."""
    m = mask.to(alpha.dtype)
    cover = (alpha * m.unsqueeze(-1)).sum(dim=1)
    return ((1.0 - cover) ** 2).sum() / m.sum().clamp(min=1.0)


# ---------------------------------------------------------------- data
def padded_captions(n: int, steps: int, vocab: int, lo: int = 8, seed: int = 0
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Teacher-forcing data from n random captions of lo..steps tokens (START, words, END),
    padded to ``steps``: (tokens_in (n, steps - 1), targets (n, steps - 1) with PAD after each
    caption's END, mask (n, steps - 1) True on the real targets)."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(lo, steps + 1, n)
    caps = np.full((n, steps), PAD, dtype=np.int64)
    for i, k in enumerate(lengths):
        caps[i, 0], caps[i, k - 1] = START, END
        caps[i, 1:k - 1] = rng.integers(END + 1, vocab, k - 2)
    return caps[:, :-1].copy(), caps[:, 1:].copy(), caps[:, 1:] != PAD


def _floats(seed: int, *shape: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _features(n: int, seed: int = 1) -> np.ndarray:
    """Non-negative image features (as after a ReLU and pooling), float32."""
    return np.abs(_floats(seed, n, FEATURES))


# ---------------------------------------------------------------- training steps
def caption_train(lib: str, vocab: int, steps: int) -> Callable[[int], Callable[[], None]]:
    """A training step of ``CaptionDecoder`` (course sizes) at batch n."""
    def build(n: int) -> Callable[[], None]:
        tok_in, targets, _ = padded_captions(n, steps, vocab)
        feats = _features(n)
        if lib == "torch":
            import torch

            model = torch_caption_decoder(FEATURES, vocab)
            opt = torch.optim.Adam(model.parameters(), lr=1e-3)
            x, ti, tt = torch.tensor(feats), torch.tensor(tok_in), torch.tensor(targets)

            def step() -> None:
                opt.zero_grad()
                torch_caption_loss(model(x, ti), tt).backward()
                opt.step()

            return step
        import deepgrad as dg
        from deepgrad.models.captioner import CaptionDecoder, caption_loss

        model = CaptionDecoder(FEATURES, vocab)
        opt = dg.optim.Adam(model.parameters(), lr=1e-3)
        x = dg.tensor(feats)

        def step() -> None:
            opt.zero_grad()
            caption_loss(model(x, tok_in), targets, PAD).backward()
            opt.step()

        return step

    return build


def attention_train(lib: str, vocab: int = SCENE_VOCAB, steps: int = 12, lam: float = 1.0
                    ) -> Callable[[int], Callable[[], None]]:
    """A training step of ``AttentionCaptionDecoder`` (course sizes, 64 x 128 annotations)."""
    def build(n: int) -> Callable[[], None]:
        tok_in, targets, mask = padded_captions(n, steps, vocab)
        ann = np.maximum(_floats(2, n, LOCATIONS, ANNOTATION), 0.0)  # post-ReLU feature map
        if lib == "torch":
            import torch

            model = torch_attention_caption_decoder(ANNOTATION, vocab)
            opt = torch.optim.Adam(model.parameters(), lr=1e-3)
            a, ti, tt = torch.tensor(ann), torch.tensor(tok_in), torch.tensor(targets)
            m = torch.tensor(mask)

            def step() -> None:
                opt.zero_grad()
                logits, alpha = model(a, ti)
                loss = torch_caption_loss(logits, tt) + lam * torch_attention_penalty(alpha, m)
                loss.backward()
                opt.step()

            return step
        import deepgrad as dg
        from deepgrad.models.captioner import (
            AttentionCaptionDecoder,
            attention_penalty,
            caption_loss,
        )

        model = AttentionCaptionDecoder(ANNOTATION, vocab)
        opt = dg.optim.Adam(model.parameters(), lr=1e-3)
        a = dg.tensor(ann)

        def step() -> None:
            opt.zero_grad()
            logits, alpha = model(a, tok_in)
            loss = caption_loss(logits, targets, PAD) + lam * attention_penalty(alpha, mask)
            loss.backward()
            opt.step()

        return step

    return build


# ---------------------------------------------------------------- decoding latency
def torch_greedy(model: torch.nn.Module, x: torch.Tensor, max_len: int
                 ) -> tuple[torch.Tensor, torch.Tensor]:
    """Greedy decoding of ``max_len`` tokens from START with a ``torch_caption_decoder`` (no
    end token): (tokens (N, max_len), their summed log-probabilities (N,))."""
    import torch

    n = x.shape[0]
    h, c = model.initial_state(x)
    logp, h, c = model.step(torch.full((n,), START, dtype=torch.long), h, c)
    tokens = torch.zeros((n, max_len), dtype=torch.long)
    total = torch.zeros(n, dtype=logp.dtype)
    for t in range(max_len):
        tok = logp.argmax(dim=-1)
        tokens[:, t] = tok
        total += logp.gather(1, tok[:, None])[:, 0]
        if t < max_len - 1:
            logp, h, c = model.step(tok, h, c)
    return tokens, total


def torch_beam_search(model: torch.nn.Module, x: torch.Tensor, max_len: int, k: int
                      ) -> tuple[torch.Tensor, torch.Tensor]:
    """Batched beam search of width ``k`` for ``max_len`` tokens from START (no end token):
    the best hypothesis per image, (tokens (N, max_len), log-probabilities (N,))."""
    import torch

    n = x.shape[0]
    h, c = model.initial_state(x)
    logp, h, c = model.step(torch.full((n,), START, dtype=torch.long), h, c)
    v = logp.shape[1]
    rows = torch.arange(n).repeat_interleave(k)
    logp, h, c = logp.index_select(0, rows), h.index_select(0, rows), c.index_select(0, rows)
    scores = torch.full((n, k), float("-inf"), dtype=logp.dtype)
    scores[:, 0] = 0.0  # one hypothesis to start with
    tokens = torch.zeros((n, k, max_len), dtype=torch.long)
    base = (torch.arange(n) * k)[:, None]
    for t in range(max_len):
        cand = (scores[:, :, None] + logp.view(n, k, v)).view(n, k * v)
        scores, best = cand.topk(k, dim=1)
        origin, tok = best // v, best % v
        tokens = tokens.gather(1, origin[:, :, None].expand(-1, -1, max_len))
        tokens[:, :, t] = tok
        if t < max_len - 1:
            sel = (base + origin).view(-1)
            h, c = h.index_select(0, sel), c.index_select(0, sel)
            logp, h, c = model.step(tok.view(-1), h, c)
    top = scores.argmax(dim=1)  # equal lengths: length normalization changes no ranking
    return tokens[torch.arange(n), top], scores[torch.arange(n), top]


def caption_decode(lib: str, beam: int | None, vocab: int = 5000
                   ) -> Callable[[int], Callable[[], None]]:
    """Decoding of DECODE_LEN tokens for n images: greedy (``beam=None``) or beam search."""
    def build(n: int) -> Callable[[], None]:
        feats = _features(n)
        if lib == "torch":
            import torch

            model = torch_caption_decoder(FEATURES, vocab).eval()
            x = torch.tensor(feats)

            def step() -> None:
                with torch.no_grad():
                    if beam is None:
                        torch_greedy(model, x, DECODE_LEN)
                    else:
                        torch_beam_search(model, x, DECODE_LEN, beam)

            return step
        import deepgrad as dg
        from deepgrad import decode
        from deepgrad.models.captioner import CaptionDecoder

        model = CaptionDecoder(FEATURES, vocab)
        model.eval()
        start = np.full(n, START, dtype=np.int64)

        def step() -> None:
            with dg.no_grad():
                s0 = model.initial_state(feats)
            if beam is None:
                decode.greedy(model.step, start, s0, max_len=DECODE_LEN, end=None)
            else:
                decode.beam_search(model.step, start, s0, max_len=DECODE_LEN, end=None,
                                   beam_width=beam)

        return step

    return build


_COURSE = "feat 2048->120->h0=c0, emb 100, LSTM 300, logit bottleneck 120"
CAPTIONING_WORKLOADS = [
    Workload("caption_course_scenes", f"CaptionDecoder ({_COURSE}), vocab 34, captions of 12"
             " tokens (8..12, padded: 11 teacher-forced steps), batch 64, masked CE, Adam", 64,
             caption_train("deepgrad", SCENE_VOCAB, 12), caption_train("torch", SCENE_VOCAB, 12)),
    Workload("caption_course_v5000", f"CaptionDecoder ({_COURSE}), vocab 5000, captions of 20"
             " tokens (8..20, padded: 19 steps), batch 64, masked CE, Adam", 64,
             caption_train("deepgrad", 5000, 20), caption_train("torch", 5000, 20)),
    Workload("caption_attention_scenes", "AttentionCaptionDecoder (Show-Attend-Tell, 64 x 128"
             " annotations, course sizes, attn 300), vocab 34, 12-token captions, batch 64,"
             " CE + attention penalty, Adam", 64,
             attention_train("deepgrad"), attention_train("torch")),
    Workload("caption_greedy_b1", "greedy decoding of 20 tokens, CaptionDecoder vocab 5000,"
             " batch 1", 1, caption_decode("deepgrad", None), caption_decode("torch", None)),
    Workload("caption_greedy_b64", "greedy decoding of 20 tokens, CaptionDecoder vocab 5000,"
             " batch 64", 64, caption_decode("deepgrad", None), caption_decode("torch", None)),
    Workload("caption_beam5_b1", "beam search (5) of 20 tokens, CaptionDecoder vocab 5000,"
             " batch 1", 1, caption_decode("deepgrad", BEAM), caption_decode("torch", BEAM)),
    Workload("caption_beam5_b64", "beam search (5) of 20 tokens, CaptionDecoder vocab 5000,"
             " batch 64", 64, caption_decode("deepgrad", BEAM), caption_decode("torch", BEAM)),
]
