"""Week 1: the optimization lab: GD, SGD, mini-batch SGD, momentum, Nesterov, AdaGrad, RMSprop and
Adam (all deepgrad.optim) on 2-D functions and on logistic regression of real data.

Figure 1 (out/week1_optimizers.png): each method's trajectory over the level lines of an
ill-conditioned elliptic quadratic (a least-squares finite sum, so SGD and mini-batch SGD are
genuinely stochastic), Rosenbrock's valley, Beale's function and a saddle, drawn one grid step
below the method's best learning rate (the best one zigzags at the edge of stability).
Table (printed, and out/week1_optimizers.md): steps to reach f <= f* + 1e-6 (saddle:
steps to escape to f < -1) and the learning rate used.
Figure 2 (out/week1_optimizers_logistic.png): loss curves of the same optimizers on L2-penalized
logistic regression of the breast-cancer data, against the exact optimum from Newton's method.

    python examples/week1_optimizers.py
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.preprocessing import StandardScaler

from deepgrad.linear import LogisticRegression
from deepgrad.linear.optlab import METHODS, PROBLEMS, logistic_curves, run, tune

OUT = Path(__file__).resolve().parents[1] / "out"
COLORS = dict(zip(METHODS, plt.cm.tab10(np.arange(len(METHODS))), strict=True))
STEPS = 5000
DRAW_STEPS = 600


def lab_figure() -> tuple[Path, str]:
    fig, axes = plt.subplots(1, 4, figsize=(22, 5.8))
    rows = {m: {} for m in METHODS}
    for ax, (pname, prob) in zip(axes, PROBLEMS.items(), strict=True):
        gx, gy = np.meshgrid(np.linspace(*prob.xlim, 300), np.linspace(*prob.ylim, 300))
        F = prob.f(np.stack([gx, gy], axis=-1))
        if pname == "saddle":
            ax.contour(gx, gy, F, levels=np.linspace(-2, 2, 17), colors="lightgray")
        else:
            fmin = prob.extra.get("f_star", 0.0)
            lv = fmin + np.geomspace(1e-3, float(F.max() - fmin), 18)
            ax.contour(gx, gy, F, levels=lv, colors="lightgray")
        for m, (_, _, batch) in METHODS.items():
            if batch is not None and prob.n_samples is None:
                rows[m][pname] = "n/a"
                continue
            lr, k, _ = tune(m, prob, steps=STEPS)
            rows[m][pname] = f"{k if k is not None else f'>{STEPS}'} (lr {lr:.2g})"
            # the fastest rate sits at the edge of stability and zigzags out of view: draw each
            # path one grid step (sqrt 10) below it, first DRAW_STEPS steps
            traj = run(m, prob, lr / 10**0.5, DRAW_STEPS)
            ls = ":" if batch is not None else "-"
            ax.plot(
                traj[:, 0],
                traj[:, 1],
                ls,
                color=COLORS[m],
                lw=1.4,
                marker=".",
                ms=2,
                label=f"{m}: {k if k is not None else f'>{STEPS}'} steps at best lr",
            )
        ax.plot(*prob.start, "ko", ms=6)
        if prob.minimum is not None:
            ax.plot(*prob.minimum, "k*", ms=14)
        ax.set(xlim=prob.xlim, ylim=prob.ylim, title=f"{pname} (steps to target)")
        ax.legend(fontsize=7, loc="lower right" if pname != "beale" else "upper left")
    OUT.mkdir(exist_ok=True)
    path = OUT / "week1_optimizers.png"
    fig.tight_layout()
    fig.savefig(path, dpi=100)

    names = list(PROBLEMS)
    table = ["| method | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    for m in METHODS:
        table.append(f"| {m} | " + " | ".join(rows[m][p] for p in names) + " |")
    return path, "\n".join(table)


def logistic_figure() -> Path:
    data = load_breast_cancer()
    X = StandardScaler().fit_transform(data.data)
    y = data.target.astype(float)
    n = len(y)
    lam = 1e-2  # mean log-loss + (lam/2)||w||^2  <=>  LogisticRegression(C = 1 / (n lam))
    exact = LogisticRegression(C=1.0 / (n * lam), solver="newton-cholesky", tol=1e-12).fit(X, y)
    z = X @ exact.coef_[0] + exact.intercept_[0]
    f_star = np.mean(np.logaddexp(0, z) - y * z) + 0.5 * lam * exact.coef_[0] @ exact.coef_[0]
    lrs = {
        "GD": 0.3,
        "SGD": 0.01,
        "mini-batch SGD": 0.1,
        "momentum": 0.03,
        "Nesterov": 0.03,
        "AdaGrad": 0.1,
        "RMSprop": 0.001,
        "Adam": 0.01,
    }
    curves = logistic_curves(X, y, lam, lrs, epochs=40)
    fig, ax = plt.subplots(figsize=(8, 5.5))
    for m, c in curves.items():
        ax.semilogy(
            np.maximum(c - f_star, 1e-16),
            color=COLORS[m],
            lw=2,
            label=f"{m} (lr {lrs[m]}{', batch 32' if m not in ('GD', 'SGD') else ''})",
        )
    ax.set(
        xlabel="epoch (passes over the 569 samples)",
        ylabel="loss - optimal loss",
        title="L2 logistic regression, breast cancer (optimum by Newton's method)",
    )
    ax.legend(fontsize=8)
    path = OUT / "week1_optimizers_logistic.png"
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    for m, c in curves.items():
        print(f"  {m:>15}: loss - optimum after 40 epochs = {c[-1] - f_star:.2e}")
    return path


def main() -> None:
    path, table = lab_figure()
    print(table)
    (OUT / "week1_optimizers.md").write_text(
        "Steps to f <= f* + 1e-6 (saddle: to f < -1), best learning rate from a log grid\n\n"
        + table
        + "\n"
    )
    print(f"wrote {path}")
    print(f"wrote {logistic_figure()}")


if __name__ == "__main__":
    main()
