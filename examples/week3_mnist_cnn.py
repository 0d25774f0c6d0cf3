"""Week 3: a small CNN on MNIST (target: >= 99.2% test accuracy).

    python examples/week3_mnist_cnn.py [--epochs 4]

conv3x3(32)-ReLU-maxpool-conv3x3(64)-ReLU-maxpool-dropout-dense128-dropout-dense10, Adam.
Obtains MNIST if needed, prints the test accuracy, writes curves and weights to out/mnist/.
"""

import argparse

from deepgrad.tasks.commands import report
from deepgrad.tasks.mnist import train_mnist

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--epochs", type=int, default=None)
    args = ap.parse_args()
    report(train_mnist("cnn", epochs=args.epochs))
