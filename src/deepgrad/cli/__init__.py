"""The ``deepgrad`` command line: ``deepgrad data ...``, ``deepgrad tasks``, ``deepgrad TASK
...`` for every course task (generated from ``deepgrad.tasks.TASKS``, see ``cli/tasks.py``),
``deepgrad demo`` (the flagship: ``deepgrad mnist``) and ``deepgrad predict TASK INPUT...``.

Each subcommand group is one function that adds its parser; register it in ``COMMANDS``::

    def add_train(sub):                       # in this file or imported from its module
        p = sub.add_parser("train", help="...")
        p.set_defaults(func=run_train)

    COMMANDS.append(add_train)

``main`` builds the parser from ``COMMANDS``, parses, and calls ``args.func(args)``; a
function returns the exit code (``None`` means 0).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from .caption import add_caption
from .classify import add_classify
from .data import add_data
from .dense import add_localize, add_segment
from .explain import add_explain
from .lab import add_lab
from .morph import add_morph
from .sample import add_sample
from .tag import add_tag
from .tasks import add_task_commands
from .visualize import add_visualize
from .word2vec import add_word2vec_verbs

__all__ = ["main", "build_parser", "COMMANDS"]

# ----------------------------------------------------------------------------- the table
COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [
    add_data, add_task_commands, add_sample, add_morph, add_visualize, add_word2vec_verbs,
    add_classify, add_tag, add_segment, add_localize, add_caption, add_lab, add_explain]


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog="deepgrad", description="deepgrad: the Introduction to Deep Learning course, runnable")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add in COMMANDS:
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``deepgrad`` script."""
    args = build_parser().parse_args(argv)
    code = args.func(args)
    return 0 if code is None else int(code)


if __name__ == "__main__":
    sys.exit(main())
