"""The course's applications, one module each, used by the CLI, the web lab and examples.

    from deepgrad import tasks
    out, result = tasks.run_task("mnist", quick=True)   # out/mnist/<timestamp>/
    result.metrics["test_accuracy"]
    predictor = tasks.load_run(out)                      # or load_run(task="mnist"): the latest

``TASKS`` maps each task's CLI name to its module; the contract every module follows is in
:mod:`deepgrad.tasks.contract`, the run directories in :mod:`deepgrad.tasks.rundir`.
"""

from __future__ import annotations

from .contract import Result, TaskError, param
from .registry import TASKS, get_task
from .rundir import finished_run, latest_run, load_run, read_run, run_task

__all__ = ["TASKS", "get_task", "Result", "TaskError", "param", "run_task", "load_run",
           "read_run", "latest_run", "finished_run"]
