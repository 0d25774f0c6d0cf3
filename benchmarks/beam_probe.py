"""Probe: beam search (width 5) against greedy decoding for a batch of 64 seq2seq inputs.

    python -m benchmarks.beam_probe                       # the latest finished seq2seq run
    python -m benchmarks.beam_probe --run out/seq2seq/X   # that run's attention model
    python -m benchmarks.beam_probe --untrained --rounds 7 --threads 1

Decodes the same 64 held-out test dates (``deepgrad.data.dates``, the task's default split)
with ``deepgrad.decode.greedy`` and ``deepgrad.decode.beam_search`` (encoder included, the
same ``model.step``), alternating the two, and prints min and median wall-clock and process
CPU milliseconds per batch and the ratio beam / greedy, with the CPU model, the BLAS and the
load average (the CPU-time ratio is the steadier one on a loaded machine). Without a trained
run (``--untrained``) a freshly initialized model of the default size is used: it rarely
emits the end token, so both decoders run to max_len.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

from .machine import cpu_name


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--run", default=None, help="a finished seq2seq run directory")
    p.add_argument("--untrained", action="store_true", help="a freshly initialized model")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--beam", type=int, default=5)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--threads", type=int, default=None,
                   help="limit BLAS threads at run time (threadpoolctl)")
    args = p.parse_args(argv)
    import deepgrad as dg  # first: the limit applies to the BLAS libraries already loaded

    if args.threads:
        from threadpoolctl import threadpool_limits
        threadpool_limits(args.threads)
    from deepgrad import decode
    from deepgrad._blas import blas_info, blas_threads
    from deepgrad.data.dates import date_pairs, split_years
    from deepgrad.tasks import latest_run, load_run
    from deepgrad.tasks.seq2seq import Config, build
    from deepgrad.tasks.seq2seq.coding import BOS, EOS, SourceCoder
    from deepgrad.tasks.seq2seq.evaluate import MAX_LEN

    cfg = Config()
    coder = SourceCoder()
    what = "untrained"
    if args.untrained:
        dg.manual_seed(0)
        model = build(cfg, cfg.attention, coder)
    else:
        run = args.run or latest_run("seq2seq")
        if run is None:
            p.error("no finished seq2seq run: give --run DIR or --untrained")
        model = load_run(run).model
        what = f"trained ({run})"
    model.eval()
    _, test_years = split_years(cfg.test_years, cfg.data_seed)
    texts = [a for a, _ in date_pairs(args.batch, test_years, cfg.data_seed + 2)]
    ids, lengths = coder.encode(texts)
    start = np.full(len(texts), BOS, dtype=np.int64)

    def greedy():
        return decode.greedy(model.step, start, model.encode(ids, lengths), MAX_LEN, EOS)

    def beam():
        return decode.beam_search(model.step, start, model.encode(ids, lengths), MAX_LEN, EOS,
                                  beam_width=args.beam)

    with dg.no_grad():
        g, b = greedy(), beam()  # warm-up (JIT compilation)
        times: dict[str, list[tuple[float, float]]] = {"greedy": [], "beam": []}
        for _ in range(args.rounds):
            for name, fn in (("greedy", greedy), ("beam", beam)):
                w0, c0 = time.perf_counter(), time.process_time()
                fn()
                times[name].append((time.perf_counter() - w0, time.process_time() - c0))
    print(f"beam search (width {args.beam}) vs greedy, batch {args.batch}, {what} "
          f"{cfg.attention}-attention seq2seq")
    print(f"CPU: {cpu_name()} ({os.cpu_count()} cores), BLAS: {blas_info()} "
          f"({blas_threads()} threads), "
          f"load average {os.getloadavg()[0]:.1f}")
    differ = sum(x != y for x, y in zip(g.sequences(), b.sequences(), strict=True))
    print(f"output lengths: greedy mean {g.lengths.mean():.1f}, beam mean {b.lengths.mean():.1f}"
          f"; outputs that differ: {differ}")
    print(f"{'':8s} {'wall min':>9s} {'wall med':>9s} {'cpu min':>9s} {'cpu med':>9s}  (ms)")
    rows = {}
    for name, ts in times.items():
        w = [t[0] * 1e3 for t in ts]
        c = [t[1] * 1e3 for t in ts]
        rows[name] = (min(w), statistics.median(w), min(c), statistics.median(c))
        print(f"{name:8s} " + " ".join(f"{v:9.1f}" for v in rows[name]))
    r = [bv / gv for bv, gv in zip(rows["beam"], rows["greedy"], strict=True)]
    print("beam / greedy " + " ".join(f"{v:6.2f}x" for v in r)
          + "  (wall min, wall median, cpu min, cpu median)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
