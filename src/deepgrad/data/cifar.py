"""CIFAR-10 and CIFAR-100 (Krizhevsky 2009) from the official archives, user-supplied.

Accepted, in ``$DEEPGRAD_DATA/cifar10/`` (``cifar100/``) or a ``path`` you pass:

- the python version: ``cifar-10-python.tar.gz`` (or its folder ``cifar-10-batches-py/``:
  ``data_batch_1``..``5``, ``test_batch``, ``batches.meta``), ``cifar-100-python.tar.gz``
  (``cifar-100-python/``: ``train``, ``test``, ``meta``). Each batch is a Python-2 pickle of a
  dict ``{b"data": uint8 N x 3072, b"labels": [...], ...}``, read with a restricted unpickler;
- the binary version: ``cifar-10-binary.tar.gz`` (``cifar-10-batches-bin/``:
  ``data_batch_1.bin``.. , ``test_batch.bin``; records of 1 label byte + 3072 pixel bytes) and
  ``cifar-100-binary.tar.gz`` (``cifar-100-binary/train.bin``, ``test.bin``; records of coarse
  byte, fine byte, 3072 pixels).

Pixels are stored channel-planar (1024 red, 1024 green, 1024 blue, rows top to bottom).
"""

from __future__ import annotations

import os
import tarfile
from pathlib import Path

import numpy as np

from .catalog import Dataset, register
from .safe_pickle import load_restricted
from .store import DataError, MissingDataError, check_md5, data_dir, dataset_dir

__all__ = ["cifar10", "cifar100", "CIFAR10_CLASSES", "CIFAR_ARCHIVES"]

CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
                   "ship", "truck")
# archive name -> (folder inside it, official MD5)
CIFAR_ARCHIVES = {
    "cifar-10-python.tar.gz": ("cifar-10-batches-py", "c58f30108f718f92721af3b95e74349a"),
    "cifar-10-binary.tar.gz": ("cifar-10-batches-bin", "c32a1d4ab5d03f1284b67883e8d87530"),
    "cifar-100-python.tar.gz": ("cifar-100-python", "eb9058c3a382ffc7106e4002c42a8d85"),
    "cifar-100-binary.tar.gz": ("cifar-100-binary", "03b5dce01913d631647c71ecec9e9cb8"),
}
_LAYOUT = {  # which: [(archive, train members, test members)] in order of preference
    10: [("cifar-10-python.tar.gz", [f"data_batch_{i}" for i in range(1, 6)], ["test_batch"]),
         ("cifar-10-binary.tar.gz", [f"data_batch_{i}.bin" for i in range(1, 6)],
          ["test_batch.bin"])],
    100: [("cifar-100-python.tar.gz", ["train"], ["test"]),
          ("cifar-100-binary.tar.gz", ["train.bin"], ["test.bin"])],
}
_PIXELS = 3 * 32 * 32


class _Source:
    """The members of one CIFAR version, from its tarball or its extracted folder."""

    def __init__(self, location: Path, inner: str) -> None:
        self.location, self.inner = location, inner
        self._tar = None
        if location.is_file():
            try:
                self._tar = tarfile.open(location, "r:*")
                self._members = {Path(m.name).name: m for m in self._tar.getmembers()
                                 if m.isfile() and Path(m.name).parent.name == inner}
            except (tarfile.TarError, EOFError, OSError) as e:
                raise DataError(f"{location}: corrupt or truncated archive ({e})") from e

    def read(self, member: str) -> bytes:
        if self._tar is None:
            path = self.location / member
            if not path.is_file():
                raise MissingDataError(f"{path} is missing (part of the official {self.inner})")
            return path.read_bytes()
        if member not in self._members:
            raise DataError(f"{self.location}: no member {self.inner}/{member}")
        try:
            return self._tar.extractfile(self._members[member]).read()
        except (tarfile.TarError, EOFError, OSError) as e:
            raise DataError(f"{self.location}: cannot read {member} ({e})") from e

    def close(self) -> None:
        if self._tar is not None:
            self._tar.close()


