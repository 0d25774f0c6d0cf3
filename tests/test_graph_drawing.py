"""dg.draw_graph / dg.graph.trace: the drawn graph is exactly the graph the engine recorded (the
nodes and edges of expressions built here, and the leaves backward reaches), rendered by
Graphviz's dot; clear messages without graphviz or dot."""

import shutil
import sys

import numpy as np
import pytest

import deepgrad as dg
import deepgrad.functional as F
from deepgrad import nn
from deepgrad.graph import to_dot, trace


def _x(*shape, grad=True, dtype=np.float32):
    data = np.random.default_rng(0).standard_normal(shape)
    return dg.tensor(data, requires_grad=grad, dtype=dtype)


def _nodes(g):
    return [(n.id, n.kind, n.label, n.shape, n.dtype) for n in g.nodes]


def test_a_small_expression_node_by_node():
    x = _x(2, 3)
    s = (x * x + 1.0).sum()
    g = trace(s, inputs={"x": x})
    assert _nodes(g) == [
        ("n0", "op", "sum", (), "float32"),
        ("n1", "op", "add", (2, 3), "float32"),
        ("n2", "op", "mul", (2, 3), "float32"),
        ("n3", "constant", "1", (), "float32"),
        ("n4", "input", "x", (2, 3), "float32"),
    ]
    assert g.edges == [("n1", "n0"), ("n2", "n1"), ("n3", "n1"), ("n4", "n2"), ("n4", "n2")]
    dot = to_dot(s, inputs={"x": x})
    assert dot.startswith("digraph computation {")
    assert dot.count("  n4 -> n2;\n") == 2  # x * x: x is used twice, its gradients add up
    assert 'n0 [label="sum\\n() float32"' in dot and "penwidth=2.5" in dot.split("\n")[4]
    assert 'n4 [label="x\\n(2, 3) float32"' in dot


def test_a_layer_with_its_parameters_named():
    dg.manual_seed(0)
    layer = nn.Linear(3, 4).double()
    x = _x(5, 3, grad=False, dtype=np.float64)
    out = F.tanh(layer(x))
    for params in (layer, dict(layer.named_parameters())):
        g = trace(out, params=params)
        assert _nodes(g) == [
            ("n0", "op", "tanh", (5, 4), "float64"),
            ("n1", "op", "linear", (5, 4), "float64"),
            ("n2", "constant", "constant", (5, 3), "float64"),
            ("n3", "parameter", "weight", (4, 3), "float64"),
            ("n4", "parameter", "bias", (4,), "float64"),
        ]
        assert g.edges == [("n1", "n0"), ("n2", "n1"), ("n3", "n1"), ("n4", "n1")]
    assert trace(out).node("n3").kind == "input"  # unnamed leaves that require grad


def test_a_named_input_seen_through_a_view():
    dg.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(12, 2))
    images = _x(4, 3, 2, 2, grad=False)
    g = trace(model(images).sum(), params=model, inputs={"images": images})
    assert _nodes(g)[2] == (
        "n2", "input", "images (a view)", (4, 12), "float32")  # Flatten made a new tensor
    other = _x(4, 12, grad=False)
    assert trace(model[1](other).sum(), inputs={"images": images}).node("n2").kind == "constant"


def test_a_multi_output_op_draws_its_hub_and_outputs():
    dg.manual_seed(0)
    lstm = nn.LSTM(3, 4)
    out, (h, c) = lstm(_x(6, 2, 3, grad=False))
    g = trace(out.sum() + h.sum(), params=lstm)
    kinds = {n.label: (n.kind, n.shape) for n in g.nodes}
    assert kinds["lstm"] == ("op", None)  # the hub holds no value of its own
    assert kinds["stack"] == ("op", (1, 2, 4))  # h_n: the layers' final states stacked
    assert kinds["lstm[0]"] == ("output", (6, 2, 4)) and kinds["lstm[1]"] == ("output", (2, 4))
    hub = next(n.id for n in g.nodes if n.label == "lstm")
    assert sorted(a for a, b in g.edges if b == hub) == sorted(
        n.id for n in g.nodes if n.label in ("constant", *dict(lstm.named_parameters())))
    assert {b for a, b in g.edges if a == hub} == {
        n.id for n in g.nodes if n.kind == "output"}


