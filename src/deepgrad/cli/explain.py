"""``deepgrad explain backprop`` and ``deepgrad explain walk``: the notes' backpropagation,
computed and printed.

    deepgrad explain backprop [--layers 784,30,10] [--activation sigmoid] [--loss quadratic]
                              [--batch 4] [--seed 0] [--plot deltas.png] [--data DIR]
    deepgrad explain walk ["x*y + sin(x)"] [--at x=2 y=3]

``backprop`` builds the MLP of ``--layers`` (deepgrad's default initialization, seeded), takes
``--batch`` real MNIST test images (pixels / 255, chosen by ``--seed``) and their labels, and
prints the four equations' dC/dW and dC/db beside autodiff's (:func:`deepgrad.explain.backprop`);
``--plot`` draws each layer's delta. ``walk`` builds the expression from deepgrad ops and walks
its graph forward, then backward (:func:`deepgrad.explain.graph_walk`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

__all__ = ["add_explain"]

WALK_DEFAULT = "x*y + sin(x)"


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(s) for s in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected sizes such as 784,30,10, got {text!r}"
        ) from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"expected at least two positive sizes, got {text!r}")
    return sizes


def _backprop_command(args: argparse.Namespace) -> int:
    import deepgrad as dg
    from deepgrad import explain, nn
    from deepgrad.data import DataError, mnist

    sizes = args.layers
    if sizes[0] != 784 or sizes[-1] != 10:
        print(
            f"deepgrad explain backprop: error: on MNIST the layers run from 784 inputs to 10 "
            f"outputs, got {','.join(map(str, sizes))}",
            file=sys.stderr,
        )
        return 2
    if args.batch < 1:
        print("deepgrad explain backprop: error: --batch must be >= 1", file=sys.stderr)
        return 2
    try:
        _, (x_test, y_test) = mnist(args.data)
    except (DataError, OSError) as e:
        print(f"deepgrad explain backprop: error: {e}", file=sys.stderr)
        return 2
    rng = np.random.default_rng(args.seed)
    idx = np.sort(rng.choice(len(x_test), size=min(args.batch, len(x_test)), replace=False))
    x = x_test[idx].reshape(len(idx), -1).astype(np.float64) / 255.0
    y = y_test[idx].astype(np.int64)
    act = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU, "identity": nn.Identity}[
        args.activation
    ]
    dg.manual_seed(args.seed)
    mods: list = []
    for i, (a, b) in enumerate(zip(sizes, sizes[1:], strict=False)):
        mods.append(nn.Linear(a, b))
        if i < len(sizes) - 2 or args.loss != "cross_entropy":
            mods.append(act())
    model = nn.Sequential(*mods)
    report = explain.backprop(model, x, y, loss=args.loss)
    print(
        f"MNIST test images {', '.join(map(str, idx))} (labels {', '.join(map(str, y))}), "
        f"the network {' -> '.join(map(str, sizes))}:"
    )
    print(report)
    if args.plot:
        path = report.plot(args.plot)
        print(f"each layer's delta written to {path}")
    return 0 if report.max_diff < 1e-12 else 1


def _walk_command(args: argparse.Namespace) -> int:
    from deepgrad import explain
    from deepgrad.explain.expression import build_expression

    values: dict[str, float] = {}
    at = args.at
    if at is None:
        at = ["x=2", "y=3"] if args.expression == WALK_DEFAULT else []
    for item in at:
        name, sep, value = item.partition("=")
        try:
            values[name.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep or not name.strip().isidentifier():
            print(
                f"deepgrad explain walk: error: --at takes NAME=NUMBER, got {item!r}",
                file=sys.stderr,
            )
            return 2
    try:
        out, leaves = build_expression(args.expression, values)
    except ValueError as e:
        print(f"deepgrad explain walk: error: {e}", file=sys.stderr)
        return 2
    print(f"f = {args.expression} at {', '.join(f'{k} = {v:g}' for k, v in values.items())}")
    print(explain.graph_walk(out, inputs=leaves))
    return 0


def add_explain(sub: argparse._SubParsersAction) -> None:
    """Register ``deepgrad explain backprop`` and ``deepgrad explain walk``."""
    p = sub.add_parser(
        "explain",
        help="backpropagation explained: the four equations beside "
        "autodiff, a graph walked node by node",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    b = verbs.add_parser(
        "backprop", help="BP1-BP4 for an MLP on real MNIST images, beside autodiff"
    )
    b.add_argument(
        "--layers",
        type=_sizes,
        default=[784, 30, 10],
        help="layer sizes, input first (default: 784,30,10, the notes' network)",
    )
    b.add_argument(
        "--activation",
        choices=["sigmoid", "tanh", "relu", "identity"],
        default="sigmoid",
        help="every layer's sigma (with cross_entropy the last is the softmax) (default: sigmoid)",
    )
    b.add_argument(
        "--loss",
        choices=["quadratic", "mse", "cross_entropy"],
        default="quadratic",
        help="the cost (default: quadratic, the notes')",
    )
    b.add_argument("--batch", type=int, default=4, help="how many test images (default: 4)")
    b.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seeds the weights and the choice of images (default: 0)",
    )
    b.add_argument(
        "--plot",
        metavar="FILE",
        type=Path,
        default=None,
        help="write each layer's delta (examples x units) as a picture",
    )
    b.add_argument(
        "--data",
        metavar="DIR",
        default=None,
        help="a folder with the MNIST IDX files (default: deepgrad's store)",
    )
    b.set_defaults(func=_backprop_command)
    w = verbs.add_parser(
        "walk", help="one expression's graph, forward values then backward gradients"
    )
    w.add_argument(
        "expression",
        nargs="?",
        default=WALK_DEFAULT,
        help=f"numbers, variables, + - * / **, sin cos exp log tanh sigmoid relu "
        f"sqrt abs (default: {WALK_DEFAULT!r})",
    )
    w.add_argument(
        "--at",
        nargs="+",
        metavar="NAME=NUMBER",
        default=None,
        help="the variables' values (default for the default expression: x=2 y=3)",
    )
    w.set_defaults(func=_walk_command)
