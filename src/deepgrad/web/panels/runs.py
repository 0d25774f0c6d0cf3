"""The Runs panel: every run directory under the runs directory, its config, metrics, log and
pictures; two runs side by side (the page does the pairing).

    GET /api/runs                    every run: task, when, finished or not, headline figure
    GET /api/run?id=RUN              config.json, metrics.json, the files, the log's end
    GET /api/run/file?id=RUN&name=F  one file of the run (pictures, text, weights)

``RUN`` is the run's path relative to the runs directory (``mnist/20261203-120000``); names are
resolved strictly inside it (:mod:`deepgrad.web.paths`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse

from ..errors import LabError
from ..paths import inside, relative_name
from . import Panel

__all__ = ["PANEL", "router", "list_runs", "describe_run"]

PANEL = Panel(id="runs", title="Runs", order=90, script="panels/runs.js",
              summary="every run directory: config, metrics, plots; two side by side")

# what the lab serves from a run directory, by suffix: (media type, kind)
SERVED = {".png": ("image/png", "image"), ".jpg": ("image/jpeg", "image"),
          ".jpeg": ("image/jpeg", "image"), ".txt": ("text/plain; charset=utf-8", "text"),
          ".md": ("text/plain; charset=utf-8", "text"), ".json": ("application/json", "text"),
          ".csv": ("text/plain; charset=utf-8", "text"),
          ".npz": ("application/octet-stream", "data"),
          ".npy": ("application/octet-stream", "data")}
MAX_DEPTH = 3  # runs/<task>/<run>/config.json, or runs/<name>/config.json
LOG_LINES = 200
RunId = Annotated[str, Query(max_length=400, description="the run, relative to the runs directory")]


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None


def _headline(task: str, metrics: dict[str, Any] | None, tasks: Any) -> dict[str, Any] | None:
    if not metrics or task not in tasks:
        return None
    name = getattr(tasks[task], "HEADLINE", None)
    return {"name": name, "value": metrics.get(name)} if name in metrics else None


def run_summary(root: Path, run_dir: Path, tasks: Any) -> dict[str, Any]:
    """One run as the list shows it (tolerant: an unreadable run is listed with its error)."""
    info = _read(run_dir / "config.json")
    metrics = _read(run_dir / "metrics.json") if (run_dir / "metrics.json").exists() else None
    out: dict[str, Any] = {"id": relative_name(root, run_dir), "task": None, "state": "unfinished"}
    if not isinstance(info, dict):
        return {**out, "state": "unreadable", "error": "config.json is not a JSON object"}
    task = str(info.get("task"))
    out.update(task=task, started=info.get("started"), finished=info.get("finished"),
               seconds=info.get("seconds"), quick=info.get("quick"))
    if isinstance(metrics, dict):
        out.update(state="finished", headline=_headline(task, metrics, tasks))
    return out


def list_runs(root: Path, tasks: Any) -> list[dict[str, Any]]:
    """Every directory holding a config.json within ``MAX_DEPTH`` levels, newest first."""
    base = os.path.realpath(root)
    found = []
    for dirpath, dirnames, filenames in os.walk(base):  # symlinked folders are not followed
        depth = len(Path(dirpath).relative_to(base).parts)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        if depth >= MAX_DEPTH:
            dirnames[:] = []
        if "config.json" in filenames and depth > 0:
            real = os.path.realpath(os.path.join(dirpath, "config.json"))
            if real.startswith(base + os.sep):
                found.append(Path(dirpath))
                dirnames[:] = []  # a run's own sub-folders are not runs
    runs = [run_summary(root, p, tasks) for p in found]
    runs.sort(key=lambda r: (r.get("started") or "", r["id"]), reverse=True)
    return runs


def _files(run_dir: Path) -> list[dict[str, Any]]:
    files = []
    for p in sorted(run_dir.rglob("*")):
        rel = p.relative_to(run_dir)
        if len(rel.parts) > 2 or any(s.startswith(".") for s in rel.parts):
            continue
        if p.is_file() and p.suffix.lower() in SERVED:
            try:
                inside(run_dir, rel.as_posix(), "file")
            except LabError:
                continue  # a symlink out of the run: not listed
            files.append({"name": rel.as_posix(), "size": p.stat().st_size,
                          "kind": SERVED[p.suffix.lower()][1]})
    return files


def describe_run(root: Path, run_id: str, tasks: Any) -> dict[str, Any]:
    """A run in full: its summary, config.json, metrics.json, files and the end of its log."""
    run_dir = inside(root, run_id, "run")
    if not (run_dir / "config.json").is_file():
        raise LabError(404, f"run {run_id!r}: not a run directory (no config.json)")
    summary = run_summary(root, run_dir, tasks)
    log = ""
    if (run_dir / "log.txt").is_file():
        with open(run_dir / "log.txt", encoding="utf-8", errors="replace") as f:
            log = "".join(f.readlines()[-LOG_LINES:])
    metrics = _read(run_dir / "metrics.json") if (run_dir / "metrics.json").exists() else None
    return {**summary, "info": _read(run_dir / "config.json"), "metrics": metrics,
            "files": _files(run_dir), "log": log}


def router(lab: Any) -> APIRouter:
    r = APIRouter()

    @r.get("/api/runs")
    def runs() -> list[dict[str, Any]]:
        return list_runs(lab.root, lab.tasks)

    @r.get("/api/run")
    def run(id: RunId) -> dict[str, Any]:  # noqa: A002
        return describe_run(lab.root, id, lab.tasks)

    @r.get("/api/run/file")
    def run_file(id: RunId, name: Annotated[str, Query(max_length=400)]  # noqa: A002
                 ) -> FileResponse:
        run_dir = inside(lab.root, id, "run")
        if not (run_dir / "config.json").is_file():
            raise LabError(404, f"run {id!r}: not a run directory (no config.json)")
        path = inside(run_dir, name, "file")
        if not path.is_file():
            raise LabError(404, f"file {name!r}: not a file")
        served = SERVED.get(path.suffix.lower())
        if served is None:
            raise LabError(404, f"file {name!r}: the lab serves only "
                                f"{', '.join(sorted(SERVED))} files")
        media, kind = served
        return FileResponse(path, media_type=media,
                            filename=path.name if kind == "data" else None,
                            content_disposition_type="attachment" if kind == "data"
                            else "inline")

    return r