def test_the_drawn_leaves_are_the_ones_backward_reaches():
    dg.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(4 * 3 * 3, 5))
    frozen = nn.Linear(5, 5)
    frozen.requires_grad_(False)
    x = _x(2, 1, 8, 8, grad=False)
    loss = F.cross_entropy(frozen(model(x)), np.array([1, 3]))
    g = trace(loss, params=model)
    tensors = {}  # node id -> the tensor, found again by walking the engine's graph by hand
    stack, seen = [loss], set()
    while stack:
        t = stack.pop()
        if id(t) not in seen:
            seen.add(id(t))
            stack.extend(t._parents)
            tensors[id(t)] = t
    assert len(g.nodes) == len(tensors)
    assert len(g.edges) == sum(len(t._parents) for t in tensors.values())
    loss.backward()
    reached = {name for name, p in model.named_parameters() if p.grad is not None}
    drawn = {n.label for n in g.nodes if n.kind == "parameter"}
    assert drawn == reached == set(dict(model.named_parameters()))
    assert {n.label for n in g.nodes if n.kind == "op"} >= {
        "conv2d", "batch_norm", "relu", "max_pool2d", "reshape", "linear", "cross_entropy"}
    assert sum(n.kind == "constant" for n in g.nodes) == 3  # x, frozen weight and bias


def test_refusals():
    x = _x(3)
    y = (x * 2).sum()
    with pytest.raises(ValueError, match="leaf"):
        trace(x)
    with dg.no_grad():
        z = (x * 2).sum()
    with pytest.raises(ValueError, match="no_grad"):
        trace(z)
    with pytest.raises(TypeError, match="params"):
        trace(y, params=[x])
    with pytest.raises(TypeError, match="Tensor"):
        trace(np.ones(3))
    y.backward()
    with pytest.raises(ValueError, match="freed by backward.*retain_graph=True"):
        trace(y)
    w = _x(3)
    kept = (w * 3).sum()
    kept.backward(retain_graph=True)
    assert len(trace(kept).nodes) == 4


def test_dot_text_needs_no_graphviz(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)
    x = _x(2)
    y = F.sigmoid(x).sum()
    path = dg.draw_graph(y, tmp_path / "g.dot")
    assert path.read_text() == to_dot(y)
    with pytest.raises(ImportError, match=r'pip install "deepgrad\[graph\]"'):
        dg.draw_graph(y, tmp_path / "g.svg")
    with pytest.raises(ImportError, match="apt-get install graphviz"):
        dg.draw_graph(y)


def test_missing_dot_says_how_to_install_it(tmp_path, monkeypatch):
    pytest.importorskip("graphviz", reason='pip install "deepgrad[graph]"')
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot on this PATH
    with pytest.raises(RuntimeError, match="dot program.*apt-get install graphviz"):
        dg.draw_graph(F.relu(_x(2)).sum(), tmp_path / "g.png")
    assert list(tmp_path.iterdir()) == []


needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's dot is not installed (apt-get install graphviz)")


@needs_dot
def test_renders_png_and_svg_through_dot(tmp_path):
    graphviz = pytest.importorskip("graphviz", reason='pip install "deepgrad[graph]"')
    from deepgrad.models import mlp

    dg.manual_seed(0)
    model = mlp([12, 8, 3])
    x = dg.tensor(np.ones((4, 12), np.float32))
    loss = F.cross_entropy(model(x), np.array([0, 1, 2, 0]))
    png = dg.draw_graph(loss, tmp_path / "mlp.png", params=model, inputs={"x": x})
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = dg.draw_graph(loss, tmp_path / "mlp.svg", params=model).read_text()
    assert svg.lstrip().startswith(("<?xml", "<svg"))
    for label in ("1.weight", "3.bias", "cross_entropy", "(8, 12) float32"):
        assert label in svg
    assert svg.count("class=\"node\"") == len(trace(loss).nodes)
    assert svg.count("class=\"edge\"") == len(trace(loss).edges)
    src = dg.draw_graph(loss, params=model)
    assert isinstance(src, graphviz.Source) and src.source == to_dot(loss, params=model)
    with pytest.raises(ValueError, match="disagrees"):
        dg.draw_graph(loss, tmp_path / "g.png", format="svg")
    with pytest.raises(ValueError, match="format"):
        dg.draw_graph(loss, tmp_path / "g.png", format="jpeg2")
