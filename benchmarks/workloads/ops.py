"""Single-op workloads (issue 2): conv2d, matmul, cross-entropy, an elementwise chain."""

from __future__ import annotations

import numpy as np

from .base import Workload


def _rand(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


# ---------------------------------------------------------------- conv2d 64->64, 16x16, 3x3
def conv_dg(n: int):
    import deepgrad as dg
    import deepgrad.functional as F

    x = dg.tensor(_rand(n, 64, 16, 16), requires_grad=True)
    w = dg.tensor(_rand(64, 64, 3, 3) * 0.05, requires_grad=True)
    b = dg.tensor(_rand(64), requires_grad=True)
    g = _rand(n, 64, 16, 16, seed=1)

    def step():
        x.grad = w.grad = b.grad = None
        F.conv2d(x, w, b, padding=1).backward(g)

    return step


def conv_th(n: int):
    import torch

    x = torch.tensor(_rand(n, 64, 16, 16), requires_grad=True)
    w = torch.tensor(_rand(64, 64, 3, 3) * 0.05, requires_grad=True)
    b = torch.tensor(_rand(64), requires_grad=True)
    g = torch.tensor(_rand(n, 64, 16, 16, seed=1))

    def step():
        x.grad = w.grad = b.grad = None
        torch.nn.functional.conv2d(x, w, b, padding=1).backward(g)

    return step


# ---------------------------------------------------------------- matmul 512x1024 @ 1024x1024
def mm_dg(n: int):
    import deepgrad as dg

    a = dg.tensor(_rand(n, 1024), requires_grad=True)
    b = dg.tensor(_rand(1024, 1024), requires_grad=True)
    g = _rand(n, 1024, seed=2)

    def step():
        a.grad = b.grad = None
        (a @ b).backward(g)

    return step


def mm_th(n: int):
    import torch

    a = torch.tensor(_rand(n, 1024), requires_grad=True)
    b = torch.tensor(_rand(1024, 1024), requires_grad=True)
    g = torch.tensor(_rand(n, 1024, seed=2))

    def step():
        a.grad = b.grad = None
        (a @ b).backward(g)

    return step


# ---------------------------------------------------------------- cross-entropy (1280, 5000)
def xent_dg(n: int):
    import deepgrad as dg
    import deepgrad.functional as F

    x = dg.tensor(_rand(n, 5000), requires_grad=True)
    y = np.random.default_rng(3).integers(0, 5000, n)

    def step():
        x.grad = None
        F.cross_entropy(x, y).backward()

    return step


def xent_th(n: int):
    import torch

    x = torch.tensor(_rand(n, 5000), requires_grad=True)
    y = torch.tensor(np.random.default_rng(3).integers(0, 5000, n))

    def step():
        x.grad = None
        torch.nn.functional.cross_entropy(x, y).backward()

    return step


# ---------------------------------------------------------------- elementwise chain, 1M elements
def chain_dg(n: int):
    import deepgrad as dg

    x = dg.tensor(_rand(n, 1000), requires_grad=True)
    w = dg.tensor(_rand(1000), requires_grad=True)

    def step():
        x.grad = w.grad = None
        h = (x * w + 1.0).exp() * 0.5 - x * x
        (h / (h.abs() + 1.0)).sum().backward()

    return step


def chain_th(n: int):
    import torch

    x = torch.tensor(_rand(n, 1000), requires_grad=True)
    w = torch.tensor(_rand(1000), requires_grad=True)

    def step():
        x.grad = w.grad = None
        h = (x * w + 1.0).exp() * 0.5 - x * x
        (h / (h.abs() + 1.0)).sum().backward()

    return step


OP_WORKLOADS = [
    Workload("conv2d", "conv2d fwd+bwd, N=64, 64->64 ch, 16x16, 3x3, pad 1", 64, conv_dg, conv_th,
             lambda n: 3 * 2 * n * 64 * 64 * 9 * 16 * 16),
    Workload("matmul", "matmul fwd+bwd, (512x1024) @ (1024x1024)", 512, mm_dg, mm_th,
             lambda n: 3 * 2 * n * 1024 * 1024),
    Workload("cross_entropy", "cross_entropy fwd+bwd over (1280, 5000) logits", 1280, xent_dg,
             xent_th),
    Workload("elementwise", "a chain of 9 elementwise ops + sum on 1000x1000, fwd+bwd", 1000,
             chain_dg, chain_th),
]
