"""``dg.save(state_dict, path)`` and ``dg.load(path)``: weights files by PyTorch's names, without
pickles.

The format follows the suffix:

* ``.safetensors``: the Hugging Face format (see :mod:`deepgrad.data.safetensors`), readable by
  ``safetensors.torch.load_file``, ``safetensors.numpy.load_file`` and every runtime that reads
  it; the metadata is the header's ``__metadata__`` (str -> str).
* ``.npz``: NumPy's zip of ``.npy`` members, one per entry, written with ``allow_pickle=False``
  and read with ``np.load(allow_pickle=False)``; the metadata is the reserved member
  ``__metadata__``, a 0-d unicode array holding a JSON object of str -> str.

Either way the file is written to a temporary file beside ``path`` and moved onto it only when
complete (``os.replace``), and loading never unpickles: a PyTorch ``.pt``/``.pth`` file (a
pickle) is refused here; ``dg.load_torch_state_dict`` reads those with a restricted reader.

``dg.load`` returns a :class:`StateDict`: an ordered name -> NumPy array mapping (the file's
order) whose ``metadata`` attribute holds the metadata, ready for ``model.load_state_dict``.
"""

from __future__ import annotations

import collections
import json
import os
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .data.safetensors import load_npz, read_safetensors, save_safetensors
from .data.store import CheckpointError, atomic_write
from .tensor import Tensor

__all__ = ["save", "load", "StateDict", "METADATA_KEY"]

METADATA_KEY = "__metadata__"
_FORMATS = (".safetensors", ".npz")


class StateDict(collections.OrderedDict):
    """name -> array, as ``model.state_dict()``, plus ``metadata`` (str -> str) from its file."""

    metadata: dict[str, str]

    def __init__(self, *args: Any, metadata: Mapping[str, str] | None = None, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.metadata = dict(metadata or {})


def _format(path: Path, verb: str) -> str:
    suffix = path.suffix.lower()
    if suffix in _FORMATS:
        return suffix
    hint = (" (PyTorch's .pt/.pth files are pickles: read them with dg.load_torch_state_dict, "
            "which refuses code)" if suffix in (".pt", ".pth", ".bin", ".ckpt") else "")
    raise ValueError(f"dg.{verb}: {path}: the format comes from the suffix, which must be "
                     f".safetensors or .npz; got {suffix or 'no suffix'!r}{hint}")


def _as_array(key: str, value: Any) -> np.ndarray:
    if isinstance(value, Tensor):
        return value.data
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch tensor, torch not imported
        value = value.detach().cpu().numpy()
    a = np.asarray(value)
    if a.dtype.kind in "OUSVMm" and a.dtype.name != "bfloat16":
        raise TypeError(f"dg.save: entry {key!r} is not a numeric array (dtype {a.dtype}, "
                        f"from {type(value).__name__})")
    return a


def _check_metadata(metadata: Mapping[str, str]) -> dict[str, str]:
    meta = dict(metadata)
    bad = {k: v for k, v in meta.items() if not (isinstance(k, str) and isinstance(v, str))}
    if bad:
        raise TypeError(f"dg.save: metadata must map strings to strings (as safetensors' "
                        f"__metadata__), got {bad!r}")
    return meta


def save(
    state_dict: Mapping[str, Any],
    path: str | os.PathLike,
    metadata: Mapping[str, str] | None = None,
) -> Path:
    """Write ``state_dict`` (name -> array, Tensor or Parameter) to ``path``, atomically.

    The suffix picks the format (``.safetensors`` or ``.npz``). ``metadata`` (str -> str) is
    kept in the file; without it, a :class:`StateDict`'s own ``metadata`` is written.
    """
    path = Path(path)
    fmt = _format(path, "save")
    if not isinstance(state_dict, Mapping):
        what = type(state_dict).__name__
        hint = " (pass model.state_dict())" if hasattr(state_dict, "state_dict") else ""
        raise TypeError(f"dg.save: expected a mapping of names to arrays, got {what}{hint}")
    if metadata is None:
        metadata = getattr(state_dict, "metadata", None) or {}
    meta = _check_metadata(metadata)
    arrays: dict[str, np.ndarray] = {}
    for key, value in state_dict.items():
        if not isinstance(key, str):
            raise TypeError(f"dg.save: names must be strings, got {key!r}")
        if key == METADATA_KEY:
            raise ValueError(f"dg.save: {METADATA_KEY!r} is reserved for the metadata")
        arrays[key] = _as_array(key, value)
    if fmt == ".safetensors":
        return save_safetensors(path, arrays, meta)
    for key, a in arrays.items():
        if a.dtype.name == "bfloat16":
            raise TypeError(f"dg.save: entry {key!r} is bfloat16, which .npz cannot hold without "
                            "a pickle; save as .safetensors or convert it to float32")
    with atomic_write(path) as f, zipfile.ZipFile(f, "w", zipfile.ZIP_STORED,
                                                  allowZip64=True) as zf:
        members = {**arrays, METADATA_KEY: np.array(json.dumps(meta))} if meta else arrays
        for key, a in members.items():
            with zf.open(key + ".npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asanyarray(a), allow_pickle=False)
    return path


def load(path: str | os.PathLike) -> StateDict:
    """Read a file written by :func:`save` (or by safetensors' or NumPy's own writers).

    Returns a :class:`StateDict` (name -> NumPy array, in the file's order) with ``metadata``.
    Loading never unpickles; a corrupt or truncated file raises ``CheckpointError`` naming it.
    """
    path = Path(path)
    fmt = _format(path, "load")
    if fmt == ".safetensors":
        arrays, meta = read_safetensors(path)
        return StateDict(arrays, metadata=meta)
    arrays = load_npz(path)
    meta: dict[str, str] = {}
    if METADATA_KEY in arrays:
        raw = arrays.pop(METADATA_KEY)
        try:
            if raw.dtype.kind != "U" or raw.ndim != 0:
                raise ValueError(f"a {raw.dtype} array of shape {raw.shape}")
            meta = json.loads(str(raw))
            if not isinstance(meta, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in meta.items()
            ):
                raise ValueError(f"{meta!r}")
        except ValueError as e:
            raise CheckpointError(f"{path}: {METADATA_KEY} must be a 0-d string holding a JSON "
                                  f"object of strings, got {e}") from None
    return StateDict(arrays, metadata=meta)
