"""The dataset store: one data directory, atomic writes, checksums.

Every dataset lives in its own sub-folder of one data directory::

    $DEEPGRAD_DATA            (default: ~/.deepgrad/data)
        mnist/train-images-idx3-ubyte.gz ...
        brown/ca01 ... cr09
        cifar10/cifar-10-python.tar.gz   (user-supplied)

Writes never leave half a file behind: content goes to a temporary file (or folder) in the same
directory and is moved into place with ``os.replace`` only once it is complete and its MD5 is
right. A crash, a corrupt download or a checksum mismatch leaves the store as it was.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

__all__ = [
    "DataError",
    "MissingDataError",
    "ChecksumError",
    "CheckpointError",
    "data_dir",
    "dataset_dir",
    "atomic_write",
    "atomic_dir",
    "md5_file",
    "copy_verified",
    "check_md5",
    "folder_size",
    "say",
]

ENV_VAR = "DEEPGRAD_DATA"
DEFAULT_DIR = Path("~/.deepgrad/data")


class DataError(Exception):
    """A dataset file is unreadable: wrong format, truncated, corrupt."""


class MissingDataError(DataError, FileNotFoundError):
    """A dataset is not in the store and cannot be obtained here; the message says what to do."""


class ChecksumError(DataError):
    """A file's MD5 is not the canonical one."""


class CheckpointError(DataError):
    """A weights file is unreadable: refused pickle global, wrong format, truncated, corrupt."""


def data_dir() -> Path:
    """The store's root: ``$DEEPGRAD_DATA`` if set, else ``~/.deepgrad/data`` (not created)."""
    env = os.environ.get(ENV_VAR)
    return Path(env).expanduser() if env else DEFAULT_DIR.expanduser()


def dataset_dir(name: str, create: bool = False) -> Path:
    """The folder of dataset ``name`` inside the store."""
    path = data_dir() / name
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path


def say(message: str) -> None:
    """A one-line notice on stderr (obtaining data, where it went)."""
    print(f"deepgrad.data: {message}", file=sys.stderr, flush=True)


def file_mode() -> int:
    """The permissions a new file gets from ``open()``: 0o666 less the process's umask."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike) -> Iterator[BinaryIO]:
    """Open a temporary file beside ``path`` for binary writing; on success move it onto ``path``.

    On any exception inside the ``with`` block the temporary file is deleted and ``path`` is
    untouched (an older complete version, or nothing).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, file_mode())  # mkstemp's 0600 -> what open() would have given
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_dir(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary folder beside ``path``; on success it replaces ``path`` as a whole.

    Used for datasets made of many files (the Brown corpus): either all of them are there or
    none is.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent))
    try:
        yield tmp
        if path.exists():
            old = path.with_name(f".{path.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(path, old)
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def md5_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    """The hex MD5 of a file, read in 1 MiB chunks."""
    h = hashlib.md5()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def copy_verified(
    src: BinaryIO, dest: str | os.PathLike, md5: str | None = None, total: int | None = None,
    desc: str | None = None,
) -> Path:
    """Stream ``src`` into ``dest`` atomically, checking the MD5 before the file appears.

    Raises ``ChecksumError`` (and leaves nothing at ``dest``) when the digest differs.
    """
    from .progress import Progress

    dest = Path(dest)
    h = hashlib.md5()
    with atomic_write(dest) as out, Progress(total, desc or dest.name, unit="B") as bar:
        while block := src.read(1 << 20):
            h.update(block)
            out.write(block)
            bar.update(len(block))
        if md5 is not None and h.hexdigest() != md5:
            raise ChecksumError(
                f"{dest.name}: MD5 {h.hexdigest()} differs from the canonical {md5}; "
                "the source is corrupt or not the official file (nothing was written)"
            )
    return dest


def check_md5(path: str | os.PathLike, md5: str) -> None:
    """Raise ``ChecksumError`` naming ``path`` when its MD5 is not ``md5``."""
    got = md5_file(path)
    if got != md5:
        raise ChecksumError(f"{path}: MD5 {got} differs from the canonical {md5}")


def folder_size(path: str | os.PathLike) -> int:
    """Total bytes of the files under ``path`` (0 when absent)."""
    path = Path(path)
    if path.is_file():
        return path.stat().st_size
    if not path.exists():
        return 0
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
