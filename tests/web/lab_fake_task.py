"""A tiny task for the lab's job tests: it follows the task contract, prints deepgrad's
progress bar like a real training and takes a fraction of a second (or fails, or crashes, or
waits, as its config says). Imported by name in the job's own process."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from deepgrad.tasks.contract import Result, TaskError, param
from deepgrad.train import Progbar

NAME = "fake"
WEEK = 1
SUMMARY = "a fake task for the lab's tests"
HEADLINE = "score"


@dataclass
class Config:
    epochs: int = param(2, "epochs")
    steps: int = param(4, "steps per epoch")
    delay: float = param(0.01, "seconds per step")
    mode: Literal["ok", "fail", "exit", "hang"] = param("ok", "how it ends")
    note: str | None = param(None, "free text")


QUICK = Config(epochs=2, steps=3)


def run(cfg: Config, out: Path, resume: bool = False) -> Result:
    loss = 2.0
    for epoch in range(cfg.epochs):
        print(f"Epoch {epoch + 1}/{cfg.epochs}")
        bar = Progbar(cfg.steps)
        for step in range(1, cfg.steps + 1):
            time.sleep(cfg.delay)
            loss *= 0.9
            bar.update(step, {"loss": loss})
            if cfg.mode == "hang":
                time.sleep(3600)
        bar.finish(cfg.steps, {"loss": loss, "val_loss": loss * 1.1})
        if cfg.mode == "fail":
            raise TaskError("the fake task failed on purpose")
        if cfg.mode == "exit":
            os._exit(7)  # a hard crash: no exception, no message
    (out / "note.txt").write_text("written by the fake task\n")
    return Result({"score": 1.0 - loss / 10, "final_loss": loss}, {"note": "note.txt"})


def load(out: Path) -> str:
    return (Path(out) / "note.txt").read_text()
