"""Probe: what deepgrad.train.watch costs a training, off and on.

    python -m benchmarks.watch_probe                   # the MNIST CNN and the MLP, batch 128
    python -m benchmarks.watch_probe --model mlp --blocks 9 --steps 40

One process, one model, MNIST-shaped random data; blocks of ``--steps`` training steps (Adam,
cross-entropy, a hand-written loop as ``fit`` runs it) alternate between three conditions:

* ``plain``: ``Optimizer.step`` as it was before the step hooks existed (``Optimizer._step``);
* ``off``: today's ``step`` with no watch (it checks the two empty hook dicts);
* ``on``: a ``LayerWatch`` with its defaults (a sample at most every 0.25 s, at most 1% of the
  time), whose records are serialized to JSON as the lab's job process does.

Prints steps per second (min, median, max over the blocks) per condition, the on/off ratio of
the medians, the watch's samples with their own cost (the sum of the records' ``cost``: the time
spent reading, copying and computing, the look-up included) over the watched time, and the CPU,
BLAS and load average: a shared machine's timings drift, which is why the conditions alternate;
the samples' own cost is the steadier figure there.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

from .machine import cpu_name


def probe(kind: str, blocks: int, steps: int, batch: int) -> dict[str, list[float]]:
    import numpy as np

    import deepgrad as dg
    from deepgrad import functional as F
    from deepgrad import models, optim
    from deepgrad.optim.optimizer import Optimizer
    from deepgrad.train.watch import LayerWatch

    dg.manual_seed(0)
    model = models.mnist_cnn() if kind == "cnn" else models.mlp([784, 256, 256, 10],
                                                                 dropout=0.2)
    opt = optim.Adam(model.parameters(), lr=1e-3)
    rng = np.random.default_rng(0)
    shape = (batch, 1, 28, 28) if kind == "cnn" else (batch, 784)
    xs = [rng.standard_normal(shape, dtype=np.float32) for _ in range(4)]
    ys = [rng.integers(0, 10, batch) for _ in range(4)]
    sent: list[int] = []
    costs: list[float] = []

    def sink(record: dict) -> None:
        sent.append(len(json.dumps(record)))
        costs.append(record["cost"])

    def train(n: int) -> float:
        t = time.perf_counter()
        for i in range(n):
            loss = F.cross_entropy(model(xs[i % 4]), ys[i % 4])
            opt.zero_grad()
            loss.backward()
            opt.step()
        return n / (time.perf_counter() - t)

    train(3)  # compile the kernels, warm the caches
    watch = LayerWatch(sink)
    rates: dict[str, list[float]] = {"plain": [], "off": [], "on": []}
    on_seconds = 0.0
    plain_step, hooked_step = Optimizer._step, Optimizer.step
    for _ in range(blocks):
        for cond in ("plain", "off", "on"):
            if cond == "plain":
                Optimizer.step = plain_step  # type: ignore[method-assign]
            if cond == "on":
                watch.start()
            t = time.perf_counter()
            try:
                rates[cond].append(train(steps))
            finally:
                if cond == "on":
                    on_seconds += time.perf_counter() - t
                watch.stop()
                Optimizer.step = hooked_step  # type: ignore[method-assign]
    rates["samples"] = [float(watch.samples)]
    rates["bytes"] = [float(max(sent)) if sent else 0.0]
    rates["own"] = [sum(costs) / on_seconds]  # the samples' own cost, as the watch measures it
    return rates


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", choices=["cnn", "mlp", "both"], default="both")
    p.add_argument("--blocks", type=int, default=5)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--batch", type=int, default=128)
    args = p.parse_args(argv)
    from deepgrad._blas import blas_info

    print(f"{cpu_name()}; BLAS {blas_info()}; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for kind in (["cnn", "mlp"] if args.model == "both" else [args.model]):
        r = probe(kind, args.blocks, args.steps, args.batch)
        med = {c: statistics.median(r[c]) for c in ("plain", "off", "on")}
        print(f"{kind}, batch {args.batch}, {args.blocks} blocks of {args.steps} steps "
              f"(steps/s, min / median / max):")
        for c in ("plain", "off", "on"):
            print(f"  {c:5s} {min(r[c]):7.2f} / {med[c]:7.2f} / {max(r[c]):7.2f}")
        print(f"  on/off {med['on'] / med['off']:.3f}, off/plain {med['off'] / med['plain']:.3f};"
              f" {int(r['samples'][0])} samples (their own cost {100 * r['own'][0]:.2f}% of the"
              f" watched time), largest record {int(r['bytes'][0])} bytes")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
