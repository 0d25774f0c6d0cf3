"""The Tensor methods PyTorch users type daily (issue 23), compared with torch 2.13 side by side,
and set_grad_enabled as function, context manager and decorator."""

import numpy as np
import pytest
import torch

import deepgrad as dg
from parity import check, randn


def test_size_is_a_method_as_torch():
    x, t = dg.zeros(2, 3, 4), torch.zeros(2, 3, 4)
    assert x.size() == tuple(t.size()) == (2, 3, 4)
    for d in (0, 1, 2, -1, -3):
        assert x.size(d) == t.size(d)
    assert x.numel() == t.numel() == 24 and x.dim() == t.dim() == 3
    assert dg.tensor(3.0).size() == ()
    with pytest.raises(IndexError, match="dimension out of range"):
        x.size(3)
    with pytest.raises(IndexError, match="dimension out of range"):
        x.size(-4)


def test_t_view_as_reshape_as_expand_as():
    check(lambda x: x.t(), lambda x: x.t(), [randn(3, 4)])
    check(lambda x: x.t(), lambda x: x.t(), [randn(5)])
    check(lambda x, y: x.view_as(y) * y, lambda x, y: x.view_as(y) * y, [randn(2, 6), randn(3, 4)])
    check(lambda x, y: x.reshape_as(y) + y, lambda x, y: x.reshape_as(y) + y,
          [randn(12), randn(3, 4)])
    check(lambda x, y: x.expand_as(y) * y, lambda x, y: x.expand_as(y) * y,
          [randn(1, 4), randn(3, 4)])
    s = dg.tensor(2.0)
    assert s.t() is s
    with pytest.raises(RuntimeError, match=r"t\(\) expects a tensor with <= 2 dimensions"):
        dg.zeros(2, 3, 4).t()


def test_mm_and_bmm():
    check(lambda a, b: a.mm(b), lambda a, b: a.mm(b), [randn(3, 4), randn(4, 2, seed=1)])
    check(dg.bmm, torch.bmm, [randn(2, 3, 4), randn(2, 4, 5, seed=1)])
    check(dg.mm, torch.mm, [randn(3, 4), randn(4, 2, seed=1)])
    with pytest.raises(RuntimeError, match=r"mm: mat2 must be a matrix \(2-D\)"):
        dg.zeros(2, 3).mm(dg.zeros(3))
    with pytest.raises(RuntimeError, match="bmm: batch sizes differ"):
        dg.bmm(dg.zeros(2, 3, 4), dg.zeros(3, 4, 5))


@pytest.mark.parametrize("name", ["eq", "ne", "lt", "le", "gt", "ge"])
def test_comparison_methods(name):
    a = np.array([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]], dtype=np.float32)
    b = np.array([2.0, 2.0, 2.0], dtype=np.float32)
    x = dg.tensor(a, requires_grad=True)
    for other, t_other in ((dg.tensor(b), torch.tensor(b)), (2.0, 2.0)):
        ours = getattr(x, name)(other)
        theirs = getattr(torch.tensor(a), name)(t_other)
        assert ours.dtype == np.bool_ and not ours.requires_grad
        np.testing.assert_array_equal(ours.data, theirs.numpy())


@pytest.mark.parametrize("method, dtype", [
    ("float", np.float32), ("double", np.float64), ("half", np.float16), ("long", np.int64),
    ("int", np.int32), ("short", np.int16), ("bool", np.bool_),
])
def test_dtype_conversions(method, dtype):
    a = np.array([[-1.5, 0.0, 2.7]], dtype=np.float64)
    ours = getattr(dg.tensor(a, dtype=np.float64), method)()
    theirs = getattr(torch.tensor(a), method)()
    assert ours.dtype == dtype
    np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_to_forms():
    x = dg.tensor(randn(2, 3), requires_grad=True)
    assert x.to("cpu") is x and x.to(device="cpu") is x and x.float() is x  # as torch
    assert x.to(torch.device("cpu")) is x
    y = x.to(dg.float64)
    assert y.dtype == np.float64 and y.requires_grad
    (y * 2).sum().backward()
    np.testing.assert_array_equal(x.grad, np.full((2, 3), 2, np.float32))
    assert x.grad.dtype == np.float32
    assert x.to("cpu", dg.float64).dtype == np.float64
    assert x.to(dtype=dg.int64).dtype == np.int64
    assert x.to("float64").dtype == np.float64
    assert x.to(dg.zeros(1, dtype=dg.int32)).dtype == np.int32
    assert x.type_as(dg.zeros(1, dtype=dg.float64)).dtype == np.float64
    c = x.to(dg.float32, copy=True)
    assert c is not x and not np.shares_memory(c.data, x.data)
    assert x.cpu() is x and x.cpu().numpy() is x.data
    with pytest.raises(RuntimeError, match="CPU only, got device 'cuda'"):
        x.to("cuda")
    with pytest.raises(RuntimeError, match="CPU only"):
        x.cuda()
    with pytest.raises(TypeError, match="expected a dtype, a device or a tensor"):
        x.to(3.5)


def test_clone_is_a_differentiable_copy():
    check(lambda x: x.clone() * 3, lambda x: x.clone() * 3, [randn(2, 3)])
    x = dg.tensor(randn(4), requires_grad=True)
    c = x.clone()
    assert not np.shares_memory(c.data, x.data) and not c.is_leaf
    i = dg.arange(3)
    assert i.clone().dtype == np.int64


def test_astype_float_double_still_work_after_moving_to_methods():
    import sys

    source = open(sys.modules["deepgrad.tensor"].__file__).read()
    assert "from .functional" not in source  # the engine does not import upward
    x = dg.tensor([1.0, 2.0])
    assert x.astype(np.float64).dtype == np.float64
    assert x.copy().dtype == np.float32 and x.copy() is not x


def test_set_grad_enabled_as_torch():
    w = dg.tensor([1.0], requires_grad=True)
    assert dg.is_grad_enabled()
    with dg.set_grad_enabled(False):
        assert not dg.is_grad_enabled()
        assert not (w * 2).requires_grad
    assert dg.is_grad_enabled()
    for is_train in (True, False):
        with dg.set_grad_enabled(is_train):
            assert (w * 2).requires_grad is is_train
    dg.set_grad_enabled(False)  # as a function it stays
    try:
        assert not dg.is_grad_enabled() and not (w * 2).requires_grad
    finally:
        dg.set_grad_enabled(True)
    assert dg.is_grad_enabled()

    @dg.set_grad_enabled(False)
    def infer(v):
        return v * 2

    assert dg.is_grad_enabled()  # decorating does not switch it off
    assert not infer(w).requires_grad and dg.is_grad_enabled()
    with dg.no_grad(), dg.set_grad_enabled(True):
        assert (w * 2).requires_grad
    with pytest.raises(TypeError, match="mode must be a bool"):
        dg.set_grad_enabled(1)
    with torch.set_grad_enabled(False):  # the reference behaves the same way
        assert not (torch.ones(1, requires_grad=True) * 2).requires_grad


def test_module_to_takes_the_same_forms():
    model = dg.nn.Linear(3, 2)
    assert model.to("cpu") is model and model.to(device="cpu") is model and model.cpu() is model
    assert model.to("cpu", dg.float64).weight.dtype == np.float64
    assert model.to(dtype=dg.float32).weight.dtype == np.float32
    with pytest.raises(RuntimeError, match="Linear.to: deepgrad computes on the CPU only"):
        model.to("cuda:0")
