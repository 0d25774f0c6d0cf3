"""deepgrad.nn.utils as torch.nn.utils: clipping (the optim.clip functions), parameter vectors."""

import numpy as np
import pytest
import torch

import deepgrad as dg
from deepgrad import nn, optim


def _pair(seed=0):
    rng = np.random.default_rng(seed)
    lin = nn.Linear(4, 3)
    tlin = torch.nn.Linear(4, 3)
    lin.load_state_dict({k: v.detach().numpy() for k, v in tlin.state_dict().items()})
    x = rng.standard_normal((5, 4)).astype(np.float32)
    (lin(dg.tensor(x)) ** 2).sum().backward()
    (tlin(torch.tensor(x)) ** 2).sum().backward()
    return lin, tlin


def test_clip_functions_are_optims_and_match_torch():
    assert nn.utils.clip_grad_norm_ is optim.clip_grad_norm_
    assert nn.utils.clip_grad_value_ is optim.clip_grad_value_
    lin, tlin = _pair()
    total = nn.utils.clip_grad_norm_(lin.parameters(), max_norm=0.5)
    ttotal = torch.nn.utils.clip_grad_norm_(tlin.parameters(), max_norm=0.5)
    assert isinstance(total, dg.Tensor) and total.dtype == np.float32 and total.shape == ()
    np.testing.assert_allclose(total.item(), ttotal.item(), rtol=1e-6)
    assert f"{total:.3f}" == f"{ttotal:.3f}"  # 0-d tensors format like numbers, in both
    for (name, p), (_, q) in zip(lin.named_parameters(), tlin.named_parameters(), strict=True):
        np.testing.assert_allclose(p.grad, q.grad.numpy(), rtol=1e-5, atol=1e-7, err_msg=name)
    nn.utils.clip_grad_value_(lin.parameters(), 0.01)
    torch.nn.utils.clip_grad_value_(tlin.parameters(), 0.01)
    for p, q in zip(lin.parameters(), tlin.parameters(), strict=True):
        np.testing.assert_allclose(p.grad, q.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_parameters_to_vector_and_back():
    lin, tlin = _pair(1)
    vec = nn.utils.parameters_to_vector(lin.parameters())
    tvec = torch.nn.utils.parameters_to_vector(tlin.parameters())
    np.testing.assert_array_equal(vec.data, tvec.detach().numpy())
    assert vec.requires_grad
    r = np.arange(vec.shape[0], dtype=np.float32)
    for p in lin.parameters():
        p.grad = None
    (vec * dg.tensor(r)).sum().backward()
    np.testing.assert_array_equal(lin.weight.grad, r[:12].reshape(3, 4))
    np.testing.assert_array_equal(lin.bias.grad, r[12:])
    new = dg.arange(15, dtype=dg.float32)
    nn.utils.vector_to_parameters(new, lin.parameters())
    torch.nn.utils.vector_to_parameters(torch.arange(15, dtype=torch.float32), tlin.parameters())
    np.testing.assert_array_equal(lin.weight.data, tlin.weight.detach().numpy())
    np.testing.assert_array_equal(lin.bias.data, tlin.bias.detach().numpy())
    with pytest.raises(ValueError, match="vec has 3 elements but the parameters have 15"):
        nn.utils.vector_to_parameters(dg.zeros(3), lin.parameters())
