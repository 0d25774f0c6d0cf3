"""``deepgrad morph A B [--run DIR] [--model conv] [--steps 9] [--out FILE]``: decode the
straight line between the codes of two images with a trained autoencoder (default: the latest
finished autoencoder run) and write the strip A, morphs..., B as a PNG. A and B are indices
into the run's test images or image files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["add_morph"]


def _image(spec: str, predictor, cache: dict):
    from deepgrad.tasks import TaskError
    from deepgrad.tasks.autoencoder import read_image, test_images

    if spec.lstrip("-").isdigit():
        if "test" not in cache:
            cache["test"] = test_images(predictor.config)
        x = cache["test"]
        i = int(spec)
        if not 0 <= i < len(x):
            raise TaskError(f"{spec}: the test set has images 0..{len(x) - 1}")
        return x[i]
    if not Path(spec).is_file():
        raise TaskError(f"{spec}: neither a test-image index nor an image file")
    return read_image(spec, predictor.image_shape)


def _morph_command(args: argparse.Namespace) -> int:
    from deepgrad.data.image_grid import image_grid, save_png
    from deepgrad.tasks import TaskError, load_run

    try:
        predictor = load_run(args.run, "autoencoder")
        if args.steps < 2:
            raise TaskError(f"--steps must be >= 2, got {args.steps}")
        cache: dict = {}
        a, b = _image(args.a, predictor, cache), _image(args.b, predictor, cache)
        strip = predictor.morph(a, b, args.steps, args.model)
    except TaskError as e:
        print(f"deepgrad morph: error: {e}", file=sys.stderr)
        return 2
    out = Path(args.out or f"morph-{Path(args.a).stem}-{Path(args.b).stem}.png")
    save_png(image_grid([a, *strip, b], ncols=args.steps + 2), out, scale=args.scale)
    print(f"morph of {args.a} into {args.b} ({args.model} autoencoder, {args.steps} steps) "
          f"written to {out}")
    return 0


def add_morph(sub: argparse._SubParsersAction) -> None:
    """Register ``deepgrad morph``."""
    p = sub.add_parser("morph", help="morph one image into another through an autoencoder's "
                       "codes", description=__doc__)
    p.add_argument("a", metavar="A", help="test-image index or image file")
    p.add_argument("b", metavar="B", help="test-image index or image file")
    p.add_argument("--run", metavar="DIR", default=None,
                   help="the autoencoder run (default: the latest finished one)")
    p.add_argument("--model", choices=["conv", "denoising", "dense", "pca"], default="conv",
                   help="whose codes (default: conv)")
    p.add_argument("--steps", type=int, default=9, help="images between A and B, ends "
                   "included (default: 9)")
    p.add_argument("--out", metavar="FILE", default=None,
                   help="the PNG to write (default: morph-A-B.png)")
    p.add_argument("--scale", type=int, default=4, help="pixel size (default: 4)")
    p.set_defaults(func=_morph_command)
