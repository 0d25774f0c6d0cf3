"""PyTorch checkpoints read into NumPy arrays, safely and without PyTorch.

``torch.save(state_dict, path)`` writes a pickle. ``pickle.load`` would call whatever callable the
file names, so a checkpoint from the internet could run code. This module reads the two formats
``torch.save`` has used with a *restricted* unpickler, whose ``find_class`` resolves only

    torch._utils._rebuild_tensor_v2 / _rebuild_tensor   a tensor: (storage, offset, size, stride)
    torch._utils._rebuild_parameter                       a Parameter wrapping such a tensor
    torch.FloatStorage, torch.LongStorage, ...            the element type of a storage
    collections.OrderedDict                               the state dict itself

to small functions of ours that build NumPy arrays (torch is never imported). Any other global
(``os.system``, ``builtins.eval``, a model class, ...) raises :class:`CheckpointError` naming the
file and the global, before anything it names could be called.

The two formats:

- **zip** (torch >= 1.6, the default): ``<name>/data.pkl`` is the pickle; tensor data lives in
  one member per storage, ``<name>/data/<key>``; ``<name>/byteorder`` says ``little`` or ``big``
  (absent in old files: little). A storage is named in the pickle by a *persistent id*
  ``('storage', storage_type, key, location, numel)``.
- **legacy** (``_use_new_zipfile_serialization=False``, and files from torch < 1.6): five
  pickles one after another: the magic number 0x1950a86a20f9469cfc6c, the protocol version
  (1001), a dict of system info (``little_endian``, type sizes), the main pickle (persistent id
  ``('storage', storage_type, key, location, numel, view_metadata)``), the list of storage keys;
  then, for each key in that order, an int64 element count and the storage's raw bytes.

A tensor is a strided view into a storage: element ``[i0, i1, ...]`` is
``storage[offset + i0 * stride0 + i1 * stride1 + ...]``. Each tensor is returned as its own
C-contiguous array (views and tensors sharing a storage get separate copies), after checking
that the view stays inside its storage. Nothing half-read is ever returned: a truncated or
corrupt file raises :class:`CheckpointError`.

:func:`load_torch_state_dict` also reads ``.safetensors`` and ``.npz`` (see ``safetensors.py``).
"""

from __future__ import annotations

import collections
import io
import os
import pickle
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from .store import CheckpointError

__all__ = ["load_torch_state_dict", "load_torch_checkpoint", "CheckpointError",
           "STORAGE_DTYPES", "LEGACY_MAGIC"]

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL = 1001


# torch storage class -> NumPy dtype ("bfloat16" has no NumPy type: widened to float32)
STORAGE_DTYPES: dict[str, str] = {
    "FloatStorage": "f4", "DoubleStorage": "f8", "HalfStorage": "f2", "BFloat16Storage": "bf16",
    "LongStorage": "i8", "IntStorage": "i4", "ShortStorage": "i2", "CharStorage": "i1",
    "ByteStorage": "u1", "BoolStorage": "?", "ComplexFloatStorage": "c8",
    "ComplexDoubleStorage": "c16",
}


@dataclass
class _StorageType:
    """What ``torch.FloatStorage`` & co. unpickle to: just the element type."""

    name: str

    @property
    def dtype(self) -> np.dtype:
        code = STORAGE_DTYPES[self.name]
        return np.dtype("u2") if code == "bf16" else np.dtype(code)


@dataclass
class _Storage:
    """One storage: its element type, key and (once read) its flat data."""

    kind: _StorageType
    key: str
    numel: int
    data: np.ndarray | None = None


@dataclass
class _TensorRef:
    """A tensor still to be built: a strided view into a storage (the legacy format reads the
    storages only after the main pickle, so building waits until all storages are in)."""

    storage: _Storage
    offset: int
    size: tuple[int, ...]
    stride: tuple[int, ...]


def _rebuild_tensor(storage: Any, storage_offset: Any, size: Any, stride: Any, *rest: Any) -> Any:
    """``torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad,
    backward_hooks[, metadata])``: only the first four matter for the values."""
    if not isinstance(storage, _Storage):
        raise TypeError(f"a tensor's storage must come from a persistent id, got "
                        f"{type(storage).__name__}")
    return _TensorRef(storage, int(storage_offset), tuple(int(s) for s in size),
                      tuple(int(s) for s in stride))


def _rebuild_parameter(data: Any, requires_grad: Any = None, backward_hooks: Any = None,
                       *rest: Any) -> Any:
    """``torch._utils._rebuild_parameter(data, requires_grad, backward_hooks)``: the data."""
    return data


_REBUILDERS = {
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
    ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
    ("collections", "OrderedDict"): collections.OrderedDict,
}


