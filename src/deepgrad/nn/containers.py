"""Containers: Sequential (a chain of layers), ModuleList and ModuleDict (registered collections).

Children are registered under their index ("0", "1", ...) or key, so parameter names match
PyTorch's (``"0.weight"``).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from .module import Module

__all__ = ["Sequential", "ModuleList", "ModuleDict"]


def _check_module(owner: str, m: Any) -> Module:
    if not isinstance(m, Module):
        raise TypeError(f"{owner}: expected an nn.Module, got {type(m).__name__} ({m!r})")
    return m


class _IndexedContainer(Module):
    """Shared list behaviour of Sequential and ModuleList (children keyed "0", "1", ...)."""

    def _index(self, idx: int) -> int:
        n = len(self._modules)
        if not isinstance(idx, int):
            raise TypeError(f"{type(self).__name__} indices must be integers or slices")
        if not -n <= idx < n:
            raise IndexError(f"{type(self).__name__}: index {idx} is out of range (length {n})")
        return idx % n

    def _renumber(self, modules: list[Module]) -> None:
        self._modules.clear()
        for i, m in enumerate(modules):
            self._modules[str(i)] = m

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):
            return type(self)(*list(self._modules.values())[idx])
        return list(self._modules.values())[self._index(idx)]

    def __setitem__(self, idx: int, module: Module) -> None:
        key = list(self._modules.keys())[self._index(idx)]
        self._modules[key] = _check_module(type(self).__name__, module)

    def __delitem__(self, idx: int | slice) -> None:
        mods = list(self._modules.values())
        if isinstance(idx, slice):
            del mods[idx]
        else:
            del mods[self._index(idx)]
        self._renumber(mods)

    def append(self, module: Module) -> _IndexedContainer:
        """Add a layer at the end."""
        self.add_module(str(len(self)), _check_module(type(self).__name__, module))
        return self

    def extend(self, modules: Iterable[Module]) -> _IndexedContainer:
        for m in modules:
            self.append(m)
        return self

    def insert(self, index: int, module: Module) -> None:
        mods = list(self._modules.values())
        mods.insert(index, _check_module(type(self).__name__, module))
        self._renumber(mods)

    def pop(self, index: int = -1) -> Module:
        mods = list(self._modules.values())
        m = mods.pop(self._index(index))
        self._renumber(mods)
        return m

    def __add__(self, other: _IndexedContainer) -> _IndexedContainer:
        return type(self)(*self, *other)


class Sequential(_IndexedContainer):
    """Layers applied in order: ``out = layer_n(...layer_2(layer_1(x)))``.

    ``Sequential(l1, l2, ...)`` names the layers "0", "1", ...; ``Sequential(OrderedDict(
    [("conv", ...), ("relu", ...)]))`` uses the given names. Supports ``len``, indexing and
    slicing (a slice is a new Sequential sharing the layers), ``append``/``insert``/``extend``.
    """

    def __init__(self, *args: Any) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], Mapping):
            for name, m in args[0].items():
                self.add_module(name, _check_module("Sequential", m))
        else:
            for i, m in enumerate(args):
                self.add_module(str(i), _check_module("Sequential", m))

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):
            return Sequential(OrderedDict(list(self._modules.items())[idx]))
        return list(self._modules.values())[self._index(idx)]

    def forward(self, x: Any) -> Any:
        for m in self._modules.values():
            x = m(x)
        return x

    def add(self, module: Module) -> Sequential:
        """Keras' ``model.add(layer)``: append a layer."""
        self.append(module)
        return self


class ModuleList(_IndexedContainer):
    """A list of layers whose parameters are registered (a plain Python list would hide them)."""

    def __init__(self, modules: Iterable[Module] | None = None, *more: Module) -> None:
        super().__init__()
        if modules is not None:
            if isinstance(modules, Module):
                modules = [modules, *more]
            self.extend(modules)

    def forward(self, *args: Any) -> Any:
        raise NotImplementedError("ModuleList has no forward(); iterate over it in your own")


class ModuleDict(Module):
    """A dict of layers whose parameters are registered under their keys."""

    def __init__(self, modules: Mapping[str, Module] | Iterable | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        if key not in self._modules:
            raise KeyError(f"ModuleDict: no module named {key!r} (keys: {list(self._modules)})")
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, _check_module("ModuleDict", module))

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: str) -> bool:
        return key in self._modules

    def keys(self) -> Iterable[str]:
        return self._modules.keys()

    def values(self) -> Iterable[Module]:
        return self._modules.values()

    def items(self) -> Iterable[tuple[str, Module]]:
        return self._modules.items()

    def pop(self, key: str) -> Module:
        m = self[key]
        del self._modules[key]
        return m

    def clear(self) -> None:
        self._modules.clear()

    def update(self, modules: Mapping[str, Module] | Iterable) -> None:
        items = modules.items() if isinstance(modules, Mapping) else modules
        for key, m in items:
            self[key] = m

    def forward(self, *args: Any) -> Any:
        raise NotImplementedError("ModuleDict has no forward(); index it in your own")
