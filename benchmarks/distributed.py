"""Benchmark: what data-parallel training costs here, and what it would give on a cluster.

    python -m benchmarks.distributed                    # measures at 1 and 2 ranks, prints it all
    python -m benchmarks.distributed --json out.json    # ... and keeps the measurements
    python -m benchmarks.distributed --quick            # fewer repetitions (a smoke test)

Measured (every rank one thread, ``OMP_NUM_THREADS=1``; the 2 ranks share the machine's cores):

* ``MPI_Allreduce`` of float32 buffers from 1 KB to 64 MB on 2 ranks: the time (median over
  blocks of repetitions, each block's time the slowest rank's; and the best block) and the bus
  bandwidth 2 (p - 1) / p * bytes / t (what a ring moves per rank); a least-squares fit
  t = a + bytes / beta of the best times over the sizes >= 64 KB gives the per-call latency a
  and the bandwidth beta of this machine's shared-memory transport.
* Training steps of the course's MNIST MLP (784-256-256-10, dropout 0.2) and CNN (two conv +
  batch norm blocks, dense 128): ``fit`` steps per second at 1 rank and at 2 ranks
  (``distributed=True``, SyncBatchNorm) on the same global batch, and a step taken apart: the
  forward and backward on a rank's rows, the gradient allreduce, the optimizer step.
* The compute time T_c(b) of one step (forward and backward) at 1 rank for per-rank batches
  b = 16 .. 512, and the per-example compute k = T_c(512) / 512 (the cost model's compute).

Derived (printed with the formulas; docs/distributed.md explains them): the ring allreduce time
of each model's gradients on 10 and 100 Gbit/s at 8, 64 and 512 ranks, the speedup with and
without communication overlapping the backward pass, and the per-rank batch b* below which
the communication no longer hides behind the compute (see ``derive``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .machine import cpu_name

SIZES = [2**k for k in range(10, 27, 2)]  # 1 KB, 4 KB, ..., 64 MB
BATCHES = [16, 32, 64, 128, 256, 512]
RANKS = [8, 64, 512]
NETWORKS = {"10 Gbit/s": 10e9 / 8, "100 Gbit/s": 100e9 / 8}  # bytes per second (line rate)


def _build(kind: str, distributed: bool):
    from deepgrad import distributed as dist
    from deepgrad import models

    model = models.mlp([784, 256, 256, 10], dropout=0.2) if kind == "mlp" else models.mnist_cnn()
    if distributed:
        dist.convert_sync_batchnorm(model)
    model.compile("adam", "cross_entropy", lr=1e-3)
    return model


def _data(kind: str, n: int):
    import numpy as np

    rng = np.random.default_rng(0)
    shape = (n, 784) if kind == "mlp" else (n, 1, 28, 28)
    return rng.normal(size=shape).astype(np.float32), rng.integers(0, 10, n)


def allreduce_times(quick: bool) -> list[dict]:
    import numpy as np

    from deepgrad import distributed as dist

    world = dist.init()
    rows = []
    for nbytes in SIZES:
        buf = np.ones(nbytes // 4, np.float32)
        reps = max(3, min(200, int(2e7 // nbytes))) // (4 if quick else 1) or 1
        blocks = []
        world.allreduce_(buf)  # warm-up (connections, pages)
        for _ in range(3 if quick else 7):
            world.barrier()
            t0 = time.perf_counter()
            for _ in range(reps):
                world.allreduce_(buf)
            t = np.array([(time.perf_counter() - t0) / reps])
            blocks.append(float(world.allreduce_(t, "max")[0]))
        t, best = statistics.median(blocks), min(blocks)
        p = world.size
        rows.append(
            {
                "bytes": nbytes,
                "seconds": t,
                "best_seconds": best,
                "busbw": 2 * (p - 1) / p * nbytes / t,
                "best_busbw": 2 * (p - 1) / p * nbytes / best,
            }
        )
    return rows


def _fit_steps(kind: str, batch: int, steps: int, distributed: bool) -> float:
    """Seconds per fit step (an epoch of ``steps`` global batches, after a warm-up epoch)."""
    model = _build(kind, distributed)
    x, y = _data(kind, batch * steps)
    model.fit(
        x[: 2 * batch],
        y[: 2 * batch],
        batch_size=batch,
        epochs=1,
        verbose=0,
        distributed=distributed,
    )
    t0 = time.perf_counter()
    model.fit(x, y, batch_size=batch, epochs=1, verbose=0, distributed=distributed)
    return (time.perf_counter() - t0) / steps


def _parts(kind: str, batch: int, steps: int, distributed: bool) -> dict[str, float]:
    """One step taken apart (medians): forward + backward on this rank's rows, the wait for
    the slowest rank (a barrier: load imbalance, not transfer), the gradient allreduce, the
    optimizer step."""
    from deepgrad import distributed as dist
    from deepgrad import functional as F
    from deepgrad.random import batch_rows
    from deepgrad.tensor import Tensor
    from deepgrad.train.fit import _ensure_optimizer

    world = dist.init()
    model = _build(kind, distributed)
    opt = _ensure_optimizer(model)
    buckets = dist.GradientBuckets(model.parameters())
    x, y = _data(kind, batch)
    offset, rows = dist.shard_range(batch, world.rank, world.size)
    xl, yl = Tensor(x[offset : offset + rows]), Tensor(y[offset : offset + rows])
    times: dict[str, list[float]] = {"compute": [], "wait": [], "allreduce": [], "step": []}
    for i in range(steps + 2):
        world.barrier()
        t0 = time.perf_counter()
        opt.zero_grad()
        with batch_rows(offset, rows, batch):
            loss = F.cross_entropy(model(xl), yl)
        loss.backward()
        t1 = time.perf_counter()
        world.barrier()
        t2 = time.perf_counter()
        buckets.allreduce()
        t3 = time.perf_counter()
        opt.step()
        t4 = time.perf_counter()
        if i >= 2:
            for k, v in zip(times, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
                times[k].append(v)
    out = {k: statistics.median(v) for k, v in times.items()}
    out["gradient_bytes"] = sum(p.data.nbytes for p in model.parameters())
    out["buckets"] = len(buckets)
    return out


def worker(quick: bool) -> dict:
    """Everything measured on the ranks of this run (rank 0's view)."""
    from deepgrad import distributed as dist

    world = dist.init()
    steps = 6 if quick else 20
    res: dict = {"ranks": world.size, "models": {}}
    if world.size > 1:
        from mpi4py import MPI

        res["mpi"] = MPI.Get_library_version().splitlines()[0].split(",")[0]
        res["allreduce"] = allreduce_times(quick)
    for kind in ("mlp", "cnn"):
        m = {
            "fit_step": _fit_steps(kind, 128, steps, world.size > 1),
            "parts": _parts(kind, 128, steps, world.size > 1),
        }
        if world.size == 1:
            m["compute_by_batch"] = {
                b: _parts(kind, b, max(3, steps // 4), False)["compute"] for b in BATCHES
            }
        res["models"][kind] = m
    return res


def _lstsq(xs: list[float], ys: list[float]) -> tuple[float, float]:
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx
    return my - slope * mx, slope


def derive(one: dict, two: dict) -> dict:
    """The cost model's inputs from the measurements, and its estimates.

    Per model: G (gradient bytes), T_c(b) the measured compute of a per-rank batch b, and the
    per-example compute k = T_c(512) / 512. Per network (beta) and p:
    t_comm = 2 (p - 1) / p * G / beta (the ring's bandwidth term), and with latency
    t_comm + 2 (p - 1) alpha, alpha the per-message latency measured here (a lower bound for any
    network); speedup serial = p T_c / (T_c + t_comm) (deepgrad: the allreduce after the
    backward pass), overlapped = p T_c / max(T_c, t_comm) (DDP, Horovod: buckets sent while
    the backward pass goes on); b* = t_comm / k, the per-rank batch below which the
    communication takes longer than the compute, so no overlap can hide it."""
    big = [r for r in two["allreduce"] if r["bytes"] >= 2**16]
    a2, inv_beta = _lstsq([r["bytes"] for r in big], [r["best_seconds"] for r in big])
    small = min(two["allreduce"], key=lambda r: r["bytes"])
    alpha = small["best_seconds"] / (2 * (two["ranks"] - 1))  # 2(p-1) message steps
    out: dict = {
        "fit_latency_s": a2,
        "local_bandwidth_Bps": 1 / inv_beta,
        "alpha_s": alpha,
        "alpha_from_bytes": small["bytes"],
        "models": {},
    }
    for kind in ("mlp", "cnn"):
        g = one["models"][kind]["parts"]["gradient_bytes"]
        by_b = one["models"][kind]["compute_by_batch"]
        k = by_b[max(by_b)] / max(by_b)
        est: dict = {"gradient_bytes": g, "per_example_s": k, "rows": []}
        for net, beta in NETWORKS.items():
            for p in RANKS:
                t_comm = 2 * (p - 1) / p * g / beta
                row = {
                    "network": net,
                    "ranks": p,
                    "t_comm": t_comm,
                    "t_comm_latency": t_comm + 2 * (p - 1) * alpha,
                    "b_star": t_comm / k,
                }
                for b in (32, 128):
                    tc = by_b[b]
                    row[f"speedup_serial_{b}"] = p * tc / (tc + t_comm)
                    row[f"speedup_overlap_{b}"] = p * tc / max(tc, t_comm)
                est["rows"].append(row)
        out["models"][kind] = est
    return out


def _ms(s: float) -> str:
    return f"{s * 1e3:.3g} ms"


def report(one: dict, two: dict, derived: dict, machine: dict) -> str:
    lines = [
        f"machine: {machine['cpu']}, {machine['cores']} cores, load average "
        f"{machine['load_before']} before / {machine['load_after']} after; "
        f"{machine['mpi']}; one thread per rank",
        "",
        "MPI_Allreduce on 2 ranks (float32; busbw = 2(p-1)/p bytes / t, = bytes / t at p=2; "
        "the median and the best of the blocks)",
        "| bytes | time (median) | busbw (median) | time (best) | busbw (best) |",
        "|---:|---:|---:|---:|---:|",
    ]
    for r in two["allreduce"]:
        lines.append(
            f"| {r['bytes']:,} | {r['seconds'] * 1e6:.1f} us | {r['busbw'] / 1e9:.2f} GB/s | "
            f"{r['best_seconds'] * 1e6:.1f} us | {r['best_busbw'] / 1e9:.2f} GB/s |"
        )
    lines += [
        "",
        f"fit of the best times, t = a + bytes / beta over >= 64 KB: a = "
        f"{derived['fit_latency_s'] * 1e6:.1f} us, beta = "
        f"{derived['local_bandwidth_Bps'] / 1e9:.2f} GB/s; per-message latency alpha = "
        f"best t({derived['alpha_from_bytes']:,} B) / 2(p-1) = {derived['alpha_s'] * 1e6:.2f} us",
        "",
        "training steps, global batch 128 (Adam; the CNN with SyncBatchNorm at 2 ranks)",
        "| model | gradient | fit step 1 rank | fit step 2 ranks | speedup | 1 rank: "
        "compute / step | 2 ranks: compute / wait / allreduce / step |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for kind in ("mlp", "cnn"):
        o, t = one["models"][kind], two["models"][kind]
        p1, p2 = o["parts"], t["parts"]
        lines.append(
            f"| {kind} | {p1['gradient_bytes'] / 1e6:.2f} MB | {_ms(o['fit_step'])} | "
            f"{_ms(t['fit_step'])} | {o['fit_step'] / t['fit_step']:.2f}x | "
            f"{_ms(p1['compute'])} / {_ms(p1['step'])} | {_ms(p2['compute'])} / "
            f"{_ms(p2['wait'])} / {_ms(p2['allreduce'])} / {_ms(p2['step'])} |"
        )
    lines += ["", "compute per step at 1 rank (forward + backward), by per-rank batch b"]
    lines += [
        "| model | " + " | ".join(f"b={b}" for b in BATCHES) + " | k = T_c(512) / 512 |",
        "|---|" + "---:|" * (len(BATCHES) + 1),
    ]
    for kind in ("mlp", "cnn"):
        by_b = one["models"][kind]["compute_by_batch"]
        d = derived["models"][kind]
        lines.append(
            f"| {kind} | "
            + " | ".join(_ms(by_b[b]) for b in BATCHES)
            + f" | {d['per_example_s'] * 1e6:.3g} us |"
        )
    lines += [
        "",
        "estimates: t_comm = 2(p-1)/p G / beta (ring, bandwidth term), + 2(p-1) alpha (with "
        "this machine's latency); speedup serial = p T_c / (T_c + t_comm), overlapped = "
        "p T_c / max(T_c, t_comm), T_c measured; b* = t_comm / k",
        "| model | network | p | t_comm | + latency | b* | speedup b=32 serial / overlap | "
        "speedup b=128 serial / overlap |",
        "|---|---|---:|---:|---:|---:|---|---|",
    ]
    for kind in ("mlp", "cnn"):
        for r in derived["models"][kind]["rows"]:
            lines.append(
                f"| {kind} | {r['network']} | {r['ranks']} | {_ms(r['t_comm'])} | "
                f"{_ms(r['t_comm_latency'])} | {r['b_star']:.1f} | "
                f"{r['speedup_serial_32']:.1f} / {r['speedup_overlap_32']:.1f} | "
                f"{r['speedup_serial_128']:.1f} / {r['speedup_overlap_128']:.1f} |"
            )
    return "\n".join(lines)


def _mpirun() -> str:
    beside = Path(sys.executable).parent / "mpirun"
    if beside.is_file():
        return str(beside)
    import shutil

    found = shutil.which("mpirun")
    if found is None:
        raise SystemExit("mpirun not found: pip install 'deepgrad[distributed]'")
    return found


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", metavar="PATH", help="write the measurements here")
    ap.add_argument("--quick", action="store_true", help="fewer repetitions")
    ap.add_argument("--worker", metavar="PATH", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    os.environ["OMP_NUM_THREADS"] = "1"
    if args.worker:
        res = worker(args.quick)
        from deepgrad import distributed as dist

        if dist.rank() == 0:
            Path(args.worker).write_text(json.dumps(res))
        return 0
    machine = {
        "cpu": cpu_name(),
        "cores": os.cpu_count(),
        "load_before": " ".join(f"{v:.1f}" for v in os.getloadavg()),
    }
    with tempfile.TemporaryDirectory() as tmp:
        one_path, two_path = Path(tmp) / "one.json", Path(tmp) / "two.json"
        env = {
            **os.environ,
            "OMPI_ALLOW_RUN_AS_ROOT": "1",
            "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
            "OMP_NUM_THREADS": "1",
        }
        base = [sys.executable, "-m", "benchmarks.distributed"] + (
            ["--quick"] if args.quick else []
        )
        subprocess.run([*base, "--worker", str(one_path)], check=True, env=env)
        subprocess.run(
            [_mpirun(), "-n", "2", *base, "--worker", str(two_path)], check=True, env=env
        )
        one, two = json.loads(one_path.read_text()), json.loads(two_path.read_text())
    for m in one["models"].values():
        m["compute_by_batch"] = {int(b): v for b, v in m["compute_by_batch"].items()}
    machine["load_after"] = " ".join(f"{v:.1f}" for v in os.getloadavg())
    machine["mpi"] = two["mpi"]
    derived = derive(one, two)
    print(report(one, two, derived, machine))
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {"machine": machine, "one_rank": one, "two_ranks": two, "derived": derived},
                indent=1,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
