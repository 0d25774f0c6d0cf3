"""Optimizer API behaviour: in-place updates, dtype discipline, zero_grad, closures, errors."""

from __future__ import annotations

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import optim

ALL = [
    lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1),
    lambda p: optim.SGD(p, lr=0.1, weight_decay=0.1),
    lambda p: optim.Adagrad(p, weight_decay=0.1),
    lambda p: optim.RMSprop(p, momentum=0.9, centered=True, weight_decay=0.1),
    lambda p: optim.Adam(p, weight_decay=0.1, amsgrad=True),
    lambda p: optim.AdamW(p),
    lambda p: optim.Adamax(p, weight_decay=0.1),
]


@pytest.mark.parametrize("make", ALL)
def test_updates_in_place_keeps_float32_and_leaves_grad_alone(make) -> None:
    p = dg.Tensor(np.linspace(-1, 1, 12, dtype="float32").reshape(3, 4), requires_grad=True)
    data = p.data
    g = np.full((3, 4), 0.5, "float32")
    p.grad = g
    opt = make([p])
    for _ in range(2):
        opt.step()
    assert p.data is data and p.data.dtype == np.float32  # same buffer, same dtype
    assert np.all(g == 0.5)  # the gradient array is never written to
    assert not np.allclose(p.data, np.linspace(-1, 1, 12).reshape(3, 4))


def test_params_without_grad_are_skipped_and_keep_no_state() -> None:
    a = dg.Tensor(np.ones(2, "float32"), requires_grad=True)
    b = dg.Tensor(np.ones(2, "float32"), requires_grad=True)
    opt = optim.Adam([a, b], lr=0.1)
    a.grad = np.ones(2, "float32")
    opt.step()
    np.testing.assert_array_equal(b.data, 1.0)
    assert b not in opt.state and opt.state[a]["step"] == 1


def test_zero_grad() -> None:
    p = dg.Tensor(np.ones(3, "float32"), requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    p.grad = np.ones(3, "float32")
    g = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is g and np.all(g == 0)
    opt.zero_grad()
    assert p.grad is None


def test_step_with_closure_and_real_backward() -> None:
    w = dg.Tensor(np.array([3.0, -2.0], "float32"), requires_grad=True)
    opt = optim.SGD([w], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with dg.no_grad():  # the closure still records its graph
        loss = opt.step(closure)
    assert float(loss.data) == pytest.approx(13.0)
    np.testing.assert_allclose(w.data, [1.5, -1.0])


def test_repr_and_groups() -> None:
    p = dg.Tensor(np.ones(2, "float32"), requires_grad=True)
    opt = optim.SGD([{"params": [p], "lr": 0.5}], lr=0.1, momentum=0.9)
    assert opt.param_groups[0]["lr"] == 0.5 and opt.param_groups[0]["momentum"] == 0.9
    assert "Parameter Group 0" in repr(opt) and "momentum: 0.9" in repr(opt)
    assert optim.AdaGrad is optim.Adagrad


def test_bad_inputs_give_clear_errors() -> None:
    p = dg.Tensor(np.ones(2, "float32"), requires_grad=True)
    q = dg.Tensor(np.ones(2, "float32"), requires_grad=True)
    with pytest.raises(TypeError, match="single Tensor"):
        optim.SGD(p, lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match=r"params\[1\] must be a deepgrad.Tensor"):
        optim.SGD([p, np.ones(2)], lr=0.1)
    with pytest.raises(ValueError, match="not a leaf"):
        optim.SGD([p * 2], lr=0.1)
    with pytest.raises(TypeError, match="dtype int64"):
        optim.SGD([dg.Tensor(np.arange(3))], lr=0.1)
    with pytest.raises(ValueError, match="appears twice"):
        optim.SGD([p, p], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [p]}, {"params": [q, p]}], lr=0.1)
    with pytest.raises(TypeError, match="not a set"):
        optim.SGD([{"params": {p}}], lr=0.1)
    with pytest.raises(ValueError, match="SGD: invalid lr -1"):
        optim.SGD([p], lr=-1)
    with pytest.raises(ValueError, match="Nesterov"):
        optim.SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match=r"Adam: invalid betas\[1\] 1.0"):
        optim.Adam([p], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="RMSprop: invalid alpha"):
        optim.RMSprop([p], alpha=1.5)
    opt = optim.Adam([p])
    p.grad = np.ones(3, "float32")
    with pytest.raises(ValueError, match=r"gradient shape \(3,\) does not match parameter shape"):
        opt.step()
    p.grad = np.ones(2, "float64")
    with pytest.raises(TypeError, match="gradient dtype float64 does not match parameter dtype"):
        opt.step()


