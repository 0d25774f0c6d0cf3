"""``deepgrad caption IMAGE... [--run DIR] [--greedy] [--beam N] [--decoder KIND]
[--attention-picture PNG]``: a sentence about each image from a trained captioning run (default:
the latest finished one, its better decoder), with its log-probability, and optionally where the
attention decoder looked for each word. It says what the model was trained on, and warns when an
image is not like its training images (a photo shown to a scenes model)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["add_caption"]


def _unlike_training(path: str, info: dict) -> str | None:
    """Why ``path`` does not look like the run's training images, or None."""
    from PIL import Image

    from deepgrad.tasks.captioning.familiar import unlike_training

    try:
        with Image.open(path) as im:
            return unlike_training(im, info, path)
    except OSError:
        return None  # the captioner reports unreadable images itself


def _caption_command(args: argparse.Namespace) -> int:
    from deepgrad.tasks import TaskError, finished_run, get_task

    module = get_task("captioning")
    try:
        run = finished_run("captioning", args.run)
        cap = module.load(run)
        for p in args.images:
            if not Path(p).is_file():
                raise TaskError(f"image file {p} not found")
        method = "greedy" if args.greedy else "beam"
        got = cap.caption(args.images, method=method, beam_width=args.beam,
                          decoder=args.decoder)
        decoder = args.decoder or cap.default
        print(f"model: {run} ({decoder} decoder, {method}"
              f"{'' if args.greedy else f' width {args.beam or cap.cfg.beam_width}'}), trained on "
              f"{cap.trained_on}")
        for p, (words, lp) in zip(args.images, got, strict=True):
            warn = _unlike_training(p, cap.info)
            if warn:
                sys.stdout.flush()
                print(f"note: {warn}", file=sys.stderr, flush=True)
            print(f"{p}: {' '.join(words)}  (log p = {lp:.3f})")
        if args.attention_picture:
            from deepgrad.tasks.captioning.pictures import attention_grid

            panels = []
            for p in args.images:
                image, words, alpha = cap.attention(p, args.beam)
                panels.append((image, words, alpha, Path(p).name))
            if not attention_grid(panels, Path(args.attention_picture),
                                  f"where the attention decoder looked ({cap.trained_on})"):
                raise TaskError("drawing the attention picture needs matplotlib")
            print(f"attention picture: {args.attention_picture}")
    except TaskError as e:
        print(f"deepgrad caption: error: {e}", file=sys.stderr)
        return 2
    return 0


def add_caption(sub: argparse._SubParsersAction) -> None:
    """Register ``deepgrad caption``."""
    p = sub.add_parser("caption", help="describe images in a sentence with a captioning run",
                       description=__doc__)
    p.add_argument("images", nargs="+", metavar="IMAGE", help="an image file (PNG, JPEG, ...)")
    p.add_argument("--run", metavar="DIR", default=None,
                   help="the captioning run directory (default: the latest finished run)")
    p.add_argument("--decoder", default=None, choices=["attention", "noattention"],
                   help="which of the run's decoders (default: the better one on the test split)")
    p.add_argument("--beam", type=int, default=None, metavar="N",
                   help="beam width (default: the run's beam_width)")
    p.add_argument("--greedy", action="store_true", help="greedy decoding instead of beam search")
    p.add_argument("--attention-picture", metavar="PNG", default=None,
                   help="save where the attention decoder looked for each word")
    p.set_defaults(func=_caption_command)
