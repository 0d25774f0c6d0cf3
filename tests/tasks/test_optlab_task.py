"""The optimization lab as a task: its QUICK config (default suite) and the full lab (slow)."""

import json

import pytest

from deepgrad.linear.optlab import METHODS, PROBLEMS, logistic_curves, logistic_optimum
from deepgrad.tasks import load_run, optlab, run_task


def test_quick_lab_writes_the_steps_table_metrics_and_plots(tmp_path):
    pytest.importorskip("matplotlib")
    out, result = run_task(optlab, optlab.QUICK, tmp_path / "lab", quick=True)
    m = json.loads((out / "metrics.json").read_text())
    assert m == result.metrics
    # one steps figure per (method, problem) that applies: stochastic methods need a finite sum
    stochastic = {k for k, v in METHODS.items() if v[2] is not None}
    expected = {f"steps_{p}_{optlab.slug(k)}" for k in METHODS for p, prob in PROBLEMS.items()
                if k not in stochastic or prob.n_samples is not None}
    assert {k for k in m if k.startswith("steps_")} == expected
    assert m["runs"] == len(expected)
    assert m["converged"] == sum(m[k] is not None for k in expected)
    assert all(m[k] is None or 0 < m[k] <= optlab.QUICK.steps for k in expected)
    for name in ("steps.md", "trajectories.png", "logistic.png"):
        assert (out / name).stat().st_size > 0
    rec = load_run(out)
    assert rec.steps["Adam"]["rosenbrock"] == m["steps_rosenbrock_adam"]
    assert set(rec.logistic_gap) == set(METHODS)
    assert all(g >= -1e-12 for g in rec.logistic_gap.values())  # never below the optimum


def test_logistic_optimum_is_below_every_optimizer_and_reached_by_gd():
    import numpy as np

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = (X @ [1.0, -2.0, 0.5] + rng.normal(size=200) > 0).astype(float)
    f_star = logistic_optimum(X, y, 1e-2)
    curves = logistic_curves(X, y, 1e-2, {"GD": 1.0}, epochs=3000)
    assert curves["GD"].min() >= f_star - 1e-12
    assert curves["GD"][-1] - f_star < 1e-9


@pytest.mark.slow
def test_full_lab_every_full_batch_method_converges_on_the_quadratic(tmp_path):
    _, r = run_task(optlab, optlab.Config(), tmp_path / "lab")
    for m in ("GD", "momentum", "Nesterov", "Adam"):
        assert r.metrics[f"steps_quadratic_{optlab.slug(m)}"] is not None
    assert r.metrics["converged"] >= 20, r.metrics
