"""Probe: cross_entropy forward+backward over (1280, 5000) float32 logits, deepgrad vs PyTorch.

Each library runs in its own subprocess (two thread pools in one process fight over the cores),
the runs alternate, and the ratio uses min and median over all timed iterations.

    python benchmarks/xent_probe.py [--rounds 5] [--iters 20] [--smoothing 0.1] [--threads 2]

PyTorch runs with torch.set_num_threads(--threads) (2, the machine's cores, by default). On a
loaded machine PyTorch's 2-thread pool suffers far more than NumPy's single-threaded ufuncs;
compare with --threads 1 as well, and trust figures from a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

N, C = 1280, 5000


def _worker(lib: str, iters: int, smoothing: float, threads: int) -> list[float]:
    import numpy as np

    rng = np.random.default_rng(0)
    x_np = rng.standard_normal((N, C)).astype(np.float32)
    y_np = rng.integers(0, C, N)
    times = []
    if lib == "torch":
        import torch
        import torch.nn.functional as TF

        torch.set_num_threads(threads)
        x = torch.tensor(x_np, requires_grad=True)
        y = torch.from_numpy(y_np)

        def step() -> None:
            TF.cross_entropy(x, y, label_smoothing=smoothing).backward()
            x.grad = None
    else:
        import deepgrad as dg
        import deepgrad.functional as F

        x = dg.Tensor(x_np, requires_grad=True)
        y = dg.Tensor(y_np)

        def step() -> None:
            F.cross_entropy(x, y, label_smoothing=smoothing).backward()
            assert x.grad.dtype == np.float32
            x.grad = None

    for _ in range(3):  # warm-up
        step()
    for _ in range(iters):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--smoothing", type=float, default=0.0)
    ap.add_argument("--threads", type=int, default=2, help="PyTorch threads")
    ap.add_argument("--worker", choices=["deepgrad", "torch"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(_worker(args.worker, args.iters, args.smoothing, args.threads)))
        return
    results: dict[str, list[float]] = {"deepgrad": [], "torch": []}
    for _ in range(args.rounds):
        for lib in ("deepgrad", "torch"):
            cmd = [sys.executable, __file__, "--worker", lib, "--iters", str(args.iters)]
            cmd += ["--smoothing", str(args.smoothing), "--threads", str(args.threads)]
            out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
            results[lib] += json.loads(out.strip().splitlines()[-1])
    row = {k: (min(v) * 1e3, statistics.median(v) * 1e3) for k, v in results.items()}
    print(
        f"cross_entropy fwd+bwd ({N}, {C}) float32, label_smoothing={args.smoothing}, "
        f"torch threads={args.threads}"
    )
    for lib, (mn, md) in row.items():
        print(f"  {lib:9s} min {mn:7.2f} ms   median {md:7.2f} ms")
    print(
        f"  ratio deepgrad/torch: min {row['deepgrad'][0] / row['torch'][0]:.2f}x   "
        f"median {row['deepgrad'][1] / row['torch'][1]:.2f}x"
    )


if __name__ == "__main__":
    main()
