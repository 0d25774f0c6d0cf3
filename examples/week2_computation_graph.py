"""Week 2: the computation graph behind a loss, drawn: the chain rule's picture for real models.

    python examples/week2_computation_graph.py [--out DIR] [--format png|svg|pdf|dot]

Draws the graph that produced the cross-entropy loss of one batch for the MNIST MLP
(784-64-32-10, ReLU) and for the course's MNIST CNN (two conv-batch-norm-ReLU-max-pool blocks,
dense 128, dropout). Each box is one recorded op with the shape and dtype of what it computed;
the orange boxes are the parameters, named as in ``model.state_dict()``; the green box is the
batch of images. Forward, values flow down the arrows; ``loss.backward()`` sends delta up them,
each op multiplying by its local derivative (BP1-BP4 for the dense layers), until every
parameter box holds its gradient. Needs ``pip install "deepgrad[graph]"`` and Graphviz's
``dot`` (``--format dot`` writes the DOT text without either).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import deepgrad as dg
from deepgrad.functional import cross_entropy
from deepgrad.models import mlp, mnist_cnn


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=Path("graphs"))
    ap.add_argument("--format", default="png", choices=["png", "svg", "pdf", "dot"])
    args = ap.parse_args()
    dg.manual_seed(0)
    rng = np.random.default_rng(0)
    x = dg.tensor(rng.random((8, 1, 28, 28), dtype=np.float32))
    y = rng.integers(0, 10, 8)
    for name, model in (("mlp", mlp([784, 64, 32, 10])), ("cnn", mnist_cnn())):
        loss = cross_entropy(model(x), y)
        path = dg.draw_graph(loss, args.out / f"{name}.{args.format}", params=model,
                             inputs={"images": x})
        print(f"{name}: {len(dg.graph.trace(loss).nodes)} nodes -> {path}")


if __name__ == "__main__":
    main()
