"""The autodiff engine: graph recording, backward, accumulation, freeing, errors, dtypes."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import deepgrad as dg


def test_tensor_construction_dtypes():
    assert dg.tensor([1.0, 2.0]).dtype == np.float32
    assert dg.tensor(3.5).dtype == np.float32
    assert dg.tensor([1, 2]).dtype == np.int64
    assert dg.tensor([True]).dtype == np.bool_
    assert dg.tensor([1.0], dtype=np.float64).dtype == np.float64
    assert dg.tensor(np.zeros(3)).dtype == np.float32  # float data: float32 by default
    t = dg.tensor([[1.0, 2.0]], requires_grad=True)
    assert t.shape == (1, 2) and t.ndim == 2 and t.requires_grad and t.grad is None
    with pytest.raises(TypeError, match="floating point"):
        dg.tensor([1, 2], requires_grad=True)


def test_tensor_copies_input():
    a = np.ones(3, np.float32)
    t = dg.tensor(a)
    a[0] = 5
    assert t.data[0] == 1


def test_backward_simple_and_accumulates():
    x = dg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad, [2, 4, 6])
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad, [5, 7, 9])
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad, [3, 3, 3])


def test_shared_input_gradients_sum():
    x = dg.tensor(2.0, requires_grad=True)
    y = x * x + x * 3 + x  # dy/dx = 2x + 4
    y.backward()
    assert x.grad == pytest.approx(8.0)


def test_grads_do_not_alias_between_leaves():
    a = dg.tensor([1.0, 2.0], requires_grad=True)
    b = dg.tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()
    a.grad += 100  # must not change b.grad
    np.testing.assert_allclose(b.grad, [1, 1])


def test_user_grad_array_is_not_modified():
    a = dg.tensor([1.0, 2.0], requires_grad=True)
    y = a + a
    g = np.array([1.0, 1.0], np.float32)
    y.backward(g)
    np.testing.assert_allclose(g, [1, 1])
    np.testing.assert_allclose(a.grad, [2, 2])


def test_deep_chain_no_recursion_limit():
    x = dg.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 1e-6
    y.backward()
    assert x.grad == pytest.approx(1.0)


def test_retain_graph_and_freeing():
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * 2).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad, 4 * np.exp([1.0, 2.0]), rtol=1e-6)
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_backward_errors():
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="one element"):
        (x * 2).backward()
    with pytest.raises(RuntimeError, match="does not require grad"):
        dg.tensor([1.0]).sum().backward()
    with pytest.raises(ValueError, match="shape"):
        (x * 2).backward(np.ones(3))


def test_no_grad_context_and_decorator():
    x = dg.tensor([1.0], requires_grad=True)
    with dg.no_grad():
        y = x * 2
        with dg.enable_grad():
            z = x * 2
    assert not y.requires_grad and y.is_leaf
    assert z.requires_grad

    @dg.no_grad()
    def f(t):
        return t * t

    assert not f(x).requires_grad
    assert dg.is_grad_enabled()


def test_detach_and_retain_grad():
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    h = (x * 3).retain_grad()
    d = h.detach()
    assert not d.requires_grad and d.data is h.data
    (h * h).sum().backward()
    np.testing.assert_allclose(h.grad, 2 * np.array([3.0, 6.0]))
    np.testing.assert_allclose(x.grad, 18 * np.array([1.0, 2.0]))


def test_item_numpy_repr_comparisons():
    t = dg.tensor([[1.5]])
    assert t.item() == 1.5
    assert isinstance(t.numpy(), np.ndarray)
    assert "tensor(" in repr(t)
    with pytest.raises(ValueError, match="one element"):
        dg.tensor([1.0, 2.0]).item()
    a = dg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    m = a > 1.5
    assert m.dtype == np.bool_ and not m.requires_grad
    np.testing.assert_array_equal((a == 2.0).numpy(), [False, True, False])


def test_numpy_operand_on_left_defers_to_tensor():
    a = dg.tensor([1.0, 2.0], requires_grad=True)
    y = np.array([2.0, 3.0]) * a  # float64 array on the left
    assert isinstance(y, dg.Tensor) and y.dtype == np.float32
    y.sum().backward()
    np.testing.assert_allclose(a.grad, [2, 3])
    z = 1 - a / 2 + 2**a
    assert isinstance(z, dg.Tensor)


def test_float32_stays_float32_through_backward():
    x = dg.tensor(np.random.rand(4, 3), requires_grad=True)
    w = dg.tensor(np.random.rand(3, 2), requires_grad=True)
    y = ((x @ w) * 0.5 + np.float64(2.0) - 1 / (x.sum(1, keepdim=True) + 1.0)).mean() ** 2
    assert y.dtype == np.float32
    y.backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float32


def test_float64_on_request():
    x = dg.tensor([1.0, 2.0], dtype=np.float64, requires_grad=True)
    y = (x * 0.1).exp().sum()
    assert y.dtype == np.float64
    y.backward()
    assert x.grad.dtype == np.float64


def test_setitem_rules():
    p = dg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        p[0] = 3.0
    with dg.no_grad():
        q = dg.tensor([1.0, 2.0])
        q[0] = 3.0
    assert q.data[0] == 3.0


def test_shape_error_names_op_and_shapes():
    a = dg.tensor(np.ones((2, 3)))
    b = dg.tensor(np.ones((4, 5)))
    with pytest.raises(ValueError, match=r"matmul.*\(2, 3\).*\(4, 5\)"):
        a @ b
    with pytest.raises(ValueError, match=r"reshape.*\(2, 3\)"):
        a.reshape(4, 2)
    with pytest.raises(ValueError, match=r"add: shapes \(2, 3\) .* and \(4, 5\)"):
        a + b
    with pytest.raises(ValueError, match=r"mul: shapes"):
        a * b


def test_gradcheck_reports_wrong_gradient():
    from deepgrad.gradcheck import GradcheckError
    from deepgrad.tensor import make_result

    def bad_square(x):
        def backward(delta):
            return (delta * x.data,)  # should be 2 x delta

        return make_result(x.data**2, (x,), backward, "bad_square")

    with pytest.raises(GradcheckError, match=r"input 0.*worst element"):
        dg.gradcheck(bad_square, np.array([1.0, 2.0, 3.0]))
    assert not dg.gradcheck(bad_square, np.array([1.0]), raise_exception=False)
    assert dg.gradcheck(lambda x: x * x, np.array([1.0, 2.0, 3.0]))


# ------------------------------------------------------------------ property-based


@st.composite
def broadcastable_pair(draw):
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=4))
    other = list(shape[draw(st.integers(0, len(shape))) :])
    other = [1 if draw(st.booleans()) else n for n in other]
    if draw(st.booleans()):
        shape, other = tuple(other), shape
    return tuple(shape), tuple(other)


@settings(max_examples=40, deadline=None)
@given(broadcastable_pair(), st.sampled_from(["add", "sub", "mul", "div"]))
def test_broadcasting_matches_torch(shapes, op):
    sa, sb = shapes
    rng = np.random.default_rng(0)
    a = rng.standard_normal(sa).astype(np.float32)
    b = (rng.random(sb) + 0.5).astype(np.float32)
    fn = {"add": lambda x, y: x + y, "sub": lambda x, y: x - y,
          "mul": lambda x, y: x * y, "div": lambda x, y: x / y}[op]
    da, db = dg.tensor(a, requires_grad=True), dg.tensor(b, requires_grad=True)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    out, tout = fn(da, db), fn(ta, tb)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-6)
    g = rng.standard_normal(out.shape).astype(np.float32)
    out.backward(g)
    tout.backward(torch.from_numpy(g))
    assert da.grad.shape == sa and db.grad.shape == sb
    np.testing.assert_allclose(da.grad, ta.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(db.grad, tb.grad.numpy(), rtol=1e-5, atol=1e-5)


@settings(max_examples=40, deadline=None)
@given(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4), st.data())
def test_shape_ops_roundtrip_gradients(shape, data):
    x = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    perm = data.draw(st.permutations(range(len(shape))))
    t = dg.tensor(x, requires_grad=True)
    tt = torch.tensor(x, requires_grad=True)
    y = t.permute(*perm).reshape(-1).unsqueeze(0)
    ty = tt.permute(*perm).reshape(-1).unsqueeze(0)
    np.testing.assert_array_equal(y.data, ty.detach().numpy())
    w = np.random.default_rng(1).standard_normal(y.shape).astype(np.float32)
    (y * dg.tensor(w)).sum().backward()
    (ty * torch.from_numpy(w)).sum().backward()
    np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=1e-6)
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    parts = dg.split(dg.tensor(x), 1, dim)
    np.testing.assert_array_equal(dg.cat(parts, dim).data, x)
    np.testing.assert_array_equal(dg.stack(parts, 0).data, np.stack(np.split(x, x.shape[dim], dim)))
