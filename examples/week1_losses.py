"""Week 1: classification losses compared, as functions of the margin M = y (w^T x) with y = +-1.

Left: the losses of the notes. Accuracy's 0-1 loss [M < 0] is flat (no gradient) and ignores
confidence; MSE (a - y)^2 = (1 - M)^2 also penalizes correct answers that are *too* confident
(M > 1); the hinge max(0, 1 - M) and the logistic loss log2(1 + e^{-M}) keep only the useful
branch: convex upper bounds of the 0-1 loss. Right: what each loss gives on real data (breast
cancer, two standardized features): the linear decision boundaries of least squares on +-1 labels,
the perceptron, a linear SVM (hinge) and logistic regression, with their training accuracies.

    python examples/week1_losses.py      # writes out/week1_losses.png
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.preprocessing import StandardScaler

from deepgrad.linear import LinearRegression, LinearSVC, LogisticRegression, Perceptron, hinge_loss

OUT = Path(__file__).resolve().parents[1] / "out"


def main() -> Path:
    M = np.linspace(-2.5, 3.0, 500)
    losses = {
        "0-1 (accuracy) $[M<0]$": (M < 0).astype(float),
        "MSE $(1-M)^2$": (1 - M) ** 2,
        "hinge $\\max(0, 1-M)$": hinge_loss(M),
        "logistic $\\log_2(1+e^{-M})$": np.logaddexp(0, -M) / np.log(2),
        "perceptron $\\max(0, -M)$": np.maximum(0, -M),
    }
    fig, axes = plt.subplots(1, 2, figsize=(14, 5.5))
    ax = axes[0]
    styles = ["k-", "tab:orange", "tab:red", "tab:blue", "tab:green"]
    for (name, v), st in zip(losses.items(), styles, strict=True):
        if st == "k-":
            ax.step(M, v, "k-", where="mid", lw=2.5, label=name)
        else:
            ax.plot(M, v, color=st, lw=2, label=name)
    ax.axvline(0, color="gray", lw=0.8)
    ax.annotate(
        "MSE punishes confident\ncorrect answers",
        xy=(2.5, 2.25),
        xytext=(1.15, 2.9),
        arrowprops=dict(arrowstyle="->"),
    )
    ax.set(
        xlim=(-2.5, 3),
        ylim=(-0.1, 5),
        xlabel="margin $M = y\\, w^T x$",
        ylabel="loss",
        title="classification losses as functions of the margin",
    )
    ax.legend(loc="upper right", fontsize=9)

    data = load_breast_cancer()
    cols = [0, 1]  # mean radius, mean texture
    X = StandardScaler().fit_transform(data.data[:, cols])
    y = data.target
    models = {
        "least squares on $\\pm1$": LinearRegression().fit(X, 2.0 * y - 1),
        "perceptron": Perceptron(max_iter=50).fit(X, y),
        "linear SVM (hinge, C=1)": LinearSVC(C=1.0, loss="hinge").fit(X, y),
        "logistic (C=1)": LogisticRegression(C=1.0).fit(X, y),
    }
    ax = axes[1]
    ax.scatter(*X[y == 0].T, s=8, color="tab:red", alpha=0.6, label=data.target_names[0])
    ax.scatter(*X[y == 1].T, s=8, color="tab:blue", alpha=0.6, label=data.target_names[1])
    xs = np.linspace(X[:, 0].min(), X[:, 0].max(), 2)
    for (name, m), st in zip(models.items(), styles[1:], strict=True):
        w = np.ravel(m.coef_)
        b = float(np.ravel(m.intercept_)[0])
        pred = (X @ w + b > 0).astype(int)
        acc = np.mean(pred == y)
        ls = "--" if name.startswith("logistic") else "-"  # it nearly coincides with the SVM
        ax.plot(xs, -(b + w[0] * xs) / w[1], color=st, lw=2, ls=ls, label=f"{name}: acc {acc:.3f}")
    ax.set(
        xlabel=data.feature_names[cols[0]] + " (standardized)",
        ylabel=data.feature_names[cols[1]] + " (standardized)",
        ylim=(X[:, 1].min(), X[:, 1].max()),
        title="decision boundaries $w^Tx + b = 0$ (breast cancer)",
    )
    ax.legend(fontsize=8, loc="upper right")
    OUT.mkdir(exist_ok=True)
    path = OUT / "week1_losses.png"
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print(f"wrote {path}")
    return path


if __name__ == "__main__":
    main()
