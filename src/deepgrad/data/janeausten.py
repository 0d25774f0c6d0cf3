"""Jane Austen's six completed novels, as the R package ``janeaustenr`` ships them.

Debian packages it as ``r-cran-janeaustenr`` (1.0.0-1). The texts sit in R's *lazy-load
database* ``data/Rdata.rdb`` with its index ``data/Rdata.rdx``: the index is a gzip-compressed
R serialization of ``{variables: {name: (offset, length)}}``; each object in the ``.rdb`` is a
4-byte big-endian length followed by a zlib stream of an R serialization (here a character
vector: one line of the book per element). The R serializations are read with PyPI ``rdata``
(optional dependency, in the ``extras``). ``apt-get download`` + ``dpkg -x`` fetch the package
into a temporary folder; nothing is installed.
"""

from __future__ import annotations

import gzip
import os
import shutil
import struct
import subprocess
import tempfile
import warnings
import zlib
from pathlib import Path

from .catalog import Dataset, register
from .sources import child_stream
from .store import DataError, MissingDataError, copy_verified, dataset_dir, md5_file, say

__all__ = ["AUSTEN_BOOKS", "austen_books", "read_lazyload_db", "obtain_janeausten"]

AUSTEN_DEB = "r-cran-janeaustenr"
AUSTEN_DEB_VERSION = "1.0.0-1"
FOLDER = "janeausten"
_IN_DEB = "usr/lib/R/site-library/janeaustenr/data/"
AUSTEN_FILES = {
    "Rdata.rdb": "51f7db053902045d33739c77703dffeb",
    "Rdata.rdx": "80fa4c1cd71e23b31dd1567174829829",
}
# the variable names in the database, in publication order, with the books' titles
AUSTEN_BOOKS = {
    "sensesensibility": "Sense & Sensibility",
    "prideprejudice": "Pride & Prejudice",
    "mansfieldpark": "Mansfield Park",
    "emma": "Emma",
    "northangerabbey": "Northanger Abbey",
    "persuasion": "Persuasion",
}


def _rdata():
    try:
        import rdata
    except ImportError:
        raise MissingDataError("reading Jane Austen's novels (R data) needs the PyPI package "
                               "'rdata': pip install rdata (or deepgrad[extras])") from None
    return rdata


def _parse(raw: bytes, where: str):
    rdata = _rdata()
    try:
        with warnings.catch_warnings():  # an unframed serialization: 'assumed RDS' is right
            warnings.simplefilter("ignore")
            return rdata.conversion.convert(rdata.parser.parse_data(raw))
    except Exception as e:  # noqa: BLE001 - rdata raises many kinds on corrupt input
        raise DataError(f"{where}: not a readable R serialization ({type(e).__name__}: {e})"
                        ) from None


def read_lazyload_db(rdx: str | os.PathLike, rdb: str | os.PathLike) -> dict[str, object]:
    """Every object of an R lazy-load database (``.rdx`` index + ``.rdb`` data) by name."""
    rdx, rdb = Path(rdx), Path(rdb)
    for p in (rdx, rdb):
        if not p.is_file():
            raise MissingDataError(f"{p}: not found (an R lazy-load database needs both the "
                                   ".rdx index and the .rdb data)")
    try:
        index = _parse(gzip.decompress(rdx.read_bytes()), str(rdx))
    except (OSError, EOFError, zlib.error) as e:
        raise DataError(f"{rdx}: not a gzip-compressed R index ({e})") from None
    if not isinstance(index, dict) or "variables" not in index:
        raise DataError(f"{rdx}: expected an index with 'variables', found {type(index)}")
    data = rdb.read_bytes()
    out: dict[str, object] = {}
    for name, pos in index["variables"].items():
        off, length = int(pos[0]), int(pos[1])
        chunk = data[off:off + length]
        if len(chunk) != length or length < 5:
            raise DataError(f"{rdb}: object {name!r} at {off}+{length} runs past the end "
                            f"({len(data)} bytes)")
        size = struct.unpack(">I", chunk[:4])[0]
        try:
            raw = zlib.decompress(chunk[4:])
        except zlib.error as e:
            raise DataError(f"{rdb}: object {name!r} is not zlib-compressed ({e})") from None
        if len(raw) != size:
            raise DataError(f"{rdb}: object {name!r} is {len(raw)} bytes, its header says "
                            f"{size}")
        out[str(name)] = _parse(raw, f"{rdb}[{name}]")
    return out


