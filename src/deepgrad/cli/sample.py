"""``deepgrad sample gan [--n 64] [--seed S] [--run DIR] [--out FILE] [--dense]``: a grid of new
images from a trained generator (default: the latest finished gan run), written as a PNG."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["add_sample"]


def _sample_command(args: argparse.Namespace) -> int:
    from deepgrad.data.image_grid import image_grid, save_png
    from deepgrad.tasks import TaskError, get_task, latest_run
    from deepgrad.tasks.rundir import out_root

    module = get_task(args.task)
    try:
        run = args.run if args.run is not None else latest_run(args.task)
        if run is None:
            raise TaskError(f"no finished run of {args.task} under {out_root() / args.task}; "
                            f"run `deepgrad {args.task}` first")
        from deepgrad.tasks import read_run

        if read_run(run, args.task).metrics is None:
            raise TaskError(f"{run}: the run did not finish (no metrics.json)")
        sampler = module.load(Path(run), "dense" if args.dense else "dcgan")
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
    p = sub.add_parser("sample", help="new images from a trained generator (gan)",
                       description=__doc__)
    p.add_argument("task", choices=["gan"])
    p.add_argument("--n", type=int, default=64, help="how many images (default: 64)")
    p.add_argument("--seed", type=int, default=0, help="seed of the noise (default: 0)")
    p.add_argument("--run", metavar="DIR", default=None,
                   help="the run directory (default: the latest finished run)")
    p.add_argument("--out", metavar="FILE", default=None,
                   help="the PNG to write (default: gan-samples-seed<S>.png)")
    p.add_argument("--cols", type=int, default=8, help="images per row (default: 8)")
    p.add_argument("--scale", type=int, default=2, help="pixel size (default: 2)")
    p.add_argument("--dense", action="store_true", help="the dense baseline's generator")
    p.set_defaults(func=_sample_command)
