"""deepgrad's random number generator: one seeded NumPy Generator for init, dropout, shuffling.

``dg.manual_seed(s)`` makes runs repeatable; ``get_rng_state``/``set_rng_state`` let checkpoints
resume exactly.

In data-parallel training (``deepgrad.distributed``) every rank holds the same generator, seeded
alike, and holds rows ``offset .. offset + rows - 1`` of a global batch of ``total`` rows.
Inside ``batch_rows(offset, rows, total)``, :func:`draw_rows` draws a batch-shaped array (a
dropout mask) for the whole global batch and returns this rank's rows: example i of the global
batch gets the same draw whichever rank holds it, the same as in a single process, and every
rank's generator advances alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

__all__ = ["manual_seed", "get_rng", "get_rng_state", "set_rng_state", "batch_rows",
           "draw_rows"]

_rng = np.random.default_rng()
_rows: tuple[int, int, int] | None = None  # (offset, rows, total) inside batch_rows


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed deepgrad's generator (PCG64) and return it."""
    global _rng
    _rng = np.random.default_rng(seed)
    return _rng


def get_rng() -> np.random.Generator:
    """The generator every random op draws from unless given its own."""
    return _rng


def get_rng_state() -> dict[str, Any]:
    """The generator's state (a JSON-able dict of ints and strings)."""
    return _rng.bit_generator.state


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore a state from ``get_rng_state``."""
    _rng.bit_generator.state = state


@contextmanager
def batch_rows(offset: int, rows: int, total: int) -> Iterator[None]:
    """Inside, this process holds rows [offset, offset + rows) of a global batch of ``total``
    (see the module docstring); ``draw_rows`` draws for the whole global batch."""
    global _rows
    if not 0 <= offset <= offset + rows <= total:
        raise ValueError(f"batch_rows: rows {offset}..{offset + rows} do not lie in a batch of "
                         f"{total}")
    previous, _rows = _rows, (int(offset), int(rows), int(total))
    try:
        yield
    finally:
        _rows = previous


def draw_rows(shape: tuple[int, ...], draw: Callable[[tuple[int, ...]], np.ndarray],
              who: str = "a random op") -> np.ndarray:
    """``draw(shape)``, or inside ``batch_rows`` this process's rows of ``draw`` for the global
    batch (dim 0 of ``shape`` must then be this process's rows of the batch)."""
    if _rows is None:
        return draw(shape)
    offset, rows, total = _rows
    if not shape or shape[0] != rows:
        raise ValueError(
            f"{who}: in data-parallel training the random draws of a batch are taken for the "
            f"global batch along dim 0, but this input has shape {tuple(shape)} while this rank "
            f"holds {rows} rows of the batch (put the batch first, or pass the op its own "
            f"generator)")
    return draw((total, *shape[1:]))[offset:offset + rows]
