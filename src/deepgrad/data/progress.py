"""A small progress bar on stderr for long data steps (downloads, extraction, checksums)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["Progress"]


def _human(n: float, unit: str) -> str:
    if unit != "B":
        return f"{int(n)}"
    for suffix in ("B", "KB", "MB", "GB"):
        if abs(n) < 1024 or suffix == "GB":
            return f"{n:.0f} {suffix}" if suffix == "B" else f"{n:.1f} {suffix}"
        n /= 1024
    return f"{n:.1f} GB"


class Progress:
    """``with Progress(total, "train-images") as bar: bar.update(n)``.

    Draws ``desc [#####.....]  52%  5.1 MB/9.5 MB`` at most every ``interval`` seconds, and a
    final line when the block ends. With ``total=None`` only the running count is shown.
    Steps shorter than ``min_seconds`` print nothing at all.
    """

    def __init__(self, total: int | None, desc: str, unit: str = "", width: int = 30,
                 interval: float = 0.1, min_seconds: float = 0.5,
                 stream: TextIO | None = None) -> None:
        self.total, self.desc, self.unit, self.width = total, desc, unit, width
        self.interval, self.min_seconds = interval, min_seconds
        self.stream = stream if stream is not None else sys.stderr
        self.n = 0
        self._start = self._last = time.monotonic()
        self._drawn = False

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None and self._drawn:
            self._draw(final=True)
        elif self._drawn:
            self.stream.write("\n")
            self.stream.flush()

    def update(self, n: int = 1) -> None:
        """Advance by ``n`` units; redraw when enough time has passed."""
        self.n += n
        now = time.monotonic()
        if now - self._start >= self.min_seconds and now - self._last >= self.interval:
            self._last = now
            self._draw()

    def line(self) -> str:
        """The current bar as text."""
        count = _human(self.n, self.unit)
        if self.total:
            frac = min(1.0, self.n / self.total)
            filled = int(round(frac * self.width))
            bar = "#" * filled + "." * (self.width - filled)
            return f"{self.desc} [{bar}] {frac:4.0%}  {count}/{_human(self.total, self.unit)}"
        return f"{self.desc} {count}"

    def _draw(self, final: bool = False) -> None:
        self._drawn = True
        end = "\n" if final else ""
        self.stream.write("\r" + self.line() + end)
        self.stream.flush()
