from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Workload:
    name: str
    description: str
    batch: int
    deepgrad: Callable[[int], Callable[[], None]]
    torch: Callable[[int], Callable[[], None]]
    flops: Callable[[int], float] | None = None
