"""Run every workload in deepgrad and PyTorch, alternating processes, and print the ratios.

    python -m benchmarks                 # full run (several repeats)
    python -m benchmarks --quick         # CI-sized: one short repeat of each workload
    python -m benchmarks --only mlp,cnn --json out/bench.json --scaling out/scaling.png

Each (library, workload) run is a fresh process (two thread pools in one process fight over
the cores); the libraries alternate, and each reports per-step times. The table gives the min
and median step time, the ratio deepgrad/PyTorch of the medians and of the mins, achieved
GFLOP/s against a measured GEMM peak where the workload's FLOPs are known, and peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from .machine import cpu_name
from .workloads import WORKLOADS

ROOT = Path(__file__).resolve().parent.parent


def _worker(lib: str, name: str, steps: int, warmup: int, batch: int = 0) -> dict:
    cmd = [sys.executable, "-m", "benchmarks.worker", "--lib", lib, "--workload", name,
           "--steps", str(steps), "--warmup", str(warmup), "--batch", str(batch)]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=1800)
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["?"])[-1]
        return {"error": tail}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def cpu_model() -> str:
    """The CPU's model name and core count."""
    return f"{cpu_name()}, {os.cpu_count()} cores"


def gemm_peak() -> float:
    """float32 GEMM GFLOP/s of NumPy at 2048^3 (the best of 3), in a subprocess."""
    code = (
        "import numpy as np, time\n"
        "a=np.random.rand(2048,2048).astype(np.float32); b=a.copy(); a@b\n"
        "best=min((lambda t0: (a@b, time.perf_counter()-t0)[1])(time.perf_counter()) "
        "for _ in range(3))\n"
        "print(2*2048**3/best/1e9)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    try:
        return float(out.stdout.strip())
    except ValueError:
        return float("nan")


def run(names: list[str], repeats: int, steps: int, warmup: int, scale: int = 1) -> dict:
    results: dict = {}
    for name in names:
        runs: dict[str, list] = {"deepgrad": [], "torch": []}
        meta: dict[str, dict] = {}
        for r in range(repeats):
            order = ("deepgrad", "torch") if r % 2 == 0 else ("torch", "deepgrad")
            for lib in order:
                batch = max(1, WORKLOADS[name].batch // scale) if scale > 1 else 0
                res = _worker(lib, name, steps, warmup, batch)
                if "error" in res:
                    meta[lib] = res
                    continue
                runs[lib].extend(res["times"])
                prev_peak = meta.get(lib, {}).get("peak_mb", 0)
                meta[lib] = {k: v for k, v in res.items() if k != "times"}
                meta[lib]["peak_mb"] = max(meta[lib]["peak_mb"], prev_peak)
        results[name] = {"times": runs, "meta": meta}
    return results


def _fmt_ms(x: float | None) -> str:
    return "   n/a" if x is None else f"{x * 1e3:8.2f}"


def table(results: dict, peak: float) -> str:
    head = (f"{'workload':<22}{'deepgrad min':>13}{'med':>9}{'torch min':>11}{'med':>9}"
            f"{'ratio med':>10}{'ratio min':>10}{'dg GF/s':>9}{'peak MB dg/th':>15}")
    lines = [head, "-" * len(head)]
    for name, res in results.items():
        wl = WORKLOADS[name]
        d, t = res["times"]["deepgrad"], res["times"]["torch"]
        dmin = min(d) if d else None
        dmed = statistics.median(d) if d else None
        tmin = min(t) if t else None
        tmed = statistics.median(t) if t else None
        rmed = f"{dmed / tmed:10.2f}" if d and t else "       n/a"
        rmin = f"{dmin / tmin:10.2f}" if d and t else "       n/a"
        pm = res["meta"]
        nb = pm.get("deepgrad", {}).get("batch", wl.batch)
        gf = f"{wl.flops(nb) / dmin / 1e9:9.1f}" if d and wl.flops else "        -"
        mem = (f"{pm.get('deepgrad', {}).get('peak_mb', float('nan')):7.0f}/"
               f"{pm.get('torch', {}).get('peak_mb', float('nan')):<7.0f}")
        lines.append(f"{name:<22}{_fmt_ms(dmin):>13}{_fmt_ms(dmed):>9}{_fmt_ms(tmin):>11}"
                     f"{_fmt_ms(tmed):>9}{rmed}{rmin}{gf}{mem:>15}")
        for lib in ("deepgrad", "torch"):
            if "error" in pm.get(lib, {}):
                lines.append(f"    {lib} failed: {pm[lib]['error'][:120]}")
    backend = next((r["meta"]["deepgrad"].get("backend") for r in results.values()
                    if "backend" in r["meta"].get("deepgrad", {})), "?")
    tb = next((r["meta"]["torch"].get("backend") for r in results.values()
               if "backend" in r["meta"].get("torch", {})), "?")
    lines += ["", f"times in ms per step; NumPy float32 GEMM peak {peak:.0f} GFLOP/s",
              f"cpu: {cpu_model()}",
              f"deepgrad: {backend}", f"torch: {tb}",
              f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '')!s} "
              f"date {time.strftime('%Y-%m-%d')}"]
    return "\n".join(lines)


def scaling_plot(path: str, name: str = "mlp", batches: tuple = (16, 32, 64, 128, 256)) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for lib in ("deepgrad", "torch"):
        ys = []
        for b in batches:
            res = _worker(lib, name, 10, 2, batch=b)
            ys.append(statistics.median(res["times"]) * 1e3 if "times" in res else float("nan"))
        ax.plot(batches, ys, marker="o", label=lib)
    ax.set_xlabel("batch size")
    ax.set_ylabel("ms per training step (median)")
    ax.set_xscale("log", base=2)
    ax.set_title(f"{name}: cost of a step against batch size")
    ax.legend()
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true",
                    help="one short repeat at 1/8 of each batch (CI-sized: checks it runs)")
    ap.add_argument("--only", default="", help="comma-separated workload names")
    ap.add_argument("--repeats", type=int, default=4)
    ap.add_argument("--steps", type=int, default=15)
    ap.add_argument("--json", default="", help="write machine-readable results here")
    ap.add_argument("--scaling", default="", help="PNG path for time per step vs batch size")
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args(argv)
    if args.list:
        for n, w in WORKLOADS.items():
            print(f"{n:<22}{w.description}")
        return 0
    names = [n for n in args.only.split(",") if n] or list(WORKLOADS)
    unknown = [n for n in names if n not in WORKLOADS]
    if unknown:
        print(f"unknown workloads {unknown}; known: {list(WORKLOADS)}", file=sys.stderr)
        return 2
    repeats, steps, warmup = (1, 2, 1) if args.quick else (args.repeats, args.steps, 3)
    peak = float("nan") if args.quick else gemm_peak()
    results = run(names, repeats, steps, warmup, scale=8 if args.quick else 1)
    print(table(results, peak))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps({"gemm_peak_gflops": peak, "cpu": cpu_model(),
                                               "results": results}))
    if args.scaling:
        scaling_plot(args.scaling)
        print(f"scaling plot: {args.scaling}")
    failed = [n for n, r in results.items() if not r["times"]["deepgrad"]]
    return 1 if failed and args.quick else 0
