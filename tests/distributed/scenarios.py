"""Trainings run both by one process (in pytest) and by ``mpirun -n P`` (this file as a script).

    mpirun -n 2 python scenarios.py OUT SCENARIO[:OPTION=VALUE,...] ...

Each scenario seeds deepgrad's generator, builds its model and data the same way and trains with
``fit``; under mpirun with ``distributed=True``. Rank 0 writes ``OUT/<name>.npz``: the final
parameters and buffers (``model/...``) and the history (``history/...``), which the tests compare
with what the single process gets. The fault scenarios make rank 1 raise, die or hang in the
middle of epoch 2 (``fault=raise|kill|hang``).
"""

from __future__ import annotations

import functools
import os
import signal
import sys
import time
from pathlib import Path

import numpy as np

import deepgrad as dg
from deepgrad import distributed as dist
from deepgrad import nn
from deepgrad.train import Callback

# the scenarios 2 ranks must train as one process does; the control that must differ; the ones
# resumed across rank counts (the generator's state matters, and BatchNorm's buffers)
SAME = ["mlp64", "mlp32", "sgd64", "dropout64", "dropout32", "syncbn64", "syncbn32", "iterable64"]
CONTROL = "localbn64"
RESUMED = ["dropout64", "syncbn64"]


def _data(n: int, features: int, seed: int, image: bool = False):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    if image:
        x = rng.normal(size=(n, 2, 6, 6)) + y[:, None, None, None] * 0.7
    else:
        x = rng.normal(size=(n, features)) + y[:, None] * 0.5
    return x, y


def _mlp(dropout: float, dtype) -> nn.Module:
    layers = [nn.Linear(8, 16), nn.ReLU()]
    if dropout:
        layers.append(nn.Dropout(dropout))
    layers += [nn.Linear(16, 16), nn.Tanh()]
    if dropout:
        layers.append(nn.Dropout(dropout))
    layers.append(nn.Linear(16, 3))
    return nn.Sequential(*layers).astype(dtype)


def _cnn(dtype) -> nn.Module:
    # no bias before a batch norm: its gradient is zero but for rounding, which Adam's
    # normalization would turn into steps of lr, and the runs into a comparison of round-offs
    return nn.Sequential(
        nn.Conv2d(2, 4, 3, padding=1, bias=False),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Dropout(0.3),
        nn.Linear(4 * 3 * 3, 8, bias=False),
        nn.BatchNorm1d(8),
        nn.ReLU(),
        nn.Linear(8, 3),
    ).astype(dtype)


class _Fault(Callback):
    """On rank 1, at batch 2 of epoch 2: raise, kill itself, or hang."""

    def __init__(self, how: str) -> None:
        self.how, self.epoch = how, 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_batch_begin(self, batch, logs=None):
        if dist.rank() != 1 or self.epoch != 1 or batch != 2:
            return
        if self.how == "raise":
            raise RuntimeError("scenario: rank 1 fails on purpose")
        if self.how == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        if self.how == "hang":
            time.sleep(3600)


def run(
    name: str,
    distributed: bool,
    epochs: int = 3,
    resume: str | None = None,
    fault: str | None = None,
) -> dict[str, np.ndarray]:
    """Train scenario ``name``; its parameters, buffers and history as flat arrays."""
    dg.manual_seed(7)
    dtype = np.float32 if name.endswith("32") else np.float64
    image = name.startswith(("syncbn", "localbn"))  # localbn: BatchNorm left per rank
    x, y = _data(101, 8, 1, image)  # 101: the last global batch (5) splits 3 + 2
    xv, yv = _data(37, 8, 2, image)
    model = _cnn(dtype) if image else _mlp(0.4 if name.startswith("dropout") else 0.0, dtype)
    if name.startswith("syncbn") and distributed:
        dist.convert_sync_batchnorm(model)
    opt = "sgd" if name.startswith("sgd") else "adam"
    kw = {"lr": 0.05, "momentum": 0.9} if opt == "sgd" else {"lr": 0.01}
    model.compile(opt, "cross_entropy", metrics=["accuracy"], **kw)
    if name.startswith("iterable"):
        train = _NoisyBatches(x, y, 16)
        model.fit(
            train,
            epochs=epochs,
            validation_data=(xv, yv),
            verbose=0,
            resume=resume,
            distributed=distributed,
        )
    else:
        callbacks = [_Fault(fault)] if fault else []
        model.fit(
            x,
            y,
            batch_size=16,
            epochs=epochs,
            validation_data=(xv, yv),
            verbose=0,
            resume=resume,
            distributed=distributed,
            callbacks=callbacks,
        )
    out = {f"model/{k}": np.asarray(v) for k, v in model.state_dict().items()}
    for k, v in model.history.history.items():
        out[f"history/{k}"] = np.asarray(v)
    return out


@functools.cache
def _reference(name: str, epochs: int) -> dict[str, np.ndarray]:
    return run(name, False, epochs)


def reference(name: str, epochs: int = 3) -> dict[str, np.ndarray]:
    """The single-process, uninterrupted run of ``name`` (computed once per test session)."""
    return dict(_reference(name, epochs))


class _NoisyBatches:
    """Shuffled global batches with Gaussian input noise drawn from deepgrad's generator."""

    def __init__(self, x, y, batch_size):
        self.x, self.y, self.batch_size = x, y, batch_size

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __iter__(self):
        rng = dg.random.get_rng()
        order = rng.permutation(len(self.x))
        for s in range(0, len(order), self.batch_size):
            idx = order[s : s + self.batch_size]
            yield self.x[idx] + 0.1 * rng.standard_normal(self.x[idx].shape), self.y[idx]


def _parse(spec: str) -> tuple[str, dict]:
    name, _, opts = spec.partition(":")
    kw: dict = {}
    for item in filter(None, opts.split(",")):
        k, _, v = item.partition("=")
        kw[k] = int(v) if v.isdigit() else v
    return name, kw


def main(argv: list[str]) -> None:
    out = Path(argv[0])
    for spec in argv[1:]:
        name, kw = _parse(spec)
        tag = kw.pop("tag", name)
        result = run(name, True, **kw)
        if dist.rank() == 0:
            np.savez(out / f"{tag}.npz", **result)


if __name__ == "__main__":
    main(sys.argv[1:])
