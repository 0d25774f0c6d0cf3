"""Saving and loading a Module's state by dotted name, as PyTorch's ``state_dict``.

``state_dict()`` maps ``"features.0.weight"``-style names to arrays (parameters, then persistent
buffers, module by module); ``load_state_dict`` copies arrays (NumPy, deepgrad or torch tensors)
back in place, reporting every missing key, unexpected key and shape mismatch by name.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, NamedTuple

import numpy as np

from ..tensor import Tensor, no_grad

__all__ = ["StateDictMixin", "IncompatibleKeys"]


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict(strict=False)`` could not match."""

    missing_keys: list[str]
    unexpected_keys: list[str]


def _to_numpy(value: Any) -> np.ndarray:
    """A state_dict value as an array: ndarray, deepgrad Tensor or (duck-typed) torch tensor."""
    if isinstance(value, Tensor):
        return value.data
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # torch.Tensor, without importing torch
        return value.detach().cpu().numpy()
    return np.asarray(value)


class StateDictMixin:
    """``state_dict``/``load_state_dict`` for :class:`~deepgrad.nn.Module` (mixed into it)."""

    def state_dict(
        self, destination: dict | None = None, prefix: str = "", keep_vars: bool = False
    ) -> OrderedDict[str, Any]:
        """Every parameter and persistent buffer by dotted name, as in PyTorch.

        Values are copies (NumPy arrays), so the dict is a snapshot that later optimizer steps
        do not change; ``keep_vars=True`` returns the Parameters themselves.
        """
        if destination is None:
            destination = OrderedDict()
        for name, p in self._parameters.items():
            if p is not None:
                destination[prefix + name] = p if keep_vars else p.data.copy()
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers:
                destination[prefix + name] = b if keep_vars else np.array(_to_numpy(b), copy=True)
        for name, child in self._modules.items():
            if child is not None:
                child.state_dict(destination, prefix + name + ".", keep_vars)
        return destination

    def _load_from_state_dict(
        self, state_dict: dict, prefix: str, missing: list[str], errors: list[str]
    ) -> None:
        """Copy this module's own entries from ``state_dict`` (lazy layers override to build)."""
        for name, p in self._parameters.items():
            if p is None:
                continue
            key = prefix + name
            if key not in state_dict:
                missing.append(key)
                continue
            value = _to_numpy(state_dict[key])
            if value.shape != p.data.shape:
                errors.append(
                    f"size mismatch for {key}: copying a param with shape {value.shape} from "
                    f"checkpoint, the shape in current model is {p.data.shape}."
                )
                continue
            p.data[...] = value  # in place: optimizers keep pointing at the same arrays
        for name, b in self._buffers.items():
            if b is None or name in self._non_persistent_buffers:
                continue
            key = prefix + name
            if key not in state_dict:
                missing.append(key)
                continue
            value = _to_numpy(state_dict[key])
            arr = b.data if isinstance(b, Tensor) else b
            if value.shape != arr.shape:
                errors.append(
                    f"size mismatch for {key}: copying a buffer with shape {value.shape} from "
                    f"checkpoint, the shape in current model is {arr.shape}."
                )
                continue
            arr[...] = value

    def load_state_dict(self, state_dict: dict, strict: bool = True) -> IncompatibleKeys:
        """Copy parameters and buffers from ``state_dict`` (arrays, Tensors or torch tensors).

        Values are cast to each parameter's dtype and copied in place. With ``strict=True``
        missing or unexpected keys raise; a shape mismatch always raises. Returns
        ``(missing_keys, unexpected_keys)``.
        """
        if not hasattr(state_dict, "keys"):
            raise TypeError(
                "load_state_dict: expected a dict of name -> array, got "
                f"{type(state_dict).__name__}"
            )
        missing: list[str] = []
        errors: list[str] = []
        expected: set[str] = set()
        with no_grad():
            for prefix, mod in self.named_modules(remove_duplicate=False):
                p = prefix + "." if prefix else ""
                mod._load_from_state_dict(state_dict, p, missing, errors)
                expected.update(p + n for n, v in mod._parameters.items() if v is not None)
                expected.update(
                    p + n
                    for n, v in mod._buffers.items()
                    if v is not None and n not in mod._non_persistent_buffers
                )
        unexpected = [k for k in state_dict.keys() if k not in expected]
        missing = list(dict.fromkeys(missing))
        if strict:
            if unexpected:
                errors.insert(
                    0, "Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected)
                )
            if missing:
                errors.insert(
                    0, "Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing)
                )
        if errors:
            raise RuntimeError(
                f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                + "\n\t".join(errors)
            )
        return IncompatibleKeys(missing, unexpected)
