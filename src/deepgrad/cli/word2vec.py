"""``deepgrad similar WORD [--run DIR] [--n 10]`` and ``deepgrad analogy A B C [--run DIR]``:
nearest neighbours and 3CosAdd analogies ("A is to B as C is to ?") in the vectors of a
word2vec run (default: the latest finished one). An unknown word gets the close words of the
vocabulary as suggestions."""

from __future__ import annotations

import argparse
import sys

__all__ = ["add_word2vec_verbs"]


def _vectors(args: argparse.Namespace):
    from deepgrad.tasks import finished_run
    from deepgrad.tasks.word2vec import load

    return load(finished_run("word2vec", args.run))


def _query(args: argparse.Namespace, verb: str) -> int:
    from deepgrad.models.keyed_vectors import UnknownWordError
    from deepgrad.tasks import TaskError

    try:
        if args.n < 1:
            raise TaskError(f"--n must be >= 1, got {args.n}")
        kv = _vectors(args)
        words = [w.lower() for w in args.words]  # the task's corpora are lower-cased
        if verb == "similar":
            result = kv.most_similar(words[0], topn=args.n)
            print(f"nearest to {words[0]!r}:")
        else:
            a, b, c = words
            result = kv.analogy(a, b, c, topn=args.n)
            print(f"{a} is to {b} as {c} is to:")
    except (TaskError, UnknownWordError) as e:
        print(f"deepgrad {verb}: error: {e}", file=sys.stderr)
        return 2
    for w, s in result:
        print(f"  {w:<20} {s:.3f}")
    return 0


def add_word2vec_verbs(sub: argparse._SubParsersAction) -> None:
    """Register ``deepgrad similar`` and ``deepgrad analogy``."""
    for verb, nargs, help_, meta in (
            ("similar", 1, "nearest words in a word2vec run's vectors", "WORD"),
            ("analogy", 3, "A is to B as C is to ? (3CosAdd) in a word2vec run's vectors",
             "WORD")):
        p = sub.add_parser(verb, help=help_, description=__doc__)
        p.add_argument("words", nargs=nargs, metavar=meta,
                       help="the query word" if nargs == 1 else "A B C (e.g. man king woman)")
        p.add_argument("--run", metavar="DIR", default=None,
                       help="the run directory (default: the latest finished word2vec run)")
        p.add_argument("--n", type=int, default=10, help="how many words (default: 10)")
        p.set_defaults(func=lambda args, v=verb: _query(args, v))
