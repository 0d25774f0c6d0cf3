"""Week 5, sequence to sequence: human-written dates to ISO 8601 with attention
(= deepgrad seq2seq).

    python examples/week5_dates.py [--attention dot] [--quick]

Trains the attention encoder-decoder and the one without attention on dates of 85 of the years
1969-2068 and tests on the 15 others; prints exact match with greedy decoding and beam search
and writes attention.png (which input characters each output character looked at).
"""

import argparse
import dataclasses

from deepgrad.tasks import load_run, run_task, seq2seq

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--attention", default=None, choices=["additive", "dot"])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    cfg = seq2seq.QUICK if args.quick else seq2seq.Config()
    if args.attention:
        cfg = dataclasses.replace(cfg, attention=args.attention)
    out, result = run_task(seq2seq, cfg, quick=args.quick)
    model = load_run(out)
    for line in seq2seq.predict(model, ["3rd of March, 1987", "Tue 3/3/87", "March 3 1987"]):
        print(line)
