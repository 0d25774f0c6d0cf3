"""Running a model once and recording what the ONNX graph needs: the layer calls, by path.

A layer that has an ONNX conversion (``Conv2d``, ``LSTM``, ...) is recorded as one call: its
inputs, keyword arguments and outputs; what happens inside it is not looked at. A module with
children and no conversion of its own (``Sequential``, a model's class) is transparent: the ops
of its ``forward`` between the layers (``x.flatten(1)``, ``out + identity``) are read back from
the autodiff graph (``Tensor._parents``, ``Tensor._op``), which is why the trace runs with
gradients recorded and the input requiring grad. A module without children and without a
conversion stops the export, naming its path and type.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..nn.module import Module
from ..tensor import Tensor


class ExportError(ValueError):
    """A model, layer or op that cannot be written as ONNX (the message names it)."""


@dataclass
class Call:
    """One call of a module during the trace."""

    module: Module
    path: str
    args: tuple
    kwargs: dict
    output: Any = None
    outputs: list[Tensor] = field(default_factory=list)  # the tensors of ``output``, flattened
    converted: bool = False


def tensors_in(value: Any) -> Iterator[Tensor]:
    """The tensors of a (nested) tuple/list/dict, depth first, in order."""
    if isinstance(value, Tensor):
        yield value
    elif isinstance(value, tuple | list):
        for v in value:
            yield from tensors_in(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from tensors_in(v)


def describe(path: str, module: Module) -> str:
    return f"the layer {path!r} ({type(module).__name__})" if path else (
        f"the model ({type(module).__name__})")


class Recorder:
    """Wraps the ``forward`` of a model's modules for one run (``with Recorder(...) as rec``)."""

    def __init__(self, model: Module, converters: dict[type, Callable]) -> None:
        self.model = model
        self.converters = converters
        self.calls: list[Call] = []  # in the order the calls finished: children before parents
        self._wrapped: list[tuple[Module, Any]] = []

    def _wrap(self, module: Module, path: str, converted: bool, leaf_unsupported: bool) -> None:
        original = module.__dict__.get("forward")
        bound = module.forward

        def forward(*args: Any, **kwargs: Any) -> Any:
            if leaf_unsupported:
                raise ExportError(
                    f"cannot export {describe(path, module)}: ONNX export has no conversion "
                    f"for {type(module).__name__} (supported: {supported(self.converters)})")
            call = Call(module, path, args, kwargs, converted=converted)
            out = bound(*args, **kwargs)
            call.output = out
            call.outputs = list(tensors_in(out))
            self.calls.append(call)
            return out

        module.__dict__["forward"] = forward
        self._wrapped.append((module, original))

    def __enter__(self) -> Recorder:
        inside_converted: list[str] = []
        for path, m in self.model.named_modules():
            if any(path.startswith(p + ".") or p == "" for p in inside_converted):
                continue  # runs inside a converted layer: not looked at
            converted = type(m) in self.converters
            if converted:
                inside_converted.append(path)
            has_children = any(True for _ in m.children())
            self._wrap(m, path, converted, not converted and not has_children)
        return self

    def __exit__(self, *exc: object) -> None:
        for module, original in reversed(self._wrapped):
            if original is None:
                module.__dict__.pop("forward", None)
            else:
                module.__dict__["forward"] = original
        self._wrapped.clear()


def supported(converters: dict[type, Callable]) -> str:
    return ", ".join(sorted({c.__name__ for c in converters}))
