"""Week 3: a small CNN on MNIST (target: >= 99.2% test accuracy); the flagship `deepgrad demo`.

    python examples/week3_mnist_cnn.py [--epochs 6] [--quick]    # = deepgrad mnist

conv3x3(32)-ReLU-maxpool-conv3x3(64)-ReLU-maxpool-dropout-dense128-dropout-dense10, Adam with a
cosine decay, random shifts of up to 1 pixel. Obtains MNIST if needed, prints the test accuracy;
curves and weights go to the run directory out/mnist/<timestamp>/ (the task deepgrad.tasks.mnist).
"""

import argparse
import dataclasses

from deepgrad.tasks import mnist, run_task

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--epochs", type=int, default=None)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    cfg = mnist.QUICK if args.quick else mnist.Config()
    run_task(mnist, dataclasses.replace(cfg, epochs=args.epochs or cfg.epochs), quick=args.quick)
