"""Creation functions and dtype names with PyTorch's signatures, values and dtypes (issue 23)."""

import numpy as np
import pytest
import torch

import deepgrad as dg

TORCH_DTYPE = {
    np.dtype(np.float16): torch.float16, np.dtype(np.float32): torch.float32,
    np.dtype(np.float64): torch.float64, np.dtype(np.int64): torch.int64,
    np.dtype(np.int32): torch.int32, np.dtype(np.int16): torch.int16,
    np.dtype(np.int8): torch.int8, np.dtype(np.uint8): torch.uint8, np.dtype(np.bool_): torch.bool,
}


def same(ours, theirs, atol=0.0):
    """Same values (exactly, unless ``atol``), shape and dtype."""
    assert isinstance(ours, dg.Tensor)
    assert TORCH_DTYPE[ours.dtype] == theirs.dtype, f"{ours.dtype} vs torch {theirs.dtype}"
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=0, atol=atol)


def test_dtype_names_are_torch_names():
    for name in ("float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8",
                 "bool", "float", "double", "half", "long", "int", "short"):
        assert TORCH_DTYPE[getattr(dg, name)] == getattr(torch, name), name
    assert dg.tensor([1.0]).dtype == dg.float32
    assert dg.get_default_dtype() == dg.float32


@pytest.mark.parametrize("args", [(5,), (2, 9), (1, 10, 3), (10, 0, -3), (0.0, 5), (0, 1, 0.1),
                                  (-1.5, 2.25, 0.25), (3, 4.5), (0, 0)])
def test_arange_matches_torch(args):
    same(dg.arange(*args), torch.arange(*args))
    same(dg.arange(*args, dtype=dg.float64), torch.arange(*args, dtype=torch.float64))


def test_arange_dtype_and_grad_and_errors():
    same(dg.arange(0, 5.5, dtype=dg.int64), torch.arange(0, 5.5, dtype=torch.int64))
    x = dg.arange(4, dtype=dg.float32, requires_grad=True)
    assert x.requires_grad and x.is_leaf
    same(dg.arange(np.int32(4)), torch.arange(4))
    with pytest.raises(RuntimeError, match="step must be nonzero"):
        dg.arange(0, 5, 0)
    with pytest.raises(RuntimeError, match="inconsistent with step sign"):
        dg.arange(5, 0)
    with pytest.raises(TypeError, match="only floating point"):
        dg.arange(3, requires_grad=True)


@pytest.mark.parametrize("args", [(0, 1, 7), (-3, 2.5, 11), (2, 2, 3), (0, 1, 1), (0, 1, 0),
                                  (1e3, -7.25, 64), (0, 10, 5)])
def test_linspace_matches_torch(args):
    # PyTorch computes float32 in float32 (SIMD lanes, CPU-dependent), deepgrad in float64 and
    # rounds: they agree to a few roundings of the bounds' magnitude
    scale = 4 * max(abs(args[0]), abs(args[1]))
    same(dg.linspace(*args), torch.linspace(*args), atol=scale * np.finfo(np.float32).eps)
    same(dg.linspace(*args, dtype=dg.float64), torch.linspace(*args, dtype=torch.float64),
         atol=scale * np.finfo(np.float64).eps)
    if args[2] >= 2:  # both ends exact
        assert dg.linspace(*args).tolist()[::args[2] - 1] == [np.float32(args[0]), args[1]]
    same(dg.linspace(*args, dtype=dg.int64), torch.linspace(*args, dtype=torch.int64))


@pytest.mark.parametrize("name", ["zeros", "ones"])
def test_zeros_ones_shapes_and_dtypes(name):
    ours, theirs = getattr(dg, name), getattr(torch, name)
    for size in [(2, 3), ((2, 3),), ([4],), ((),), (0, 2)]:
        same(ours(*size), theirs(*size))
    same(ours(3, dtype=dg.int64), theirs(3, dtype=torch.int64))
    assert ours(2, requires_grad=True).requires_grad
    with pytest.raises(TypeError, match=f"{name}: size must be ints"):
        ours(2.5)


