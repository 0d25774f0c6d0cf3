"""Module and Parameter: the base of every layer in ``deepgrad.nn`` (PyTorch's design).

A :class:`Module` owns three ordered registries, filled by plain attribute assignment:

* ``_parameters``: :class:`Parameter` objects (trainable tensors, ``requires_grad=True``);
* ``_buffers``: NumPy arrays that are state but not trained (BatchNorm's running statistics),
  registered with :meth:`Module.register_buffer`;
* ``_modules``: child modules.

Names are dotted paths as in PyTorch (``"features.0.weight"``), so ``state_dict()`` of a deepgrad
model and of the equivalent PyTorch model have the same keys and shapes and weights can be copied
either way. ``Module`` defines no training loop (``compile``/``fit`` come from ``deepgrad.train``);
it only promises that names such as ``fit``, ``compile``, ``evaluate``, ``predict``, ``history`` are
free for a mixin.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ..device import parse_to
from ..tensor import DEFAULT_FLOAT, Tensor, no_grad
from .parameter import Parameter
from .regularizers import PenaltyMixin
from .state_dict import IncompatibleKeys, StateDictMixin

__all__ = ["Parameter", "Module", "RemovableHandle", "IncompatibleKeys"]


class RemovableHandle:
    """Returned by ``register_forward_hook``; ``handle.remove()`` unregisters the hook."""

    _next_id = 0

    def __init__(self, hooks: dict) -> None:
        self._hooks = hooks
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1

    def remove(self) -> None:
        self._hooks.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


class Module(StateDictMixin, PenaltyMixin):
    """Base class of all layers and models.

    Subclasses call ``super().__init__()`` first, assign their parameters and sub-layers as
    attributes, and define ``forward(*inputs)``; calling the module runs the forward pre-hooks,
    ``forward`` and the forward hooks. ``training`` (set by ``train()``/``eval()``) switches layers
    such as Dropout and BatchNorm between their two behaviours.
    """

    training: bool

    def __init__(self) -> None:
        d = self.__dict__
        d["training"] = True
        d["_parameters"] = OrderedDict()
        d["_buffers"] = OrderedDict()
        d["_non_persistent_buffers"] = set()
        d["_modules"] = OrderedDict()
        d["_forward_hooks"] = OrderedDict()
        d["_forward_pre_hooks"] = OrderedDict()
        d["_regularizers"] = OrderedDict()  # parameter name -> penalty (Keras' kernel_regularizer)
        d["_constraints"] = OrderedDict()  # parameter name -> constraint (e.g. MaxNorm)

    # ------------------------------------------------------------------ forward
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        for a in args:
            if isinstance(a, np.ndarray):
                args = tuple(self._array_input(v) for v in args)
                break
        if kwargs:
            kwargs = {k: self._array_input(v) for k, v in kwargs.items()}
        if not (self._forward_pre_hooks or self._forward_hooks):
            return self.forward(*args, **kwargs)
        for hook in list(self._forward_pre_hooks.values()):
            res = hook(self, args)
            if res is not None:
                args = res if isinstance(res, tuple) else (res,)
        out = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            res = hook(self, args, out)
            if res is not None:
                out = res
        return out

    def _array_input(self, value: Any) -> Any:
        """A NumPy array given to a module becomes a constant Tensor, as Keras layers take
        arrays: float arrays in the module's float dtype (its parameters', float32 by default),
        integer and bool arrays (token ids, labels, masks) as they are."""
        if not isinstance(value, np.ndarray):
            return value
        if value.dtype.kind == "f":
            dtype = self.__dict__.get("_dtype")
            if dtype is None:
                p = next((p for p in self.parameters() if p.dtype.kind == "f"), None)
                dtype = p.dtype if p is not None else DEFAULT_FLOAT
            return Tensor(value, dtype=dtype)
        return Tensor(value, dtype=value.dtype)

    def register_forward_hook(self, hook: Callable) -> RemovableHandle:
        """``hook(module, inputs, output)`` runs after forward; non-None return replaces output."""
        handle = RemovableHandle(self._forward_hooks)
        self._forward_hooks[handle.id] = hook
        return handle

    def register_forward_pre_hook(self, hook: Callable) -> RemovableHandle:
        """``hook(module, inputs)`` runs before ``forward``; a non-None return replaces inputs."""
        handle = RemovableHandle(self._forward_pre_hooks)
        self._forward_pre_hooks[handle.id] = hook
        return handle

    # ------------------------------------------------------------------ registration
    def _check_init(self, name: str) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"{type(self).__name__}: cannot assign {name!r} before Module.__init__() is "
                f"called; call super().__init__() first in {type(self).__name__}.__init__"
            )

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, Parameter):
            self._check_init(name)
            self._remove_from(name, self._buffers, self._modules)
            self.__dict__.pop(name, None)
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._check_init(name)
            self._remove_from(name, self._parameters, self._buffers)
            self.__dict__.pop(name, None)
            self._modules[name] = value
        elif "_parameters" in self.__dict__ and name in self._parameters:
            if value is not None:
                raise TypeError(
                    f"{type(self).__name__}: cannot assign {type(value).__name__} as parameter "
                    f"{name!r} (nn.Parameter or None expected)"
                )
            self._parameters[name] = None
        elif "_modules" in self.__dict__ and name in self._modules:
            if value is not None:
                raise TypeError(
                    f"{type(self).__name__}: cannot assign {type(value).__name__} as child "
                    f"module {name!r} (nn.Module or None expected)"
                )
            self._modules[name] = None
        elif "_buffers" in self.__dict__ and name in self._buffers:
            self._buffers[name] = _check_buffer(self, name, value)
        else:
            object.__setattr__(self, name, value)

    @staticmethod
    def _remove_from(name: str, *dicts: dict) -> None:
        for d in dicts:
            d.pop(name, None)

    def __getattr__(self, name: str) -> Any:
        d = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            reg = d.get(registry)
            if reg is not None and name in reg:
                return reg[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for registry in (self._parameters, self._buffers, self._modules):
            if name in registry:
                del registry[name]
                self._non_persistent_buffers.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self) -> list[str]:
        return sorted(
            set(super().__dir__()) | set(self._parameters) | set(self._buffers) | set(self._modules)
        )

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or a ``None`` placeholder, e.g. ``bias=False``) under ``name``."""
        self._check_init(name)
        if "." in name or not name:
            raise KeyError(f"register_parameter: invalid name {name!r} (non-empty, no '.')")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"register_parameter: {name!r} must be an nn.Parameter or None, "
                f"got {type(param).__name__}"
            )
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"register_parameter: attribute {name!r} already exists")
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Any, persistent: bool = True) -> None:
        """Add non-trainable state (a NumPy array, saved in ``state_dict`` when ``persistent``)."""
        self._check_init(name)
        if "." in name or not name:
            raise KeyError(f"register_buffer: invalid name {name!r} (non-empty, no '.')")
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"register_buffer: attribute {name!r} already exists")
        self._buffers[name] = _check_buffer(self, name, tensor)
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a child module under ``name`` (as attribute assignment does)."""
        self._check_init(name)
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {type(module).__name__} is not a Module")
        if not isinstance(name, str) or "." in name or not name:
            raise KeyError(f"add_module: invalid module name {name!r} (non-empty, no '.')")
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"add_module: attribute {name!r} already exists")
        self._modules[name] = module

    register_module = add_module

    def get_submodule(self, target: str) -> Module:
        """The module at a dotted path such as ``"features.0"`` ("" is self)."""
        mod: Module = self
        if target == "":
            return mod
        for part in target.split("."):
            if part not in mod._modules or mod._modules[part] is None:
                raise AttributeError(f"{type(mod).__name__} has no submodule {part!r} ({target})")
            mod = mod._modules[part]
        return mod

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at a dotted path such as ``"0.weight"``."""
        mod_path, _, name = target.rpartition(".")
        mod = self.get_submodule(mod_path)
        p = mod._parameters.get(name)
        if p is None:
            raise AttributeError(f"{type(mod).__name__} has no parameter {name!r} ({target})")
        return p

    # ------------------------------------------------------------------ traversal
    def named_modules(
        self, memo: set | None = None, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """``(dotted name, module)`` for self and every descendant, depth first."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is None:
                continue
            sub = prefix + ("." if prefix else "") + name
            yield from child.named_modules(memo, sub, remove_duplicate)

    def modules(self) -> Iterator[Module]:
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[tuple[str, Module]]:
        seen: set[int] = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self) -> Iterator[Module]:
        for _, m in self.named_children():
            yield m

    def _named_members(
        self, registry: str, prefix: str, recurse: bool, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Any]]:
        seen: set[int] = set()
        mods = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for mod_prefix, mod in mods:
            for name, value in getattr(mod, registry).items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield mod_prefix + ("." if mod_prefix else "") + name, value

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """``(dotted name, Parameter)`` pairs; a shared parameter appears once."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(
        self, prefix: str = "", recurse: bool = True
    ) -> Iterator[tuple[str, np.ndarray]]:
        return self._named_members("_buffers", prefix, recurse)

    def buffers(self, recurse: bool = True) -> Iterator[np.ndarray]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def num_parameters(self, trainable_only: bool = False) -> int:
        """Total number of scalar parameters (Keras' ``count_params()``)."""
        return sum(p.numel() for p in self.parameters() if p.requires_grad or not trainable_only)

    count_params = num_parameters

    # ------------------------------------------------------------------ modes and state
    def train(self, mode: bool = True) -> Module:
        """Training mode (dropout active, batch statistics) for self and all descendants."""
        if not isinstance(mode, bool):
            raise ValueError(f"train(): mode must be a bool, got {mode!r}")
        self.__dict__["training"] = mode
        for child in self.children():  # each child's own train() runs (subclasses may override)
            child.train(mode)
        return self

    def eval(self) -> Module:
        """Inference mode: ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Freeze (False) or unfreeze every parameter, e.g. for transfer learning."""
        for p in self.parameters():
            p.requires_grad = requires_grad
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the accumulated gradients of every parameter."""
        for p in self.parameters():
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad[...] = 0

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn(m)`` on every descendant, then on self (e.g. a custom initialisation)."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def astype(self, dtype: Any) -> Module:
        """Convert every floating parameter and buffer in place (float32 <-> float64)."""
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"Module.astype: expected a floating dtype, got {dtype}")
        for m in self.modules():
            m.__dict__["_dtype"] = dtype  # lazy layers build their weights in this dtype
            for p in m._parameters.values():
                if p is not None and p.data.dtype != dtype:
                    p.data = p.data.astype(dtype)
                    p.grad = None if p.grad is None else p.grad.astype(dtype)
            for name, b in m._buffers.items():
                if isinstance(b, np.ndarray) and b.dtype.kind == "f" and b.dtype != dtype:
                    m._buffers[name] = b.astype(dtype)
                elif isinstance(b, Tensor) and b.dtype.kind == "f" and b.dtype != dtype:
                    b.data = b.data.astype(dtype)
        return self

    def double(self) -> Module:
        return self.astype(np.float64)

    def float(self) -> Module:
        return self.astype(np.float32)

    def to(self, *args: Any, **kwargs: Any) -> Module:
        """``to(dg.float64)``, ``to("float64")``, ``to(device)``, ``to(device, dtype)``, as
        ``torch.nn.Module.to``; there is only one device (the CPU), others raise."""
        dtype, _ = parse_to(args, kwargs, f"{type(self).__name__}.to")
        return self if dtype is None else self.astype(dtype)

    def cpu(self) -> Module:
        """Itself: deepgrad computes on the CPU."""
        return self

    # ------------------------------------------------------------------ display
    def extra_repr(self) -> str:
        """The text between the parentheses of this module's repr (layers override)."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        lines = []
        for name, child in self._modules.items():
            body = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {body}")
        if not lines:
            return f"{type(self).__name__}({extra})"
        head = f"{type(self).__name__}(" + (f"\n  {extra}" if extra else "")
        return head + "\n" + "\n".join(lines) + "\n)"

    def build(self, input_shape: tuple, dtype: Any = np.float32) -> Module:
        """Create lazy weights by running one forward on zeros of ``input_shape`` (batch included;
        a leading ``None`` means 1) without recording a graph."""
        shape = tuple(1 if s is None else int(s) for s in input_shape)
        was = self.training
        self.eval()
        try:
            with no_grad():
                self(Tensor(np.zeros(shape, dtype=dtype)))
        finally:
            self.train(was)
        return self


def _check_buffer(module: Module, name: str, value: Any) -> Any:
    if value is None or isinstance(value, np.ndarray | Tensor):
        return value
    if isinstance(value, int | float | bool | np.generic):
        return np.asarray(value)
    raise TypeError(
        f"{type(module).__name__}: buffer {name!r} must be a NumPy array, Tensor or None, "
        f"got {type(value).__name__}"
    )
