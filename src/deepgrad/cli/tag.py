"""``deepgrad tag "a sentence" ... [--run DIR] [--model KIND]``: each word with its part of speech
(``word/TAG``, the 12 universal tags), by a trained pos-tagger run (default: the latest finished
one, its model with the best validation accuracy)."""

from __future__ import annotations

import argparse
import sys

__all__ = ["add_tag"]


def _tag_command(args: argparse.Namespace) -> int:
    from deepgrad.tasks import TaskError, finished_run, get_task

    module = get_task("pos-tagger")
    try:
        run = finished_run("pos-tagger", args.run)
        tagger = module.load(run, args.model)
        lines = [" ".join(f"{w}/{t}" for w, t in tagger.tag(s)) for s in args.sentences]
    except TaskError as e:
        print(f"deepgrad tag: error: {e}", file=sys.stderr)
        return 2
    for line in lines:
        print(line)
    return 0


def add_tag(sub: argparse._SubParsersAction) -> None:
    """Register ``deepgrad tag``."""
    p = sub.add_parser("tag", help="tag each word of a sentence with its part of speech",
                       description=__doc__)
    p.add_argument("sentences", nargs="+", metavar="SENTENCE", help="a sentence (quoted)")
    p.add_argument("--run", metavar="DIR", default=None,
                   help="the pos-tagger run directory (default: the latest finished run)")
    p.add_argument("--model", default=None, choices=["simple_rnn", "bilstm", "char_bilstm"],
                   help="which of the run's models (default: the best on validation)")
    p.set_defaults(func=_tag_command)
