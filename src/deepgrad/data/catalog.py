"""The catalog of datasets the store knows: what each is, whether it is present, how to get it.

Each dataset module registers one ``Dataset`` entry; ``deepgrad data list`` prints them and
``deepgrad data get NAME`` calls the entry's ``obtain``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .store import MissingDataError, data_dir, dataset_dir, folder_size

__all__ = ["Dataset", "register", "datasets", "get_dataset", "obtain"]


@dataclass(frozen=True)
class Dataset:
    """One catalog entry.

    ``present()`` says whether the files are in the store; ``obtain()`` fetches them through a
    registry client (``None`` for user-supplied sets); ``how`` is one line on how to get it.
    """

    name: str
    description: str
    how: str
    present: Callable[[], bool]
    obtain: Callable[[], None] | None = None
    folder: str | None = None

    @property
    def path(self) -> Path:
        """The dataset's folder in the store."""
        return dataset_dir(self.folder or self.name)

    def size(self) -> int:
        """Bytes on disk in the store (0 when absent)."""
        return folder_size(self.path)


_CATALOG: dict[str, Dataset] = {}


def register(entry: Dataset) -> Dataset:
    """Add (or replace) a catalog entry."""
    _CATALOG[entry.name] = entry
    return entry


def datasets() -> list[Dataset]:
    """All entries, in registration order."""
    return list(_CATALOG.values())


def get_dataset(name: str) -> Dataset:
    """The entry called ``name`` (``-`` and ``_`` are interchangeable)."""
    key = name.replace("-", "_").lower()
    if key not in _CATALOG:
        known = ", ".join(sorted(_CATALOG))
        raise KeyError(f"unknown dataset {name!r}; known: {known}")
    return _CATALOG[key]


def obtain(name: str, force: bool = False) -> Dataset:
    """Make dataset ``name`` present in the store (a no-op when it already is)."""
    entry = get_dataset(name)
    if entry.present() and not force:
        return entry
    if entry.obtain is None:
        how = entry.how.replace("<data>", str(data_dir()))
        raise MissingDataError(f"{entry.name} cannot be fetched here: {how}")
    entry.obtain()
    return entry
