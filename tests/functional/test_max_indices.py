"""max/min with a dim return (values, indices) as torch.max/torch.min (issue 23, item 2)."""

import numpy as np
import pytest
import torch

import deepgrad as dg


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("dim", [0, 1, -1, 2, -3])
@pytest.mark.parametrize("keepdim", [False, True])
def test_values_indices_and_gradient_match_torch(name, dim, keepdim):
    a = np.random.default_rng(3).permutation(24).reshape(2, 3, 4).astype(np.float64)
    x = dg.tensor(a, dtype=np.float64, requires_grad=True)
    tx = torch.tensor(a, requires_grad=True)
    values, indices = getattr(dg, name)(x, dim, keepdim=keepdim)
    tv, ti = getattr(torch, name)(tx, dim, keepdim=keepdim)
    np.testing.assert_array_equal(values.data, tv.detach().numpy())
    np.testing.assert_array_equal(indices.data, ti.numpy())
    assert indices.dtype == np.int64
    g = np.random.default_rng(4).normal(size=values.shape)
    (values * dg.tensor(g, dtype=np.float64)).sum().backward()
    (tv * torch.tensor(g)).sum().backward()
    np.testing.assert_array_equal(x.grad, tx.grad.numpy())
    r = getattr(x, name)(dim=dim, keepdim=keepdim)
    assert r.values.shape == tv.shape and r.indices.shape == ti.shape


def test_tutorial_accuracy_idiom_at_batch_2():
    logits = np.array([[0.1, 2.0, 0.3], [1.5, 0.2, 0.1]], dtype=np.float32)
    labels = np.array([1, 0])
    _, predicted = dg.max(dg.tensor(logits), 1)
    _, tpred = torch.max(torch.tensor(logits), 1)
    np.testing.assert_array_equal(predicted.data, tpred.numpy())
    assert (predicted.data == labels).mean() == 1.0


def test_without_dim_and_with_a_tensor_as_torch():
    a = np.array([[1.0, 3.0], [3.0, 2.0]])
    x = dg.tensor(a, dtype=np.float64, requires_grad=True)
    tx = torch.tensor(a, requires_grad=True)
    dg.max(x).backward()
    torch.max(tx).backward()
    np.testing.assert_array_equal(x.grad, tx.grad.numpy())  # ties share evenly in both
    b = np.array([[2.0, 0.0], [4.0, 1.0]])
    np.testing.assert_array_equal(dg.max(x, dg.tensor(b, dtype=np.float64)).data,
                                  torch.max(tx, torch.tensor(b)).detach().numpy())
    np.testing.assert_array_equal(dg.min(x, dg.tensor(b, dtype=np.float64)).data,
                                  torch.min(tx, torch.tensor(b)).detach().numpy())


def test_errors_name_the_problem():
    x = dg.zeros(2, 3)
    with pytest.raises(TypeError, match="use amax"):
        dg.max(x, (0, 1))
    with pytest.raises(IndexError, match="out of range"):
        dg.max(x, 2)
    with pytest.raises(IndexError, match="empty dim"):
        dg.max(dg.zeros(2, 0), 1)


def test_ties_along_a_dim_send_the_gradient_to_torchs_index():
    a = np.array([[1.0, 3.0, 3.0], [2.0, 0.0, 2.0]])
    x = dg.tensor(a, dtype=np.float64, requires_grad=True)
    tx = torch.tensor(a, requires_grad=True)
    v, i = dg.max(x, 1)
    tv, ti = torch.max(tx, 1)
    np.testing.assert_array_equal(i.data, ti.numpy())
    v.sum().backward()
    tv.sum().backward()
    np.testing.assert_array_equal(x.grad, tx.grad.numpy())
