"""Probe: how far 2 ranks drift from one process on the course's MNIST CNN, by dtype and optimizer.

    python -m benchmarks.distributed_drift             # 10 steps of batch 128, Adam and SGD

Data-parallel training computes the same sums in another order (each rank sums its 64 examples'
gradients, the allreduce adds the two partial sums), so the parameters differ from one process's
by rounding. How much that grows depends on the optimizer: SGD's step is proportional to the
gradient, so a relative rounding error stays one; Adam's step m / sqrt(v) is about lr whatever
the gradient's size, so for a weight whose gradient is nearly zero (its rounding error as large
as itself) the two runs take steps of lr in different directions. Trains the CNN (SyncBatchNorm
at 2 ranks, dropout, random shifts of 1 pixel as the mnist task) on random MNIST-shaped images
for 2 epochs of 5 global batches of 128 at 1 and 2 ranks, and prints the largest difference of
any parameter or buffer, per dtype and optimizer.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

CASES = [("adam", "float64"), ("adam", "float32"), ("sgd", "float64"), ("sgd", "float32")]


def train(opt: str, dtype: str, distributed: bool) -> dict:
    import numpy as np

    import deepgrad as dg
    from deepgrad import distributed as dist
    from deepgrad import models
    from deepgrad.tasks.mnist import _ShiftedBatches

    dg.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(640, 1, 28, 28)).astype(dtype)
    y = rng.integers(0, 10, 640)
    model = models.mnist_cnn().astype(np.dtype(dtype))
    if distributed:
        dist.convert_sync_batchnorm(model)
    model.compile(opt, "cross_entropy", lr=2e-3 if opt == "adam" else 0.05)
    model.fit(_ShiftedBatches(x, y, 128, 1), epochs=2, verbose=0, distributed=distributed)
    return {k: np.asarray(v, np.float64).tolist() for k, v in model.state_dict().items()}


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        from deepgrad import distributed as dist

        res = {f"{o}/{d}": train(o, d, True) for o, d in CASES}
        if dist.rank() == 0:
            Path(sys.argv[2]).write_text(json.dumps(res))
        return 0
    import numpy as np

    from benchmarks.distributed import _mpirun

    env = {
        **os.environ,
        "OMPI_ALLOW_RUN_AS_ROOT": "1",
        "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
        "OMP_NUM_THREADS": "1",
    }
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "two.json"
        subprocess.run(
            [
                _mpirun(),
                "-n",
                "2",
                sys.executable,
                "-m",
                "benchmarks.distributed_drift",
                "--worker",
                str(path),
            ],
            check=True,
            env=env,
        )
        two = json.loads(path.read_text())
    print("| optimizer | dtype | largest |2 ranks - 1 process| after 10 steps |")
    print("|---|---|---:|")
    for o, d in CASES:
        one = train(o, d, False)
        worst = max(
            float(np.max(np.abs(np.asarray(v) - np.asarray(two[f"{o}/{d}"][k])), initial=0.0))
            for k, v in one.items()
        )
        print(f"| {o} | {d} | {worst:.2g} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
