"""A tiny task for the lab's job tests: it follows the task contract, prints deepgrad's
progress bar like a real training and takes a fraction of a second (or fails, or crashes, or
waits, as its config says); with ``train`` each step is an SGD step of a tiny network (for the
lab's per-layer statistics). Imported by name in the job's own process."""

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
    train: bool = param(False, "each step trains a tiny network (0: Linear, 1: ReLU, 2: Linear)")


QUICK = Config(epochs=2, steps=3)


def _tiny_network():
    import numpy as np

    from deepgrad import functional as F
    from deepgrad import nn, optim
    from deepgrad.train.watch import label

    net = label(nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2)), "tiny net")
    opt = optim.SGD(net.parameters(), lr=0.1)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 4)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)

    def step() -> float:
        loss = F.cross_entropy(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return float(loss.data)
    return step


def run(cfg: Config, out: Path, resume: bool = False) -> Result:
    loss = 2.0
    train = _tiny_network() if cfg.train else None
    for epoch in range(cfg.epochs):
        print(f"Epoch {epoch + 1}/{cfg.epochs}")
        bar = Progbar(cfg.steps)
        for step in range(1, cfg.steps + 1):
            time.sleep(cfg.delay)
            loss = train() if train is not None else loss * 0.9
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
