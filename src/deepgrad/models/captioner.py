"""Caption decoders (week 6, the final project): an LSTM that writes a sentence about an image.

Both read image features from a frozen encoder (a CNN) and are trained with teacher forcing: the
input at step t is the true previous word y_{t-1} (``START`` at t = 1), the target is y_t, and
the cross-entropy is averaged over the real (non-padding) targets.

``CaptionDecoder`` — the course's decoder (no attention). With x the image's feature vector
(N, F) and E the word embeddings::

    b   = elu(W_b x + b_b)                        image bottleneck (120)
    h_0 = c_0 = elu(W_0 b + b_0)                  the LSTM's initial state (300 units)
    h_t, c_t = LSTM(E y_{t-1}, (h_{t-1}, c_{t-1}))
    p(y_t | y_<t, x) = softmax(W_v elu(W_l h_t + b_l) + b_v)   logit bottleneck (120) -> vocab

``AttentionCaptionDecoder`` — soft attention, "Show, Attend and Tell" (Xu et al., 2015). The
encoder gives L annotation vectors a_i (D,), one per location of its spatial feature map; at
each step the previous hidden state chooses where to look::

    h_0 = c_0 = elu(W_0 elu(W_b mean_i a_i + b_b) + b_0)
    e_ti = v^T tanh(W_h h_{t-1} + W_a a_i + b_a)     alpha_t = softmax_i(e_t)
    z_t  = sum_i alpha_ti a_i                         the context
    h_t, c_t = LSTMCell([E y_{t-1}; z_t], (h_{t-1}, c_{t-1}))
    p(y_t | y_<t, a) = softmax(W_v elu(W_l [h_t; z_t] + b_l) + b_v)

and optionally the paper's doubly stochastic penalty lambda * sum_i (1 - sum_t alpha_ti)^2
(``attention_penalty``), which pushes the attention to cover the whole image over a caption.
Because alpha_t depends on h_{t-1}, this decoder runs one LSTM cell per step (no fused sequence).

``step(tokens, state)`` is the one-step form for :mod:`deepgrad.decode`; ``initial_state(x)``
gives its first state. Architectures only: the captioning task trains them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import nn
from ..functional import plain as F
from ..tensor import Tensor

__all__ = ["CaptionDecoder", "AttentionCaptionDecoder", "caption_loss"]


def _as_tensor(x: Any, dtype: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=dtype))


def caption_loss(logits: Tensor, targets: np.ndarray, pad: int) -> Tensor:
    """Mean cross-entropy of ``logits`` (N, T, V) over the targets (N, T) that are not ``pad``."""
    v = logits.shape[-1]
    return F.cross_entropy(logits.reshape(-1, v), np.asarray(targets).reshape(-1),
                           ignore_index=int(pad))


class _Readout(nn.Module):
    """The logit bottleneck: vocab logits = W_v elu(W_l u + b_l) + b_v."""

    def __init__(self, size: int, bottleneck: int, vocab: int) -> None:
        super().__init__()
        self.bottleneck = nn.Linear(size, bottleneck)
        self.logits = nn.Linear(bottleneck, vocab)

    def forward(self, u: Tensor) -> Tensor:
        return self.logits(F.elu(self.bottleneck(u)))


class _InitialState(nn.Module):
    """h_0 = c_0 = elu(W_0 elu(W_b x + b_b) + b_0)."""

    def __init__(self, features: int, bottleneck: int, hidden: int) -> None:
        super().__init__()
        self.to_bottleneck = nn.Linear(features, bottleneck)
        self.to_h0 = nn.Linear(bottleneck, hidden)

    def forward(self, x: Tensor) -> Tensor:
        return F.elu(self.to_h0(F.elu(self.to_bottleneck(x))))


class CaptionDecoder(nn.Module):
    """``CaptionDecoder(features, vocab, img_bottleneck=120, hidden=300, embed=100,
    logit_bottleneck=120)``, the course's sizes by default.

    ``forward(x (N, F), tokens_in (N, T)) -> logits (N, T, vocab)``."""

    attention = False

    def __init__(self, features: int, vocab: int, img_bottleneck: int = 120, hidden: int = 300,
                 embed: int = 100, logit_bottleneck: int = 120) -> None:
        super().__init__()
        self.features, self.vocab, self.hidden = int(features), int(vocab), int(hidden)
        self.init_state = _InitialState(features, img_bottleneck, hidden)
        self.embed = nn.Embedding(vocab, embed)
        self.lstm = nn.LSTM(embed, hidden, batch_first=True)
        self.readout = _Readout(hidden, logit_bottleneck, vocab)

    def _features(self, x: Any) -> Tensor:
        x = _as_tensor(x, self.embed.weight.dtype)
        if x.ndim != 2 or x.shape[1] != self.features:
            raise ValueError(f"CaptionDecoder: expected image features of shape (batch, "
                             f"{self.features}), got {tuple(x.shape)}")
        return x

    def forward(self, x: Any, tokens_in: Any) -> Tensor:
        h0 = self.init_state(self._features(x)).unsqueeze(0)
        out, _ = self.lstm(self.embed(np.asarray(tokens_in)), (h0, h0))
        return self.readout(out)

    def initial_state(self, x: Any) -> dict[str, Any]:
        """The decoding state before the first word: ``{"h", "c"}`` (N, hidden) each."""
        h0 = self.init_state(self._features(x))
        return {"h": h0, "c": h0}

    def step(self, tokens: np.ndarray, state: dict[str, Any]) -> tuple[Tensor, dict[str, Any]]:
        """log p(y_t | y_<t, x) (N, vocab) after the words ``tokens`` (N,), and the new state."""
        x = self.embed(np.asarray(tokens))
        lstm = self.lstm  # one step of the same LSTM: its cell on its own weights
        h, c = F.lstm_cell(x, state["h"], state["c"], lstm.weight_ih_l0, lstm.weight_hh_l0,
                           lstm.bias_ih_l0, lstm.bias_hh_l0)
        return F.log_softmax(self.readout(h), dim=-1), {"h": h, "c": c}


class AttentionCaptionDecoder(nn.Module):
    """``AttentionCaptionDecoder(annotation_size, vocab, img_bottleneck=120, hidden=300,
    embed=100, logit_bottleneck=120, attn_size=None, image_init=True)``: Show, Attend and Tell
    (``image_init=False``: the initial state does not see the image).

    ``forward(a (N, L, D), tokens_in (N, T)) -> (logits (N, T, vocab), alpha (N, T, L))``."""

    attention = True

    def __init__(self, annotation_size: int, vocab: int, img_bottleneck: int = 120,
                 hidden: int = 300, embed: int = 100, logit_bottleneck: int = 120,
                 attn_size: int | None = None, image_init: bool = True) -> None:
        super().__init__()
        d = int(annotation_size)
        self.image_init = bool(image_init)
        self.features, self.vocab, self.hidden = d, int(vocab), int(hidden)
        a = int(attn_size or hidden)
        self.init_state = _InitialState(d, img_bottleneck, hidden)
        self.embed = nn.Embedding(vocab, embed)
        self.w_h = nn.Linear(hidden, a, bias=False)
        self.w_a = nn.Linear(d, a)
        self.v = nn.Linear(a, 1, bias=False)
        self.cell = nn.LSTMCell(embed + d, hidden)
        self.readout = _Readout(hidden + d, logit_bottleneck, vocab)

    def _annotations(self, a: Any) -> Tensor:
        a = _as_tensor(a, self.embed.weight.dtype)
        if a.ndim != 3 or a.shape[2] != self.features:
            raise ValueError(f"AttentionCaptionDecoder: expected annotations of shape (batch, "
                             f"locations, {self.features}), got {tuple(a.shape)}")
        return a

    def initial_state(self, a: Any) -> dict[str, Any]:
        """``{"h", "c"}`` (N, hidden), the annotations ``"a"`` (N, L, D) and their projection
        ``"keys"`` W_a a_i + b_a (N, L, A), computed once per image."""
        a = self._annotations(a)
        # image_init=False: h_0 = c_0 is a learned constant (the initial-state network on a
        # zero vector), so the decoder sees the image only through what it attends to
        x = a.mean(axis=1) if self.image_init else Tensor(np.zeros((a.shape[0], a.shape[2]),
                                                                  dtype=a.dtype))
        h0 = self.init_state(x)
        return {"h": h0, "c": h0, "a": a, "keys": self.w_a(a),
                "image": np.arange(a.shape[0])}

    def reorder(self, state: dict[str, Any], index: np.ndarray) -> dict[str, Any]:
        """The state of rows ``index`` (for beam search): the per-image annotations and keys
        are only copied when the rows' images change (not when a beam reorders its own
        hypotheses), the rest always."""
        def take(v: Any) -> Any:
            return Tensor(np.take(v.data, index, axis=0)) if isinstance(v, Tensor) \
                else np.take(v, index, axis=0)

        image = state["image"][index]
        same = len(image) == len(state["image"]) and np.array_equal(image, state["image"])
        new = {k: (v if same and k in ("a", "keys") else take(v)) for k, v in state.items()}
        new["image"] = image
        return new

    def _attend(self, h: Tensor, state: dict[str, Any]) -> tuple[Tensor, Tensor]:
        e = self.v(F.tanh(self.w_h(h).unsqueeze(1) + state["keys"])).squeeze(-1)  # (N, L)
        alpha = F.softmax(e, dim=-1)
        z = (alpha.unsqueeze(1) @ state["a"]).squeeze(1)  # (N, D)
        return z, alpha

    def _one(self, emb: Tensor, state: dict[str, Any]) -> tuple[Tensor, dict[str, Any], Tensor]:
        z, alpha = self._attend(state["h"], state)
        h, c = self.cell(F.cat([emb, z], dim=-1), (state["h"], state["c"]))
        logits = self.readout(F.cat([h, z], dim=-1))
        return logits, dict(state, h=h, c=c), alpha

    def forward(self, a: Any, tokens_in: Any) -> tuple[Tensor, Tensor]:
        state = self.initial_state(a)
        emb = self.embed(np.asarray(tokens_in))  # (N, T, E)
        logits, alphas = [], []
        for t in range(emb.shape[1]):
            lg, state, alpha = self._one(emb[:, t], state)
            logits.append(lg.unsqueeze(1))
            alphas.append(alpha.unsqueeze(1))
        return F.cat(logits, dim=1), F.cat(alphas, dim=1)

    def step(self, tokens: np.ndarray, state: dict[str, Any]) -> tuple[Tensor, dict[str, Any]]:
        """log p(y_t | y_<t, a) (N, vocab) and the new state; ``state["alpha"]`` (N, L) holds
        where this step looked (a NumPy array, for the attention pictures)."""
        lg, new, alpha = self._one(self.embed(np.asarray(tokens)), state)
        new["alpha"] = alpha.data
        return F.log_softmax(lg, dim=-1), new


def attention_penalty(alpha: Tensor, mask: np.ndarray) -> Tensor:
    """The doubly stochastic penalty sum_n sum_i (1 - sum_t alpha_nti)^2 over the real steps
    (``mask`` (N, T), 1 where the target is a word or END), divided by the number of real
    targets, as :func:`caption_loss` is: so ``loss + lambda * penalty`` weighs the two as the
    paper's per-caption sum -sum_t log p + lambda sum_i (...)^2 does.

    Over T steps the weights sum to T, so with fewer steps than locations (T < L) the penalty
    cannot reach 0: its minimum (L - T)^2 / L is an even spread. It pushes attention to cover
    the whole image over a caption rather than dwell on one place."""
    mk = np.asarray(mask, dtype=alpha.dtype)
    m = Tensor(mk[:, :, None])
    cover = (alpha * m).sum(axis=1)  # (N, L)
    return ((1.0 - cover) ** 2).sum() * (1.0 / max(float(mk.sum()), 1.0))


__all__ += ["attention_penalty"]


class SceneEncoder(nn.Module):
    """``SceneEncoder(classes=10, width=32)``: the captioning task's own CNN for the composed
    scenes, fully convolutional so that what it learns on one-object canvases it applies
    anywhere on a scene.

    Four 3x3 conv + batch norm + ReLU blocks (width, 2w, 4w, 4w channels), the first three each
    followed by 2x2 max pooling: a (N, 1, 64, 64) image becomes a (N, 4w, 8, 8) feature map.
    Trained as a classifier (global max pooling, then a linear layer to ``classes``), frozen,
    it gives the decoders ``annotations(x)`` (N, 64, 4w), one vector per 8 x 8-pixel location,
    and ``vector(x)`` (N, 16 * 4w): the map max-pooled to 4 x 4 and flattened, which keeps
    where each object is (2,048 numbers at w = 32, as the course's InceptionV3 features)."""

    def __init__(self, classes: int = 10, width: int = 32) -> None:
        super().__init__()
        w = int(width)
        chans = [1, w, 2 * w, 4 * w, 4 * w]
        layers: list[nn.Module] = []
        for k in range(4):
            layers += [nn.Conv2d(chans[k], chans[k + 1], 3, padding=1, bias=False),
                       nn.BatchNorm2d(chans[k + 1]), nn.ReLU()]
            if k < 3:
                layers.append(nn.MaxPool2d(2))
        self.body = nn.Sequential(*layers)
        self.classifier = nn.Linear(4 * w, int(classes))
        self.channels = 4 * w

    def feature_map(self, x: Any) -> Tensor:
        x = _as_tensor(x, self.classifier.weight.dtype)
        if x.ndim != 4 or x.shape[1] != 1 or x.shape[2] % 8 or x.shape[3] % 8:
            raise ValueError(f"SceneEncoder: expected grey images (N, 1, H, W) with H and W "
                             f"multiples of 8, got {tuple(x.shape)}")
        return self.body(x)

    def forward(self, x: Any) -> Tensor:
        m = self.feature_map(x)
        pooled = F.max_pool2d(m, kernel_size=(m.shape[2], m.shape[3]))
        return self.classifier(pooled.reshape(m.shape[0], -1))

    def annotations(self, x: Any) -> Tensor:
        """(N, L, C): the feature map's L = H/8 * W/8 location vectors."""
        m = self.feature_map(x)
        n, c = m.shape[0], m.shape[1]
        return m.reshape(n, c, -1).transpose(1, 2)

    def vector(self, x: Any) -> Tensor:
        """(N, 16 C): the feature map max-pooled to 4 x 4, flattened."""
        m = self.feature_map(x)
        if m.shape[2] % 4 or m.shape[3] % 4:
            raise ValueError(f"SceneEncoder.vector: the image side must be a multiple of 32 "
                             f"(its {m.shape[2]} x {m.shape[3]} feature map is pooled to 4 x 4), "
                             f"got a {8 * m.shape[2]} x {8 * m.shape[3]} image")
        k = (m.shape[2] // 4, m.shape[3] // 4)
        return F.max_pool2d(m, kernel_size=k).reshape(m.shape[0], -1)


__all__ += ["SceneEncoder"]
