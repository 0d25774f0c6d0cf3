"""Tensor files without pickles: ``.safetensors`` (read and written here) and ``.npz``.

safetensors layout: an unsigned little-endian 64-bit header length N, then N bytes of JSON
``{"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...,
"__metadata__": {"key": "value", ...}}``, then the raw little-endian data; offsets count from
the end of the header. Every entry is checked (dtype known, offsets inside the file, size =
prod(shape) * itemsize, no two entries overlapping, every data byte belonging to one entry, as
the format's own validator requires) before any array is made.

The writer pads the header with spaces so the data starts at a multiple of 8 bytes, and lays
the data out by decreasing item size (so every tensor starts at a multiple of its own item
size, as the reference writer does) while the header keeps the caller's order, which the
reader gives back. bfloat16 (``BF16``) is read widened to float32 (exact); an array of
``ml_dtypes.bfloat16`` is written as ``BF16``.
"""

from __future__ import annotations

import collections
import collections.abc
import json
import os
import struct
import zipfile
from pathlib import Path

import numpy as np

from .store import CheckpointError

__all__ = ["load_safetensors", "read_safetensors", "save_safetensors", "load_npz",
           "is_safetensors", "SAFETENSORS_DTYPES"]

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
    return read_safetensors(path)[0]


def _unique_keys(pairs: list[tuple[str, object]]) -> dict:
    out: dict = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"duplicate key {k!r}")
        out[k] = v
    return out


def read_safetensors(
    path: str | os.PathLike,
) -> tuple[collections.OrderedDict[str, np.ndarray], dict[str, str]]:
    """(name -> array in the file's order, the header's ``__metadata__`` as str -> str)."""
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
        header = json.loads(blob[8:8 + n].decode("utf-8"), object_pairs_hook=_unique_keys)
    except (UnicodeDecodeError, ValueError) as e:
        raise CheckpointError(f"{path}: safetensors header is not valid JSON ({e})") from e
    if not isinstance(header, dict):
        raise CheckpointError(f"{path}: safetensors header is a {type(header).__name__}, "
                              "expected an object")
    metadata = header.get("__metadata__", {})
    if not isinstance(metadata, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()
    ):
        raise CheckpointError(f"{path}: __metadata__ must map strings to strings, got "
                              f"{metadata!r}")
    data = memoryview(blob)[8 + n:]
    out: collections.OrderedDict[str, np.ndarray] = collections.OrderedDict()
    spans: list[tuple[int, int, str]] = []
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
        spans.append((begin, end, key))
        a = np.frombuffer(data[begin:end], dtype=dt).reshape(shape).astype(dt.newbyteorder("="))
        if code == "bf16":
            a = (a.astype(np.uint32) << 16).view(np.float32)
        out[key] = a
    _check_coverage(path, spans, len(data))
    return out, dict(metadata)


def _check_coverage(path: Path, spans: list[tuple[int, int, str]], size: int) -> None:
    """The entries' byte ranges tile the data exactly: no overlap, no hole, nothing after."""
    pos, prev = 0, None
    for begin, end, key in sorted(spans):
        if begin < pos:
            raise CheckpointError(f"{path}: entries {prev!r} and {key!r} overlap (data_offsets "
                                  f"[{begin}, {end}] start before byte {pos}): corrupt file")
        if begin > pos:
            raise CheckpointError(f"{path}: bytes [{pos}, {begin}) of the data belong to no "
                                  f"entry (before {key!r}): corrupt file")
        pos, prev = end, key
    if pos != size:
        raise CheckpointError(f"{path}: the data has {size} bytes but the entries end at byte "
                              f"{pos}: corrupt file")


_CODES = {np.dtype(v).str if v != "bf16" else "bf16": k for k, v in SAFETENSORS_DTYPES.items()}


def _safetensors_code(key: str, a: np.ndarray) -> tuple[str, np.ndarray]:
    """The header's dtype code of ``a`` and ``a`` as contiguous little-endian bytes' owner."""
    if a.dtype.name == "bfloat16":  # ml_dtypes.bfloat16: two bytes, written as they are
        return "BF16", np.asarray(a, order="C").view(np.uint16).astype("<u2", copy=False)
    le = a.dtype.newbyteorder("<") if a.dtype.byteorder not in "|<" else a.dtype
    code = _CODES.get(le.str) if a.dtype.kind in "biuf" else None
    if code is None:
        raise ValueError(f"save_safetensors: entry {key!r} has dtype {a.dtype}; safetensors holds "
                         f"{', '.join(SAFETENSORS_DTYPES)} (bool, integers, float16/32/64, "
                         "bfloat16)")
    return code, np.asarray(a, dtype=le, order="C")  # (0-d stays 0-d)


def save_safetensors(
    path: str | os.PathLike,
    tensors: collections.abc.Mapping[str, np.ndarray],
    metadata: collections.abc.Mapping[str, str] | None = None,
) -> Path:
    """Write name -> array as a ``.safetensors`` file, atomically (temp file + ``os.replace``).

    ``metadata`` (str -> str) goes in the header's ``__metadata__``. Names must be strings and
    ``__metadata__`` is reserved.
    """
    from .store import atomic_write

    path = Path(path)
    meta = dict(metadata or {})
    bad = {k: v for k, v in meta.items() if not (isinstance(k, str) and isinstance(v, str))}
    if bad:
        raise ValueError(f"save_safetensors: metadata must map strings to strings, got {bad!r}")
    entries = []
    for key, a in tensors.items():
        if not isinstance(key, str):
            raise ValueError(f"save_safetensors: names must be strings, got {key!r}")
        if key == "__metadata__":
            raise ValueError("save_safetensors: '__metadata__' is reserved for the metadata")
        code, raw = _safetensors_code(key, np.asarray(a))
        entries.append((key, code, raw))
    layout = sorted(range(len(entries)), key=lambda i: -entries[i][2].itemsize)  # stable
    offsets: dict[int, tuple[int, int]] = {}
    pos = 0
    for i in layout:
        offsets[i] = (pos, pos + entries[i][2].nbytes)
        pos += entries[i][2].nbytes
    header: dict = {"__metadata__": meta} if meta else {}
    for i, (key, code, raw) in enumerate(entries):
        header[key] = {"dtype": code, "shape": list(raw.shape), "data_offsets": list(offsets[i])}
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    head += b" " * (-(8 + len(head)) % 8)
    with atomic_write(path) as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for i in layout:
            raw = entries[i][2]
            if raw.size:
                f.write(raw.reshape(-1).view(np.uint8).data)
    return path


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
