"""``deepgrad visualize KIND [IMAGE] [--run DIR] [--layer NAME] [--target C] [--out FILE]``:
look inside a trained CNN (default: the latest finished mnist run).

KIND is ``filters`` (the first conv layer's filters), ``maps`` (a layer's feature maps for
IMAGE), ``saliency`` (d score / d pixels for IMAGE), ``gradcam`` (Grad-CAM of a conv layer for
IMAGE) or ``stimulus`` (the input that maximizes class ``--target``). IMAGE is an image file or
an index into the run's test images; ``--target`` defaults to the predicted class."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["add_visualize"]

KINDS = ("filters", "maps", "saliency", "gradcam", "stimulus")


def _image(spec: str | None, task: str) -> np.ndarray:
    from deepgrad.tasks import TaskError

    if spec is None:
        raise TaskError("this kind needs an IMAGE (a file or a test-image index)")
    if spec.isdigit():
        if task == "mnist":
            from deepgrad.data import mnist

            x = mnist()[1][0]
        else:
            from deepgrad.data import fashion_mnist

            x = fashion_mnist()[1][0]
        if int(spec) >= len(x):
            raise TaskError(f"{spec}: the test set has images 0..{len(x) - 1}")
        return x[int(spec)]
    if not Path(spec).is_file():
        raise TaskError(f"{spec}: neither a test-image index nor an image file")
    from deepgrad.tasks.mnist import read_image

    return read_image(spec)


def _last_conv(model: Any) -> str:
    from deepgrad import nn

    names = [n for n, m in model.named_modules() if isinstance(m, nn.Conv2d)]
    if not names:
        raise ValueError("the model has no Conv2d layer")
    return names[-1]


def _visualize_command(args: argparse.Namespace) -> int:
    from deepgrad import visualize as vis
    from deepgrad.data.image_grid import image_grid, save_png
    from deepgrad.tasks import TaskError, load_run, read_run

    try:
        predictor = load_run(args.run, None if args.run else args.task)
        task = read_run(args.run).task if args.run else args.task
        model = predictor.model
        out = Path(args.out or f"{args.kind}.png")
        if args.kind == "filters":
            vis.filters(model, args.layer, save=out)
            what = "filters"
        elif args.kind == "stimulus":
            if args.target is None:
                raise TaskError("stimulus needs --target C (the class to maximize)")
            shape = predictor.inputs(np.zeros((1, 28, 28), np.uint8)).shape[1:]
            x = vis.maximal_stimulus(model, args.target, shape, steps=args.steps)
            save_png(image_grid(((x - x.min()) / max(float(np.ptp(x)), 1e-12))[None]), out,
                     scale=8)
            what = f"the maximal stimulus of class {args.target}"
        else:
            img = _image(args.image, task)
            x = predictor.inputs(img[None])
            target = (int(predictor.predict(img[None])[0]) if args.target is None
                      else args.target)
            if args.kind == "maps":
                layer = args.layer or _last_conv(model)
                vis.feature_maps(model, layer, x[0], save=out)
                what = f"feature maps of layer {layer}"
            elif args.kind == "saliency":
                _, smap = vis.saliency(model, x, target)
                s = smap[0] / max(float(smap[0].max()), 1e-12)
                save_png(np.concatenate([vis.overlay(x[0], np.zeros_like(s), 0.0),
                                         np.repeat(s[..., None], 3, axis=2)], axis=1), out,
                         scale=8)
                what = f"saliency for class {target}"
            else:
                layer = args.layer or _last_conv(model)
                vis.grad_cam(model, layer, x, target, save=out)
                what = f"Grad-CAM of layer {layer} for class {target}"
    except (TaskError, ValueError) as e:
        print(f"deepgrad visualize: error: {e}", file=sys.stderr)
        return 2
    print(f"{what} written to {out}")
    return 0


def add_visualize(sub: argparse._SubParsersAction) -> None:
    """Register ``deepgrad visualize``."""
    p = sub.add_parser("visualize", help="look inside a trained CNN: filters, feature maps, "
                       "saliency, Grad-CAM, maximal stimuli", description=__doc__)
    p.add_argument("kind", choices=KINDS)
    p.add_argument("image", metavar="IMAGE", nargs="?", default=None,
                   help="image file or test-image index (maps, saliency, gradcam)")
    p.add_argument("--run", metavar="DIR", default=None,
                   help="the run (default: the latest finished one of --task)")
    p.add_argument("--task", choices=["mnist", "transfer"], default="mnist",
                   help="whose latest run, when --run is not given (default: mnist)")
    p.add_argument("--layer", default=None, help="dotted layer name (default: the first conv "
                   "for filters, the last conv otherwise)")
    p.add_argument("--target", type=int, default=None, help="class (default: the predicted)")
    p.add_argument("--steps", type=int, default=200, help="gradient-ascent steps (stimulus)")
    p.add_argument("--out", metavar="FILE", default=None, help="the PNG (default: KIND.png)")
    p.set_defaults(func=_visualize_command)
