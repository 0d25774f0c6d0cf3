"""The lab's panels: each one a module here (its API routes) and a script in ``static/panels/``
(its view). Adding an application's panel is adding those two files::

    # web/panels/pos_tagger.py
    from fastapi import APIRouter
    from . import Panel

    PANEL = Panel(id="tag", title="Tag a sentence", order=40, script="panels/pos_tagger.js",
                  task="pos-tagger")

    def router(lab) -> APIRouter:          # lab: deepgrad.web.app.Lab (runs, models, jobs)
        r = APIRouter(prefix="/api/pos-tagger")
        ...
        return r

    // static/panels/pos_tagger.js
    export function mount(root, api) { ... }   // root: the panel's element; api: fetch helpers

Modules are found by :func:`discover` (every module of this package with a ``PANEL``), shown
in ``order``; ``GET /api/panels`` lists them and the page imports each script.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import asdict, dataclass
from types import ModuleType
from typing import Any

__all__ = ["Panel", "discover"]


@dataclass(frozen=True)
class Panel:
    """What the page needs to show a panel: a tab ``title``, its ``script`` (relative to
    ``static/``), its place (``order``) and the task it belongs to (None: the lab's own)."""

    id: str
    title: str
    order: int
    script: str
    task: str | None = None
    summary: str = ""

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def discover() -> list[ModuleType]:
    """Every panel module of this package, in the panels' order."""
    found = []
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if isinstance(getattr(module, "PANEL", None), Panel):
            found.append(module)
    ids = [m.PANEL.id for m in found]
    if len(set(ids)) != len(ids):
        raise RuntimeError(f"two lab panels share an id: {sorted(ids)}")
    return sorted(found, key=lambda m: (m.PANEL.order, m.PANEL.id))
