"""einsum as torch.einsum (issue 23): forward, gradients of every operand, float64 gradcheck."""

import numpy as np
import pytest
import torch

import deepgrad as dg
import deepgrad.functional as F
from parity import check, randn

CASES = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),  # implicit output
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("i,i->", [(5,), (5,)]),
    ("i,j->ij", [(3,), (4,)]),
    ("ij->ji", [(3, 4)]),
    ("ij->i", [(3, 4)]),  # j only in the input: summed, then broadcast back
    ("ij->", [(3, 4)]),
    ("ijk,k->ij", [(2, 3, 4), (4,)]),
    ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]),  # attention scores
    ("ab,bc,cd->ad", [(2, 3), (3, 4), (4, 2)]),
    ("aB,Bc", [(2, 3), (3, 4)]),  # upper case letters
    ("iA", [(2, 3)]),  # implicit output sorts ASCII: 'Ai'
    ("...ij,...jk->...ik", [(5, 2, 3), (5, 3, 4)]),
    ("...ij,...jk", [(5, 1, 2, 3), (4, 3, 4)]),  # broadcast ellipsis dims
    ("i...->...", [(3, 2, 2)]),
    ("i...->i", [(2, 3, 4)]),  # explicit output without '...': the ellipsis dims are summed
    ("ij,ij->ij", [(1, 3), (2, 3)]),  # a size-1 index broadcasts
    ("ij,jk->ik", [(2, 1), (3, 4)]),
    (" i j , j k -> i k ", [(2, 3), (3, 4)]),  # spaces
    # repeated indices within one operand: diagonals and traces
    ("ii", [(3, 3)]),
    ("ii->i", [(4, 4)]),
    ("iij->ij", [(3, 3, 2)]),
    ("ii,ij->j", [(3, 3), (3, 2)]),
    ("bii->b", [(2, 3, 3)]),
    ("ij,ij,ij->", [(2, 3), (2, 3), (2, 3)]),
]


@pytest.mark.parametrize("equation, shapes", CASES)
def test_einsum_matches_torch(equation, shapes):
    inputs = [randn(*s, seed=i) for i, s in enumerate(shapes)]
    check(lambda *xs: dg.einsum(equation, *xs), lambda *xs: torch.einsum(equation, *xs),
          inputs, rtol=1e-5, atol=1e-5)


def test_list_form_same_tensor_twice_and_integer_operands():
    a = randn(3, 4)
    check(lambda x: F.einsum("ij,ij->", [x, x]), lambda x: torch.einsum("ij,ij->", [x, x]), [a])
    i = np.arange(6).reshape(2, 3)
    ours = dg.einsum("ij,jk->ik", dg.tensor(i), dg.tensor(i.T.copy()))
    assert ours.dtype == np.int64
    np.testing.assert_array_equal(ours.data, torch.einsum("ij,jk->ik", torch.tensor(i),
                                                          torch.tensor(i.T.copy())).numpy())


def test_float32_stays_float32():
    x = dg.tensor(randn(2, 3), requires_grad=True)
    y = dg.einsum("ij,j->i", x, np.ones(3))  # a NumPy constant takes the tensor's dtype
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad, np.ones((2, 3), np.float32))


@pytest.mark.parametrize("equation, shapes, message", [
    ("ij,jk", [(2, 3), (2, 4)], "index 'j' has size 2 for operand 1"),
    ("ii", [(2, 3)], "index 'i' is repeated for operand 0 but the sizes don't match"),
    ("ij,jk->ik", [(2, 3)], "names 2 operands but 1 were given"),
    ("ijk->i", [(2, 3)], "operand 0 has 2 dims"),
    ("ij->ii", [(2, 2)], "repeats an index"),
    ("ij->k", [(2, 2)], "output index 'k' appears in no operand"),
    ("i1->i", [(2, 2)], "invalid subscript"),
])
def test_errors_name_the_problem(equation, shapes, message):
    with pytest.raises(ValueError, match=message):
        dg.einsum(equation, *[dg.zeros(*s) for s in shapes])


def test_top_level_activations_are_the_functional_ones():
    x = randn(3, 4)
    for name in ("sigmoid", "tanh", "relu"):
        np.testing.assert_allclose(getattr(dg, name)(dg.tensor(x)).data,
                                   getattr(torch, name)(torch.tensor(x)).numpy(), rtol=1e-6)
    for name in ("softmax", "log_softmax"):
        np.testing.assert_allclose(getattr(dg, name)(dg.tensor(x), 1).data,
                                   getattr(torch, name)(torch.tensor(x), 1).numpy(), rtol=1e-5,
                                   atol=1e-7)
