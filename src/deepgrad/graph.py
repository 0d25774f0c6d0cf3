"""The computation graph behind a tensor, as data, as Graphviz DOT text and as a picture.

Every recorded op keeps its inputs (``Tensor._parents``) and its name (``Tensor._op``), so the
graph that produced a tensor can be read back from the tensor alone: the chain rule's picture.
Forward, values flow along the arrows from the inputs and parameters to the output; backward,
``delta = dC/d(out)`` flows against them, each op multiplying by its local derivative and
sending one gradient to each input, and gradients meeting at a tensor used twice are summed.

    loss = F.cross_entropy(model(x), y)
    dg.draw_graph(loss, "graph.png", params=model, inputs={"x": x})  # ops, shapes, dtypes
    dg.graph.to_dot(loss, params=model)                # the DOT text, no Graphviz needed

Nodes: ``op`` (a recorded op: its name and output shape), ``output`` (output k of an op with
several outputs, such as an LSTM's output and final states), ``parameter`` (a leaf named by
``params``), ``input`` (a tensor named by ``inputs``, or an unnamed leaf that requires grad)
and ``constant`` (a tensor that does
not require grad: data, labels, a scalar). This module only reads the engine; drawing needs the
``graphviz`` package (``pip install "deepgrad[graph]"``) and Graphviz's ``dot`` program.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .tensor import Tensor, _freed_backward, _Output

__all__ = ["GraphNode", "ComputationGraph", "trace", "to_dot", "draw_graph"]

INSTALL = ('draw_graph needs the graphviz package and Graphviz\'s dot program: '
           'pip install "deepgrad[graph]", and apt-get install graphviz (Debian/Ubuntu), '
           'brew install graphviz (macOS) or conda install graphviz')
_STYLE = {  # kind -> DOT attributes
    "op": 'shape=box, style="rounded,filled", fillcolor="#dbe8f7"',
    "output": 'shape=box, style="rounded,filled", fillcolor="#e8eef7", fontsize=10',
    "parameter": 'shape=box, style=filled, fillcolor="#fbe3c2"',
    "input": 'shape=box, style=filled, fillcolor="#d7f0d2"',
    "constant": 'shape=box, style=filled, fillcolor="#eeeeee", fontsize=10',
}
_FORMATS = ("svg", "png", "pdf", "dot", "gv")
MAX_NODES = 20_000


@dataclass(frozen=True)
class GraphNode:
    """One tensor of the graph: ``id`` ("n0" is the root), ``kind`` (see the module docstring),
    ``label`` (the op's or the parameter's name), output ``shape`` and ``dtype``."""

    id: str
    kind: str
    label: str
    shape: tuple[int, ...] | None
    dtype: str


@dataclass
class ComputationGraph:
    """Nodes in the order they are found from the root (breadth first, inputs in the op's
    order) and edges ``(from, to)`` in the forward direction, input -> op that used it, one per
    use (``x * x`` has two edges from x: backward sums the two gradients)."""

    nodes: list[GraphNode] = field(default_factory=list)
    edges: list[tuple[str, str]] = field(default_factory=list)

    def node(self, node_id: str) -> GraphNode:
        return next(n for n in self.nodes if n.id == node_id)

    def to_dot(self, rankdir: str = "TB") -> str:
        """Graphviz DOT text: the root drawn with a thick border, the arrows forward."""
        lines = ["digraph computation {", f"  rankdir={rankdir};",
                 '  node [fontname="Helvetica", fontsize=11];',
                 '  edge [color="#555555", arrowsize=0.7];']
        for n in self.nodes:
            text = n.label if n.shape is None else f"{n.label}\\n{_shape(n.shape)} {n.dtype}"
            extra = ", penwidth=2.5" if n.id == "n0" else ""
            lines.append(f'  {n.id} [label="{text}", {_STYLE[n.kind]}{extra}];')
        lines += [f"  {a} -> {b};" for a, b in self.edges]
        lines.append("}")
        return "\n".join(lines) + "\n"


def _shape(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _names(params: Any, what: str = "params") -> dict[int, str]:
    """id(tensor) -> name, from a Module (its named_parameters) or a mapping name -> Tensor."""
    if params is None:
        return {}
    if hasattr(params, "named_parameters") and callable(params.named_parameters):
        return {id(p): name for name, p in params.named_parameters()}
    if isinstance(params, Mapping):
        out = {}
        for name, t in params.items():
            if not isinstance(t, Tensor):
                raise TypeError(f"draw_graph: {what}[{name!r}] is a {type(t).__name__}, "
                                "expected a Tensor")
            out[id(t)] = str(name)
        return out
    raise TypeError(f"draw_graph: {what} must be a Module or a mapping of names to tensors, "
                    f"got {type(params).__name__}")


def _constant_label(t: Tensor) -> str:
    if t.data.size == 1 and t.data.ndim == 0:
        return f"{t.data.item():g}" if t.dtype.kind in "fc" else str(t.data.item())
    return "constant"


def _viewed(t: Tensor, data_names: dict[int, str]) -> str | None:
    """The name of the input whose memory ``t`` views (a layer reshaping a constant input, such
    as Flatten on images that do not require grad, makes a new tensor over the same data)."""
    base = t.data.base
    while base is not None:
        if id(base) in data_names:
            return data_names[id(base)]
        base = base.base
    return None


def trace(tensor: Tensor, params: Any = None,
          inputs: Mapping[str, Tensor] | None = None) -> ComputationGraph:
    """The graph that produced ``tensor`` (see :class:`ComputationGraph`), before backward.

    ``params``: a Module or a mapping name -> Tensor naming the parameters; ``inputs``: a
    mapping name -> Tensor naming the data (drawn as inputs, whether they require grad or not).
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"draw_graph: expected a deepgrad Tensor, got {type(tensor).__name__}")
    if tensor._backward is None:
        how = ("a leaf tensor" if tensor.requires_grad else
               "computed under no_grad() or from tensors that do not require grad")
        raise ValueError(f"draw_graph: this tensor (shape {tensor.shape}) has no recorded "
                         f"graph: it is {how}")
    names = _names(params)
    input_names = _names(inputs, "inputs")
    data_names = {id(t.data): name for name, t in (inputs or {}).items()}
    hubs = set()  # ids of multi-output ops' hub nodes: they hold no value of their own
    ids: dict[int, str] = {}
    order: list[Tensor] = []
    edges: list[tuple[int, int]] = []
    queue = [tensor]
    ids[id(tensor)] = "n0"
    order.append(tensor)
    head = 0
    while head < len(queue):
        t = queue[head]
        head += 1
        if t._backward is _freed_backward:
            raise ValueError(f"draw_graph: the graph through {t._op or 'an op'} (shape "
                             f"{t.shape}) was freed by backward(); draw it before backward() "
                             "or call backward(retain_graph=True)")
        if type(t._backward) is _Output:
            hubs.add(id(t._parents[0]))
        for p in t._parents:
            if id(p) not in ids:
                if len(order) >= MAX_NODES:
                    raise ValueError(f"draw_graph: the graph has more than {MAX_NODES} nodes; "
                                     "draw a smaller part of it")
                ids[id(p)] = f"n{len(order)}"
                order.append(p)
                queue.append(p)
            edges.append((id(p), id(t)))
    graph = ComputationGraph()
    for t in order:
        key = id(t)
        dtype = str(t.dtype)
        if key in input_names:
            kind, label = "input", input_names[key]
        elif t._backward is None and not t.requires_grad and _viewed(t, data_names):
            kind, label = "input", f"{_viewed(t, data_names)} (a view)"
        elif key in names:
            kind, label = "parameter", names[key]
        elif t._backward is None:
            kind = "input" if t.requires_grad else "constant"
            label = "input" if t.requires_grad else _constant_label(t)
        elif type(t._backward) is _Output:
            kind, label = "output", f"{t._op}[{t._backward.index}]"
        else:
            kind, label = "op", t._op or "op"
        shape = None if key in hubs else tuple(t.shape)
        graph.nodes.append(GraphNode(ids[key], kind, _escape(label), shape, dtype))
    graph.edges = [(ids[a], ids[b]) for a, b in edges]  # x * x: two arrows from x
    return graph


