"""The three ways to a new task, as the notes compare them: a head on frozen features,
fine-tuning the last blocks, and the same network from scratch.

Frozen layers are run once, in evaluation mode and under ``no_grad``, batch by batch (memory
bounded by the batch), and their outputs cached: training then starts from the cache, so a head
on frozen features costs a linear model's time and fine-tuning ``k`` blocks costs only those
blocks. Batch norm in fine-tuned blocks is handled two ways:

- ``"train"`` (the course's Keras recipe): batch statistics while training, running statistics
  updated with momentum 0.9 in Keras's convention, which is ``momentum=0.1`` in deepgrad's
  (PyTorch's): ``running = 0.9 * running + 0.1 * batch``;
- ``"frozen"``: the pretrained running statistics are kept and used (the layer stays in
  evaluation mode); its scale and shift are still trained.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import numpy as np

from ... import nn, optim
from ...functional import cross_entropy
from ...random import get_rng
from ...tensor import Tensor, no_grad

_NORMS = (nn.BatchNorm1d, nn.BatchNorm2d)


def run_frozen(modules: Iterable[nn.Module], images: np.ndarray,
               preprocess: Callable[[np.ndarray], np.ndarray] | None = None,
               batch_size: int = 256) -> np.ndarray:
    """``modules`` applied in turn to ``images`` in evaluation mode under ``no_grad``, in
    batches (preprocessed batch by batch when ``preprocess`` is given); float32 outputs."""
    modules = list(modules)
    for m in modules:
        m.eval()
    out: np.ndarray | None = None
    with no_grad():
        for start in range(0, len(images), batch_size):
            xb = images[start:start + batch_size]
            if preprocess is not None:
                xb = preprocess(xb)
            h: Tensor | np.ndarray = Tensor(np.ascontiguousarray(xb, dtype=np.float32))
            for m in modules:
                h = m(h)
            hb = np.asarray(h.data, dtype=np.float32)
            if out is None:
                out = np.empty((len(images), *hb.shape[1:]), np.float32)
            out[start:start + len(hb)] = hb
    if out is None:
        raise ValueError("run_frozen: no images")
    return out


def set_norm_mode(modules: Iterable[nn.Module], mode: str) -> None:
    """Put the batch norms inside ``modules`` in the fine-tuning ``mode`` (see module doc)."""
    if mode not in ("train", "frozen"):
        raise ValueError(f"batch norm mode must be 'train' or 'frozen', got {mode!r}")
    for top in modules:
        for m in top.modules():
            if isinstance(m, _NORMS):
                if mode == "train":
                    m.momentum = 0.1  # Keras momentum 0.9
                    m.train()
                else:
                    m.eval()


def train_classifier(trainable: list[nn.Module], x: np.ndarray, y: np.ndarray, *,
                     steps: int, lr: float, batch_size: int, norm_mode: str = "train",
                     weight_decay: float = 0.0) -> list[float]:
    """Train ``Sequential(*trainable)`` on ``(x, y)`` with Adam, a cosine-decayed learning rate
    and shuffled mini-batches (deepgrad's generator: the seed fixes everything); returns the
    loss of each step."""
    net = nn.Sequential(*trainable)
    params = [p for p in net.parameters() if p.requires_grad]
    opt = optim.Adam(params, lr=lr, weight_decay=weight_decay)
    rng = get_rng()
    n = len(x)
    order = rng.permutation(n)
    pos = 0
    losses = []
    for step in range(steps):
        net.train()
        set_norm_mode(trainable, norm_mode)
        if pos + batch_size > n:
            order, pos = rng.permutation(n), 0
        idx = order[pos:pos + min(batch_size, n)]
        pos += len(idx)
        for g in opt.param_groups:
            g["lr"] = lr * 0.5 * (1 + math.cos(math.pi * step / steps))
        loss = cross_entropy(net(Tensor(x[idx])), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        value = float(loss.item())
        if not math.isfinite(value):
            raise FloatingPointError(f"transfer: the loss became {value} at step {step + 1}; "
                                     f"lower the learning rate (was {lr})")
        losses.append(value)
    net.eval()
    return losses


def accuracy(modules: list[nn.Module], x: np.ndarray, y: np.ndarray,
             preprocess: Callable[[np.ndarray], np.ndarray] | None = None,
             batch_size: int = 256) -> float:
    """Fraction of ``x`` that ``modules`` (in evaluation mode) classify as ``y``."""
    logits = run_frozen(modules, x, preprocess, batch_size)
    return float(np.mean(logits.argmax(axis=1) == y))


def steps_for(n: int, epochs: int, batch_size: int, min_steps: int) -> int:
    """Gradient steps for ``epochs`` passes over ``n`` examples, at least ``min_steps``."""
    return max(min_steps, math.ceil(epochs * n / batch_size))