def test_full_eye_empty_and_like_forms():
    for value in (3, 3.5, True):
        same(dg.full((2, 3), value), torch.full((2, 3), value))
    same(dg.full([2], 7, dtype=dg.float64), torch.full([2], 7, dtype=torch.float64))
    same(dg.eye(3), torch.eye(3))
    same(dg.eye(2, 4, dtype=dg.int64), torch.eye(2, 4, dtype=torch.int64))
    e = dg.empty(2, 5)
    assert e.shape == (2, 5) and e.dtype == dg.float32
    ti = torch.tensor([[1, 2, 3]])
    i = dg.tensor([[1, 2, 3]])
    tf = torch.tensor([1.5, -2.0], dtype=torch.float64)
    f = dg.tensor([1.5, -2.0], dtype=np.float64)
    for fn in ("zeros_like", "ones_like"):
        same(getattr(dg, fn)(i), getattr(torch, fn)(ti))
        same(getattr(dg, fn)(f), getattr(torch, fn)(tf))
        same(getattr(dg, fn)(i, dtype=dg.float32), getattr(torch, fn)(ti, dtype=torch.float32))
    same(dg.full_like(i, 2.7), torch.full_like(ti, 2.7))
    same(dg.full_like(f, 4), torch.full_like(tf, 4))
    assert dg.empty_like(f).shape == (2,) and dg.empty_like(f).dtype == dg.float64
    same(dg.zeros_like(np.ones((2, 2), np.float16)), torch.zeros(2, 2, dtype=torch.float16))


@pytest.mark.parametrize("name", ["rand", "randn"])
def test_random_tensors_follow_manual_seed(name):
    fn = getattr(dg, name)
    dg.manual_seed(7)
    a = fn(3, 4)
    b = fn((3, 4))
    dg.manual_seed(7)
    c = fn(3, 4)
    assert a.dtype == dg.float32 and a.shape == (3, 4)
    np.testing.assert_array_equal(a.data, c.data)
    assert not np.array_equal(a.data, b.data)
    assert fn(2, dtype=dg.float64).dtype == dg.float64
    like = getattr(dg, name + "_like")(dg.zeros(2, 2, dtype=dg.float64))
    assert like.shape == (2, 2) and like.dtype == dg.float64
    if name == "rand":
        assert 0 <= a.data.min() and a.data.max() < 1
    with pytest.raises(TypeError, match="floating point"):
        fn(2, dtype=dg.int64)


def test_randint_randperm():
    dg.manual_seed(0)
    r = dg.randint(3, 7, (1000,))
    assert r.dtype == dg.int64 and set(np.unique(r.data)) == {3, 4, 5, 6}
    assert dg.randint(5, (2, 3)).shape == (2, 3)
    assert dg.randint(0, 2, size=(4,)).shape == (4,)
    p = dg.randperm(10)
    assert p.dtype == dg.int64 and sorted(p.tolist()) == list(range(10))
    with pytest.raises(RuntimeError, match="low must be smaller"):
        dg.randint(3, 3, (2,))


def test_from_numpy_shares_memory_and_keeps_dtype():
    for dt in (np.float64, np.float16, np.int32, np.uint8, np.bool_):
        a = np.zeros((2, 3), dtype=dt)
        t = dg.from_numpy(a)
        assert t.dtype == a.dtype == torch.from_numpy(a).numpy().dtype
        assert np.shares_memory(t.data, a)
    a = np.arange(3.0)
    t = dg.from_numpy(a)
    a[0] = 9.0
    assert t.data[0] == 9.0
    t.data[1] = -1.0
    assert a[1] == -1.0
    with pytest.raises(TypeError, match=r"expected np.ndarray \(got list\)"):
        dg.from_numpy([1.0, 2.0])
