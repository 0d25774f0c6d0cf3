"""Week 1's optimization lab: GD, SGD, mini-batch SGD, momentum, Nesterov, AdaGrad, RMSprop and
Adam (all ``deepgrad.optim``) on 2-D functions and on logistic regression of real data.

    deepgrad optlab            # the full lab (about a minute)
    deepgrad optlab --quick    # a short budget, seconds

What it writes (``out/optlab/<run>/``):

* ``trajectories.png``: each method's path over the level lines of an ill-conditioned elliptic
  quadratic (a least-squares finite sum, so SGD and mini-batch SGD are truly stochastic),
  Rosenbrock's valley, Beale's function and a saddle, drawn one grid step below the method's best
  learning rate (the best one zigzags at the edge of stability);
* ``steps.md`` and ``metrics.json``: steps to reach f <= f* + 1e-6 (saddle: steps to escape to
  f < -1) at each method's best learning rate from a log grid (``steps_<problem>_<method>``,
  null when the budget ran out; ``lr_<problem>_<method>``);
* ``logistic.png``: loss minus the exact optimum (Newton's method) per epoch of the same
  optimizers on L2-penalized logistic regression of the breast-cancer data
  (``logistic_gap_<method>``: the gap after the last epoch).

The lab itself (problems, methods, tuning) is :mod:`deepgrad.linear.optlab`; this module runs it
and draws it. ``load(out)`` gives the recorded :class:`LabRecord`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..linear.optlab import (
    METHODS,
    PROBLEMS,
    descend,
    logistic_curves,
    logistic_optimum,
    tune,
)
from ..linear.optlab import (
    run as trajectory,
)
from .contract import Result, TaskError, param

NAME = "optlab"
WEEK = 1
SUMMARY = "race the optimizers of week 1 on 2-D functions and on logistic regression"
HEADLINE = "converged"

# learning rates of the logistic race (one per method, chosen by hand on this data)
LOGISTIC_LRS = {"GD": 0.3, "SGD": 0.01, "mini-batch SGD": 0.1, "momentum": 0.03,
                "Nesterov": 0.03, "AdaGrad": 0.1, "RMSprop": 0.001, "Adam": 0.01}


@dataclass
class Config:
    steps: int = param(5000, "the budget of steps per method, function and learning rate")
    draw_steps: int = param(600, "steps of each path drawn on the level lines")
    logistic_epochs: int = param(40, "passes over the data in the logistic-regression race")
    lam: float = param(1e-2, "the L2 penalty of the logistic regression")
    plots: bool = param(True, "draw trajectories.png and logistic.png (needs matplotlib)")


QUICK = Config(steps=300, draw_steps=100, logistic_epochs=3)


def slug(method: str) -> str:
    """A method's name in metric keys: 'mini-batch SGD' -> 'minibatch_sgd'."""
    return method.lower().replace("-", "").replace(" ", "_")


def race_path(problem: str, optimizer: str, settings: dict[str, Any], steps: int,
              batch: int | None = None, seed: int = 0) -> np.ndarray:
    """One racer of an optimizer race (the web lab's panel): the path (k + 1, 2) of the
    ``deepgrad.optim`` class ``optimizer`` built with ``settings`` on the 2-D function named
    ``problem``, for ``steps`` updates (fewer if it diverges; it does not stop at the target).
    ``batch``: stochastic gradients on that many samples (the quadratic's finite sum only)."""
    if problem not in PROBLEMS:
        raise TaskError(f"optlab: unknown function {problem!r}; the functions are "
                        f"{', '.join(PROBLEMS)}")
    with np.errstate(over="ignore", invalid="ignore"):
        return descend(PROBLEMS[problem], optimizer, settings, steps, batch, seed,
                       stop_at_target=False)


def steps_table(steps: int) -> dict[str, dict[str, tuple[float, int | None] | None]]:
    """{method: {problem: (best lr, steps to target or None) or None where it does not apply}}."""
    rows: dict[str, dict[str, tuple[float, int | None] | None]] = {m: {} for m in METHODS}
    for pname, prob in PROBLEMS.items():
        for m, (_, _, batch) in METHODS.items():
            if batch is not None and prob.n_samples is None:
                rows[m][pname] = None  # a stochastic method needs a finite sum
                continue
            lr, k, _ = tune(m, prob, steps=steps)
            rows[m][pname] = (lr, k)
    return rows


