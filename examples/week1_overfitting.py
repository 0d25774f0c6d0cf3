"""Week 1: overfitting and model validation (the notes' overfitting_example picture).

Thirty noisy samples of sin(2 pi x). Left: polynomial fits (a linear model on the basis expansion
1, x, ..., x^d) of degree 1 (underfits), 3 (about right) and 15 (memorizes the training set and
swings wildly between the points; LinearRegression, as scikit-learn's, drops the directions whose
singular values fall below tol = 1e-6 of the largest, which tempers the highest degrees).
Middle: training error keeps falling with the degree while the 5-fold cross-validated error is
U-shaped: the validation set tells us where overfitting starts.
Right: ridge (L2) on the degree-15 expansion: the regularization strength lambda plays the role of
the degree, and the weights shrink as lambda grows.

    python examples/week1_overfitting.py      # writes out/week1_overfitting.png
"""

import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import KFold, validation_curve
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler

from deepgrad.linear import LinearRegression, RankDeficientWarning, Ridge

OUT = Path(__file__).resolve().parents[1] / "out"


def poly_model(degree: int):
    return make_pipeline(
        PolynomialFeatures(degree, include_bias=False), StandardScaler(), LinearRegression()
    )


def main() -> Path:
    rng = np.random.default_rng(3)
    n = 30
    x = np.sort(rng.uniform(0, 1, n))
    y = np.sin(2 * np.pi * x) + 0.25 * rng.normal(size=n)
    X = x[:, None]
    grid = np.linspace(0, 1, 400)[:, None]
    cv = KFold(5, shuffle=True, random_state=0)

    fig, axes = plt.subplots(1, 3, figsize=(17, 5))
    ax = axes[0]
    ax.plot(grid, np.sin(2 * np.pi * grid), color="gray", ls=":", lw=2, label="truth sin(2$\\pi$x)")
    ax.scatter(x, y, color="k", s=18, zorder=3, label="training data")
    for d, c in [(1, "tab:orange"), (3, "tab:green"), (15, "tab:red")]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RankDeficientWarning)
            m = poly_model(d).fit(X, y)
        mse = np.mean((m.predict(X) - y) ** 2)
        ax.plot(grid, m.predict(grid), color=c, lw=2, label=f"degree {d}: train MSE {mse:.3f}")
    ax.set(ylim=(-2, 2), xlabel="x", ylabel="y", title="polynomial fits")
    ax.legend(fontsize=8, loc="lower left")

    degrees = list(range(1, 16))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RankDeficientWarning)
        tr, va = validation_curve(
            poly_model(1),
            X,
            y,
            param_name="polynomialfeatures__degree",
            param_range=degrees,
            cv=cv,
            scoring="neg_mean_squared_error",
        )
    tr_mse, va_mse = -tr.mean(1), -va.mean(1)
    best = degrees[int(np.argmin(va_mse))]
    ax = axes[1]
    ax.semilogy(degrees, tr_mse, "o-", label="training MSE")
    ax.semilogy(degrees, va_mse, "s-", label="5-fold validation MSE")
    ax.axvline(best, color="gray", ls="--", label=f"best degree = {best}")
    ax.axhline(0.25**2, color="gray", ls=":", label="noise variance")
    ax.set(
        xlabel="polynomial degree (model complexity)",
        ylabel="mean squared error",
        title="train vs validation error",
    )
    ax.legend(fontsize=8)

    lams = np.geomspace(1e-8, 1e2, 21)
    # Ridge(alpha) minimizes ||y - Xw||^2 + alpha ||w||^2: the notes' lambda = alpha / n;
    # the penalty treats every coefficient alike, so the expansion is standardized first
    ridge15 = make_pipeline(PolynomialFeatures(15, include_bias=False), StandardScaler(), Ridge())
    tr_r, va_r = validation_curve(
        ridge15,
        X,
        y,
        param_name="ridge__alpha",
        param_range=lams * 0.8 * n,
        cv=cv,
        scoring="neg_mean_squared_error",
    )
    norms = [
        np.linalg.norm(ridge15.set_params(ridge__alpha=a).fit(X, y)["ridge"].coef_)
        for a in lams * n
    ]
    ax = axes[2]
    ax.loglog(lams, -tr_r.mean(1), "o-", label="training MSE")
    ax.loglog(lams, -va_r.mean(1), "s-", label="5-fold validation MSE")
    ax.set(
        xlabel="$\\lambda$ (mean loss + $\\lambda\\|w\\|^2$, degree 15)",
        ylabel="MSE",
        title="ridge: regularization instead of a smaller model",
    )
    ax2 = ax.twinx()
    ax2.loglog(lams, norms, color="tab:gray", ls="--", label="$\\|w\\|$ (standardized)")
    ax2.set_ylabel("weight norm $\\|w\\|$")
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, fontsize=8, loc="upper center")

    OUT.mkdir(exist_ok=True)
    path = OUT / "week1_overfitting.png"
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print(
        f"best degree by validation: {best}; validation MSE {va_mse.min():.4f}, "
        f"degree 15: train {tr_mse[-1]:.4f}, validation {va_mse[-1]:.4g}"
    )
    print(f"wrote {path}")
    return path


if __name__ == "__main__":
    main()
