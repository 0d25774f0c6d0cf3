"""explain.graph_walk: forward values and backward messages of small expressions, checked
against hand-derived derivatives and against the engine's own backward."""

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import explain


def scalar(v):
    return dg.tensor(v, requires_grad=True, dtype=dg.float64)


def test_x_times_y_plus_sin_x():
    x, y = scalar(2.0), scalar(3.0)
    f = x * y + dg.sin(x)
    walk = explain.graph_walk(f, inputs={"x": x, "y": y})
    names = [n.name for n in walk.forward]
    assert names.index("x") < names.index("n1") and names[-1] == "f"  # inputs first
    assert walk.node("f").value == pytest.approx(6 + np.sin(2.0), rel=1e-15)
    assert walk.node("n1").label == "mul" and walk.node("n1").value == 6.0
    assert walk.grad("x") == pytest.approx(3.0 + np.cos(2.0), rel=1e-15)  # y + cos x
    assert walk.grad("y") == pytest.approx(2.0, rel=1e-15)  # x
    to_x = sorted(float(m.gradient) for m in walk.backward if m.target == walk.node("x").id)
    assert to_x == pytest.approx(sorted([3.0, np.cos(2.0)]), rel=1e-15)  # two paths, summed
    text = str(walk)
    assert "n1 = mul(x, y) = 6" in text and "df/dx = 2.58385  (2 messages summed)" in text
    f.backward()  # the walk left the graph intact
    assert x.grad == pytest.approx(walk.grad("x"), rel=1e-15)


def test_a_neuron_with_broadcast_bias():
    """f = sum(tanh(w x + b)) over 3 examples: df/dw_k = sum_i (1 - a_i^2) x_ik, df/db =
    sum_i (1 - a_i^2) (the bias broadcast over the examples: its messages are summed)."""
    rng = np.random.default_rng(0)
    xv = rng.normal(size=(3, 2))
    w = dg.tensor(rng.normal(size=(2,)), requires_grad=True, dtype=dg.float64)
    b = dg.tensor(0.3, requires_grad=True, dtype=dg.float64)
    x = dg.tensor(xv, dtype=dg.float64)
    f = dg.tanh(dg.matmul(x, w) + b).sum()
    walk = explain.graph_walk(f, inputs={"x": x, "w": w, "b": b})
    a = np.tanh(xv @ w.data + 0.3)
    np.testing.assert_allclose(walk.grad("w"), ((1 - a**2)[:, None] * xv).sum(0), rtol=1e-13)
    assert walk.grad("b") == pytest.approx(float((1 - a**2).sum()), rel=1e-13)
    with pytest.raises(KeyError, match="constant"):
        walk.grad("x")
    assert walk.node("x").kind == "input" and walk.node("x").grad is None
    f.backward()
    np.testing.assert_allclose(w.grad, walk.grad("w"), rtol=1e-15)


def test_values_match_the_engine_on_a_larger_expression():
    rng = np.random.default_rng(1)
    u = dg.tensor(rng.normal(size=(4,)), requires_grad=True, dtype=dg.float64)
    v = dg.tensor(rng.normal(size=(4,)), requires_grad=True, dtype=dg.float64)
    f = (dg.exp(u * v) / (1 + u * u) + dg.sigmoid(v)).mean()
    walk = explain.graph_walk(f, inputs={"u": u, "v": v})
    f.backward()
    np.testing.assert_allclose(walk.grad("u"), u.grad, rtol=1e-14)
    np.testing.assert_allclose(walk.grad("v"), v.grad, rtol=1e-14)


def test_refusals():
    x = scalar(1.0)
    with pytest.raises(ValueError, match="no recorded graph"):
        explain.graph_walk(x)
    f = x * x
    f.backward()
    with pytest.raises(ValueError, match="freed by backward"):
        explain.graph_walk(f)
    with pytest.raises(TypeError, match="expected a deepgrad Tensor"):
        explain.graph_walk(np.ones(2))
    g = x
    for _ in range(300):
        g = g + 1.0
    with pytest.raises(ValueError, match="more than 200 nodes"):
        explain.graph_walk(g)
