"""The web lab: see and poke the course's models in a browser (``deepgrad lab``).

    from deepgrad.web import create_app
    app = create_app("out")              # a FastAPI app over the runs directory out/

One page (``static/``: plain JavaScript modules, CSS, canvas and SVG; no build step, nothing
from elsewhere) and a JSON API. Each panel is one Python module in ``web/panels/`` (its routes)
plus one JavaScript module in ``static/panels/`` (its view): see :mod:`deepgrad.web.panels`.
The lab imports the course through :mod:`deepgrad.tasks` (and :mod:`deepgrad.visualize`, as the
CLI does); FastAPI and uvicorn are the ``lab`` extra (``pip install 'deepgrad[lab]'``).
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def create_app(*args: Any, **kwargs: Any) -> Any:
    """The lab's FastAPI app (see :func:`deepgrad.web.app.create_app`)."""
    from .app import create_app as _create

    return _create(*args, **kwargs)
