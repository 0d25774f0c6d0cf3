"""What a training prints, read back as progress: epochs, steps, the loss curve.

deepgrad's progress bar (:class:`deepgrad.train.Progbar`, used by ``fit`` and
``train_epochs``) redraws one line per step on a terminal::

    Epoch 2/6                                              (fit)
    bilstm epoch 2/6 (lr 1.00e-03)                         (train_epochs)
    120/469 [=====>......] - ETA: 12s - 25ms/step - loss: 0.3100
    469/469 [==============================] - 21s 45ms/step - loss: 0.28 - val_loss: 0.25

:class:`ProgressReader` is fed that text (``\\r`` redraws and all) and keeps the state of the
run: the phase (which model, for tasks that train several), epoch and step, the latest values,
a loss curve (x = epochs done, fractional) per phase, the finished epochs' figures and the last
lines of the log.
"""

from __future__ import annotations

import re
from collections import deque
from typing import Any

__all__ = ["ProgressReader"]

_EPOCH = re.compile(r"^(?:(?P<name>[\w .:/-]*?)\s+)?epoch (?P<k>\d+)/(?P<n>\d+)\b", re.I)
_BAR = re.compile(r"(?P<step>\d+)/(?P<steps>\d+|unknown) \[")
_VALUE = re.compile(r" - ([A-Za-z_][\w.]*): (-?(?:\d+\.?\d*(?:e[-+]?\d+)?|nan|inf))(?=\s|$)")
MAX_POINTS = 1500


class ProgressReader:
    """Feed it text with :meth:`feed`; read :meth:`state`."""

    def __init__(self, keep_lines: int = 200) -> None:
        self.lines: deque[str] = deque(maxlen=keep_lines)
        self.current = ""
        self.phase = ""
        self.epoch = self.epochs = 0
        self.step = self.steps = 0
        self.values: dict[str, float] = {}
        self.curves: dict[str, list[list[float]]] = {}
        self.epoch_figures: list[dict[str, Any]] = []
        self._seen: dict[str, int] = {}

    def feed(self, text: str) -> None:
        """Take more of the run's output."""
        for ch in re.split(r"(\r|\n)", text):
            if ch == "\r":
                self.current = ""
            elif ch == "\n":
                self._read(self.current, done=True)
                self.lines.append(self.current)
                self.current = ""
            elif ch:
                self.current += ch
                self._read(self.current, done=False)

    def _new_phase(self, name: str, k: int) -> None:
        name = name.strip() or "training"
        last = self._seen.get(name)
        if last is not None and k <= last:  # the same loop started again: another model
            n = 2
            while f"{name} ({n})" in self._seen:
                n += 1
            name = f"{name} ({n})"
        self._seen[name] = k
        self.phase = name

    def _read(self, line: str, done: bool) -> None:
        m = _EPOCH.match(line.strip())
        if m and done:
            k, n = int(m["k"]), int(m["n"])
            base = (m["name"] or "").strip()
            if self.phase and (base or "training") == self.phase.split(" (")[0] \
                    and k > self._seen.get(self.phase, 0):
                self._seen[self.phase] = k
            else:
                self._new_phase(base, k)
            self.epoch, self.epochs, self.step, self.steps = k, n, 0, 0
            return
        b = _BAR.search(line)
        if not b:
            return
        self.step = int(b["step"])
        self.steps = int(b["steps"]) if b["steps"] != "unknown" else 0
        values = {}
        for name, v in _VALUE.findall(line):
            try:
                values[name] = float(v)
            except ValueError:
                continue
        if values:
            self.values = values
        finished = done and "ETA" not in line and "/step" in line
        if "loss" in values:
            frac = self.step / self.steps if self.steps else 1.0
            x = max(self.epoch - 1, 0) + min(frac, 1.0)
            curve = self.curves.setdefault(self.phase or "training", [])
            if not curve or x > curve[-1][0]:
                curve.append([round(x, 4), values["loss"]])
                if len(curve) > MAX_POINTS:
                    del curve[1::2]  # keep the shape, halve the points
        if finished:
            self.epoch_figures.append({"phase": self.phase or "training", "epoch": self.epoch,
                                       "values": values})

    def state(self) -> dict[str, Any]:
        """The run as the page shows it (JSON-able)."""
        frac = None
        if self.epochs:
            inner = self.step / self.steps if self.steps else 0.0
            frac = min((self.epoch - 1 + min(inner, 1.0)) / self.epochs, 1.0)
        return {"phase": self.phase, "epoch": self.epoch, "epochs": self.epochs,
                "step": self.step, "steps": self.steps, "fraction": frac,
                "values": self.values, "curves": self.curves,
                "epoch_figures": self.epoch_figures, "line": self.current,
                "lines": list(self.lines)[-40:]}