def _locate(which: int, path: str | os.PathLike | None, verify: bool) -> tuple[_Source, str, list,
                                                                             list]:
    folder = Path(path) if path is not None else dataset_dir(f"cifar{which}")
    for archive, train, test in _LAYOUT[which]:
        inner, md5 = CIFAR_ARCHIVES[archive]
        candidates = [folder] if folder.name in (archive, inner) else [folder / inner,
                                                                       folder / archive]
        for cand in candidates:
            if cand.is_dir() or cand.is_file():
                if cand.is_file() and verify and cand.name == archive:
                    check_md5(cand, md5)
                return _Source(cand, inner), archive, train, test
    names = " or ".join(a for a, _, _ in _LAYOUT[which])
    raise MissingDataError(
        f"CIFAR-{which} is user-supplied (no package registry carries it): put the official "
        f"{names} (or its extracted folder) into {data_dir() / f'cifar{which}'}, or pass "
        f"path=... to cifar{which}()")


def _python_batch(src: _Source, member: str, which: int, label_key: bytes):
    d = load_restricted(src.read(member), f"{src.location}:{member}")
    if not isinstance(d, dict) or b"data" not in d or label_key not in d:
        raise DataError(f"{src.location}:{member}: not a CIFAR-{which} batch (expected a dict "
                        f"with b'data' and {label_key!r})")
    x, y = d[b"data"], d[label_key]
    if not isinstance(x, np.ndarray) or x.dtype != np.uint8 or x.ndim != 2 \
            or x.shape[1] != _PIXELS or len(y) != len(x):
        shape = getattr(x, "shape", type(x).__name__)
        raise DataError(f"{src.location}:{member}: data {shape} / {len(y)} labels; expected "
                        f"uint8 N x {_PIXELS} and N labels")
    return x, np.asarray(y, dtype=np.int64)


def _binary_batch(src: _Source, member: str, n_labels: int, label_index: int):
    raw = src.read(member)
    rec = n_labels + _PIXELS
    if len(raw) == 0 or len(raw) % rec:
        raise DataError(f"{src.location}:{member}: {len(raw)} bytes is not a whole number of "
                        f"{rec}-byte records (truncated?)")
    a = np.frombuffer(raw, np.uint8).reshape(-1, rec)
    return a[:, n_labels:].copy(), a[:, label_index].astype(np.int64)


def _load(which: int, path, verify: bool, channels_last: bool, label_mode: str = "fine"):
    src, archive, train, test = _locate(which, path, verify)
    python = "python" in archive
    try:
        out = []
        for members in (train, test):
            xs, ys = [], []
            for m in members:
                if python:
                    key = b"labels" if which == 10 else (b"fine_labels" if label_mode == "fine"
                                                         else b"coarse_labels")
                    x, y = _python_batch(src, m, which, key)
                else:
                    n_labels = 1 if which == 10 else 2
                    x, y = _binary_batch(src, m, n_labels,
                                         0 if which == 10 or label_mode == "coarse" else 1)
                xs.append(x)
                ys.append(y)
            x = np.concatenate(xs).reshape(-1, 3, 32, 32)
            if channels_last:
                x = np.ascontiguousarray(x.transpose(0, 2, 3, 1))
            out.append((x, np.concatenate(ys)))
    finally:
        src.close()
    return tuple(out)


def cifar10(path: str | os.PathLike | None = None, channels_last: bool = False,
            verify: bool = True):
    """CIFAR-10: ``(x_train, y_train), (x_test, y_test)``, 50,000 + 10,000 images.

    ``x`` is uint8 N x 3 x 32 x 32 (NCHW, deepgrad's layout) or N x 32 x 32 x 3 with
    ``channels_last=True`` (Keras' layout); ``y`` int64 in 0..9 (``CIFAR10_CLASSES``).
    ``verify`` checks an official tarball's MD5.
    """
    return _load(10, path, verify, channels_last)


def cifar100(path: str | os.PathLike | None = None, label_mode: str = "fine",
             channels_last: bool = False, verify: bool = True):
    """CIFAR-100: like ``cifar10`` with 100 ``"fine"`` or 20 ``"coarse"`` labels."""
    if label_mode not in ("fine", "coarse"):
        raise ValueError(f"cifar100: label_mode must be 'fine' or 'coarse', got {label_mode!r}")
    return _load(100, path, verify, channels_last, label_mode)


def _present(which: int) -> bool:
    folder = dataset_dir(f"cifar{which}")
    return any((folder / archive).is_file() or (folder / CIFAR_ARCHIVES[archive][0]).is_dir()
               for archive, _, _ in _LAYOUT[which])


for _n in (10, 100):
    register(Dataset(
        f"cifar{_n}", f"CIFAR-{_n}, 50k+10k 32x32 colour images (python or binary archive)",
        f"user-supplied: put cifar-{_n}-python.tar.gz (or -binary) into <data>/cifar{_n}/",
        (lambda n=_n: _present(n))))
