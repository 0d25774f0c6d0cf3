"""Training-step and latency workloads (issues 4 and 6), the same model in both libraries."""

from __future__ import annotations

import numpy as np

from .base import Workload

RNG = np.random.default_rng(0)


def _x(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape).astype(np.float32)


def _labels(n: int, k: int, shape: tuple | None = None) -> np.ndarray:
    return RNG.integers(0, k, shape or n).astype(np.int64)


def _lib(name: str):
    """(nn, F, optim, tensor constructor, no_grad) for one library."""
    if name == "torch":
        import torch

        return torch.nn, torch.nn.functional, torch.optim, torch.tensor, torch.no_grad
    import deepgrad as dg

    return dg.nn, dg.functional, dg.optim, dg.tensor, dg.no_grad


# ---------------------------------------------------------------- MLP 784-256-256-10, SGD
def mlp(lib: str):
    def build(n: int):
        nn, F, optim, T, _ = _lib(lib)
        model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(),
                              nn.Linear(256, 10))
        opt = optim.SGD(model.parameters(), lr=0.01)
        x, y = T(_x(n, 784)), T(_labels(n, 10))

        def step():
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()

        return step

    return build


# ---------------------------------------------------------------- CNN on 32x32x3, Adam
def _cnn(nn, bn: bool):
    def block(cin: int, cout: int) -> list:
        layers = [nn.Conv2d(cin, cout, 3, padding=1)]
        if bn:
            layers.append(nn.BatchNorm2d(cout))
        return layers + [nn.ReLU()]

    return nn.Sequential(
        *block(3, 32), *block(32, 32), nn.MaxPool2d(2),
        *block(32, 64), *block(64, 64), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 8 * 8, 256), nn.ReLU(), nn.Linear(256, 10),
    )


def cnn(lib: str, bn: bool):
    def build(n: int):
        nn, F, optim, T, _ = _lib(lib)
        model = _cnn(nn, bn)
        opt = optim.Adam(model.parameters(), lr=1e-3)
        x, y = T(_x(n, 3, 32, 32)), T(_labels(n, 10))

        def step():
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()

        return step

    return build


def cnn_flops(n: int) -> float:
    fwd = sum(2 * n * co * ci * 9 * s * s for ci, co, s in
              [(3, 32, 32), (32, 32, 32), (32, 64, 16), (64, 64, 16)])
    fwd += 2 * n * (4096 * 256 + 256 * 10)
    return 3 * fwd


def cnn_infer(lib: str):
    def build(n: int):
        nn, F, optim, T, no_grad = _lib(lib)
        model = _cnn(nn, bn=False)
        model.eval()
        x = T(_x(n, 3, 32, 32))

        def step():
            with no_grad():
                model(x)

        return step

    return build


# ---------------------------------------------------------------- char LSTM, 60 symbols, Adam
class _CharLSTM:
    def __init__(self, nn, vocab: int = 60, emb: int = 32, hidden: int = 256):
        self.emb = nn.Embedding(vocab, emb)
        self.rnn = nn.LSTM(emb, hidden)
        self.out = nn.Linear(hidden, vocab)

    def parameters(self):
        for m in (self.emb, self.rnn, self.out):
            yield from m.parameters()


def char_lstm(lib: str):
    def build(n: int, steps: int = 50, vocab: int = 60):
        nn, F, optim, T, _ = _lib(lib)
        m = _CharLSTM(nn, vocab)
        opt = optim.Adam(list(m.parameters()), lr=1e-3)
        x = T(_labels(0, vocab, (steps, n)))
        y = T(_labels(0, vocab, (steps * n,)))

        def step():
            opt.zero_grad()
            h, _ = m.rnn(m.emb(x))
            logits = m.out(h.reshape(steps * n, -1))
            F.cross_entropy(logits, y).backward()
            opt.step()

        return step

    return build


# ---------------------------------------------------------------- captioning decoder, Adam
class _Decoder:
    def __init__(self, nn, feat: int = 2048, emb: int = 256, hidden: int = 512,
                 vocab: int = 5000):
        self.init_h = nn.Linear(feat, hidden)
        self.emb = nn.Embedding(vocab, emb)
        self.rnn = nn.LSTM(emb, hidden)
        self.cell = nn.LSTMCell(emb, hidden)
        self.out = nn.Linear(hidden, vocab)

    def parameters(self):
        for m in (self.init_h, self.emb, self.rnn, self.out):
            yield from m.parameters()


def caption_decoder(lib: str):
    def build(n: int, steps: int = 20, vocab: int = 5000):
        nn, F, optim, T, _ = _lib(lib)
        m = _Decoder(nn)
        opt = optim.Adam(list(m.parameters()), lr=1e-3)
        feats = T(_x(n, 2048))
        words = _labels(0, vocab, (steps, n))
        lengths = RNG.integers(steps // 2, steps + 1, n)
        targets = np.where(np.arange(steps)[:, None] < lengths[None, :], words, 0)
        x, y = T(words), T(targets.reshape(-1))
        c0 = T(np.zeros((1, n, 512), np.float32))

        def step():
            opt.zero_grad()
            h0 = m.init_h(feats).tanh().reshape(1, n, 512)
            h, _ = m.rnn(m.emb(x), (h0, c0))
            logits = m.out(h.reshape(steps * n, -1))
            F.cross_entropy(logits, y, ignore_index=0).backward()
            opt.step()

        return step

    return build


def greedy_decode(lib: str):
    def build(n: int, steps: int = 20):
        nn, F, optim, T, no_grad = _lib(lib)
        m = _Decoder(nn)
        feats = T(_x(n, 2048))

        def step():
            with no_grad():
                h = m.init_h(feats).tanh()
                c = h * 0
                tok = T(np.ones(n, np.int64))
                for _ in range(steps):
                    h, c = m.cell(m.emb(tok), (h, c))
                    tok = m.out(h).argmax(-1)

        return step

    return build


MODEL_WORKLOADS = [
    Workload("mlp", "MLP 784-256-256-10 training step, batch 128, SGD", 128, mlp("deepgrad"),
             mlp("torch"), lambda n: 3 * 2 * n * (784 * 256 + 256 * 256 + 256 * 10)),
    Workload("cnn", "CNN c32-c32-p-c64-c64-p-d256-d10, 32x32x3, batch 64, Adam", 64,
             cnn("deepgrad", False), cnn("torch", False), cnn_flops),
    Workload("cnn_bn", "the same CNN with BatchNorm after each conv", 64, cnn("deepgrad", True),
             cnn("torch", True), cnn_flops),
    Workload("char_lstm", "char LSTM: emb 60x32, LSTM 256, 50 steps, batch 64, Adam", 64,
             char_lstm("deepgrad"), char_lstm("torch")),
    Workload("caption_decoder", "feat 2048->dense->h0, emb 256, LSTM 512, vocab 5000, 20 steps,"
             " batch 64, masked CE, Adam", 64, caption_decoder("deepgrad"),
             caption_decoder("torch")),
    Workload("cnn_infer_b1", "CNN inference latency at batch 1", 1, cnn_infer("deepgrad"),
             cnn_infer("torch")),
    Workload("greedy_decode_b1", "greedy decoding of 20 tokens at batch 1 (LSTMCell 512)", 1,
             greedy_decode("deepgrad"), greedy_decode("torch")),
]