def _present() -> bool:
    folder = dataset_dir(FOLDER)
    return all((folder / f).is_file() for f in AUSTEN_FILES)


def obtain_janeausten() -> None:
    """``apt-get download r-cran-janeaustenr`` into a temporary folder, unpack it with
    ``dpkg -x`` (not installed) and copy the lazy-load database into the store, MD5-checked."""
    for tool in ("apt-get", "dpkg"):
        if shutil.which(tool) is None:
            raise MissingDataError(f"{tool} not found: the Jane Austen novels come from Debian's "
                                   f"{AUSTEN_DEB}; put Rdata.rdb and Rdata.rdx from its "
                                   f"{_IN_DEB} into {dataset_dir(FOLDER)}")
    dest = dataset_dir(FOLDER, create=True)
    with tempfile.TemporaryDirectory(prefix="deepgrad-austen-") as tmp:
        os.chmod(tmp, 0o755)  # apt's sandbox user must be able to write there
        spec = f"{AUSTEN_DEB}={AUSTEN_DEB_VERSION}"
        say(f"running: apt-get download {spec}")
        out = child_stream()
        proc = subprocess.run(["apt-get", "download", spec], cwd=tmp, stdout=out, stderr=out)
        debs = sorted(Path(tmp).glob("*.deb"))
        if proc.returncode != 0 or not debs:
            raise DataError(f"apt-get download {spec} failed (exit code {proc.returncode}); "
                            "run `apt-get update` first if the package is unknown")
        unpacked = Path(tmp) / "x"
        proc = subprocess.run(["dpkg", "-x", str(debs[0]), str(unpacked)], stdout=out,
                              stderr=out)
        if proc.returncode != 0:
            raise DataError(f"dpkg -x {debs[0].name} failed (exit code {proc.returncode})")
        for fname, md5 in AUSTEN_FILES.items():
            src = unpacked / _IN_DEB / fname
            if not src.is_file():
                raise DataError(f"{debs[0].name} has no {_IN_DEB}{fname}")
            with open(src, "rb") as f:
                copy_verified(f, dest / fname, md5, src.stat().st_size, desc=f"{FOLDER}/{fname}")
    say(f"Jane Austen's novels ready in {dest} (MD5s verified)")


def austen_books(path: str | os.PathLike | None = None) -> dict[str, list[str]]:
    """``{title: [line, ...]}`` for the six novels, in publication order (as janeaustenr's
    ``austen_books()``: the text lines as printed, blank lines kept).

    Read from ``path`` (a folder with ``Rdata.rdb`` and ``Rdata.rdx``) or the store, fetched
    from Debian on first use."""
    if path is None:
        folder = dataset_dir(FOLDER)
        if not _present():
            say(f"Jane Austen's novels are not in {folder}; obtaining them from Debian "
                f"({AUSTEN_DEB} {AUSTEN_DEB_VERSION}, apt-get download; never installed)")
            obtain_janeausten()
        for fname, md5 in AUSTEN_FILES.items():
            if md5_file(folder / fname) != md5:
                raise DataError(f"{folder / fname}: MD5 differs from the packaged file; delete "
                                f"it and run `deepgrad data get {FOLDER}`")
    else:
        folder = Path(path)
    objs = read_lazyload_db(folder / "Rdata.rdx", folder / "Rdata.rdb")
    missing = [k for k in AUSTEN_BOOKS if k not in objs]
    if missing:
        raise DataError(f"{folder / 'Rdata.rdx'}: no {', '.join(missing)}; found "
                        f"{', '.join(objs)}")
    return {title: [str(s) for s in objs[key]] for key, title in AUSTEN_BOOKS.items()}


register(Dataset(FOLDER, "Jane Austen's six novels (janeaustenr; ~730k words of text)",
                 f"fetched from Debian ({AUSTEN_DEB} {AUSTEN_DEB_VERSION}, apt-get download + "
                 "dpkg -x; never installed)", _present, obtain_janeausten))
