"""The process a lab training job runs in: ``run_task`` exactly as the CLI runs it, its output
sent to the lab through a pipe as it is printed.

A job runs in its own process (started with ``spawn``), never in the server's: a crash, a
runaway allocation or a segfault ends the job, not the server; cancelling is terminating the
process; and the engine's process-wide ``no_grad`` flag cannot collide with the server's
inference. Messages on the pipe: ``("out", text)``, then ``("done", metrics)`` or
``("error", message)``. The process ends itself when the lab's process is gone. This module
imports no web framework: the child only needs deepgrad.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

__all__ = ["PipeStream", "child_main"]


class PipeStream:
    """A text stream that sends what is written through ``conn`` and says it is a terminal, so
    the progress bar redraws its line at every step (and the lab sees every step)."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.lock = threading.Lock()

    def write(self, s: str) -> int:
        if s:
            with self.lock:
                try:
                    self.conn.send(("out", s))
                except (OSError, ValueError):  # the lab went away
                    os._exit(3)
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


def child_main(conn: Any, module_name: str, config: dict[str, Any], out: str, quick: bool,
               seed: int, parent: int) -> None:
    """Run the task ``module_name`` with ``config`` into ``out`` (the process's target)."""
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    stream = PipeStream(conn)
    sys.stdout = sys.stderr = stream  # type: ignore[assignment]
    try:
        from deepgrad.tasks.contract import config_from_dict
        from deepgrad.tasks.rundir import run_task

        module = importlib.import_module(module_name)
        cfg = config_from_dict(module.Config, config, "the lab's job")
        _, result = run_task(module, cfg, out, quick=quick, seed=seed)
        conn.send(("done", dict(result.metrics)))
    except BaseException as e:  # noqa: BLE001  (every failure is the job's, reported)
        message = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
        trace = traceback.format_exc()
        stream.write(trace)
        try:
            with open(Path(out) / "log.txt", "a", encoding="utf-8") as log:
                log.write(trace)
        except OSError:
            pass
        conn.send(("error", message))
    finally:
        conn.close()
