"""A Keras-style progress bar.

On a terminal it redraws one line: ``120/469 [=====>......] - ETA: 12s - 25ms/step - loss: 0.31``;
otherwise (logs, CI) it prints one line per epoch when the epoch ends.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["Progbar"]


def _fmt_time(seconds: float) -> str:
    if seconds >= 3600:
        return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{int(seconds % 60):02d}"
    if seconds >= 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    return f"{seconds:.0f}s"


def _fmt_values(values: dict[str, float]) -> str:
    return "".join(f" - {k}: {v:.4f}" for k, v in values.items())


class Progbar:
    """``update(step, values)`` after each step; ``finish(values)`` at the end of the epoch."""

    def __init__(self, target: int | None, width: int = 30, stream: TextIO | None = None,
                 interactive: bool | None = None, min_interval: float = 0.05) -> None:
        self.target = target
        self.width = width
        self.stream = stream or sys.stdout
        isatty = getattr(self.stream, "isatty", lambda: False)()
        self.interactive = isatty if interactive is None else interactive
        self.min_interval = min_interval
        self.start = time.perf_counter()
        self._last = 0.0
        self._len = 0

    def _line(self, step: int, values: dict[str, float], done: bool) -> str:
        elapsed = time.perf_counter() - self.start
        per_step = elapsed / max(step, 1)
        t = self.target
        if t:
            frac = min(step / t, 1.0)
            filled = int(self.width * frac)
            bar = "=" * max(filled - 1, 0) + (">" if filled < self.width else "=")
            bar = f"{step:>{len(str(t))}}/{t} [{bar}{'.' * (self.width - len(bar))}]"
        else:
            bar = f"{step}/unknown"
        if done:
            timing = f" - {_fmt_time(elapsed)} {per_step * 1e3:.0f}ms/step"
        else:
            eta = per_step * (t - step) if t else 0.0
            timing = f" - ETA: {_fmt_time(eta)} - {per_step * 1e3:.0f}ms/step"
        return bar + timing + _fmt_values(values)

    def update(self, step: int, values: dict[str, float] | None = None) -> None:
        if not self.interactive:
            return
        now = time.perf_counter()
        if now - self._last < self.min_interval and step != self.target:
            return
        self._last = now
        line = self._line(step, values or {}, done=False)
        pad = max(self._len - len(line), 0)
        self.stream.write("\r" + line + " " * pad)
        self.stream.flush()
        self._len = len(line)

    def finish(self, step: int, values: dict[str, float] | None = None, prefix: str = "") -> None:
        line = self._line(step, values or {}, done=True)
        if self.interactive:
            pad = max(self._len - len(line), 0)
            self.stream.write("\r" + line + " " * pad + "\n")
        else:
            self.stream.write(prefix + line + "\n")
        self.stream.flush()
