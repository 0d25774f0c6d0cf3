"""Week 5, sequential output: a character LSTM that writes first names (= deepgrad char-rnn).

    python examples/week5_names.py [--cell gru] [--quick]

Trains on 80% of the census first names, reports the held-out negative log-likelihood per
character against a Kneser-Ney trigram, and samples names starting with the course's " Al" at
temperatures 0.5, 1.0 and 1.5 (lower: safer, more common names; higher: stranger ones).
"""

import argparse
import dataclasses

from deepgrad.tasks import char_rnn, load_run, run_task

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cell", default=None, choices=["lstm", "gru", "rnn"])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    cfg = char_rnn.QUICK if args.quick else char_rnn.Config()
    if args.cell:
        cfg = dataclasses.replace(cfg, cell=args.cell)
    out, result = run_task(char_rnn, cfg, quick=args.quick)
    sampler = load_run(out)
    for t in (0.5, 1.0, 1.5):
        print(f"temperature {t}:", ", ".join(char_rnn.sample(sampler, 10, 0, "Al", t)))
