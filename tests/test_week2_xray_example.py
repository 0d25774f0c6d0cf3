"""examples/week2_xray_vanishing_gradient.py on a small budget: the naive small-init sigmoid
net's gradient vanishes toward the input, the cures' does not; figures and JSON written."""

import importlib.util
import json
from pathlib import Path

import pytest


def _example():
    path = Path(__file__).parents[1] / "examples" / "week2_xray_vanishing_gradient.py"
    spec = importlib.util.spec_from_file_location("week2_xray_vanishing_gradient", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow  # four networks trained and five figures drawn: ~15 s
def test_the_vanishing_gradient_and_its_cures(tmp_path):
    argv = [
        "--limit",
        "640",
        "--epochs",
        "1",
        "--depth",
        "6",
        "--width",
        "64",
        "--out",
        str(tmp_path),
    ]
    summary = _example().main(argv)
    g = {name: s["grad_norm_first_epoch"] for name, s in summary.items()}
    assert all(len(v) == 6 for v in g.values())
    assert g["sigmoid_uniform"][0] < 1e-3 * g["sigmoid_uniform"][-1]  # vanished
    assert g["relu_he"][0] > 0.1 * g["relu_he"][-1]
    assert g["sigmoid_batchnorm"][0] > 0.1 * g["sigmoid_batchnorm"][-1]
    assert min(summary["sigmoid_normal"]["saturated_first_epoch"]) > 0.3
    assert max(summary["sigmoid_batchnorm"]["saturated_first_epoch"]) < 0.01
    assert (
        summary["relu_he"]["dead_first_epoch"] and not summary["relu_he"]["saturated_first_epoch"]
    )
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(
        ["gradient_by_depth.png", "summary.json"]
        + [f"xray_{c}.{e}" for c in summary for e in ("json", "png")]
    )
    assert json.loads((tmp_path / "summary.json").read_text()) == summary
