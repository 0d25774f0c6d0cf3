"""The ONNX graph being built: nodes, initializers (weights) and unique value names.

A thin layer over ``onnx.helper``: converters ask for an op (``g.op("Conv", [x, w], ...)``),
for a weight by its state-dict name (``g.weight(name, array)``) or for a constant
(``g.const(array)``), and get back the names of the values; :meth:`GraphBuilder.model` makes
the ``ModelProto``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import onnx
from onnx import helper, numpy_helper

OPSET = 17
IR_VERSION = 8  # the IR version of opset 17: readable by every runtime that reads the opset


class GraphBuilder:
    """Collects the nodes and initializers of one graph, in the order they are made."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: dict[str, onnx.TensorProto] = {}
        self._taken: set[str] = set()
        self._count: dict[str, int] = {}

    def fresh(self, hint: str) -> str:
        """A value or node name not used yet, from ``hint`` ("conv" -> "conv", "conv_1", ...)."""
        hint = hint or "v"
        n = self._count.get(hint, 0)
        name = hint if n == 0 else f"{hint}_{n}"
        while name in self._taken:
            n += 1
            name = f"{hint}_{n}"
        self._count[hint] = n + 1
        self._taken.add(name)
        return name

    def weight(self, name: str, array: np.ndarray) -> str:
        """An initializer under a state-dict name (the same array twice: one initializer)."""
        if name in self.initializers:
            return name
        if name in self._taken:
            name = self.fresh(name)
        self._taken.add(name)
        self.initializers[name] = numpy_helper.from_array(np.ascontiguousarray(array), name)
        return name

    def const(self, array: Any, dtype: Any = None, hint: str = "const") -> str:
        """A new constant initializer (shapes, axes, scalars)."""
        a = np.asarray(array, dtype=dtype)
        name = self.fresh(hint)
        self.initializers[name] = numpy_helper.from_array(np.ascontiguousarray(a), name)
        return name

    def op(self, op_type: str, inputs: list[str], outputs: int = 1, name: str = "",
           **attrs: Any) -> Any:
        """Add a node; returns its output name (or a list of names when ``outputs > 1``)."""
        hint = (name or op_type.lower()).replace("/", "_")
        outs = [self.fresh(f"{hint}" if outputs == 1 else f"{hint}_out{k}")
                for k in range(outputs)]
        attrs = {k: v for k, v in attrs.items() if v is not None}
        self.nodes.append(helper.make_node(op_type, inputs, outs, name=self.fresh(f"{hint}/op"),
                                           **attrs))
        return outs[0] if outputs == 1 else outs

    def model(self, inputs: list[onnx.ValueInfoProto], outputs: list[onnx.ValueInfoProto],
              graph_name: str, doc: str, producer_version: str) -> onnx.ModelProto:
        graph = helper.make_graph(self.nodes, graph_name, inputs, outputs,
                                  list(self.initializers.values()))
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                                  producer_name="deepgrad", producer_version=producer_version,
                                  doc_string=doc)
        model.ir_version = IR_VERSION
        return model


def value_info(name: str, dtype: np.dtype, shape: list | None) -> onnx.ValueInfoProto:
    """A graph input or output: element type and shape (ints, names of free dims, or None)."""
    return helper.make_tensor_value_info(name, helper.np_dtype_to_tensor_dtype(np.dtype(dtype)),
                                         shape)
