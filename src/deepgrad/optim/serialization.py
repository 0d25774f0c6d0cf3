"""Flatten nested state dicts (optimizer, scheduler) to ``{str: ndarray}`` for ``np.savez``.

``np.savez(path, **flatten_state_dict(opt.state_dict()))`` stores only plain arrays, so the
checkpoint loads with ``np.load(path, allow_pickle=False)``; ``unflatten_state_dict`` rebuilds
the nested dict. Keys are paths joined with ``/``; a suffix records the Python type where an
array alone would lose it (``#tuple``, ``#list``, ``#none``, ``#str``, ``#dict`` for an empty
dict, ``#seq`` for a list of dicts). Integer dict keys (the parameter indices of ``"state"``)
come back as ints.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["flatten_state_dict", "unflatten_state_dict"]

_SEP = "/"


def flatten_state_dict(state: Mapping[str, Any], prefix: str = "") -> dict[str, np.ndarray]:
    """Nested dict of numbers/strings/tuples/lists/arrays -> flat ``{path: ndarray}``."""
    out: dict[str, np.ndarray] = {}
    _flatten(state, prefix, out)
    return out


def _flatten(value: Any, key: str, out: dict[str, np.ndarray]) -> None:
    if isinstance(value, Mapping):
        if not value:
            out[key + "#dict"] = np.zeros(0)
        for k, v in value.items():
            ks = str(k)
            if _SEP in ks or "#" in ks:
                raise ValueError(f"flatten_state_dict: key {ks!r} may not contain '/' or '#'")
            if isinstance(k, int | np.integer):
                ks = "@" + ks  # an integer key
            _flatten(v, f"{key}{_SEP}{ks}" if key else ks, out)
    elif value is None:
        out[key + "#none"] = np.zeros(0)
    elif isinstance(value, str):
        out[key + "#str"] = np.array(value)
    elif isinstance(value, tuple | list) and value and all(isinstance(v, Mapping) for v in value):
        out[key + "#seq"] = np.array(len(value))  # a list of dicts (param_groups)
        for i, v in enumerate(value):
            _flatten(v, f"{key}{_SEP}@{i}", out)
    elif isinstance(value, tuple | list):
        if any(isinstance(v, Mapping | tuple | list | str) or v is None for v in value):
            raise TypeError(
                f"flatten_state_dict: {key!r} is a sequence of non-numbers; only flat "
                f"sequences of numbers can be stored"
            )
        tag = "#tuple" if isinstance(value, tuple) else "#list"
        out[key + tag] = np.array(value)
    elif isinstance(value, np.ndarray | np.generic | bool | int | float):
        arr = np.asarray(value)
        if arr.dtype.kind not in "biufc":
            raise TypeError(f"flatten_state_dict: {key!r} has unsupported dtype {arr.dtype}")
        out[key] = np.array(arr, copy=True)
    elif callable(value):
        raise TypeError(f"flatten_state_dict: {key!r} is a function and cannot be stored")
    else:
        arr = np.asarray(value)  # e.g. a torch tensor
        if arr.dtype.kind not in "biufc":
            raise TypeError(f"flatten_state_dict: {key!r} has unsupported type {type(value)}")
        out[key] = np.array(arr, copy=True)


def unflatten_state_dict(flat: Mapping[str, Any]) -> dict[str, Any]:
    """Inverse of :func:`flatten_state_dict` (also accepts an ``np.load`` NpzFile)."""
    root: dict[Any, Any] = {}
    seqs: list[list[Any]] = []
    for full in flat.keys():
        arr = np.asarray(flat[full])
        path, _, tag = full.partition("#")
        parts = [int(p[1:]) if p.startswith("@") else p for p in path.split(_SEP)] if path else []
        node = root
        for part in parts[:-1] if tag != "dict" else parts:
            node = node.setdefault(part, {})
        if tag == "dict":
            continue
        if tag == "seq":
            seqs.append(parts)
            node.setdefault(parts[-1], {})
            continue
        if tag == "none":
            value: Any = None
        elif tag == "str":
            value = str(arr)
        elif tag == "tuple":
            value = tuple(arr.tolist())
        elif tag == "list":
            value = list(arr.tolist())
        elif arr.ndim == 0:
            value = arr.item()
        else:
            value = arr
        node[parts[-1]] = value
    for parts in sorted(seqs, key=len, reverse=True):  # innermost lists first
        node = root
        for part in parts[:-1]:
            node = node[part]
        items = node[parts[-1]]
        node[parts[-1]] = [items[i] for i in range(len(items))]
    return root
