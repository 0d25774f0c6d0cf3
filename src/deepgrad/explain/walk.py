"""A walk through one expression's computation graph: forward values, then backward gradients.

Reverse-mode autodiff in slow motion, read from the engine's own graph (the one
:mod:`deepgrad.graph` draws). Forward, each op's value is computed from its inputs'; backward,
the output's gradient df/df = 1 goes against the arrows: each op receives ``delta = df/d(out)``
and sends ``delta * d(out)/d(input)`` to each of its inputs (its recorded backward), and a
tensor used twice receives two messages whose sum is its gradient (the chain rule's sum over
paths)::

    x = dg.tensor(2.0, requires_grad=True, dtype=dg.float64)
    y = dg.tensor(3.0, requires_grad=True, dtype=dg.float64)
    f = x * y + dg.sin(x)
    walk = explain.graph_walk(f, inputs={"x": x, "y": y})
    print(walk)                  # every node's value, every message, df/dx = y + cos(x)
    walk.grad("x")               # 2.5838531634528574

The walk calls the ops' backward functions itself (the engine's ``backward()`` is not run, and
the graph is left as it was: ``f.backward()`` works afterwards and gives the same gradients).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..graph import trace
from ..tensor import Tensor, _freed_backward, _Output, unbroadcast

__all__ = ["graph_walk", "GraphWalk", "WalkNode", "Message", "MAX_NODES"]

MAX_NODES = 200  # a walk is for reading: larger graphs are refused


@dataclass
class WalkNode:
    """One tensor of the graph: ``id`` as in :func:`deepgrad.graph.trace` ("n0" is the
    output), ``name`` (an input's name, else the id), ``kind`` and ``label`` (the op) as there,
    ``inputs`` (the ids it was computed from, in the op's order), its forward ``value`` and its
    gradient ``grad`` = d(output)/d(this tensor) (None for constants)."""

    id: str
    name: str
    kind: str
    label: str
    inputs: list[str]
    value: np.ndarray
    grad: np.ndarray | None = None


@dataclass
class Message:
    """One backward message: op ``source`` sends ``gradient`` (= its delta times the local
    derivative) to its input ``target``."""

    source: str
    target: str
    gradient: np.ndarray


@dataclass
class GraphWalk:
    """``forward``: the nodes inputs first (each after the nodes it needs); ``backward``: the
    messages in the order the walk sent them (the output's op first). ``str()`` is the text."""

    forward: list[WalkNode]
    backward: list[Message] = field(default_factory=list)

    def node(self, key: str) -> WalkNode:
        """A node by id ("n3") or name ("x")."""
        for n in self.forward:
            if key in (n.id, n.name):
                return n
        raise KeyError(f"graph_walk: no node {key!r}; have {[n.name for n in self.forward]}")

    def grad(self, key: str) -> np.ndarray | float:
        """d(output)/d(node) for a node by id or name (a float for a scalar)."""
        g = self.node(key).grad
        if g is None:
            raise KeyError(f"graph_walk: {key!r} is a constant: it receives no gradient")
        return float(g) if g.ndim == 0 else g

    def __str__(self) -> str:
        names = {n.id: n.name for n in self.forward}
        out = self.forward[-1]
        lines = [f"Forward: values from the inputs to the output {out.name}"]
        for n in self.forward:
            if n.kind == "op":
                what = f"{n.label}({', '.join(names[i] for i in n.inputs)})"
                lines.append(f"  {n.name} = {what} = {_show(n.value)}")
            elif n.kind == "output":
                lines.append(f"  {n.name} = {n.label} of {names[n.inputs[0]]} = {_show(n.value)}")
            else:  # a leaf: an input, a parameter or a constant
                lines.append(f"  {n.name} = {_show(n.value)}  ({n.kind})")
        lines.append(
            f"Backward: d{out.name}/d(node), from d{out.name}/d{out.name} = 1 against the arrows"
        )
        by_source: dict[str, list[Message]] = {}
        for m in self.backward:
            by_source.setdefault(m.source, []).append(m)
        for source, msgs in by_source.items():
            node = self.node(source)
            sent = "; ".join(f"to {names[m.target]}: {_show(m.gradient)}" for m in msgs)
            lines.append(
                f"  {node.name} ({node.label}) receives {_show(node.grad)} and sends {sent}"
            )
        received: dict[str, int] = {}
        for m in self.backward:
            received[m.target] = received.get(m.target, 0) + 1
        lines.append("Gradients of the inputs (the sum of the messages each received):")
        for n in self.forward:
            if not n.inputs and n.grad is not None:
                k = received.get(n.id, 0)
                lines.append(
                    f"  d{out.name}/d{n.name} = {_show(n.grad)}"
                    + (f"  ({k} messages summed)" if k > 1 else "")
                )
        return "\n".join(lines)


def _show(a: np.ndarray | None) -> str:
    if a is None:
        return "-"
    if a.ndim == 0 or a.size == 1:
        return f"{a.item():.6g}" if a.dtype.kind in "fc" else str(a.item())
    return np.array2string(a, precision=4, threshold=12, separator=", ").replace("\n", "")


def _tensors(root: Tensor) -> list[Tensor]:
    """The graph's tensors in :func:`deepgrad.graph.trace`'s order (breadth first from the
    root, inputs in the op's order, each once), so position k is node ``n{k}``."""
    order, seen, head = [root], {id(root)}, 0
    while head < len(order):
        t = order[head]
        head += 1
        for p in t._parents:
            if id(p) not in seen:
                if len(order) >= MAX_NODES:
                    raise ValueError(
                        f"graph_walk: the graph has more than {MAX_NODES} nodes; "
                        "walk a smaller expression (or draw it: dg.draw_graph)"
                    )
                seen.add(id(p))
                order.append(p)
    return order


def _topological(nodes: list[Tensor]) -> list[int]:
    """Positions of ``nodes`` with every tensor after the tensors it was computed from."""
    pos = {id(t): i for i, t in enumerate(nodes)}
    done: set[int] = set()
    out: list[int] = []
    stack: list[tuple[int, bool]] = [(0, False)]
    while stack:
        i, expanded = stack.pop()
        if expanded:
            out.append(i)
            continue
        if i in done:
            continue
        done.add(i)
        stack.append((i, True))
        for p in reversed(nodes[i]._parents):
            if pos[id(p)] not in done:
                stack.append((pos[id(p)], False))
    return out


def graph_walk(
    output: Tensor, inputs: Mapping[str, Tensor] | None = None, params: Any = None, name: str = "f"
) -> GraphWalk:
    """Walk the graph that produced ``output`` (before its ``backward()``, or after
    ``backward(retain_graph=True)``): forward values node by node, then the backward messages
    from d(output)/d(output) = 1 (ones of the output's shape) to every input. ``inputs``
    (``{"x": x}``) and ``params`` (a Module or a mapping) name the leaves, as for
    :func:`deepgrad.draw_graph`; ``name`` names the output. See the module docstring."""
    if not isinstance(output, Tensor):
        raise TypeError(f"graph_walk: expected a deepgrad Tensor, got {type(output).__name__}")
    if output._backward is None:
        raise ValueError(
            f"graph_walk: this tensor (shape {output.shape}) has no recorded "
            "graph: it is a leaf, or was computed under no_grad() or from tensors "
            "that do not require grad"
        )
    tensors = _tensors(output)
    for t in tensors:
        if t._backward is _freed_backward:
            raise ValueError(
                f"graph_walk: the graph through {t._op or 'an op'} was freed by "
                "backward(); walk it before backward() or after "
                "backward(retain_graph=True)"
            )
    graph = trace(output, params, inputs)
    pos = {id(t): i for i, t in enumerate(tensors)}
    nodes = []
    for t, g in zip(tensors, graph.nodes, strict=True):
        named = g.kind in ("input", "parameter") and g.label not in ("input", "")
        shown = g.label if named else (name if g.id == "n0" else g.id)
        nodes.append(
            WalkNode(
                id=g.id,
                name=shown,
                kind=g.kind,
                label=g.label,
                inputs=[f"n{pos[id(p)]}" for p in t._parents],
                value=np.asarray(t.data),
            )
        )
    order = _topological(tensors)
    hubs = {id(t._parents[0]) for t in tensors if type(t._backward) is _Output}
    walk = GraphWalk(forward=[nodes[i] for i in order if id(tensors[i]) not in hubs])
    grads: dict[int, Any] = {0: np.ones(output.shape, dtype=output.dtype)}
    for i in reversed(order):
        t, delta = tensors[i], grads.get(i)
        if delta is None:
            continue
        if type(delta) is list:  # a hub of a multi-output op: one backward for all outputs
            delta = tuple(delta)
        else:
            nodes[i].grad = delta
        if t._backward is None:
            continue
        if type(t._backward) is _Output:  # hand the delta to the hub, into output k's slot
            hub = pos[id(t._parents[0])]
            slots = grads.setdefault(hub, [None] * t._backward.count)
            k = t._backward.index
            slots[k] = delta if slots[k] is None else slots[k] + delta
            continue
        sent = t._backward(delta)
        source = nodes[i].id if id(t) not in hubs else _hub_name(tensors, t, pos)
        for p, g in zip(t._parents, sent, strict=True):
            if g is None or not p.requires_grad:
                continue
            g = unbroadcast(np.asarray(g), p.data.shape).astype(p.data.dtype, copy=True)
            j = pos[id(p)]
            grads[j] = g if j not in grads else grads[j] + g
            walk.backward.append(Message(source, nodes[j].id, g))
    return walk


def _hub_name(tensors: list[Tensor], hub: Tensor, pos: dict[int, int]) -> str:
    """A multi-output op's messages come from its first output in the walk."""
    for t in tensors:
        if type(t._backward) is _Output and t._parents[0] is hub:
            return f"n{pos[id(t)]}"
    return f"n{pos[id(hub)]}"
