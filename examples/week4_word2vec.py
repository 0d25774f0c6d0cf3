"""Week 4: word vectors learned by word2vec (= deepgrad word2vec), then queried.

    python examples/week4_word2vec.py [--corpus brown|austen|FILE] [--quick]

Skip-gram with negative sampling on the lower-cased corpus; scores on WordSim-353, SimLex-999
and Google's analogies; then a few neighbours and an analogy from the trained vectors. Runs go
to out/word2vec/<timestamp>/; `deepgrad similar WORD` and `deepgrad analogy A B C` query them.
"""

import argparse
import dataclasses

from deepgrad.models import UnknownWordError
from deepgrad.tasks import load_run, run_task, word2vec

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--corpus", default=None, help="brown, austen or a text file")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    cfg = word2vec.QUICK if args.quick else word2vec.Config()
    if args.corpus:
        cfg = dataclasses.replace(cfg, corpus=args.corpus)
    out, _ = run_task(word2vec, cfg, quick=args.quick)
    kv = load_run(out)
    for a, b, c in (("man", "king", "woman"), ("france", "paris", "england")):
        try:
            best = ", ".join(w for w, _ in kv.analogy(a, b, c, topn=3))
            print(f"{a} : {b} :: {c} : {best}")
        except UnknownWordError as e:
            print(e)
