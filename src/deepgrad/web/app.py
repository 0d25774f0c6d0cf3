"""The lab's FastAPI app: the page, its static files, the panels' routes, the guard.

    app = create_app("out")                        # loopback only, no token
    app = create_app("out", token="s3cret")        # every request must carry the token

Routes of the lab itself: ``GET /`` (the page), ``GET /static/...``, ``GET /api/info``,
``GET /api/panels``; every other route belongs to a panel (:mod:`deepgrad.web.panels`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from deepgrad.tasks import TASKS

from .errors import install_error_handlers
from .jobs import JobManager
from .models import ModelCache
from .panels import discover
from .security import Guard

__all__ = ["Lab", "create_app", "STATIC"]

STATIC = Path(__file__).parent / "static"


@dataclass
class Lab:
    """What the panels share: the runs directory, the model cache, the training jobs and the
    task registry."""

    root: Path
    models: ModelCache
    jobs: JobManager
    tasks: Mapping[str, ModuleType]


def create_app(runs: str | Path, token: str | None = None,
               tasks: Mapping[str, ModuleType] | None = None) -> FastAPI:
    """The lab over the runs directory ``runs`` (made if missing). ``token``: required on every
    request; ``tasks``: the task registry (default :data:`deepgrad.tasks.TASKS`)."""
    root = Path(runs).resolve()
    root.mkdir(parents=True, exist_ok=True)
    registry = TASKS if tasks is None else tasks
    lab = Lab(root, ModelCache(), JobManager(root, registry), registry)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        lab.jobs.shutdown()

    # no /docs: FastAPI's docs page loads its scripts from a CDN, and the lab loads nothing
    # from elsewhere
    app = FastAPI(title="deepgrad lab", docs_url=None, redoc_url=None, openapi_url=None,
                  lifespan=lifespan)
    app.state.lab = lab
    install_error_handlers(app)
    panels = discover()
    for module in panels:
        app.include_router(module.router(lab))

    @app.get("/api/info")
    def info() -> dict[str, Any]:
        from deepgrad import __version__

        return {"name": "deepgrad lab", "version": __version__, "runs": str(root),
                "tasks": list(registry), "job": None if lab.jobs.current is None
                else lab.jobs.current.id}

    @app.get("/api/panels")
    def list_panels() -> list[dict[str, Any]]:
        return [m.PANEL.as_json() for m in panels]

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"cache-control": "no-store"})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(Guard, token=token)
    return app
