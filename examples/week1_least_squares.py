"""Week 1: the least-squares fit and its geometry (the notes' least_squares pictures).

Left: a straight-line fit to real data (diabetes: disease progression vs body-mass index) with the
residuals y_i - y_hat_i that RSS sums the squares of. Middle: leverage h_ii (the diagonal of the
hat matrix) against x: points far from mean x pull the line hardest. Right: y_hat = H y is the
orthogonal projection of y onto the column space of X (three samples, two columns: a plane in
R^3), and the residual y - y_hat is perpendicular to that plane.

    python examples/week1_least_squares.py      # writes out/week1_least_squares.png
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_diabetes

from deepgrad.linear import LinearRegression

OUT = Path(__file__).resolve().parents[1] / "out"


def main() -> Path:
    data = load_diabetes()
    X, y = data.data, data.target
    bmi = X[:, [2]]
    rng = np.random.default_rng(0)
    sub = rng.choice(len(y), 80, replace=False)  # fewer points so the residuals stay readable
    m = LinearRegression().fit(bmi[sub], y[sub])
    full = LinearRegression().fit(X, y)
    full.summary(feature_names=data.feature_names)

    fig = plt.figure(figsize=(16, 5))
    ax = fig.add_subplot(1, 3, 1)
    xs = bmi[sub, 0]
    ax.vlines(xs, y[sub], m.fitted_values_, color="tab:red", lw=0.8, label="residuals")
    ax.scatter(xs, y[sub], s=14, color="tab:blue", zorder=3, label="data")
    grid = np.linspace(xs.min(), xs.max(), 2)[:, None]
    ax.plot(
        grid, m.predict(grid), color="k", lw=2, label=f"y = {m.intercept_:.0f} + {m.coef_[0]:.0f} x"
    )
    ax.set(
        xlabel="body-mass index (centered, scaled)",
        ylabel="disease progression",
        title=f"least squares: RSS = {m.rss_:.3g}, R$^2$ = {m.rsquared_:.2f}",
    )
    ax.legend(loc="upper left")

    ax = fig.add_subplot(1, 3, 2)
    ax.scatter(xs, m.leverage_, s=14, color="tab:purple")
    ax.axhline(2 / len(sub), color="gray", ls="--", lw=1, label="mean leverage (p+1)/n")
    ax.set(
        xlabel="body-mass index (centered, scaled)",
        ylabel="leverage $h_{ii}$",
        title="diagonal of the hat matrix $H = X(X^TX)^{-1}X^T$",
    )
    ax.legend()

    ax = fig.add_subplot(1, 3, 3, projection="3d")
    x1, x2 = np.array([1.0, 0.2, 0.1]), np.array([0.3, 1.0, 0.0])
    y3 = np.array([0.6, 0.8, 1.0])
    p3 = LinearRegression(fit_intercept=False).fit(np.column_stack([x1, x2]), y3)
    yhat = p3.fitted_values_
    s, t = np.meshgrid(np.linspace(-0.2, 1.2, 2), np.linspace(-0.2, 1.2, 2))
    plane = s[..., None] * x1 + t[..., None] * x2
    ax.plot_surface(plane[..., 0], plane[..., 1], plane[..., 2], alpha=0.25, color="tab:green")
    for v, c, name in [
        (x1, "tab:green", "$x_1$"),
        (x2, "tab:green", "$x_2$"),
        (y3, "tab:blue", "$y$"),
        (yhat, "k", r"$\hat y = Hy$"),
    ]:
        ax.quiver(0, 0, 0, *v, color=c, arrow_length_ratio=0.08, lw=2)
        ax.text(*(v * 1.08), name, color=c, fontsize=12)
    ax.plot(*np.column_stack([yhat, y3]), color="tab:red", lw=2, ls="--")
    ax.text(*((yhat + y3) / 2), "  $y-\\hat y$", color="tab:red")
    cos = (y3 - yhat) @ x1 / np.linalg.norm(y3 - yhat) / np.linalg.norm(x1)
    ax.set_title(f"projection onto col(X); residual $\\perp$ plane (cos = {cos:.1e})")
    ax.view_init(elev=20, azim=-60)

    OUT.mkdir(exist_ok=True)
    path = OUT / "week1_least_squares.png"
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print(f"wrote {path}")
    return path


if __name__ == "__main__":
    main()