def test_read_only_parameter_is_reported() -> None:
    p = dg.Tensor(np.broadcast_to(np.ones(1, "float32"), (3,)), requires_grad=True)
    p.grad = np.ones(3, "float32")
    with pytest.raises(ValueError, match="read-only"):
        optim.Adam([p]).step()


@pytest.mark.parametrize("make", ALL)
def test_non_contiguous_parameters_take_the_numpy_path_alike(make) -> None:
    """Fortran-ordered params skip the BLAS kernel; the result must agree with C order."""
    rng = np.random.default_rng(2)
    w0 = rng.standard_normal((6, 5)).astype("float32")
    grads = [rng.standard_normal((6, 5)).astype("float32") for _ in range(3)]
    out = []
    for data in (np.ascontiguousarray(w0), np.asfortranarray(w0)):
        p = dg.Tensor(data.copy(order="K"), requires_grad=True)
        opt = make([p])
        for g in grads:
            p.grad = np.array(g, order="K" if data.flags.c_contiguous else "F")
            opt.step()
        out.append(p.data)
    assert not out[1].flags.c_contiguous
    np.testing.assert_allclose(out[0], out[1], rtol=1e-6, atol=1e-7)


KERAS_FORM = [("SGD", 1e-3), ("Adagrad", 1e-2), ("RMSprop", 1e-2), ("Adam", 1e-3),
              ("AdamW", 1e-3), ("Adamax", 2e-3)]


@pytest.mark.parametrize("name, default_lr", KERAS_FORM)
def test_keras_form_without_params_then_build_equals_pytorch_form(name, default_lr) -> None:
    cls = getattr(optim, name)
    keras = cls(learning_rate=0.05)
    assert not keras.built and keras.param_groups == []
    assert keras.defaults == cls([dg.Tensor(np.ones(1, "float32"), requires_grad=True)],
                                 lr=0.05).defaults
    assert cls().defaults["lr"] == default_lr  # PyTorch's default when neither is given
    for what in ("step", "zero_grad"):
        with pytest.raises(RuntimeError, match=f"{name}.{what}: the optimizer has no parameters"):
            getattr(keras, what)()
    a = dg.Tensor(np.linspace(-1, 1, 6, dtype="float32"), requires_grad=True)
    b = dg.Tensor(np.linspace(-1, 1, 6, dtype="float32"), requires_grad=True)
    keras.build([a])
    torch_form = cls([b], lr=0.05)
    for _ in range(3):
        a.grad = a.data * 2 + 1
        b.grad = b.data * 2 + 1
        keras.step()
        torch_form.step()
    np.testing.assert_array_equal(a.data, b.data)
    with pytest.raises(RuntimeError, match="already has parameters"):
        keras.build([b])


def test_learning_rate_alias_errors() -> None:
    with pytest.raises(TypeError, match="same hyperparameter"):
        optim.Adam(lr=0.1, learning_rate=0.2)
    assert optim.Adam(lr=0.1, learning_rate=0.1).defaults["lr"] == 0.1
    with pytest.raises(TypeError, match=r"SGD\(learning_rate=0.1\)"):
        optim.SGD(0.1)
    with pytest.raises(ValueError, match="invalid lr"):
        optim.SGD(learning_rate=-1.0)  # checked at construction even without parameters
    with pytest.raises(RuntimeError, match="no parameters yet"):
        optim.lr_scheduler.StepLR(optim.SGD(learning_rate=0.1), step_size=1)
    empty = optim.Adam(learning_rate=0.1)
    assert empty.state_dict() == {"state": {}, "param_groups": []}
    p = dg.Tensor(np.ones(2, "float32"), requires_grad=True)
    sd = optim.Adam([p]).state_dict()
    with pytest.raises(RuntimeError, match="load_state_dict"):
        empty.load_state_dict(sd)
