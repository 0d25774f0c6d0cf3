"""From one traced run of a model to an ONNX graph (see :mod:`deepgrad.onnx`)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import onnx

from ..nn.module import Module
from ..tensor import Tensor, _Output, enable_grad
from .builder import GraphBuilder, value_info
from .layers import CONVERTERS
from .ops import OPS
from .trace import Call, ExportError, Recorder, describe, supported, tensors_in

__all__ = ["export", "ExportError"]


class Context:
    """What converters see: the graph builder, the names of the tensors already written, and
    the state-dict names of the model's parameters and buffers."""

    def __init__(self, model: Module, input_names: list[str]) -> None:
        self.g = GraphBuilder()
        self.names: dict[int, str] = {}
        self.input_names = input_names
        self.model = model
        self.param_names: dict[int, str] = {}
        self.module_paths: dict[int, str] = {}

    def index(self) -> None:
        """Read the names of parameters and modules (after the trace built any lazy layer)."""
        self.param_names = {id(p): n for n, p in self.model.named_parameters()}
        self.module_paths = {id(m): p for p, m in self.model.named_modules()}

    def name(self, t: Tensor) -> str:
        return self.names[id(t)]

    def param(self, module: Module, attr: str) -> str:
        """The initializer of ``module.<attr>`` (a parameter or buffer), by its state-dict name."""
        value = getattr(module, attr)
        data = value.data if isinstance(value, Tensor) else np.asarray(value)
        path = self.module_paths.get(id(module), "")
        return self.g.weight(f"{path}.{attr}" if path else attr, data)

    def leaf(self, t: Tensor) -> str:
        """A tensor that no recorded op produced: a parameter by name, else a constant."""
        if id(t) in self.param_names:
            return self.g.weight(self.param_names[id(t)], t.data)
        return self.g.const(t.data, hint="const")


def _as_inputs(example_input: Any, model: Module) -> tuple[tuple, list[Tensor]]:
    """The model's arguments as Tensors (nested tuples kept: ``(x, (h_0, c_0))``) and the flat
    list of them, the graph's inputs in order."""
    floats = [p.dtype for p in model.parameters() if p.dtype.kind == "f"]
    float_dtype = floats[0] if floats else np.dtype(np.float32)
    flat: list[Tensor] = []

    def convert(x: Any) -> Any:
        if isinstance(x, tuple | list):
            return tuple(convert(v) for v in x)
        k = len(flat)
        if isinstance(x, Tensor):
            data = x.data
        elif isinstance(x, np.ndarray | float | int):
            data = np.asarray(x)
            if data.dtype.kind == "f":
                data = data.astype(float_dtype)
        else:
            raise ExportError(f"export: example input {k} is a {type(x).__name__}; pass a "
                              "NumPy array or a deepgrad Tensor (or a tuple of them)")
        if data.dtype.kind not in "biuf":
            raise ExportError(f"export: example input {k} has dtype {data.dtype}")
        t = Tensor(data, requires_grad=data.dtype.kind == "f", dtype=data.dtype)
        flat.append(t)
        return t

    args = convert(example_input) if isinstance(example_input, tuple) else (
        convert(example_input),)
    if not flat:
        raise ExportError("export: example_input holds no array")
    return args, flat


def _owner(t: Tensor, calls: list[Call], converted_outputs: set[int]) -> Call | None:
    """The innermost transparent module whose forward computed ``t`` (for error messages)."""
    for call in calls:  # children finished before their parents: the first hit is innermost
        if call.converted:
            continue
        stop = {id(a) for a in tensors_in((call.args, call.kwargs))}
        stack, seen = list(call.outputs), set()
        while stack:
            u = stack.pop()
            if id(u) in seen or id(u) in stop:
                continue
            seen.add(id(u))
            if u is t:
                return call
            if id(u) not in converted_outputs:
                stack.extend(u._parents)
    return None


