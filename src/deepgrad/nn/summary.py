"""``model.summary(input_shape)``: layers, output shapes, parameter counts, receptive fields.

One forward pass on a dummy input (zeros, batch of 1, eval mode) with a forward hook on every
leaf layer records the layers in execution order. For conv nets it also follows the *receptive
field* (how many input pixels one output unit sees) and the *jump* (the distance in input
pixels between neighbouring output units), layer by layer:

    k_eff = d (k - 1) + 1                         (a dilated kernel's extent)
    receptive_field_out = receptive_field_in + (k_eff - 1) * jump_in
    jump_out = jump_in * stride

so two 3x3 convs see 5x5 pixels, a 2x2/2 pool after them 6x6, and a 3x3 conv after that 10x10.
Transposed convs divide the jump by their stride; global pooling, Flatten and dense layers see
the whole input ("global"). Over a graph with branches (ResNet's ``F(x) + x``, Inception's
concatenated branches) a unit's field is the largest over all paths into it: the trace records
the autograd graph (no backward is run) and ``receptive_field.RFTracker`` follows it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..tensor import Tensor, enable_grad
from .containers import Sequential
from .module import Module
from .receptive_field import INPUT, RFTracker

__all__ = ["summary", "Summary", "LayerInfo"]

@dataclass
class LayerInfo:
    """One row of the summary."""

    name: str
    type: str
    output_shape: Any
    params: int
    trainable: bool
    receptive_field: tuple[float, ...] | str | None = None
    jump: tuple[float, ...] | None = None


@dataclass
class Summary:
    """The table ``summary()`` prints; ``str(s)`` gives the text again."""

    model_name: str
    layers: list[LayerInfo] = field(default_factory=list)
    total_params: int = 0
    trainable_params: int = 0
    param_bytes: int = 0
    input_shape: tuple[int, ...] | None = None
    show_rf: bool = False

    @property
    def non_trainable_params(self) -> int:
        return self.total_params - self.trainable_params

    def receptive_fields(self) -> dict[str, Any]:
        """Receptive field per layer name (an int for square fields, a tuple otherwise)."""
        return {row.name: _compact(row.receptive_field) for row in self.layers}

    def __str__(self) -> str:
        head = ["Layer (type)", "Output Shape", "Param #"]
        if self.show_rf:
            head += ["Receptive field", "Jump"]
        rows = []
        for r in self.layers:
            cells = [f"{r.name} ({r.type})", _shape_text(r.output_shape), f"{r.params:,}"]
            if self.show_rf:
                cells += [_fmt(r.receptive_field), _fmt(r.jump)]
            rows.append(cells)
        widths = [max(len(c) for c in col) for col in zip(head, *rows, strict=False)]
        line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True))
        rule = "=" * len(line(head).rstrip())
        out = [f'Model: "{self.model_name}"', rule, line(head).rstrip(), rule]
        out += [line(c).rstrip() for c in rows]
        out += [
            rule,
            f"Total params: {self.total_params:,} ({_bytes(self.param_bytes)})",
            f"Trainable params: {self.trainable_params:,}",
            f"Non-trainable params: {self.non_trainable_params:,}",
            rule,
        ]
        return "\n".join(out)

    __repr__ = __str__


def _bytes(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.2f} {unit}" if unit != "B" else f"{n} B"
        n /= 1024
    return f"{n} B"


def _compact(v: Any) -> Any:
    if isinstance(v, tuple):
        vals = [int(a) if float(a).is_integer() else a for a in v]
        return vals[0] if len(set(vals)) == 1 else tuple(vals)
    return v


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    v = _compact(v)
    if isinstance(v, tuple):
        return "x".join(f"{a:g}" for a in v)
    return f"{v:g}" if isinstance(v, float) else str(v)


def _shape_text(shape: Any) -> str:
    if isinstance(shape, list):
        return ", ".join(_shape_text(s) for s in shape)
    return "(" + ", ".join(str(s) for s in shape) + ")" if isinstance(shape, tuple) else str(shape)


def _shapes(out: Any, batch_none: bool) -> Any:
    if isinstance(out, Tensor | np.ndarray):
        s = tuple(out.shape)
        return (None, *s[1:]) if batch_none and s else s
    if isinstance(out, tuple | list):
        return [_shapes(o, batch_none) for o in out]
    return type(out).__name__


def _ntuple(v: Any, n: int) -> tuple[int, ...]:
    return tuple(int(a) for a in v) if isinstance(v, tuple | list) else (int(v),) * n


_RFTracker = RFTracker  # the graph-aware tracker lives in receptive_field.py


def _is_leaf(m: Module) -> bool:
    return not m._modules or any(p is not None for p in m._parameters.values())


def _known_inputs(model: Module) -> list[Tensor]:
    """Dummy inputs (batch of 1) of the shapes the model has seen: the first inputs of
    ``fit``/``evaluate``/``predict`` (recorded as ``_input_spec``), else the input shape of
    the first layer of a Sequential built with Keras' ``input_shape=``/``input_dim=`` or by a
    call."""
    spec = model.__dict__.get("_input_spec")
    if spec is None:
        first = model
        while isinstance(first, Sequential) and len(first):
            first = first[0]
        shape = first.__dict__.get("_build_input_shape")
        spec = None if shape is None else [(shape, "float32")]
    if spec is None:
        raise ValueError(
            "summary: the input shape is not known yet; pass input_shape (without the batch "
            "dim) or input_data, give the first layer input_shape=, or call fit/predict first"
        )
    xs = []
    for shape, dt in spec:
        dt = np.dtype(dt)
        if dt.kind not in "iub" or (dt.kind == "u" and dt.itemsize < 8 and len(shape) > 1):
            dt = np.dtype(np.float32)  # fit feeds float (and uint8 image) inputs as floats
        xs.append(Tensor(np.zeros(tuple(1 if d is None else int(d) for d in shape), dtype=dt)))
    return xs


def _traced(x: Tensor, tracker: RFTracker) -> Tensor:
    """The dummy input as a recorded (non-leaf) node of field "the input", so every op on it
    joins the graph and may even work in place."""
    if x.dtype.kind == "f":
        with enable_grad():
            x = Tensor(x.data, requires_grad=True) + 0
    tracker.set(x, INPUT)
    return x


def summary(
    model: Module,
    input_shape: tuple[int, ...] | None = None,
    *,
    input_data: Any = None,
    dtype: Any = None,
    print_fn: Callable[[str], Any] | None = print,
) -> Summary:
    """Trace ``model`` on a dummy input and print (``print_fn``) and return its summary.

    ``input_shape`` excludes the batch dim, as Keras: ``(1, 28, 28)`` for MNIST images; the
    batch is shown as None. Or pass ``input_data`` (an array or Tensor, batch included). The
    dummy input is zeros of ``dtype`` (float32, or int64 when the first layer is an Embedding).
    Lazy layers (Dense, Keras-form Conv2d) get built by the trace. With neither, the shapes
    the model has already seen are used (as Keras' ``model.summary()`` after ``fit``): those of
    the first ``fit``/``evaluate``/``predict`` batch, or a first Dense's ``input_shape=``.
    """
    batch_none = input_data is None
    if input_data is None and input_shape is None:
        xs = _known_inputs(model)
    elif input_data is None:
        if dtype is None:
            first = next((m for m in model.modules() if not m._modules), None)
            dtype = np.int64 if type(first).__name__ == "Embedding" else np.float32
        shape = (1, *(int(s) for s in _ntuple(input_shape, 1)))
        xs = [Tensor(np.zeros(shape, dtype=dtype))]
    else:
        xs = [input_data if isinstance(input_data, Tensor) else Tensor(np.asarray(input_data))]

    tracker = RFTracker()
    xs = [_traced(x, tracker) for x in xs]
    records: list[tuple[str, Module, Any, Any, Any]] = []
    names = {id(m): n for n, m in model.named_modules()}
    handles = []

    def hook(m: Module, inputs: tuple, out: Any) -> None:
        f = tracker.update(m, inputs, out)
        rf, jump = ("global", None) if f.is_global else (f.rf, f.jump)
        records.append((names.get(id(m), "?"), m, _shapes(out, batch_none), rf, jump))

    for m in model.modules():
        if m is not model and _is_leaf(m) or (m is model and not m._modules):
            handles.append(m.register_forward_hook(hook))
    was = model.training
    model.eval()
    try:
        with enable_grad():  # the graph is how the tracker sees branches and merges
            model(*xs)
    finally:
        model.train(was)
        for h in handles:
            h.remove()

    result = Summary(type(model).__name__, input_shape=tuple(xs[0].shape))
    counted: set[int] = set()
    for name, m, shape, rf, jump in records:
        own = [p for p in m.parameters() if id(p) not in counted]
        counted.update(id(p) for p in own)
        n = sum(p.numel() for p in own)
        trainable = all(p.requires_grad for p in own) if own else True
        result.layers.append(LayerInfo(name, type(m).__name__, shape, n, trainable, rf, jump))
    params = list(model.parameters())
    result.total_params = sum(p.numel() for p in params)
    result.trainable_params = sum(p.numel() for p in params if p.requires_grad)
    result.param_bytes = sum(p.data.nbytes for p in params)
    result.show_rf = tracker.seen_spatial
    if print_fn is not None:
        print_fn(str(result))
    return result


def _summary_method(self: Module, input_shape: Any = None, **kwargs: Any) -> Any:
    """``model.summary(input_shape)``: print and return the layer table (see :func:`summary`)."""
    return summary(self, input_shape, **kwargs)


# bound here rather than defined in module.py, which the table's containers import
Module.summary = _summary_method  # type: ignore[attr-defined]
