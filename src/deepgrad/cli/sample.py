"""``deepgrad sample gan [--n 64] [--seed S] [--run DIR] [--out FILE] [--dense]``: a grid of new
images from a trained generator (default: the latest finished gan run), written as a PNG.

``deepgrad sample char-rnn [--n 10] [--prefix Al] [--temperature 0.8] [--top-k K] [--seed S]
[--run DIR]``: new first names from a trained character model, one per line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["add_sample"]


def _sample_command(args: argparse.Namespace) -> int:
    from deepgrad.data.image_grid import image_grid, save_png
    from deepgrad.tasks import TaskError, finished_run, get_task

    module = get_task(args.task)
    try:
        run = finished_run(args.task, args.run)
        if args.task == "char-rnn":
            sampler = module.load(Path(run))
            n = 10 if args.n is None else args.n
            for name in module.sample(sampler, n, args.seed, args.prefix, args.temperature,
                                      args.top_k):
                print(name)
            return 0
        sampler = module.load(Path(run), "dense" if args.dense else "dcgan")
        args.n = 64 if args.n is None else args.n
        if args.n < 1:
            raise TaskError(f"--n must be >= 1, got {args.n}")
        images = module.sample(sampler, args.n, args.seed)
    except TaskError as e:
        print(f"deepgrad sample {args.task}: error: {e}", file=sys.stderr)
        return 2
    out = Path(args.out or f"{args.task}-samples-seed{args.seed}.png")
    save_png(image_grid(images, ncols=args.cols), out, scale=args.scale)
    print(f"{args.n} samples of {run} (seed {args.seed}) written to {out}")
    return 0


def add_sample(sub: argparse._SubParsersAction) -> None:
    """Register ``deepgrad sample``."""
    p = sub.add_parser("sample", help="new images (gan) or names (char-rnn) from a trained "
                       "generator", description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("task", choices=["gan", "char-rnn"])
    p.add_argument("--n", type=int, default=None,
                   help="how many images or names (default: 64 images, 10 names)")
    p.add_argument("--seed", type=int, default=0, help="seed of the noise (default: 0)")
    p.add_argument("--run", metavar="DIR", default=None,
                   help="the run directory (default: the latest finished run)")
    p.add_argument("--out", metavar="FILE", default=None,
                   help="the PNG to write (default: gan-samples-seed<S>.png)")
    p.add_argument("--cols", type=int, default=8, help="images per row (default: 8)")
    p.add_argument("--scale", type=int, default=2, help="pixel size (default: 2)")
    p.add_argument("--dense", action="store_true", help="the dense baseline's generator")
    p.add_argument("--prefix", default="", help="char-rnn: every name starts with this "
                   "(the course's 'Al')")
    p.add_argument("--temperature", type=float, default=1.0,
                   help="char-rnn: sampling temperature (default: 1.0)")
    p.add_argument("--top-k", type=int, default=None,
                   help="char-rnn: sample among the k most probable characters only")
    p.set_defaults(func=_sample_command)
