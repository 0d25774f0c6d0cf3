"""Week 2: an MLP 784-256-256-10 with dropout on MNIST (target: >= 98% test accuracy).

    python examples/week2_mnist_mlp.py [--epochs 15] [--quick]   # = deepgrad mnist --model mlp

Obtains MNIST if needed, trains with Adam, prints the test accuracy; curves and weights go to
the run directory out/mnist/<timestamp>/ (the task deepgrad.tasks.mnist).
"""

import argparse
import dataclasses

from deepgrad.tasks import mnist, run_task

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--epochs", type=int, default=None)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    cfg = dataclasses.replace(mnist.QUICK if args.quick else mnist.Config(), model="mlp")
    run_task(mnist, dataclasses.replace(cfg, epochs=args.epochs or cfg.epochs), quick=args.quick)
