"""The four equations by hand equal deepgrad's autodiff and PyTorch's autograd (float64)."""

import numpy as np
import pytest
import torch

import deepgrad as dg
from deepgrad import nn
from deepgrad.functional.backprop_plain import backprop_plain, forward_plain, quadratic_cost


def _network(sizes, seed):
    rng = np.random.default_rng(seed)
    ws = [rng.normal(0, 1 / np.sqrt(a), (b, a)) for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
    bs = [rng.normal(0, 0.5, b) for b in sizes[1:]]
    x = rng.normal(size=(7, sizes[0]))
    y = rng.uniform(size=(7, sizes[-1]))
    return ws, bs, x, y


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_four_equations_equal_autodiff_and_torch(activation):
    ws, bs, x, y = _network([5, 6, 4, 3], seed=1)
    gw, gb, deltas = backprop_plain(ws, bs, x, y, activation)
    # deepgrad: the same network as layers, the cost as an expression, loss.backward()
    act = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU}[activation]
    layers = []
    for w, b in zip(ws, bs, strict=True):
        lin = nn.Linear(w.shape[1], w.shape[0], dtype=np.float64)
        lin.weight.data[...] = w
        lin.bias.data[...] = b
        layers += [lin, act()]
    model = nn.Sequential(*layers)
    a = model(dg.tensor(x, dtype=np.float64))
    loss = 0.5 * ((a - dg.tensor(y, dtype=np.float64)) ** 2).sum() / len(x)
    loss.backward()
    lins = [m for m in model if isinstance(m, nn.Linear)]
    for l, lin in enumerate(lins):
        np.testing.assert_allclose(gw[l], lin.weight.grad, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(gb[l], lin.bias.grad, rtol=1e-12, atol=1e-14)
    assert quadratic_cost(forward_plain(ws, bs, x, activation)[1][-1], y) == pytest.approx(
        loss.item(), rel=1e-14
    )
    # PyTorch: delta^l = dC/dz^l is the gradient at z^l (per example: times n)
    tw = [torch.tensor(w, requires_grad=True) for w in ws]
    tb = [torch.tensor(b, requires_grad=True) for b in bs]
    h, zs = torch.tensor(x), []
    f = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}[activation]
    for w, b in zip(tw, tb, strict=True):
        zs.append(h @ w.T + b)
        zs[-1].retain_grad()
        h = f(zs[-1])
    (0.5 * ((h - torch.tensor(y)) ** 2).sum() / len(x)).backward()
    for l in range(3):
        np.testing.assert_allclose(gw[l], tw[l].grad.numpy(), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(deltas[l] / len(x), zs[l].grad.numpy(), rtol=1e-12, atol=1e-14)


def test_shapes_and_names_are_checked():
    ws, bs, x, y = _network([5, 6, 3], seed=0)
    with pytest.raises(ValueError, match=r"layer 2 has w \(3, 5\) and b \(3,\) but receives 6"):
        backprop_plain([ws[0], ws[0][:3]], bs, x, y)
    with pytest.raises(ValueError, match=r"targets y have shape \(7, 2\), the network's output"):
        backprop_plain(ws, bs, x, y[:, :2])
    with pytest.raises(ValueError, match="activation must be one of sigmoid, tanh, relu"):
        backprop_plain(ws, bs, x, y, "gelu")
    with pytest.raises(ValueError, match="2 weight matrices and 1 bias vectors"):
        backprop_plain(ws, bs[:1], x, y)
