"""Time conv2d forward+backward in deepgrad and in PyTorch (a standalone probe, not a test).

    python benchmarks/conv_probe.py                      # N=64, 64->64, 16x16, 3x3, padding 1
    python benchmarks/conv_probe.py --shape 64,32,32,32,64,3,1 --rounds 7

Each library runs in its own subprocess (two thread pools in one process fight over the
cores), the subprocesses alternate, and each reports the min of ``--steps`` timed steps; the
parent prints min and median over ``--rounds`` rounds and the ratio deepgrad / PyTorch. PyTorch
uses ``torch.set_num_threads(--threads)``; NumPy's BLAS is limited to the same count.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time


def _worker(lib: str, shape: list[int], steps: int, threads: int, phase: str) -> None:
    import numpy as np

    n, c, h, w, o, k, p = shape
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, c, h, w)).astype(np.float32)
    wt = (rng.standard_normal((o, c, k, k)) * 0.05).astype(np.float32)
    b = rng.standard_normal(o).astype(np.float32)
    hout = h + 2 * p - k + 1
    g = rng.standard_normal((n, o, hout, hout)).astype(np.float32)
    if lib == "torch":
        import torch

        torch.set_num_threads(threads)
        tx, tw, tb = (torch.from_numpy(a).requires_grad_() for a in (x, wt, b))
        tg = torch.from_numpy(g)

        def step() -> None:
            if phase == "forward":
                with torch.no_grad():
                    torch.nn.functional.conv2d(tx, tw, tb, padding=p)
                return
            y = torch.nn.functional.conv2d(tx, tw, tb, padding=p)
            y.backward(tg)
            tx.grad = tw.grad = tb.grad = None

    else:
        import deepgrad as dg
        import deepgrad.functional as F

        dx, dw, db = (dg.Tensor(a, requires_grad=True) for a in (x, wt, b))

        def step() -> None:
            if phase == "forward":
                with dg.no_grad():
                    F.conv2d(dx, dw, db, padding=p)
                return
            y = F.conv2d(dx, dw, db, padding=p)
            y.backward(g)
            dx.grad = dw.grad = db.grad = None

    for _ in range(3):
        step()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    print(json.dumps({"min": min(times), "median": statistics.median(times)}))


def _blas_report() -> str:
    import numpy as np
    from threadpoolctl import threadpool_info

    import deepgrad.functional._gemm as gemm

    lines = [f"numpy {np.__version__}; deepgrad gemm: {gemm.blas_info()}"]
    for pool in threadpool_info():
        lines.append(
            f"  {pool.get('internal_api')} {pool.get('version')} kernel={pool.get('architecture')}"
            f" threads={pool.get('num_threads')} ({os.path.basename(pool.get('filepath', ''))})"
        )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shape", default="64,64,16,16,64,3,1", help="N,C,H,W,O,k,padding")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--phase", choices=["train", "forward"], default="train")
    ap.add_argument("--worker", choices=["deepgrad", "torch"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    shape = [int(v) for v in args.shape.split(",")]
    if args.worker:
        _worker(args.worker, shape, args.steps, args.threads, args.phase)
        return

    env = dict(os.environ)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(args.threads)
    results: dict[str, list[float]] = {"deepgrad": [], "torch": []}
    for r in range(args.rounds):
        order = ("deepgrad", "torch") if r % 2 == 0 else ("torch", "deepgrad")
        for lib in order:
            cmd = [sys.executable, __file__, "--worker", lib, "--shape", args.shape]
            cmd += ["--steps", str(args.steps), "--threads", str(args.threads)]
            cmd += ["--phase", args.phase]
            out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
            results[lib].append(json.loads(out.stdout.strip().splitlines()[-1])["min"])

    n, c, h, w, o, k, p = shape
    print(
        f"conv2d {args.phase}: N={n} {c}->{o} {h}x{w} {k}x{k} padding {p}, {args.threads} threads"
    )
    print(f"load average after the run: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(_blas_report())
    print(f"{'library':10s} {'min ms':>8s} {'median ms':>10s}   (per round: min of {args.steps})")
    for lib, ts in results.items():
        rounds = " ".join(f"{t * 1e3:.1f}" for t in ts)
        print(f"{lib:10s} {min(ts) * 1e3:8.2f} {statistics.median(ts) * 1e3:10.2f}   [{rounds}]")
    dmin, tmin = min(results["deepgrad"]), min(results["torch"])
    dmed, tmed = statistics.median(results["deepgrad"]), statistics.median(results["torch"])
    print(f"ratio deepgrad/torch: {dmin / tmin:.2f} (min), {dmed / tmed:.2f} (median)")


if __name__ == "__main__":
    main()
