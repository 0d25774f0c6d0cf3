"""One timing run of one workload in one library, in its own process; prints a JSON line.

    python -m benchmarks.worker --lib deepgrad --workload mlp --steps 20 --warmup 3

Peak memory is the process's resident high-water mark during build + steps, minus the
resident size after the library was imported (Linux /proc; the mark is reset first).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time


def _rss_kb(field: str) -> int:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _reset_peak() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lib", choices=["deepgrad", "torch"], required=True)
    ap.add_argument("--workload", required=True)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--batch", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)

    from .workloads import WORKLOADS

    wl = WORKLOADS[args.workload]
    info: dict = {"lib": args.lib, "workload": args.workload}
    if args.lib == "torch":
        import torch

        torch.set_num_threads(args.threads)
        info["backend"] = f"torch {torch.__version__}, {torch.get_num_threads()} threads"
    else:
        import numpy as np

        import deepgrad  # noqa: F401

        try:
            from threadpoolctl import threadpool_info

            blas = [
                f"{p.get('internal_api')} {p.get('architecture', '')} "
                f"{p.get('num_threads')} threads"
                for p in threadpool_info()
                if p.get("user_api") == "blas"
            ]
        except ImportError:
            blas = ["threadpoolctl not installed"]
        from deepgrad._blas import blas_info

        gemm = blas_info().split("; ", 1)[-1]  # the float32 GEMM the conv row blocks use
        info["backend"] = f"numpy {np.__version__}, " + "; ".join(blas) + f"; {gemm}"
    base = _rss_kb("VmRSS")
    _reset_peak()
    batch = args.batch or wl.batch
    step = (wl.torch if args.lib == "torch" else wl.deepgrad)(batch)
    for _ in range(args.warmup):
        step()
    times = []
    for _ in range(args.steps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    info["times"] = times
    info["batch"] = batch
    info["peak_mb"] = max(_rss_kb("VmHWM") - base, 0) / 1024
    sys.stdout.write(json.dumps(info) + "\n")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    raise SystemExit(main())