class _Unpickler(pickle.Unpickler):
    """Resolves only the globals above; storages come from ``persistent_load``."""

    def __init__(self, file: BinaryIO, name: str, storages: dict[str, _Storage],
                 legacy: bool) -> None:
        super().__init__(file)
        self._name = name
        self._storages = storages
        self._legacy = legacy

    def find_class(self, module: str, name: str) -> Any:
        found = _REBUILDERS.get((module, name))
        if found is not None:
            return found
        if module == "torch" and name in STORAGE_DTYPES:
            return _StorageType(name)
        raise CheckpointError(
            f"{self._name}: refusing to unpickle global {module}.{name}: a state dict holds "
            "only tensors, storages and plain containers (this file may try to run code; "
            "nothing it names was called)")

    def persistent_load(self, pid: Any) -> Any:
        n = 6 if self._legacy else 5
        if not (isinstance(pid, tuple) and len(pid) == n and pid[0] == "storage"):
            what = pid[0] if isinstance(pid, tuple) and pid else pid
            raise CheckpointError(f"{self._name}: unsupported persistent id {what!r} (only "
                                  "storages can be loaded; a pickled module is refused)")
        kind, key, numel = pid[1], str(pid[2]), int(pid[4])
        if not isinstance(kind, _StorageType):
            raise CheckpointError(f"{self._name}: storage {key} has no storage type")
        if self._legacy and pid[5] is not None:
            raise CheckpointError(f"{self._name}: storage {key}: old-style storage views "
                                  "(torch < 0.4) are not supported")
        if key not in self._storages:
            self._storages[key] = _Storage(kind, key, numel)
        return self._storages[key]


def _unpickle(f: BinaryIO, name: str, storages: dict[str, _Storage], legacy: bool) -> Any:
    try:
        return _Unpickler(f, name, storages, legacy).load()
    except CheckpointError:
        raise
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, IndexError,
            AttributeError, KeyError, struct.error, MemoryError) as e:
        raise CheckpointError(f"{name}: corrupt or truncated pickle "
                              f"({type(e).__name__}: {e})") from e


def _as_array(raw: bytes, kind: _StorageType, little: bool, name: str, key: str) -> np.ndarray:
    dt = kind.dtype.newbyteorder("<" if little else ">")
    if len(raw) % dt.itemsize:
        raise CheckpointError(f"{name}: storage {key} has {len(raw)} bytes, not a multiple of "
                              f"{dt.itemsize} ({kind.name})")
    a = np.frombuffer(raw, dtype=dt).astype(dt.newbyteorder("="), copy=True)
    if STORAGE_DTYPES[kind.name] == "bf16":  # bfloat16 = the high half of a float32
        a = (a.astype(np.uint32) << 16).view(np.float32)
    return a


def _build(obj: Any, name: str) -> Any:
    """Replace every :class:`_TensorRef` inside dicts/lists/tuples by its array."""
    if isinstance(obj, _TensorRef):
        return _materialize(obj, name)
    if isinstance(obj, dict):
        out = type(obj)() if isinstance(obj, collections.OrderedDict) else {}
        for k, v in obj.items():
            out[k] = _build(v, name)
        return out
    if isinstance(obj, list):
        return [_build(v, name) for v in obj]
    if isinstance(obj, tuple):
        return tuple(_build(v, name) for v in obj)
    if isinstance(obj, _Storage | _StorageType):
        raise CheckpointError(f"{name}: a bare storage is not a tensor (not a state dict)")
    return obj


def _materialize(t: _TensorRef, name: str) -> np.ndarray:
    data = t.storage.data
    if data is None:
        raise CheckpointError(f"{name}: storage {t.storage.key} was never written "
                              "(truncated file)")
    if len(t.size) != len(t.stride) or min(t.size, default=1) < 0 or min(t.stride, default=0) < 0:
        raise CheckpointError(f"{name}: tensor with size {t.size} and stride {t.stride} is "
                              "malformed")
    count = int(np.prod(t.size))
    if count:
        last = t.offset + sum((n - 1) * s for n, s in zip(t.size, t.stride, strict=True))
        if t.offset < 0 or last >= data.size:
            raise CheckpointError(
                f"{name}: tensor (offset {t.offset}, size {t.size}, stride {t.stride}) reaches "
                f"element {last} of storage {t.storage.key}, which has {data.size} (corrupt)")
        view = np.lib.stride_tricks.as_strided(
            data[t.offset:], shape=t.size, strides=[s * data.itemsize for s in t.stride],
            writeable=False)
    else:
        view = np.empty(t.size, data.dtype)
    return np.array(view, order="C", copy=True)


# ------------------------------------------------------------------------------ zip format
def _load_zip(zf: zipfile.ZipFile, name: str) -> Any:
    pkl = [n for n in zf.namelist() if n.endswith("data.pkl") and n.count("/") == 1]
    if len(pkl) != 1:
        raise CheckpointError(f"{name}: a zip file but not a PyTorch checkpoint (expected one "
                              f"<archive>/data.pkl, found {len(pkl)})")
    root = pkl[0].split("/")[0]
    little = True
    if f"{root}/byteorder" in zf.namelist():
        order = zf.read(f"{root}/byteorder").decode("ascii", "replace").strip()
        if order not in ("little", "big"):
            raise CheckpointError(f"{name}: byteorder is {order!r}, expected little or big")
        little = order == "little"
    storages: dict[str, _Storage] = {}
    obj = _unpickle(io.BytesIO(zf.read(pkl[0])), name, storages, legacy=False)
    for key, st in storages.items():
        member = f"{root}/data/{key}"
        try:
            raw = zf.read(member)
        except KeyError as e:
            raise CheckpointError(f"{name}: storage {key} is missing ({member})") from e
        st.data = _as_array(raw, st.kind, little, name, key)
    return obj


