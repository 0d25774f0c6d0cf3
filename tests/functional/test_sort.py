"""sort, argsort, topk as torch.sort/torch.argsort/torch.topk (issue 23): values, int64 indices,
and gradients routed to the returned indices."""

import numpy as np
import pytest
import torch

import deepgrad as dg
import deepgrad.functional as F
from parity import check


def distinct(*shape, seed=0):
    """Distinct values (no ties), so every index is determined."""
    n = int(np.prod(shape))
    return (np.random.default_rng(seed).permutation(n).reshape(shape) * 0.37 - 3.0).astype(
        np.float32
    )


@pytest.mark.parametrize("dim", [0, 1, -1, -3])
@pytest.mark.parametrize("descending", [False, True])
def test_sort_matches_torch(dim, descending):
    check(lambda x: dg.sort(x, dim, descending), lambda x: torch.sort(x, dim, descending),
          [distinct(3, 4, 5)])


@pytest.mark.parametrize("dim", [0, -1])
@pytest.mark.parametrize("largest", [True, False])
@pytest.mark.parametrize("k", [0, 1, 3])
def test_topk_matches_torch(dim, largest, k):
    check(lambda x: dg.topk(x, k, dim, largest), lambda x: torch.topk(x, k, dim, largest),
          [distinct(4, 6, seed=1)])


def test_methods_names_and_types():
    a = distinct(2, 5, seed=2)
    x, t = dg.tensor(a), torch.tensor(a)
    r, tr = x.sort(dim=1, descending=True), t.sort(dim=1, descending=True)
    assert isinstance(r, F.SortResult) and r.indices.dtype == np.int64
    np.testing.assert_array_equal(r.values.data, tr.values.numpy())
    np.testing.assert_array_equal(r.indices.data, tr.indices.numpy())
    values, indices = x.topk(2)
    tv, ti = t.topk(2)
    assert isinstance(x.topk(2), F.TopKResult)
    np.testing.assert_array_equal(values.data, tv.numpy())
    np.testing.assert_array_equal(indices.data, ti.numpy())
    for desc in (False, True):
        np.testing.assert_array_equal(x.argsort(descending=desc).data,
                                      t.argsort(descending=desc).numpy())
        np.testing.assert_array_equal(dg.argsort(x, 0, desc).data,
                                      torch.argsort(t, 0, desc).numpy())
    assert values.dtype == np.float32


@pytest.mark.parametrize("descending", [False, True])
def test_stable_ties_match_torch(descending):
    a = np.array([[3.0, 1.0, 2.0, 1.0, 3.0, 2.0, 1.0], [0.0, 0.0, 5.0, -1.0, 5.0, 0.0, 2.0]])
    x = dg.tensor(a, dtype=np.float64, requires_grad=True)
    tx = torch.tensor(a, requires_grad=True)
    v, i = dg.sort(x, descending=descending, stable=True)
    tv, ti = torch.sort(tx, descending=descending, stable=True)
    np.testing.assert_array_equal(v.data, tv.detach().numpy())
    np.testing.assert_array_equal(i.data, ti.numpy())
    g = np.random.default_rng(0).normal(size=a.shape)
    (v * dg.tensor(g, dtype=np.float64)).sum().backward()
    (tv * torch.tensor(g)).sum().backward()
    np.testing.assert_array_equal(x.grad, tx.grad.numpy())
    np.testing.assert_array_equal(dg.argsort(x, descending=descending, stable=True).data,
                                  torch.argsort(tx, descending=descending, stable=True).numpy())


def test_nan_sorts_as_largest_like_torch():
    a = np.array([1.0, np.nan, -2.0, 0.5], dtype=np.float32)
    for desc in (False, True):
        v, i = dg.sort(dg.tensor(a), descending=desc)
        tv, ti = torch.sort(torch.tensor(a), descending=desc)
        np.testing.assert_array_equal(v.data, tv.numpy())
        np.testing.assert_array_equal(i.data, ti.numpy())


def test_integer_and_zero_dim_inputs():
    a = np.array([[5, -3, 9, 0]], dtype=np.int64)
    v, i = dg.sort(dg.tensor(a), descending=True)
    tv, ti = torch.sort(torch.tensor(a), descending=True)
    assert v.dtype == np.int64
    np.testing.assert_array_equal(v.data, tv.numpy())
    np.testing.assert_array_equal(i.data, ti.numpy())
    s = dg.tensor(2.5, requires_grad=True)
    v, i = dg.sort(s)
    tv, ti = torch.sort(torch.tensor(2.5))
    assert v.shape == tv.shape == () and int(i.item()) == int(ti) == 0
    v.backward()
    assert s.grad == 1.0
    v, i = dg.topk(s, 1)
    assert v.shape == () and i.shape == ()


def test_errors_name_the_argument():
    x = dg.zeros(2, 3)
    with pytest.raises(IndexError, match="sort: dim 2 is out of range"):
        dg.sort(x, 2)
    with pytest.raises(RuntimeError, match="topk: selected index k=4 is out of range"):
        dg.topk(x, 4)
    with pytest.raises(TypeError, match="topk: k must be an int"):
        dg.topk(x, 1.5)
