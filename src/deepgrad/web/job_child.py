"""The process a lab training job runs in: ``run_task`` exactly as the CLI runs it, its output
sent to the lab as it is printed.

    python -m deepgrad.web.job_child FD      # the job as JSON on stdin; messages on fd FD

A job runs in its own process, never in the server's: a crash, a runaway allocation or a
segfault ends the job, not the server; cancelling is terminating the process; and the engine's
process-wide ``no_grad`` flag cannot collide with the server's inference. The job arrives as
one JSON object on stdin (``module``, ``config``, ``out``, ``quick``, ``seed``, ``parent``,
``sys_path``, ``watch``); the messages are JSON lines on the file descriptor given:
``{"out": text}`` as the run prints, ``{"layers": record}`` for every sample of the per-layer
statistics when ``watch`` is true (``run_task(on_layers=...)``, :mod:`deepgrad.train.watch`),
then ``{"done": metrics}`` or ``{"error": message}``. The process ends itself
when the lab's process is gone. This module imports no web framework.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

__all__ = ["PipeStream", "run_job", "main"]


class PipeStream:
    """A text stream that sends what is written as ``{"out": text}`` lines and says it is a
    terminal, so the progress bar redraws its line at every step (and the lab sees each)."""

    def __init__(self, channel: Any) -> None:
        self.channel = channel
        self.lock = threading.Lock()

    def send(self, message: dict[str, Any]) -> None:
        with self.lock:
            try:
                self.channel.write(json.dumps(message) + "\n")
                self.channel.flush()
            except (OSError, ValueError):  # the lab went away
                os._exit(3)

    def write(self, s: str) -> int:
        if s:
            self.send({"out": s})
        return len(s)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return True

    @property
    def encoding(self) -> str:
        return "utf-8"


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(4)  # the lab is gone: nobody will read this run's progress


def run_job(job: dict[str, Any], stream: PipeStream) -> None:
    """Run the task module ``job["module"]`` with ``job["config"]`` into ``job["out"]``."""
    try:
        from deepgrad.tasks.contract import config_from_dict
        from deepgrad.tasks.rundir import run_task

        module = importlib.import_module(job["module"])
        cfg = config_from_dict(module.Config, job["config"], "the lab's job")
        on_layers = (lambda record: stream.send({"layers": record})) if job.get("watch") \
            else None
        _, result = run_task(module, cfg, job["out"], quick=job["quick"], seed=job["seed"],
                             on_layers=on_layers)
        stream.send({"done": dict(result.metrics)})
    except BaseException as e:  # noqa: BLE001  (every failure is the job's, reported)
        message = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
        trace = traceback.format_exc()
        stream.write(trace)
        try:
            with open(Path(job["out"]) / "log.txt", "a", encoding="utf-8") as log:
                log.write(trace)
        except OSError:
            pass
        stream.send({"error": message})


def main(argv: list[str] | None = None) -> int:
    """Entry point: ``python -m deepgrad.web.job_child FD``."""
    argv = sys.argv[1:] if argv is None else argv
    channel = os.fdopen(int(argv[0]), "w", encoding="utf-8")
    job = json.loads(sys.stdin.read())
    for p in reversed(job.get("sys_path", [])):
        if p not in sys.path:
            sys.path.insert(0, p)
    threading.Thread(target=_watch_parent, args=(job["parent"],), daemon=True).start()
    stream = PipeStream(channel)
    sys.stdout = sys.stderr = stream  # type: ignore[assignment]
    run_job(job, stream)
    channel.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