# ------------------------------------------------------------------------------ legacy format
def _load_legacy(f: BinaryIO, name: str) -> Any:
    magic = _unpickle(f, name, {}, legacy=True)
    if magic != LEGACY_MAGIC:
        raise CheckpointError(f"{name}: not a PyTorch checkpoint (the first pickle is "
                              f"{magic!r:.60}, expected the magic number {LEGACY_MAGIC:#x})")
    protocol = _unpickle(f, name, {}, legacy=True)
    if protocol != LEGACY_PROTOCOL:
        raise CheckpointError(f"{name}: legacy protocol version {protocol!r}, expected "
                              f"{LEGACY_PROTOCOL}")
    info = _unpickle(f, name, {}, legacy=True)
    little = bool(info.get("little_endian", True)) if isinstance(info, dict) else True
    storages: dict[str, _Storage] = {}
    obj = _unpickle(f, name, storages, legacy=True)
    keys = _unpickle(f, name, {}, legacy=True)
    if not isinstance(keys, list):
        raise CheckpointError(f"{name}: storage key list is a {type(keys).__name__}")
    for key in keys:
        st = storages.get(str(key))
        if st is None:
            raise CheckpointError(f"{name}: storage {key} is listed but never used")
        head = f.read(8)
        if len(head) < 8:
            raise CheckpointError(f"{name}: truncated before storage {key}")
        (numel,) = struct.unpack("<q" if little else ">q", head)
        nbytes = numel * st.kind.dtype.itemsize
        if not 0 <= numel <= 1 << 40:
            raise CheckpointError(f"{name}: storage {key} claims {numel} elements (corrupt)")
        raw = f.read(nbytes)
        if len(raw) < nbytes:
            raise CheckpointError(f"{name}: truncated in storage {key} ({len(raw)} of "
                                  f"{nbytes} bytes)")
        st.data = _as_array(raw, st.kind, little, name, str(key))
    return obj


def load_torch_checkpoint(path: str | os.PathLike) -> Any:
    """Everything a ``torch.save`` file holds (zip or legacy format), tensors as NumPy arrays.

    Only tensors, storages, dicts/lists/tuples and plain values are rebuilt; anything else a
    pickle names raises :class:`CheckpointError` without being called.
    """
    path = Path(path)
    name = str(path)
    try:
        with open(path, "rb") as f:
            head = f.read(4)
            f.seek(0)
            if head.startswith(b"PK"):
                try:
                    zf = zipfile.ZipFile(f)
                except zipfile.BadZipFile as e:
                    raise CheckpointError(f"{name}: corrupt zip checkpoint ({e})") from e
                with zf:
                    try:
                        obj = _load_zip(zf, name)
                    except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as e:
                        raise CheckpointError(f"{name}: corrupt zip checkpoint ({e})") from e
            elif head[:1] == b"\x80":
                obj = _load_legacy(f, name)
            else:
                raise CheckpointError(f"{name}: not a PyTorch checkpoint (starts with "
                                      f"{head!r}; expected a zip or a pickle)")
    except FileNotFoundError as e:
        raise CheckpointError(f"{name}: no such file") from e
    return _build(obj, name)


def load_torch_state_dict(path: str | os.PathLike) -> collections.OrderedDict[str, np.ndarray]:
    """A state dict (name -> NumPy array) from a checkpoint file, without PyTorch.

    Reads ``torch.save`` files (zip and legacy formats, restricted unpickler), ``.safetensors``
    (header parsed here) and ``.npz`` (``allow_pickle=False``). A checkpoint that wraps its
    state dict (``{"state_dict": {...}}`` or ``{"model": {...}}``) is unwrapped. Raises
    :class:`CheckpointError` naming the file for anything unreadable or refused.
    """
    from .safetensors import is_safetensors, load_npz, load_safetensors

    path = Path(path)
    if path.suffix == ".npz":
        return load_npz(path)
    if path.suffix == ".safetensors" or is_safetensors(path):
        return load_safetensors(path)
    obj = load_torch_checkpoint(path)
    if isinstance(obj, dict):
        for wrap in ("state_dict", "model", "model_state_dict"):
            inner = obj.get(wrap)
            if isinstance(inner, dict) and inner and all(isinstance(k, str) for k in inner):
                obj = inner
                break
    if not isinstance(obj, dict) or not all(isinstance(k, str) for k in obj):
        raise CheckpointError(f"{path}: holds a {type(obj).__name__}, not a state dict "
                              "(a dict of name -> tensor)")
    out: collections.OrderedDict[str, np.ndarray] = collections.OrderedDict()
    for k, v in obj.items():
        if not isinstance(v, np.ndarray):
            raise CheckpointError(f"{path}: entry {k!r} is a {type(v).__name__}, not a tensor")
        out[k] = v
    return out
