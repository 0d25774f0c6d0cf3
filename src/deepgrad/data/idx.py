"""The IDX file format of MNIST and Fashion-MNIST (plain or gzip-compressed).

Layout (big-endian): two zero bytes, a type code (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
0x0D float32, 0x0E float64), the number of dimensions ``d``, then ``d`` uint32 sizes, then the
data in C order.
"""

from __future__ import annotations

import gzip
import os
import struct
import zlib
from pathlib import Path

import numpy as np

from .store import DataError, atomic_write

__all__ = ["read_idx", "write_idx", "parse_idx"]

_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_CODES = {np.dtype(v).newbyteorder("="): k for k, v in _DTYPES.items()}


def parse_idx(raw: bytes, name: str = "<bytes>") -> np.ndarray:
    """Decode the bytes of one (uncompressed) IDX file into an array of native byte order."""
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise DataError(f"{name}: not an IDX file (expected magic 00 00 <type> <ndim>, "
                        f"got {raw[:4].hex() or 'nothing'})")
    code, ndim = raw[2], raw[3]
    if code not in _DTYPES:
        raise DataError(f"{name}: unknown IDX type code 0x{code:02x}")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(f"{name}: truncated IDX header ({len(raw)} bytes, need {header})")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    dtype = np.dtype(_DTYPES[code])
    need = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    have = len(raw) - header
    if have != need:
        what = "truncated" if have < need else "has trailing bytes"
        raise DataError(f"{name}: IDX file {what}: shape {shape} needs {need} data bytes, "
                        f"found {have}")
    arr = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return arr.astype(dtype.newbyteorder("="), copy=True)


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file; a ``.gz`` name (or the gzip magic) means gzip-compressed."""
    path = Path(path)
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (EOFError, OSError, zlib.error) as e:
            raise DataError(f"{path}: corrupt or truncated gzip data ({e})") from e
    return parse_idx(raw, str(path))


def write_idx(path: str | os.PathLike, array: np.ndarray) -> Path:
    """Write ``array`` as an IDX file, atomically (gzip-compressed for a ``.gz`` name)."""
    array = np.asarray(array)
    key = array.dtype.newbyteorder("=")
    if key not in _CODES:
        raise DataError(f"write_idx: dtype {array.dtype} has no IDX type code")
    code = _CODES[key]
    body = struct.pack(">BBBB", 0, 0, code, array.ndim)
    body += struct.pack(f">{array.ndim}I", *array.shape)
    body += np.ascontiguousarray(array, dtype=_DTYPES[code]).tobytes()
    path = Path(path)
    if path.suffix == ".gz":
        body = gzip.compress(body, mtime=0)
    with atomic_write(path) as f:
        f.write(body)
    return path
