"""In-place operators and methods follow PyTorch (issue 23, item 1), compared with torch itself."""

import numpy as np
import pytest
import torch

import deepgrad as dg
import deepgrad.nn as nn


def test_hand_written_sgd_updates_the_model_like_torch():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(32, 3)), rng.normal(size=(32, 1))
    w0 = rng.normal(size=(1, 3))
    model = nn.Linear(3, 1).double()
    model.weight.data[...] = w0
    model.bias.data[...] = 0.0
    tw = torch.tensor(w0, requires_grad=True)
    tb = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    first = None
    for _ in range(20):
        out = model(dg.tensor(x, dtype=np.float64))
        loss = ((out - dg.tensor(y, dtype=np.float64)) ** 2).mean()
        model.zero_grad()
        loss.backward()
        with dg.no_grad():
            for p in model.parameters():
                p -= 0.1 * p.grad
        tl = ((torch.tensor(x) @ tw.T + tb - torch.tensor(y)) ** 2).mean()
        tl.backward()
        with torch.no_grad():
            for p in (tw, tb):
                p -= 0.1 * p.grad
                p.grad = None
        first = loss.item() if first is None else first
    assert loss.item() < 0.8 * first
    assert all(p.requires_grad and p.is_leaf for p in model.parameters())
    np.testing.assert_allclose(model.weight.data, tw.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(model.bias.data, tb.detach().numpy(), rtol=1e-10)


def test_aliases_see_the_change():
    b = dg.tensor([1.0, 2.0])
    c = b
    b += 1
    b *= 3
    b -= 1
    b /= 2
    assert c is b
    t = torch.tensor([1.0, 2.0])
    t += 1
    t *= 3
    t -= 1
    t /= 2
    np.testing.assert_allclose(c.data, t.numpy())


def test_leaf_requiring_grad_refuses_outside_no_grad():
    w = dg.tensor([1.0], requires_grad=True)
    tw = torch.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError):
        tw.add_(1)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        w.add_(1)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        w -= 1


@pytest.mark.parametrize("name,args", [
    ("add_", (2.0,)), ("sub_", (0.5,)), ("mul_", (3.0,)), ("div_", (4.0,)),
    ("clamp_", (-0.5, 0.5)), ("fill_", (1.5,)), ("zero_", ()),
])
def test_methods_match_torch_in_value_and_gradient(name, args):
    rng = np.random.default_rng(1)
    a = rng.normal(size=(3, 4))
    x = dg.tensor(a, dtype=np.float64, requires_grad=True)
    tx = torch.tensor(a, requires_grad=True)
    y = x * 2
    ty = tx * 2
    assert getattr(y, name)(*args) is y
    getattr(ty, name)(*args)
    np.testing.assert_allclose(y.data, ty.detach().numpy())
    g = rng.normal(size=(3, 4))
    (y * dg.tensor(g, dtype=np.float64)).sum().backward()
    (ty * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy())


def test_tensor_arguments_get_gradients_like_torch():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(2, 3)), rng.normal(size=(3,))
    x, o = (dg.tensor(v, dtype=np.float64, requires_grad=True) for v in (a, b))
    tx, to = (torch.tensor(v, requires_grad=True) for v in (a, b))
    y = x * 1.0
    y.add_(o, alpha=-2.0)
    y.mul_(o)
    z = x * 0.0
    z.copy_(o)
    (y.sum() + (z * z).sum()).backward()
    ty = tx * 1.0
    ty.add_(to, alpha=-2.0)
    ty.mul_(to)
    tz = tx * 0.0
    tz.copy_(to)
    (ty.sum() + (tz * tz).sum()).backward()
    np.testing.assert_allclose(y.data, ty.detach().numpy())
    np.testing.assert_allclose(x.grad, tx.grad.numpy())
    np.testing.assert_allclose(o.grad, to.grad.numpy())


def test_changing_a_value_saved_for_backward_raises_like_torch():
    w = dg.tensor([3.0, 4.0], requires_grad=True)
    a = dg.tensor([1.0, 2.0], requires_grad=True)
    loss = (a * w).sum()
    with dg.no_grad():
        w -= 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()
    tw = torch.tensor([3.0, 4.0], requires_grad=True)
    tloss = (torch.tensor([1.0, 2.0], requires_grad=True) * tw).sum()
    with torch.no_grad():
        tw -= 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        tloss.backward()


def test_changing_a_saved_output_raises_like_torch():
    x = dg.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    with dg.no_grad():
        y += 1
    with pytest.raises(RuntimeError, match="inplace operation"):
        y.sum().backward()
    tx = torch.tensor([1.0, 2.0], requires_grad=True)
    ty = tx.exp()
    with torch.no_grad():
        ty += 1
    with pytest.raises(RuntimeError, match="inplace operation"):
        ty.sum().backward()


def test_shape_and_dtype_rules_follow_torch():
    x = dg.zeros(3)
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        x += dg.zeros(2, 3)
    with pytest.raises(RuntimeError):
        torch.zeros(3).add_(torch.zeros(2, 3))
    i = dg.tensor([1, 2])
    with pytest.raises(RuntimeError, match="can't be cast"):
        i += 1.5
    with pytest.raises(RuntimeError):
        torch.tensor([1, 2]).add_(1.5)
    f = dg.zeros(3)
    f += np.ones(3, dtype=np.float64)  # float64 into float32 keeps float32, as torch
    assert f.dtype == np.float32 and f.data.tolist() == [1.0, 1.0, 1.0]


def test_setitem_bumps_the_version():
    w = dg.tensor([1.0, 2.0], requires_grad=True)
    x = dg.tensor([5.0, 6.0])
    loss = (w * x).sum()
    x[0] = 0.0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def test_week1_gradient_descent_by_hand_converges(capsys):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parents[1] / "examples" / "week1_gradient_descent.py"
    spec = importlib.util.spec_from_file_location("week1_gradient_descent", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(steps=2000, lr=0.1) < 0.05  # the old `p -= ...` never moved w (gap ~0.6)
