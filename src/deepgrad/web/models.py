"""Trained models, loaded once: a cache keyed by the run directory and the time its
``metrics.json`` was written (a run written again is loaded again), and the engine lock.

deepgrad's graph-recording switch (``no_grad``) is one flag for the whole process, unlike
PyTorch's per-thread one, and a model's forward hooks and ``.grad`` are shared: two threads
computing at once could record no graph for a saliency map, or read each other's feature maps.
So the lab answers requests concurrently (each in its own worker thread) but runs deepgrad
computations one at a time under :data:`ENGINE_LOCK`; loading, decoding, encoding and every
other route run outside it.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from deepgrad.tasks import TaskError, get_task, load_run, read_run

from .errors import LabError

__all__ = ["ENGINE_LOCK", "ModelCache"]

ENGINE_LOCK = threading.Lock()


Key = tuple[str, int, str | None]


class ModelCache:
    """``get(run_dir, task, variant=None)`` -> the run's predictor (its task's ``load(run)``, or
    ``load(run, variant)``: one of the models a run trained), loaded once per (directory, mtime
    of metrics.json, variant); at most ``size`` kept, the least recently used dropped."""

    def __init__(self, size: int = 16) -> None:
        self.size = size
        self._items: OrderedDict[Key, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._loading: dict[Key, threading.Lock] = {}
        self.loads = 0  # how many times a model was really loaded (tests read it)

    def key(self, run_dir: Path, variant: str | None = None) -> Key:
        metrics = Path(run_dir) / "metrics.json"
        try:
            return os.path.realpath(run_dir), metrics.stat().st_mtime_ns, variant
        except OSError:
            raise LabError(409, f"{run_dir.name}: the run has not finished (no metrics.json)"
                           ) from None

    def get(self, run_dir: Path, task: str, variant: str | None = None) -> Any:
        """The predictor of the finished run ``run_dir`` of ``task`` (a LabError otherwise)."""
        key = self.key(run_dir, variant)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            gate = self._loading.setdefault(key, threading.Lock())
        with gate:  # one thread loads; the others wait for it and take its result
            with self._lock:
                if key in self._items:
                    return self._items[key]
            try:
                if read_run(run_dir).task != task:
                    raise LabError(400, f"{run_dir.name}: not a run of {task}")
                with ENGINE_LOCK:
                    model = (load_run(run_dir, task) if variant is None
                             else get_task(task).load(Path(run_dir), variant))
            except TaskError as e:
                raise LabError(409, str(e)) from None
            finally:
                with self._lock:
                    self._loading.pop(key, None)
            with self._lock:
                self.loads += 1
                self._items[key] = model
                for old in [k for k in self._items if k[0] == key[0] and k[1] != key[1]]:
                    del self._items[old]  # an older version of the same run
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
            return model
