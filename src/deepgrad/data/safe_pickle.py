"""A restricted unpickler for the CIFAR python batches (and nothing else).

``pickle.load`` runs whatever callables a file names, so an untrusted "dataset" could execute
code. The official CIFAR files (pickled by Python 2 with protocol 2) contain only dicts, lists,
byte strings, ints and NumPy arrays; the only globals they reference are the three NumPy needs
to rebuild an array:

    numpy.core.multiarray._reconstruct   numpy.ndarray   numpy.dtype

``load_restricted`` allows exactly those (``numpy.core`` was renamed ``numpy._core`` in NumPy 2:
both spellings are mapped to the current module) and refuses every other global with a
``DataError`` naming it.
"""

from __future__ import annotations

import io
import pickle
from typing import Any, BinaryIO

import numpy as np

from .store import DataError

__all__ = ["load_restricted", "ALLOWED_GLOBALS"]


def _reconstruct():
    try:
        from numpy._core.multiarray import _reconstruct as f
    except ImportError:  # NumPy 1.x
        from numpy.core.multiarray import _reconstruct as f
    return f


ALLOWED_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy", "ndarray"): lambda: np.ndarray,
    ("numpy", "dtype"): lambda: np.dtype,
}


class _Restricted(pickle.Unpickler):
    def __init__(self, file: BinaryIO, name: str) -> None:
        super().__init__(file, encoding="bytes")
        self._name = name

    def find_class(self, module: str, name: str) -> Any:
        resolve = ALLOWED_GLOBALS.get((module, name))
        if resolve is None:
            raise DataError(f"{self._name}: refusing to unpickle global {module}.{name} (a CIFAR "
                            "batch holds only dicts, lists, bytes, ints and NumPy arrays)")
        return resolve()


def load_restricted(data: bytes | BinaryIO, name: str = "<pickle>") -> Any:
    """Unpickle CIFAR-style data with byte-string keys (``encoding="bytes"``), safely.

    Truncated or corrupt data raises ``DataError`` naming ``name``.
    """
    f = io.BytesIO(data) if isinstance(data, bytes | bytearray) else data
    try:
        return _Restricted(f, name).load()
    except DataError:
        raise
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, IndexError,
            AttributeError, KeyError) as e:
        raise DataError(f"{name}: corrupt or truncated pickle ({type(e).__name__}: {e})") from e