def to_dot(tensor: Tensor, params: Any = None, rankdir: str = "TB",
           inputs: Mapping[str, Tensor] | None = None) -> str:
    """The DOT text of :func:`trace`'s graph (renders with ``dot -Tsvg``; no Graphviz needed)."""
    return trace(tensor, params, inputs).to_dot(rankdir)


def _graphviz() -> Any:
    try:
        import graphviz
    except ImportError as e:
        raise ImportError(INSTALL) from e
    if shutil.which("dot") is None:
        raise RuntimeError(f"Graphviz's dot program is not on PATH. {INSTALL}")
    return graphviz


def _atomic_write(path: Path, data: bytes) -> None:
    from .data.store import atomic_write

    with atomic_write(path) as f:
        f.write(data)


def draw_graph(
    tensor: Tensor,
    path: str | os.PathLike | None = None,
    format: str | None = None,  # noqa: A002  (graphviz's name)
    params: Any = None,
    rankdir: str = "TB",
    inputs: Mapping[str, Tensor] | None = None,
) -> Any:
    """Draw the graph that produced ``tensor``: ops with their output shapes and dtypes,
    parameters named by ``params`` (a Module, or ``dict(model.named_parameters())``), data named
    by ``inputs`` (``{"x": x}``); ``rankdir="LR"`` lays it out left to right.

    With ``path``, writes the picture there (atomically) in ``format`` (svg, png, pdf; dot or
    gv writes the DOT text), by default the path's suffix, else svg; returns the path. Without
    ``path``, returns a ``graphviz.Source`` (shown inline in Jupyter).
    """
    dot = to_dot(tensor, params, rankdir, inputs)
    if path is not None:
        path = Path(path)
        suffix = path.suffix.lower().lstrip(".")
        fmt = (format or (suffix if suffix in _FORMATS else "svg")).lower()
        if fmt not in _FORMATS:
            raise ValueError(f"draw_graph: format must be one of {', '.join(_FORMATS)}, got "
                             f"{format!r}")
        if format is not None and suffix in _FORMATS and suffix != fmt:
            raise ValueError(f"draw_graph: format {format!r} disagrees with the suffix of {path}")
        if fmt in ("dot", "gv"):
            _atomic_write(path, dot.encode())
            return path
    graphviz = _graphviz()
    source = graphviz.Source(dot)
    if path is None:
        return source
    try:
        data = source.pipe(format=fmt)
    except graphviz.ExecutableNotFound as e:
        raise RuntimeError(f"Graphviz's dot program could not be run. {INSTALL}") from e
    _atomic_write(path, data)
    return path
