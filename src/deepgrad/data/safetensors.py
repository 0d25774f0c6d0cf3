"""Tensor files without pickles: ``.safetensors`` (parsed here) and ``.npz``.

safetensors layout: an unsigned little-endian 64-bit header length N, then N bytes of JSON
``{"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...,
"__metadata__": {...}}``, then the raw little-endian data; offsets count from the end of the
header. Every entry is checked (dtype known, offsets inside the file, size = prod(shape) *
itemsize) before any array is made.
"""

from __future__ import annotations

import collections
import json
import os
import struct
import zipfile
from pathlib import Path

import numpy as np

from .store import CheckpointError

__all__ = ["load_safetensors", "load_npz", "is_safetensors", "SAFETENSORS_DTYPES"]

SAFETENSORS_DTYPES = {
    "F64": "<f8", "F32": "<f4", "F16": "<f2", "BF16": "bf16", "I64": "<i8", "I32": "<i4",
    "I16": "<i2", "I8": "i1", "U64": "<u8", "U32": "<u4", "U16": "<u2", "U8": "u1", "BOOL": "?",
}
_MAX_HEADER = 100 << 20


def is_safetensors(path: str | os.PathLike) -> bool:
    """True when the file starts like a safetensors file (a plausible length, then ``{``)."""
    try:
        with open(path, "rb") as f:
            head = f.read(9)
    except OSError:
        return False
    if len(head) < 9:
        return False
    (n,) = struct.unpack("<Q", head[:8])
    return 2 <= n <= _MAX_HEADER and head[8:9] == b"{"


def load_safetensors(path: str | os.PathLike) -> collections.OrderedDict[str, np.ndarray]:
    """name -> array from a ``.safetensors`` file (in the file's order)."""
    path = Path(path)
    try:
        blob = path.read_bytes()
    except FileNotFoundError as e:
        raise CheckpointError(f"{path}: no such file") from e
    if len(blob) < 8:
        raise CheckpointError(f"{path}: truncated safetensors file ({len(blob)} bytes)")
    (n,) = struct.unpack("<Q", blob[:8])
    if n > _MAX_HEADER or 8 + n > len(blob):
        raise CheckpointError(f"{path}: safetensors header length {n} exceeds the file "
                              f"({len(blob)} bytes): truncated or not safetensors")
    try:
        header = json.loads(blob[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise CheckpointError(f"{path}: safetensors header is not valid JSON ({e})") from e
    if not isinstance(header, dict):
        raise CheckpointError(f"{path}: safetensors header is a {type(header).__name__}, "
                              "expected an object")
    data = memoryview(blob)[8 + n:]
    out: collections.OrderedDict[str, np.ndarray] = collections.OrderedDict()
    for key, meta in header.items():
        if key == "__metadata__":
            continue
        try:
            code = SAFETENSORS_DTYPES[meta["dtype"]]
            shape = tuple(int(s) for s in meta["shape"])
            begin, end = (int(o) for o in meta["data_offsets"])
        except (KeyError, TypeError, ValueError) as e:
            raise CheckpointError(f"{path}: entry {key!r}: bad header fields {meta!r} "
                                  f"(need a known dtype, shape, data_offsets)") from e
        dt = np.dtype("<u2") if code == "bf16" else np.dtype(code)
        want = int(np.prod(shape)) * dt.itemsize
        if min(shape, default=0) < 0 or not 0 <= begin <= end <= len(data) or end - begin != want:
            raise CheckpointError(
                f"{path}: entry {key!r}: data_offsets [{begin}, {end}] for shape {shape} "
                f"{meta['dtype']} (expected {want} bytes inside {len(data)}): corrupt or truncated")
        a = np.frombuffer(data[begin:end], dtype=dt).reshape(shape).astype(dt.newbyteorder("="))
        if code == "bf16":
            a = (a.astype(np.uint32) << 16).view(np.float32)
        out[key] = a
    return out


def load_npz(path: str | os.PathLike) -> collections.OrderedDict[str, np.ndarray]:
    """name -> array from an ``.npz`` (``np.savez``), never unpickling (allow_pickle=False)."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as z:
            return collections.OrderedDict((k, z[k]) for k in z.files)
    except FileNotFoundError as e:
        raise CheckpointError(f"{path}: no such file") from e
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as e:
        raise CheckpointError(f"{path}: unreadable .npz ({type(e).__name__}: {e})") from e
