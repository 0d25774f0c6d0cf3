"""Names from a request resolved strictly inside the runs directory: no way out of it.

A run is named by its path relative to the runs directory (``mnist/20261203-120000``), a file
by its path relative to its run. :func:`inside` refuses an empty name, an absolute path, a
drive or backslash, any ``..`` or ``.`` component, and anything whose real path (symlinks
followed) is not within the root.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from .errors import LabError

__all__ = ["inside", "relative_name"]

_MAX_NAME = 400


def inside(root: Path, name: str, what: str = "path") -> Path:
    """The real path of ``root / name``, which must exist and lie within ``root``; a
    :class:`LabError` (400 for a malformed name, 404 for a name that leads nowhere or
    out of ``root``) otherwise."""
    if not isinstance(name, str) or not name or len(name) > _MAX_NAME:
        raise LabError(400, f"{what}: expected a relative name of 1 to {_MAX_NAME} characters")
    if "\\" in name or "\x00" in name or ":" in name:
        raise LabError(400, f"{what} {name!r}: backslashes, colons and NUL are not allowed")
    pure = PurePosixPath(name)
    if pure.is_absolute() or name.startswith("~"):
        raise LabError(400, f"{what} {name!r}: an absolute path; give it relative to the runs "
                            "directory")
    if any(part in ("..", ".") for part in name.split("/")) or "" in name.split("/"):
        raise LabError(400, f"{what} {name!r}: '..', '.' and empty components are not allowed")
    base = Path(os.path.realpath(root))
    target = Path(os.path.realpath(base.joinpath(*pure.parts)))
    if target != base and base not in target.parents:
        raise LabError(404, f"{what} {name!r}: not inside the runs directory")
    if not target.exists():
        raise LabError(404, f"{what} {name!r}: not found")
    return target


def relative_name(root: Path, path: Path) -> str:
    """``path`` as the lab names it: relative to ``root``, with forward slashes."""
    return Path(os.path.realpath(path)).relative_to(os.path.realpath(root)).as_posix()
