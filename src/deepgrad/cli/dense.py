"""``deepgrad segment IMAGE [--run DIR] [--variant unpool|transposed] [--out FILE]`` and
``deepgrad localize IMAGE [--run DIR] [--out FILE]``: inference with a finished segmentation
or localization run (default: the latest one).

The image is read as grey, light objects on black (a light background is inverted).
``segment`` works on any size: the image is padded with black at the bottom and right to a
multiple of 8 (the network's three halvings) and the padding is cut off again; nothing is
resized, so objects should be about the size the network was trained on (18-28 pixels).
``localize`` letterboxes the image to 64 x 64 (scaled so the longer side is 64, padded with
black) and gives the box back in the original image's pixels. Both write a PNG.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

__all__ = ["add_segment", "add_localize"]


def _read(path: str) -> np.ndarray:
    from deepgrad.tasks import TaskError
    from deepgrad.tasks.segmentation import read_grey

    if not Path(path).is_file():
        raise TaskError(f"{path}: no such image file")
    g = read_grey(path)
    if min(g.shape) < 1:
        raise TaskError(f"{path}: the image is empty ({g.shape[0]} x {g.shape[1]})")
    return g


def _segment_command(args: argparse.Namespace) -> int:
    from deepgrad.data.image_grid import image_grid, save_png
    from deepgrad.tasks import TaskError, load_run
    from deepgrad.tasks.segmentation.pictures import colorize

    try:
        seg = load_run(args.run, "segmentation")
        g = _read(args.image)
        labels = seg.predict(g, args.variant)
    except (TaskError, ValueError) as e:
        print(f"deepgrad segment: error: {e}", file=sys.stderr)
        return 2
    counts = np.bincount(labels.ravel(), minlength=len(seg.classes))
    h, w = g.shape
    print(f"{args.image}: {h} x {w} pixels, {args.variant} decoder")
    if counts[1:].sum() == 0:
        print("  no objects found: every pixel was labelled background")
    for k in np.flatnonzero(counts[1:]) + 1:
        print(f"  {seg.classes[k]:<12} {counts[k]:6d} pixels")
    out = Path(args.out or f"segment-{Path(args.image).stem}.png")
    grey = np.repeat(g[None].astype(np.float32) / 255, 3, axis=0)
    save_png(image_grid([grey, colorize(labels)], ncols=2), out, scale=args.scale)
    print(f"image and labels written to {out}")
    return 0


def _localize_command(args: argparse.Namespace) -> int:
    from deepgrad.data.image_grid import image_grid, save_png
    from deepgrad.tasks import TaskError, load_run
    from deepgrad.tasks.segmentation.pictures import draw_boxes

    try:
        loc = load_run(args.run, "localization")
        g = _read(args.image)
        name, box, p = loc.predict(g)
    except (TaskError, ValueError) as e:
        print(f"deepgrad localize: error: {e}", file=sys.stderr)
        return 2
    x, y, w, h = box
    if w * h < 1:
        print(f"{args.image}: no object found (the predicted box {w:.1f} x {h:.1f} is empty)")
        return 0
    print(f"{args.image}: {name} (probability {p:.2f}) at x={x:.1f} y={y:.1f} "
          f"w={w:.1f} h={h:.1f} (pixels of the {g.shape[0]} x {g.shape[1]} image)")
    if p < 0.5:
        print("  low confidence: the network is not sure of the class")
    out = Path(args.out or f"localize-{Path(args.image).stem}.png")
    save_png(image_grid([draw_boxes(g, [(box, (0.3, 0.5, 1))], args.scale)], ncols=1), out)
    print(f"image with the box written to {out}")
    return 0


def _common(p: argparse.ArgumentParser, task: str) -> None:
    p.add_argument("image", metavar="IMAGE", help="an image file (PNG, JPEG, ...)")
    p.add_argument("--run", metavar="DIR", default=None,
                   help=f"the {task} run (default: the latest finished one)")
    p.add_argument("--out", metavar="FILE", default=None, help="the PNG to write")
    p.add_argument("--scale", type=int, default=4, help="pixel size in the PNG (default: 4)")


def add_segment(sub: argparse._SubParsersAction) -> None:
    """Register ``deepgrad segment``."""
    p = sub.add_parser("segment", help="label every pixel of an image with a segmentation run",
                       description=__doc__)
    _common(p, "segmentation")
    p.add_argument("--variant", choices=["unpool", "transposed"], default="unpool",
                   help="which decoder (default: unpool)")
    p.set_defaults(func=_segment_command)


def add_localize(sub: argparse._SubParsersAction) -> None:
    """Register ``deepgrad localize``."""
    p = sub.add_parser("localize", help="find the class and box of the object in an image",
                       description=__doc__)
    _common(p, "localization")
    p.set_defaults(func=_localize_command)
