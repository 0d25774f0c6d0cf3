"""Explanations computed beside the engine, in the notes' notation.

* :func:`backprop`: the four equations of backpropagation (BP1-BP4) for an MLP, in plain
  NumPy, set beside deepgrad's autodiff (:mod:`deepgrad.explain.backprop`);
* :func:`graph_walk`: one expression's computation graph walked node by node, forward values
  then backward messages (:mod:`deepgrad.explain.walk`).

The command line: ``deepgrad explain backprop`` and ``deepgrad explain walk``.
"""

from .backprop import BackpropReport, LayerReport, backprop, four_equations
from .walk import GraphWalk, Message, WalkNode, graph_walk

__all__ = [
    "backprop",
    "BackpropReport",
    "LayerReport",
    "four_equations",
    "graph_walk",
    "GraphWalk",
    "WalkNode",
    "Message",
]
