"""CLI commands of the course tasks: ``deepgrad demo`` and ``deepgrad train``."""

from __future__ import annotations

import argparse

__all__ = ["add_demo", "add_train", "report"]


def report(result: dict) -> None:
    print(f"\n{result['model'].upper()} on MNIST: test accuracy {result['test_accuracy']:.2%} "
          f"(weights of epoch {result['best_epoch']}/{result['epochs']}, best on validation; "
          f"trained on {result['train_images']:,} images in {result['train_seconds']:.0f} s)")
    print(f"  curves:  {result['curves']}")
    print(f"  weights: {result['weights']}")


def run_demo(args: argparse.Namespace) -> int:
    """The flagship demo: obtain MNIST, train the course's CNN, print the test accuracy."""
    from .mnist import train_mnist

    result = train_mnist("cnn", epochs=args.epochs, out_dir=args.out)
    report(result)
    return 0


def run_train(args: argparse.Namespace) -> int:
    from .mnist import train_mnist

    result = train_mnist(args.model, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                         out_dir=args.out, seed=args.seed, limit=args.limit)
    report(result)
    return 0


def add_demo(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="obtain MNIST, train the course's CNN, report test accuracy")
    p.add_argument("--epochs", type=int, default=None, help="default: 4")
    p.add_argument("--out", default="out/mnist", help="where curves and weights go")
    p.set_defaults(func=run_demo)


def add_train(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train a course model on MNIST (mlp or cnn)")
    p.add_argument("model", choices=["mlp", "cnn"])
    p.add_argument("--epochs", type=int, default=None)
    p.add_argument("--batch-size", type=int, default=None)
    p.add_argument("--lr", type=float, default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--limit", type=int, default=None, help="train on the first N images only")
    p.add_argument("--out", default="out/mnist")
    p.set_defaults(func=run_train)
