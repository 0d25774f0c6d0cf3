"""Week 2: the vanishing gradient, X-rayed, and its two cures (He initialization, batch norm).

    python examples/week2_xray_vanishing_gradient.py [--epochs 3] [--depth 10] [--width 100]
        [--limit N] [--out DIR]

Four deep MLPs on MNIST (784 -> depth - 1 hidden layers of ``width`` -> 10, softmax
cross-entropy, plain SGD, the same learning rate), each trained with ``deepgrad.train.XRay``:

* ``sigmoid_normal``: sigmoid units with naive N(0, 1) weights and biases (the notes' first
  network): the pre-activations z have standard deviations of several units, so most
  sigmoids sit where |z| > 4 and sigma'(z) < 0.018;
* ``sigmoid_uniform``: sigmoid units with small U(-0.05, 0.05) weights, zero biases: z ~ 0, so
  sigma'(z) ~ 1/4, but each layer back multiplies delta by about 1/4 ||W^l|| < 1 (BP2);
* ``relu_he``: ReLU units with He initialization (N(0, 2 / fan_in), zero biases);
* ``sigmoid_batchnorm``: the naive N(0, 1) sigmoid network with batch norm before each
  sigmoid (Linear -> BatchNorm1d -> Sigmoid), which puts z back at mean 0, std 1.

Per configuration: ``xray_<name>.json`` and ``xray_<name>.png`` (the X-ray: activation mean and
std, saturated and dead units, gradient norms and update ratios per layer and epoch). Across
them: ``gradient_by_depth.png``, each Linear layer's gradient norm ||dC/dW^l|| in the first
and last epoch against its depth (layer 1 = next to the input), and ``summary.json`` with the
test accuracies and the measured numbers. BP2, delta^l = ((W^{l+1})^T delta^{l+1}) (.)
sigma'(z^l), is the product that shrinks toward the input.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

import deepgrad as dg
from deepgrad import nn, optim
from deepgrad.data import mnist
from deepgrad.train import XRay

CONFIGS = ("sigmoid_normal", "sigmoid_uniform", "relu_he", "sigmoid_batchnorm")


def build(name: str, depth: int, width: int) -> nn.Sequential:
    """The MLP of one configuration, initialized as its name says."""
    sizes = [784] + [width] * (depth - 1) + [10]
    mods: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes, sizes[1:], strict=False)):
        lin = nn.Linear(a, b)
        if name in ("sigmoid_normal", "sigmoid_batchnorm"):
            nn.init.normal_(lin.weight, 0.0, 1.0)
            nn.init.normal_(lin.bias, 0.0, 1.0)
        elif name == "sigmoid_uniform":
            nn.init.uniform_(lin.weight, -0.05, 0.05)
            nn.init.zeros_(lin.bias)
        else:
            nn.init.kaiming_normal_(lin.weight, nonlinearity="relu")
            nn.init.zeros_(lin.bias)
        mods.append(lin)
        if i < len(sizes) - 2:
            if name == "sigmoid_batchnorm":
                mods.append(nn.BatchNorm1d(b))
            mods.append(nn.ReLU() if name == "relu_he" else nn.Sigmoid())
    return nn.Sequential(*mods)


def linear_names(model: nn.Sequential) -> list[str]:
    return [n for n, m in model.named_children() if isinstance(m, nn.Linear)]


def main(argv: list[str] | None = None) -> dict[str, dict]:
    """Train the four networks; returns the summary (also written as summary.json)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--depth", type=int, default=10, help="Linear layers (default: 10)")
    ap.add_argument("--width", type=int, default=100)
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--limit", type=int, default=None, help="the first N training images")
    ap.add_argument("--out", type=Path, default=Path("out/week2_xray"))
    args = ap.parse_args(argv)
    (x_train, y_train), (x_test, y_test) = mnist()
    n = len(x_train) if args.limit is None else args.limit
    x = x_train[:n].reshape(n, -1).astype(np.float32) / 255.0
    y = y_train[:n]
    xt = x_test.reshape(len(x_test), -1).astype(np.float32) / 255.0
    summary: dict[str, dict] = {}
    curves: dict[str, dict[str, list[float]]] = {}
    for name in CONFIGS:
        dg.manual_seed(0)
        model = build(name, args.depth, args.width)
        model.compile(
            optimizer=optim.SGD(learning_rate=args.lr), loss="cross_entropy", metrics=["accuracy"]
        )
        xray = XRay(args.out / f"xray_{name}.json")
        t0 = time.perf_counter()
        hist = model.fit(
            x,
            y,
            batch_size=args.batch_size,
            epochs=args.epochs,
            validation_data=(xt, y_test),
            callbacks=[xray],
            verbose=0,
        )
        seconds = time.perf_counter() - t0
        lins = linear_names(model)
        grads = xray.series("grad_norm")
        curves[name] = {ly: grads[ly] for ly in lins}
        sat = xray.series("saturated")
        dead = xray.series("dead")
        upd = xray.series("update_ratio")
        summary[name] = {
            "test_accuracy": hist.history["val_accuracy"],
            "train_loss": hist.history["loss"],
            "seconds": round(seconds, 1),
            "grad_norm_first_epoch": [grads[ly][0] for ly in lins],
            "grad_norm_last_epoch": [grads[ly][-1] for ly in lins],
            "update_ratio_first_epoch": [upd[ly][0] for ly in lins],
            "saturated_first_epoch": [v[0] for v in sat.values() if v[0] is not None],
            "dead_first_epoch": [v[0] for v in dead.values() if v[0] is not None],
        }
        g = summary[name]["grad_norm_first_epoch"]
        print(
            f"{name:18s} test accuracy {' '.join(f'{a:.3f}' for a in hist.history['val_accuracy'])}"
            f"  ||dC/dW|| layer 1 {g[0]:.2e}, layer {len(g)} {g[-1]:.2e} (ratio "
            f"{g[0] / g[-1]:.1e})  {seconds:.0f} s"
        )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    plot_depth(curves, args.out / "gradient_by_depth.png")
    print(f"figures and numbers written to {args.out}/")
    return summary


def plot_depth(curves: dict[str, dict[str, list[float]]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    for ax, which, title in ((axes[0], 0, "first epoch"), (axes[1], -1, "last epoch")):
        for name, per_layer in curves.items():
            ys = [v[which] for v in per_layer.values()]
            ax.plot(range(1, len(ys) + 1), ys, marker="o", label=name)
        ax.set_yscale("log")
        ax.set_xlabel("layer l (1 = next to the input)")
        ax.set_title(f"||dC/dW^l||, mean over the {title}'s steps")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("gradient norm")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


if __name__ == "__main__":
    main()
