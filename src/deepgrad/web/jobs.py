"""Training jobs started from the lab: at most one at a time, each in its own process.

:class:`JobManager.start` makes the run directory (``<runs>/<task>/<timestamp>``, as a CLI run
would be named), starts ``python -m deepgrad.web.job_child`` (a fresh interpreter: nothing of
the server's state, and no re-import of whatever script started the server) and a thread that
reads its messages into a :class:`~deepgrad.web.progress.ProgressReader` (the printed
progress) and a :class:`~deepgrad.web.layers.LayerBoard` (per-layer statistics, when the job is
watched; checked and bounded there, since they are the child's data). A second start
while one runs is refused (409); :meth:`JobManager.cancel` terminates the process (the run
directory stays, unfinished, as an interrupted CLI run: ``--resume`` continues it). A job that
crashes (an exception, or its process killed) is reported with its message; the server goes on.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from deepgrad.tasks import TASKS, TaskError
from deepgrad.tasks.contract import config_from_dict, config_to_dict

from .errors import LabError
from .layers import LayerBoard
from .paths import relative_name
from .progress import ProgressReader

__all__ = ["Job", "JobManager"]

RUNNING = ("starting", "running", "cancelling")
MAX_LINE = 1 << 20  # a message line from the child longer than this is dropped


@dataclass
class Job:
    """One training job and what is known of it so far."""

    id: str
    task: str
    quick: bool
    config: dict[str, Any]
    run_dir: Path
    run: str
    watch: bool = True
    state: str = "starting"  # starting running cancelling | finished failed cancelled
    error: str | None = None
    metrics: dict[str, Any] | None = None
    started: float = field(default_factory=time.time)
    finished: float | None = None
    reader: ProgressReader = field(default_factory=ProgressReader)
    board: LayerBoard = field(default_factory=LayerBoard)
    process: Any = None
    channel: Any = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def summary(self) -> dict[str, Any]:
        """The job as JSON for the page."""
        with self.lock:
            end = self.finished or time.time()
            return {"id": self.id, "task": self.task, "quick": self.quick,
                    "config": self.config, "run": self.run, "state": self.state,
                    "error": self.error, "metrics": self.metrics,
                    "seconds": round(end - self.started, 1), **self.reader.state(),
                    "layers": {"watch": self.watch, "models": len(self.board.models),
                               "samples": self.board.samples}}

    def layers(self) -> dict[str, Any]:
        """The per-layer statistics as JSON for the page."""
        with self.lock:
            return {"id": self.id, "state": self.state, "watch": self.watch,
                    **self.board.state()}


def _new_run_dir(root: Path, task: str) -> Path:
    base = root / task / time.strftime("%Y%m%d-%H%M%S")
    path, k = base, 1
    while True:
        try:
            path.mkdir(parents=True)
            return path
        except FileExistsError:
            k += 1
            path = base.with_name(f"{base.name}-{k}")


class JobManager:
    """The lab's jobs: ``start``, ``get``, ``cancel``, ``shutdown``."""

    def __init__(self, root: Path, tasks: Mapping[str, ModuleType] | None = None) -> None:
        self.root = Path(root)
        self.tasks = TASKS if tasks is None else tasks
        self.jobs: dict[str, Job] = {}
        self.current: Job | None = None
        self._lock = threading.Lock()

    def module(self, task: str) -> ModuleType:
        if task not in self.tasks:
            raise LabError(404, f"unknown task {task!r}; the tasks are {', '.join(self.tasks)}")
        return self.tasks[task]

    def make_config(self, task: str, quick: bool, fields: dict[str, Any]) -> Any:
        """The task's QUICK (or default) config with ``fields`` changed, every value checked."""
        module = self.module(task)
        base = module.QUICK if quick else module.Config()
        try:
            return config_from_dict(module.Config, {**config_to_dict(base), **fields},
                                    "config")
        except (TaskError, TypeError, ValueError) as e:
            raise LabError(422, str(e)) from None

    def start(self, task: str, quick: bool, fields: dict[str, Any], seed: int = 0,
              watch: bool = True) -> Job:
        """Start a run of ``task``; 409 while another job runs. With ``watch`` its training's
        per-layer statistics are sampled (:mod:`deepgrad.train.watch`) and kept."""
        cfg = self.make_config(task, quick, fields)
        module = self.module(task)
        with self._lock:
            if self.current is not None and self.current.state in RUNNING:
                raise LabError(409, f"a job is running ({self.current.task}, "
                                    f"{self.current.run}); stop it or wait for it")
            run_dir = _new_run_dir(self.root, module.NAME)
            job = Job(uuid.uuid4().hex[:12], task, quick, config_to_dict(cfg), run_dir,
                      relative_name(self.root, run_dir), watch=bool(watch))
            job.process = self._spawn(job, module, quick, seed)
            job.state = "running"
            self.jobs[job.id] = job
            self.current = job
        threading.Thread(target=self._follow, args=(job,), daemon=True,
                         name=f"lab-job-{job.id}").start()
        return job

    def _spawn(self, job: Job, module: ModuleType, quick: bool, seed: int) -> Any:
        import deepgrad

        # the child imports this very deepgrad (not another one installed elsewhere)
        here = str(Path(deepgrad.__file__).resolve().parent.parent)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            [here] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])}
        read, write = os.pipe()
        try:
            proc = subprocess.Popen(
                [sys.executable, "-m", "deepgrad.web.job_child", str(write)],
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, pass_fds=(write,),
                close_fds=True, text=True, env=env)
        except BaseException:
            os.close(read)
            raise
        finally:
            os.close(write)
        order = {"module": module.__name__, "config": job.config, "out": str(job.run_dir),
                 "quick": quick, "seed": seed, "parent": os.getpid(), "sys_path": sys.path,
                 "watch": job.watch}
        try:
            proc.stdin.write(json.dumps(order))
            proc.stdin.close()
        except OSError:
            pass  # it died at once: _follow reports its exit code
        job.channel = os.fdopen(read, "r", encoding="utf-8")
        return proc

    def _follow(self, job: Job) -> None:
        outcome: tuple[str, Any] | None = None
        with job.channel as channel:
            whole = True  # whether this piece starts a line
            while line := channel.readline(MAX_LINE):  # until the process closes its end
                start, whole = whole, line.endswith("\n")
                if not (start and whole):
                    continue  # a piece of an overlong line
                try:
                    message = json.loads(line)
                except json.JSONDecodeError:
                    continue  # half a line from a process killed while writing
                if not isinstance(message, dict):
                    continue
                if "out" in message:
                    if isinstance(message["out"], str):
                        with job.lock:
                            job.reader.feed(message["out"])
                elif "layers" in message:
                    with job.lock:
                        job.board.feed(message["layers"])
                elif "done" in message:
                    outcome = ("done", message["done"])
                elif "error" in message:
                    outcome = ("error", message["error"])
        try:
            job.process.wait(10)
        except subprocess.TimeoutExpired:
            job.process.kill()
            job.process.wait()
        with job.lock:
            job.finished = time.time()
            if job.state == "cancelling":
                job.state = "cancelled"
            elif outcome is not None and outcome[0] == "done":
                job.state, job.metrics = "finished", outcome[1]
            elif outcome is not None:
                job.state, job.error = "failed", str(outcome[1])
            else:
                job.state = "failed"
                job.error = (f"the training process ended without a result (exit code "
                             f"{job.process.returncode})")

    def get(self, job_id: str) -> Job:
        if job_id not in self.jobs:
            raise LabError(404, f"no job {job_id!r}")
        return self.jobs[job_id]

    def cancel(self, job_id: str) -> Job:
        """Stop the job ``job_id`` (its process terminated, then killed if it lingers)."""
        job = self.get(job_id)
        with job.lock:
            if job.state not in RUNNING:
                return job
            job.state = "cancelling"
        job.process.terminate()
        try:
            job.process.wait(3)
        except subprocess.TimeoutExpired:
            job.process.kill()
        return job

    def wait(self, job_id: str, timeout: float = 60.0) -> Job:
        """Block until the job is over (for tests and scripts)."""
        job, end = self.get(job_id), time.time() + timeout
        while job.state in RUNNING and time.time() < end:
            time.sleep(0.05)
        return job

    def shutdown(self) -> None:
        """Cancel what runs (the server is stopping)."""
        for job in list(self.jobs.values()):
            if job.state in RUNNING:
                self.cancel(job.id)