def markdown(rows: dict[str, dict[str, Any]], steps: int) -> str:
    names = list(PROBLEMS)
    lines = [f"Steps to f <= f* + 1e-6 (saddle: to f < -1) within {steps}, at the best "
             "learning rate of a log grid", "",
             "| method | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    for m in METHODS:
        cells = []
        for p in names:
            cell = rows[m][p]
            cells.append("n/a" if cell is None else
                         f"{cell[1] if cell[1] is not None else f'>{steps}'} (lr {cell[0]:.2g})")
        lines.append(f"| {m} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _plot_trajectories(rows: dict[str, dict[str, Any]], cfg: Config, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colors = dict(zip(METHODS, plt.cm.tab10(np.arange(len(METHODS))), strict=True))
    fig, axes = plt.subplots(1, len(PROBLEMS), figsize=(22, 5.8))
    for ax, (pname, prob) in zip(axes, PROBLEMS.items(), strict=True):
        gx, gy = np.meshgrid(np.linspace(*prob.xlim, 300), np.linspace(*prob.ylim, 300))
        F = prob.f(np.stack([gx, gy], axis=-1))
        if pname == "saddle":
            ax.contour(gx, gy, F, levels=np.linspace(-2, 2, 17), colors="lightgray")
        else:
            fmin = prob.extra.get("f_star", 0.0)
            ax.contour(gx, gy, F, levels=fmin + np.geomspace(1e-3, float(F.max() - fmin), 18),
                       colors="lightgray")
        for m, (_, _, batch) in METHODS.items():
            cell = rows[m][pname]
            if cell is None:
                continue
            lr, k = cell
            with np.errstate(over="ignore", invalid="ignore"):
                traj = trajectory(m, prob, lr / 10**0.5, cfg.draw_steps)
            ax.plot(traj[:, 0], traj[:, 1], ":" if batch is not None else "-", color=colors[m],
                    lw=1.4, marker=".", ms=2,
                    label=f"{m}: {k if k is not None else f'>{cfg.steps}'} steps at best lr")
        ax.plot(*prob.start, "ko", ms=6)
        if prob.minimum is not None:
            ax.plot(*prob.minimum, "k*", ms=14)
        ax.set(xlim=prob.xlim, ylim=prob.ylim, title=f"{pname} (steps to target)")
        ax.legend(fontsize=7, loc="lower right" if pname != "beale" else "upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _plot_logistic(curves: dict[str, np.ndarray], f_star: float, n: int, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colors = dict(zip(METHODS, plt.cm.tab10(np.arange(len(METHODS))), strict=True))
    fig, ax = plt.subplots(figsize=(8, 5.5))
    for m, c in curves.items():
        batch = ", batch 32" if m not in ("GD", "SGD") else ""
        ax.semilogy(np.maximum(c - f_star, 1e-16), color=colors[m], lw=2,
                    label=f"{m} (lr {LOGISTIC_LRS[m]}{batch})")
    ax.set(xlabel=f"epoch (passes over the {n} samples)", ylabel="loss - optimal loss",
           title="L2 logistic regression, breast cancer (optimum by Newton's method)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def run(cfg: Config, out: Path, resume: bool = False) -> Result:
    """Tune every method on every function, race them on logistic regression, draw both."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.preprocessing import StandardScaler

    if cfg.plots:
        try:
            import matplotlib  # noqa: F401  (fail before the work, not after)
        except ImportError:
            raise TaskError("optlab: the plots need matplotlib: pip install 'deepgrad[extras]' "
                            "(or run with --plots false)") from None
    rows = steps_table(cfg.steps)
    table = markdown(rows, cfg.steps)
    print(table)
    (out / "steps.md").write_text(table)
    metrics: dict[str, float | int | None] = {}
    for m in METHODS:
        for p in PROBLEMS:
            cell = rows[m][p]
            if cell is not None:
                metrics[f"steps_{p}_{slug(m)}"] = cell[1]
                metrics[f"lr_{p}_{slug(m)}"] = cell[0]
    cells = [c for r in rows.values() for c in r.values() if c is not None]
    metrics["converged"] = sum(c[1] is not None for c in cells)
    metrics["runs"] = len(cells)

    data = load_breast_cancer()
    X = StandardScaler().fit_transform(data.data)
    y = data.target.astype(float)
    f_star = logistic_optimum(X, y, cfg.lam)
    curves = logistic_curves(X, y, cfg.lam, LOGISTIC_LRS, epochs=cfg.logistic_epochs)
    for m, c in curves.items():
        gap = float(c[-1] - f_star)
        metrics[f"logistic_gap_{slug(m)}"] = gap
        print(f"  {m:>15}: loss - optimum after {cfg.logistic_epochs} epochs = {gap:.2e}")
    artifacts = {"table": "steps.md"}
    if cfg.plots:
        _plot_trajectories(rows, cfg, out / "trajectories.png")
        _plot_logistic(curves, f_star, len(y), out / "logistic.png")
        artifacts |= {"trajectories": "trajectories.png", "logistic race": "logistic.png"}
    return Result(metrics, artifacts, {"sklearn:breast_cancer": _md5(data.data, data.target)})


def _md5(*arrays: np.ndarray) -> str:
    import hashlib

    h = hashlib.md5()
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


@dataclass
class LabRecord:
    """What a finished optlab run measured: ``steps[method][problem]`` (None: not reached;
    missing: does not apply), ``lrs`` alike, ``logistic_gap[method]``."""

    steps: dict[str, dict[str, int | None]]
    lrs: dict[str, dict[str, float]]
    logistic_gap: dict[str, float]
    table: str


def load(out: Path) -> LabRecord:
    from .rundir import read_run

    run_ = read_run(out, NAME)
    if run_.metrics is None:
        raise TaskError(f"{out}: the run did not finish (no metrics.json)")
    mt = run_.metrics
    steps = {m: {p: mt[f"steps_{p}_{slug(m)}"] for p in PROBLEMS if f"steps_{p}_{slug(m)}" in mt}
             for m in METHODS}
    lrs = {m: {p: mt[f"lr_{p}_{slug(m)}"] for p in PROBLEMS if f"lr_{p}_{slug(m)}" in mt}
           for m in METHODS}
    gaps = {m: mt[f"logistic_gap_{slug(m)}"] for m in METHODS}
    table = (Path(out) / "steps.md").read_text() if (Path(out) / "steps.md").exists() else ""
    return LabRecord(steps, lrs, gaps, table)
