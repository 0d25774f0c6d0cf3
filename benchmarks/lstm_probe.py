"""Probe: the char-LSTM training step, deepgrad vs PyTorch's fused nn.LSTM (a timing script).

    python benchmarks/lstm_probe.py                 # full step and LSTM-only, 5 rounds
    python benchmarks/lstm_probe.py --part lstm --rounds 7 --iters 10

Workload (issue 6, #3): embedding 60x32, LSTM 256, 50 steps, batch 64, per-step logits over 60
symbols, cross-entropy, Adam. ``--part lstm`` times only the LSTM layer's forward + backward
(random upstream gradient on its output), which isolates the fused recurrent op.

Each measurement runs in its own subprocess (two thread pools in one process fight over the
cores), the two libraries alternate, torch uses ``set_num_threads(threads)`` and NumPy's BLAS the
same thread count. Reports min and median ms per step over all rounds and the ratio
deepgrad / PyTorch (target: <= 1.1), in wall-clock time and in process CPU time (the latter is
the steadier figure on a loaded machine with ``--threads 1``). Uses whatever deepgrad offers:
nn.Embedding, F.cross_entropy and optim.Adam when present, else an index-select embedding, a
log-softmax cross-entropy and a plain SGD update.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

VOCAB, EMB, HIDDEN, STEPS, BATCH = 60, 32, 256, 50, 64


def _data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.integers(0, VOCAB, (STEPS, BATCH)).astype(np.int64)
    y = rng.integers(0, VOCAB, STEPS * BATCH).astype(np.int64)
    up = rng.standard_normal((STEPS, BATCH, HIDDEN)).astype(np.float32)
    return x, y, up


# ------------------------------------------------------------------------------------ torch
def torch_step(part: str):
    import torch

    torch.manual_seed(0)
    x, y, up = _data()
    emb = torch.nn.Embedding(VOCAB, EMB)
    rnn = torch.nn.LSTM(EMB, HIDDEN)
    out = torch.nn.Linear(HIDDEN, VOCAB)
    params = [*emb.parameters(), *rnn.parameters(), *out.parameters()]
    opt = torch.optim.Adam(params, lr=1e-3)
    tx, ty, tup = torch.from_numpy(x), torch.from_numpy(y), torch.from_numpy(up)
    xin = torch.randn(STEPS, BATCH, EMB, requires_grad=True)

    def step_full() -> None:
        opt.zero_grad()
        h, _ = rnn(emb(tx))
        logits = out(h.reshape(STEPS * BATCH, HIDDEN))
        torch.nn.functional.cross_entropy(logits, ty).backward()
        opt.step()

    def step_lstm() -> None:
        rnn.zero_grad()
        xin.grad = None
        h, _ = rnn(xin)
        h.backward(tup)

    return step_full if part == "step" else step_lstm


# --------------------------------------------------------------------------------- deepgrad
def deepgrad_step(part: str):
    import deepgrad as dg
    import deepgrad.functional as F
    import deepgrad.nn as nn

    dg.manual_seed(0)
    x, y, up = _data()
    rnn = nn.LSTM(EMB, HIDDEN)
    xin = dg.Tensor(
        np.random.default_rng(1).standard_normal((STEPS, BATCH, EMB)).astype("f"),
        requires_grad=True,
    )

    if part == "lstm":

        def step_lstm() -> None:
            for p in rnn.parameters():
                p.grad = None
            xin.grad = None
            h, _ = rnn(xin)
            h.backward(up)

        return step_lstm

    notes = []
    emb = nn.Embedding(VOCAB, EMB) if hasattr(nn, "Embedding") else None
    try:
        emb(dg.Tensor(x[:1]))
        embed = lambda idx: emb(dg.Tensor(idx))  # noqa: E731
        emb_params = list(emb.parameters())
    except (AttributeError, TypeError, NotImplementedError):  # layer or op not there yet
        notes.append("embedding: getitem fallback")
        w = nn.Parameter(np.random.default_rng(2).standard_normal((VOCAB, EMB)).astype("f"))
        embed = lambda idx: w[idx]  # noqa: E731
        emb_params = [w]
    out = nn.Linear(HIDDEN, VOCAB)
    params = emb_params + list(rnn.parameters()) + list(out.parameters())
    if callable(getattr(F, "cross_entropy", None)):
        loss_fn = F.cross_entropy
    else:
        notes.append("loss: log-softmax fallback")
        onehot = np.eye(VOCAB, dtype=np.float32)[y]

        def loss_fn(logits, _y):
            lse = dg.logsumexp(logits, dim=1, keepdim=True)
            return -((logits - lse) * dg.Tensor(onehot)).sum() * (1.0 / len(y))

    try:
        from deepgrad.optim import Adam

        opt = Adam(params, lr=1e-3)
        zero, update = opt.zero_grad, opt.step
    except ImportError:
        notes.append("optimizer: SGD fallback")

        def zero() -> None:
            for p in params:
                p.grad = None

        def update() -> None:
            for p in params:
                p.data -= 1e-3 * p.grad

    ty = dg.Tensor(y)

    def step_full() -> None:
        zero()
        h, _ = rnn(embed(x))
        logits = out(h.reshape(STEPS * BATCH, HIDDEN))
        loss_fn(logits, ty).backward()
        update()

    step_full.notes = notes  # type: ignore[attr-defined]
    return step_full


# ----------------------------------------------------------------------------------- driver
def worker(lib: str, part: str, iters: int, warmup: int, threads: int) -> dict:
    if lib == "torch":
        import torch

        torch.set_num_threads(threads)
        step = torch_step(part)
    else:
        step = deepgrad_step(part)
    for _ in range(warmup):
        step()
    times, cpu = [], []
    for _ in range(iters):
        t0, c0 = time.perf_counter(), time.process_time()
        step()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    notes = getattr(step, "notes", [])
    return {"lib": lib, "part": part, "times": times, "cpu": cpu, "notes": notes}


def _spawn(lib: str, part: str, args: argparse.Namespace) -> dict:
    env = dict(os.environ)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(args.threads)
    cmd = [
        sys.executable,
        __file__,
        "--worker",
        lib,
        "--part",
        part,
        "--iters",
        str(args.iters),
        "--warmup",
        str(args.warmup),
        "--threads",
        str(args.threads),
    ]
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if res.returncode != 0:
        raise RuntimeError(f"{lib} worker failed:\n{res.stderr[-3000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--part", choices=["step", "lstm", "both"], default="both")
    ap.add_argument("--rounds", type=int, default=5, help="alternating deepgrad/torch rounds")
    ap.add_argument("--iters", type=int, default=8, help="timed steps per round")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--worker", choices=["deepgrad", "torch"], help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.part, args.iters, args.warmup, args.threads)))
        return 0

    parts = ["step", "lstm"] if args.part == "both" else [args.part]
    print(
        f"char LSTM: emb {VOCAB}x{EMB}, LSTM {HIDDEN}, {STEPS} steps, batch {BATCH}; "
        f"{args.threads} threads, {args.rounds} rounds x {args.iters} steps"
    )
    for part in parts:
        times: dict[str, list[float]] = {"deepgrad": [], "torch": []}
        cpu: dict[str, list[float]] = {"deepgrad": [], "torch": []}
        notes: list[str] = []
        for r in range(args.rounds):
            order = ("deepgrad", "torch") if r % 2 == 0 else ("torch", "deepgrad")
            for lib in order:
                res = _spawn(lib, part, args)
                times[lib] += res["times"]
                cpu[lib] += res["cpu"]
                notes = notes or res["notes"]
        label = "training step" if part == "step" else "LSTM fwd+bwd"
        for what, data in (("wall", times), ("cpu", cpu)):
            (dmin, dmed), (tmin, tmed) = (
                (min(data[k]) * 1e3, statistics.median(data[k]) * 1e3)
                for k in ("deepgrad", "torch")
            )
            print(
                f"{label:14s} {what:4s} ms  deepgrad min {dmin:7.1f} median {dmed:7.1f} | "
                f"torch min {tmin:7.1f} median {tmed:7.1f} | "
                f"ratio min {dmin / tmin:.2f} median {dmed / tmed:.2f}"
            )
        if notes:
            print("   deepgrad fallbacks: " + "; ".join(notes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
