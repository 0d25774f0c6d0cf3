"""``deepgrad lab [--host 127.0.0.1] [--port 8000] [--runs DIR] [--token T]``: the web lab, a
local server with a page to draw digits for the MNIST CNN, race optimizers, poke each course
application's trained run (classify a photo, segment and localize a scene, transfer, nearest words
and analogies, morph images, walk a GAN's latent space, read and generate names, tag a sentence,
normalize a date, caption a scene), train any task and watch it layer by layer, and browse the
runs directory. Prints the URL to open.

It binds 127.0.0.1 by default. Any other host serves the network: then every request must carry
a token (``--token``, or one is made and printed in the URL)."""

from __future__ import annotations

import argparse
import sys

__all__ = ["add_lab"]


def _lab_command(args: argparse.Namespace) -> int:
    try:
        from deepgrad.web.server import serve
    except ImportError as e:
        print(f"deepgrad lab: error: the lab needs FastAPI and uvicorn ({e.name} is missing): "
              "pip install 'deepgrad[lab]'", file=sys.stderr)
        return 2
    from deepgrad.tasks.rundir import out_root

    runs = args.runs if args.runs is not None else out_root()
    try:
        serve(runs, host=args.host, port=args.port, token=args.token)
    except (OSError, ValueError) as e:
        print(f"deepgrad lab: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


def add_lab(sub: argparse._SubParsersAction) -> None:
    """Register ``deepgrad lab``."""
    p = sub.add_parser("lab", help="the web lab: a panel per course model, train and watch, runs",
                       description=__doc__)
    p.add_argument("--host", default="127.0.0.1",
                   help="the address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8000, help="the port (0: any free one)")
    p.add_argument("--runs", metavar="DIR", default=None,
                   help="the runs directory (default: $DEEPGRAD_OUT or ./out)")
    p.add_argument("--token", default=None,
                   help="a secret every request must carry (made for you on a non-loopback "
                        "host)")
    p.set_defaults(func=_lab_command)
