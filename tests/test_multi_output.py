"""Multi-output nodes (tensor.make_results): one op, several outputs, one backward that gets the
delta of each output (None for an unused one), compared with PyTorch's autograd.Function."""

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.tensor import make_results

torch = pytest.importorskip("torch")

calls = []


def scale_and_square(x):
    """(2x, x^2, argmax) as ONE op; the backward records what it was given."""

    def backward(deltas):
        calls.append(tuple(d is None for d in deltas))
        d2, dsq, _ = deltas
        g = np.zeros_like(x.data)
        if d2 is not None:
            g = g + 2 * d2
        if dsq is not None:
            g = g + 2 * x.data * dsq
        return (g,)

    return make_results([2 * x.data, x.data**2, np.argmax(x.data, keepdims=True)], (x,),
                        backward, "scale_and_square", differentiable=[True, True, False])


class TorchScaleAndSquare(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return 2 * x, x**2

    @staticmethod
    def backward(ctx, d2, dsq):
        (x,) = ctx.saved_tensors
        return 2 * d2 + 2 * x * dsq


X = np.array([0.5, -1.5, 2.0, 0.25])
COSTS = {  # used outputs: both, the first only, the second twice, through a shared path
    "both": lambda a, b: (a * b).sum(),
    "first": lambda a, b: (a**3).sum(),
    "second twice": lambda a, b: (b * 3).sum() + (b * b).sum(),
    "mixed": lambda a, b: ((a + b) * (a - 1)).sum(),
}


@pytest.mark.parametrize("cost", list(COSTS))
def test_gradient_matches_torch_and_backward_runs_once(cost):
    calls.clear()
    x = dg.tensor(X, requires_grad=True)
    a, b, idx = scale_and_square(x)
    COSTS[cost](a, b).backward()
    tx = torch.tensor(X, requires_grad=True)
    COSTS[cost](*TorchScaleAndSquare.apply(tx)).backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-12)
    assert len(calls) == 1
    assert calls[0][2] is True  # the integer output never gets a delta
    assert calls[0][1] is (cost == "first")  # None exactly for the unused output
    assert not idx.requires_grad and idx.dtype.kind == "i"


def test_retain_graph_twice_and_freed_after():
    x = dg.tensor(X, requires_grad=True)
    a, b, _ = scale_and_square(x)
    c = (a * b).sum()
    c.backward(retain_graph=True)
    first = x.grad.copy()
    c.backward()
    np.testing.assert_allclose(x.grad, 2 * first)
    with pytest.raises(RuntimeError):
        c.backward()


def test_no_graph_under_no_grad_or_without_grad_inputs():
    with dg.no_grad():
        a, b, _ = scale_and_square(dg.tensor(X, requires_grad=True))
    assert not a.requires_grad and not b.requires_grad
    a, b, _ = scale_and_square(dg.tensor(X))
    assert not a.requires_grad


def test_an_output_changed_in_place_refuses_backward_through_the_old_value():
    x = dg.tensor(X, requires_grad=True)
    a, b, _ = scale_and_square(x)
    c = (a * b).sum()
    with dg.no_grad():
        b.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        c.backward()


def test_retain_grad_on_an_output():
    x = dg.tensor(X, requires_grad=True)
    a, b, _ = scale_and_square(x)
    b.retain_grad()
    (a * b).sum().backward()
    np.testing.assert_allclose(b.grad, 2 * X)