def _emit(ctx: Context, outputs: list[Tensor], inputs: list[Tensor], calls: list[Call]) -> None:
    """Write every value the outputs need, inputs first (an explicit stack: deep models work)."""
    producer: dict[int, Call] = {}
    for call in calls:
        if not call.converted:
            continue
        arg_ids = {id(a) for a in tensors_in((call.args, call.kwargs))}
        for t in call.outputs:
            if id(t) not in arg_ids:  # Dropout/Identity hand their input back: nothing to do
                producer[id(t)] = call
    data_inputs = {id(x.data): k for k, x in enumerate(inputs)}
    for k, x in enumerate(inputs):
        ctx.names[id(x)] = ctx.input_names[k]

    def is_input(t: Tensor) -> str | None:
        # a layer given np.asarray(x) makes a new Tensor over the input's own array
        if t._backward is None and id(t.data) in data_inputs:
            return ctx.input_names[data_inputs[id(t.data)]]
        return None

    def deps(t: Tensor) -> list[Tensor]:
        call = producer.get(id(t))
        if call is not None:
            return list(tensors_in((call.args, call.kwargs)))
        if type(t._backward) is _Output:
            return list(t._parents[0]._parents)
        return list(t._parents) if t._backward is not None else []

    def write(t: Tensor) -> None:
        call = producer.get(id(t))
        if call is not None:
            names = CONVERTERS[type(call.module)](ctx, call)
            for u, n in zip(call.outputs, names, strict=True):
                ctx.names.setdefault(id(u), n)
            return
        name = is_input(t)
        if name is not None:
            ctx.names[id(t)] = name
            return
        if t._backward is None:
            ctx.names[id(t)] = ctx.leaf(t)
            return
        convert = OPS.get(t._op) if type(t._backward) is not _Output else None
        if convert is None:
            owner = _owner(t, calls, set(producer))
            where = describe(owner.path, owner.module) if owner else "the model's forward"
            raise ExportError(
                f"cannot export the op {t._op!r} (output shape {tuple(t.shape)}) in the forward "
                f"of {where}: it has no ONNX conversion outside a layer: wrap it in a layer "
                f"(nn.Softmax(dim), nn.Flatten, ...). Ops converted: {', '.join(sorted(OPS))}; "
                f"layers converted: {supported(CONVERTERS)}")
        ctx.names[id(t)] = convert(ctx, t, [ctx.name(p) for p in t._parents])

    stack: list[tuple[Tensor, bool]] = [(t, False) for t in reversed(outputs)]
    while stack:
        t, ready = stack.pop()
        if id(t) in ctx.names:
            continue
        if ready:
            write(t)
            continue
        stack.append((t, True))
        for d in reversed(deps(t)):
            if id(d) not in ctx.names:
                stack.append((d, False))


def _free_dims(dynamic_axes: Any, names: list[str]) -> dict[str, dict[int, str]]:
    """Input name -> {dimension: name of the free size}: one mapping for every input, or one
    per input name (``{"input_1": {1: "batch"}}``, PyTorch's form)."""
    if dynamic_axes is None:
        return {n: {0: "batch"} for n in names}
    values = list(dynamic_axes.values())
    if values and all(isinstance(v, Mapping) for v in values):
        unknown = sorted(set(dynamic_axes) - set(names))
        if unknown:
            raise ExportError(f"export: dynamic_axes names {unknown}, the inputs are {names}")
        return {n: {int(d): str(a) for d, a in dynamic_axes.get(n, {}).items()} for n in names}
    return {n: {int(d): str(a) for d, a in dynamic_axes.items()} for n in names}


def export(
    model: Module,
    example_input: Any,
    path: str | os.PathLike | None = None,
    dynamic_axes: Mapping[int, str] | Mapping[str, Mapping[int, str]] | None = None,
    input_names: list[str] | None = None,
    output_names: list[str] | None = None,
) -> onnx.ModelProto:
    """Trace ``model`` on ``example_input`` in eval mode and write it as ONNX (see the
    package docstring); returns the ``ModelProto``."""
    from .. import __version__
    from ..data.store import atomic_write

    if not isinstance(model, Module):
        raise ExportError(f"export: expected a deepgrad nn.Module, got {type(model).__name__}")
    args, inputs = _as_inputs(example_input, model)
    modes = {id(m): m.training for m in model.modules()}
    ctx = Context(model, list(input_names or (["input"] if len(inputs) == 1 else
                                              [f"input_{k}" for k in range(len(inputs))])))
    if len(ctx.input_names) != len(inputs):
        raise ExportError(f"export: {len(ctx.input_names)} input names for {len(inputs)} inputs")
    model.eval()
    try:
        with enable_grad(), Recorder(model, CONVERTERS) as rec:
            result = model(*args)
    finally:
        for m in model.modules():
            m.__dict__["training"] = modes.get(id(m), m.training)
    ctx.index()
    outputs = list(tensors_in(result))
    if not outputs:
        raise ExportError(f"export: the model returned {type(result).__name__}, no tensor")
    _emit(ctx, outputs, inputs, rec.calls)
    out_names = list(output_names or (["output"] if len(outputs) == 1 else
                                      [f"output_{k}" for k in range(len(outputs))]))
    if len(out_names) != len(outputs):
        raise ExportError(f"export: {len(out_names)} output names for {len(outputs)} outputs")
    for t, name in zip(outputs, out_names, strict=True):  # each output under its own name
        ctx.g.nodes.append(onnx.helper.make_node("Identity", [ctx.name(t)], [name],
                                                 name=ctx.g.fresh(f"{name}/op")))
    axes = _free_dims(dynamic_axes, ctx.input_names)
    graph_inputs = [value_info(name, x.dtype,
                               [axes[name].get(d, n) for d, n in enumerate(x.shape)])
                    for name, x in zip(ctx.input_names, inputs, strict=True)]
    graph_outputs = [value_info(name, t.dtype, [None] * t.ndim)  # rank known, sizes free
                     for name, t in zip(out_names, outputs, strict=True)]
    proto = ctx.g.model(graph_inputs, graph_outputs, type(model).__name__,
                        f"{type(model).__name__} exported by deepgrad {__version__}", __version__)
    onnx.checker.check_model(proto)
    if path is not None:
        path = Path(path)
        with atomic_write(path) as f:
            f.write(proto.SerializeToString())
    return proto
