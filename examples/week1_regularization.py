"""Week 1: the effect of L1 and L2 regularization (the notes' l2_penalty picture and the lasso).

Left and middle: the coefficient paths on the diabetes data (standardized inputs) as the
regularization strength lambda grows. Ridge (L2) shrinks all ten coefficients smoothly towards
zero, none reaches it; the lasso (L1) sets them exactly to zero one after another (a sparse model;
the number of non-zero coefficients is on the top axis). Right: why, in the constrained form
min RSS(w) s.t. R(w) <= C: the RSS level lines (ellipses) first touch the L2 disk at a generic
point, but the L1 diamond at a corner, where a coordinate is 0. The two constrained solutions
drawn are real fits (Ridge and Lasso on two diabetes features, bmi and bp, with the same
budget ||w||_2 = ||w||_1), and the ellipse through each one
is tangent to its constraint set.

    python examples/week1_regularization.py      # writes out/week1_regularization.png
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.preprocessing import StandardScaler

from deepgrad.linear import Lasso, LinearRegression, Ridge, lasso_path, ridge_path

OUT = Path(__file__).resolve().parents[1] / "out"


def main() -> Path:
    data = load_diabetes()
    # the penalties treat every coefficient alike: standardizing the inputs is our step
    Z = StandardScaler().fit_transform(data.data)
    y = data.target
    n = len(y)
    names = data.feature_names
    colors = plt.cm.tab10(np.arange(10))

    fig, axes = plt.subplots(1, 3, figsize=(18, 5.5))
    # ridge: ||y - Zw||^2 + alpha ||w||^2, notes' lambda (mean loss) = alpha / n
    lam_r = np.geomspace(1e-4, 1e3, 200)
    _, coefs_r, _ = ridge_path(Z, y, lam_r * n)
    ax = axes[0]
    for j in range(10):
        ax.semilogx(lam_r, coefs_r[j], color=colors[j], lw=2, label=names[j])
    ax.axhline(0, color="k", lw=0.6)
    ax.set(
        xlabel="$\\lambda$ in (1/n)RSS + $\\lambda\\|w\\|_2^2$",
        ylabel="coefficient",
        title="ridge (L2) path: all shrink, none is zero",
    )
    ax.legend(fontsize=8, ncol=2)

    # lasso: (1/(2n)) RSS + alpha ||w||_1, notes' lambda (mean loss) = 2 alpha
    # scikit-learn's lasso_path fits no intercept: center y (Z is centered already)
    alphas, coefs_l, _ = lasso_path(Z, y - y.mean(), alphas=200, eps=1e-4)
    lam_l = 2 * alphas
    ax = axes[1]
    for j in range(10):
        ax.semilogx(lam_l, coefs_l[j], color=colors[j], lw=2, label=names[j])
    ax.axhline(0, color="k", lw=0.6)
    ax.set(
        xlabel="$\\lambda$ in (1/n)RSS + $\\lambda\\|w\\|_1$",
        ylabel="coefficient",
        title="lasso (L1) path: coefficients hit exactly 0",
    )
    top = ax.secondary_xaxis("top")
    ticks = lam_l[np.searchsorted(-lam_l, -np.geomspace(lam_l[0], lam_l[-1], 6))[:-1]]
    top.set_ticks(
        ticks, labels=[str(int(np.sum(coefs_l[:, np.argmin(abs(lam_l - t))] != 0))) for t in ticks]
    )
    top.set_xlabel("non-zero coefficients")

    # the constrained view with two features (bmi, bp); the same budget C for both penalties:
    # ||w_ridge||_2 = ||w_lasso||_1, with the ridge alpha read off its path
    X2 = Z[:, [2, 3]]
    yc = y - y.mean()
    ols = LinearRegression(fit_intercept=False).fit(X2, yc)
    lasso = Lasso(alpha=30.0, fit_intercept=False, tol=1e-12).fit(X2, yc)
    a_grid, c_grid, _ = ridge_path(X2, yc, np.geomspace(1, 1e5, 2000), fit_intercept=False)
    a_r = a_grid[np.argmin(np.abs(np.linalg.norm(c_grid, axis=0) - np.abs(lasso.coef_).sum()))]
    ridge = Ridge(alpha=a_r, fit_intercept=False).fit(X2, yc)

    def rss(w1, w2):
        r = yc[:, None, None] - X2[:, [0]][..., None] * w1 - X2[:, [1]][..., None] * w2
        return np.sum(r**2, axis=0)

    g1, g2 = np.meshgrid(np.linspace(-10, 45, 300), np.linspace(-10, 45, 300))
    R = rss(g1, g2)
    ax = axes[2]
    levels = ols.rss_ + np.array([0.5, 2, 4, 8, 16, 32]) * 1e4
    ax.contour(g1, g2, R, levels=levels, colors="lightgray", linewidths=1)
    r2 = np.linalg.norm(ridge.coef_)
    t1 = np.abs(lasso.coef_).sum()
    th = np.linspace(0, 2 * np.pi, 400)
    ax.fill(
        r2 * np.cos(th),
        r2 * np.sin(th),
        color="tab:blue",
        alpha=0.25,
        label=f"L2 disk $\\|w\\|_2 \\leq {r2:.1f}$",
    )
    ax.fill(
        [t1, 0, -t1, 0],
        [0, t1, 0, -t1],
        color="tab:red",
        alpha=0.25,
        label=f"L1 diamond $\\|w\\|_1 \\leq {t1:.1f}$",
    )
    ax.contour(
        g1, g2, R, levels=[float(rss(*ridge.coef_).squeeze())], colors="tab:blue", linewidths=1.5
    )
    ax.contour(
        g1, g2, R, levels=[float(rss(*lasso.coef_).squeeze())], colors="tab:red", linewidths=1.5
    )
    ax.plot(
        *ols.coef_, "k*", ms=14, label=f"least squares ({ols.coef_[0]:.1f}, {ols.coef_[1]:.1f})"
    )
    ax.plot(
        *ridge.coef_,
        "o",
        color="tab:blue",
        ms=9,
        label=f"ridge ({ridge.coef_[0]:.1f}, {ridge.coef_[1]:.1f})",
    )
    ax.plot(
        *lasso.coef_,
        "s",
        color="tab:red",
        ms=9,
        label=f"lasso ({lasso.coef_[0]:.1f}, {lasso.coef_[1]:.1f})",
    )
    ax.set(
        xlim=(-10, 45),
        ylim=(-10, 45),
        aspect="equal",
        xlabel="$w_{bmi}$",
        ylabel="$w_{bp}$",
        title="constrained form: RSS level lines meet the constraint",
    )
    ax.axhline(0, color="k", lw=0.6)
    ax.axvline(0, color="k", lw=0.6)
    ax.legend(fontsize=8, loc="upper right")

    OUT.mkdir(exist_ok=True)
    path = OUT / "week1_regularization.png"
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print(f"ols {ols.coef_}, ridge {ridge.coef_}, lasso {lasso.coef_}")
    print(f"wrote {path}")
    return path


if __name__ == "__main__":
    main()
