"""gradcheck takes PyTorch's form gradcheck(fn, (a, b)) as well as gradcheck(fn, a, b); like
torch.autograd.gradcheck it checks only the Tensor inputs that require grad."""

import numpy as np
import pytest
import torch

import deepgrad as dg
from deepgrad.gradcheck import GradcheckError
from deepgrad.tensor import make_result


def _wrong_for_b(a, b):
    """out = a * b with a correct gradient for a and a wrong one (twice too big) for b."""
    def backward(delta):
        return delta * b.data, 2 * delta * a.data

    return make_result(a.data * b.data, (a, b), backward, "wrong_mul")


def test_tuple_form_and_varargs_form():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((3, 2)), rng.standard_normal((2, 4))
    fn = lambda x, y: (x @ y).tanh()  # noqa: E731
    assert dg.gradcheck(fn, (a, b))
    assert dg.gradcheck(fn, a, b)
    assert dg.gradcheck(lambda x: x.exp(), (a,))
    ta = torch.tensor(a, requires_grad=True)
    tb = torch.tensor(b, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x, y: (x @ y).tanh(), (ta, tb))  # the same call shape
    with pytest.raises(GradcheckError, match="gradient of input 1"):
        dg.gradcheck(_wrong_for_b, (a[:, 0], a[:, 1]))
    with pytest.raises(GradcheckError, match="gradient of input 1"):
        dg.gradcheck(_wrong_for_b, a[:, 0], a[:, 1])


def test_only_inputs_that_require_grad_are_checked_as_torch():
    rng = np.random.default_rng(1)
    x = dg.tensor(rng.standard_normal(5), requires_grad=True)
    const = dg.tensor(rng.standard_normal(5))  # requires_grad=False: a constant, not checked
    assert dg.gradcheck(_wrong_for_b, (x, const))
    with pytest.raises(GradcheckError, match="gradient of input 1"):
        dg.gradcheck(_wrong_for_b, (x, const.requires_grad_()))
    seen = []
    dg.gradcheck(lambda u, v: seen.append(v.dtype) or u * v, (x, dg.tensor([2.0] * 5)))
    assert set(seen) == {np.dtype(np.float64)}  # constants are float64 too: no silent float32
    with pytest.raises(ValueError, match="no floating-point input to check"):
        dg.gradcheck(lambda v: v * 2, (dg.tensor([1.0, 2.0]),))
