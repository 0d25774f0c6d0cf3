"""deepgrad's random number generator: one seeded NumPy Generator for init, dropout, shuffling.

``dg.manual_seed(s)`` makes runs repeatable; ``get_rng_state``/``set_rng_state`` let checkpoints
resume exactly.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["manual_seed", "get_rng", "get_rng_state", "set_rng_state"]

_rng = np.random.default_rng()


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
