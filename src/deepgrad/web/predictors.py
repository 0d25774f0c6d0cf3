"""A task's predictor for a request: the run it names (or the task's latest finished run in the
runs directory), loaded once through the model cache.

    path = pick_run(lab, "seq2seq", run)           # run: None (the latest) or "seq2seq/2026..."
    name, normalizer = predictor(lab, "seq2seq", run)
    finished_runs(lab, "seq2seq")                  # what a panel's run picker lists

A named run is resolved strictly inside the runs directory (:func:`deepgrad.web.paths.inside`);
a run of another task is 400, no run at all 404 (saying how to train one), an unfinished or
unloadable run 409 (:class:`deepgrad.web.models.ModelCache`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .errors import LabError
from .paths import inside, relative_name

__all__ = ["latest", "pick_run", "predictor", "finished_runs", "refused"]


def latest(root: Path, task: str) -> Path | None:
    """The newest finished run of ``task`` under ``root/<task>/`` (by the time it finished, as
    :func:`deepgrad.tasks.latest_run` picks it), symlinks out of ``root`` left out."""
    done = []
    for metrics in (root / task).glob("*/metrics.json"):
        try:
            run_dir = inside(root, f"{task}/{metrics.parent.name}", "run")
            done.append((metrics.stat().st_mtime_ns, run_dir))
        except (LabError, OSError):
            continue
    return max(done)[1] if done else None


def pick_run(lab: Any, task: str, run: str | None) -> Path:
    """The run directory ``run`` names, or the latest finished run of ``task``."""
    if run:
        return inside(lab.root, run, "run")
    path = latest(lab.root, task)
    if path is None:
        raise LabError(404, f"no finished {task} run under {lab.root}; train one in “Train and "
                            f"watch” or with `DEEPGRAD_OUT={lab.root} deepgrad {task} --quick`")
    return path


def predictor(lab: Any, task: str, run: str | None, variant: str | None = None
              ) -> tuple[str, Any]:
    """(the run's name, its predictor: the task's ``load(run)``, or ``load(run, variant)``)."""
    path = pick_run(lab, task, run)
    return relative_name(lab.root, path), lab.models.get(path, task, variant)


def finished_runs(lab: Any, task: str) -> list[dict[str, Any]]:
    """The finished runs of ``task`` (newest first), as the Runs panel lists them."""
    from .panels.runs import list_runs

    return [x for x in list_runs(lab.root, lab.tasks)
            if x["task"] == task and x["state"] == "finished"]


def refused(e: Exception, status: int = 422) -> LabError:
    """A predictor's refusal of the request's input (a TaskError, a ValueError, an unknown
    word) as the lab's error: its one-line message, 422 unless said otherwise."""
    message = e.args[0] if isinstance(e, KeyError) and e.args else str(e)
    return LabError(status, str(message))
