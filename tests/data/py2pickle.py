"""Write pickles exactly as Python 2 + NumPy 1.x wrote the official CIFAR batches.

Python 3's own protocol-2 pickles encode ``bytes`` through ``_codecs.encode`` and name
``numpy._core``; the official files use plain ``BINSTRING`` opcodes and
``numpy.core.multiarray._reconstruct``. This tiny writer emits the Python-2 opcodes for the
types CIFAR files hold: dict, list, bytes (py2 str), int, uint8 NumPy arrays.
"""

import struct

import numpy as np


def _str(b: bytes) -> bytes:
    if len(b) < 256:
        return b"U" + bytes([len(b)]) + b  # SHORT_BINSTRING
    return b"T" + struct.pack("<i", len(b)) + b  # BINSTRING


def _int(n: int) -> bytes:
    if 0 <= n < 256:
        return b"K" + bytes([n])
    return b"J" + struct.pack("<i", n)


def _obj(o) -> bytes:
    if isinstance(o, bytes):
        return _str(o)
    if isinstance(o, bool) or o is None:
        return {True: b"\x88", False: b"\x89", None: b"N"}[o]
    if isinstance(o, int):
        return _int(o)
    if isinstance(o, list):
        return b"](" + b"".join(_obj(x) for x in o) + b"e"  # EMPTY_LIST MARK ... APPENDS
    if isinstance(o, tuple):
        return b"(" + b"".join(_obj(x) for x in o) + b"t"
    if isinstance(o, dict):
        return b"}(" + b"".join(_obj(k) + _obj(v) for k, v in o.items()) + b"u"
    if isinstance(o, np.ndarray):
        assert o.dtype == np.uint8
        dtype = (b"cnumpy\ndtype\n" + _obj((b"u1", 0, 1)) + b"R"
                 + _obj((3, b"|", None, None, None, -1, -1, 0)) + b"b")
        return (b"cnumpy.core.multiarray\n_reconstruct\n"
                + b"(cnumpy\nndarray\n" + _obj((0,)) + _str(b"b") + b"tR"
                + b"(" + _int(1) + _obj(tuple(o.shape)) + dtype + b"\x89"
                + _str(np.ascontiguousarray(o).tobytes()) + b"tb")
    raise TypeError(type(o))


def dumps_py2(o) -> bytes:
    """Protocol-2 pickle of ``o`` with Python 2's opcodes."""
    return b"\x80\x02" + _obj(o) + b"."
