"""What a panel derives from a run once and keeps: its test images read from the data store, the
codes of those images, the classifier that judges a GAN's samples.

    images = DERIVED.get(lab, run_dir, "test images", lambda: read(run_dir))

Kept like the models (:class:`deepgrad.web.models.ModelCache`): keyed by the run's real path,
the time its ``metrics.json`` was written (a run written again is derived again; an unfinished
run is a 409) and a name; one thread makes a value while the others asking for it wait and take
it; at most ``size`` values kept, the least recently used dropped. ``make`` runs outside the
engine lock: a value that needs deepgrad computations takes :data:`~deepgrad.web.models.ENGINE_LOCK`
itself.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

__all__ = ["Derived", "DERIVED"]

T = TypeVar("T")


class Derived:
    """``get(lab, run_dir, name, make)`` -> ``make()``, made once per (run, version, name)."""

    def __init__(self, size: int = 8) -> None:
        self.size = size
        self._items: OrderedDict[tuple, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._making: dict[tuple, threading.Lock] = {}
        self.made = 0  # how many values were really made (tests read it)

    def get(self, lab: Any, run_dir: Path, name: str, make: Callable[[], T]) -> T:
        key = lab.models.key(run_dir, name)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            gate = self._making.setdefault(key, threading.Lock())
        with gate:
            with self._lock:
                if key in self._items:
                    return self._items[key]
            try:
                value = make()
            finally:
                with self._lock:
                    self._making.pop(key, None)
            with self._lock:
                self.made += 1
                self._items[key] = value
                for old in [k for k in self._items if k[0] == key[0] and k[1] != key[1]]:
                    del self._items[old]  # derived from an older version of the same run
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
            return value


DERIVED = Derived()
