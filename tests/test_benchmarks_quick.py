"""The benchmarks keep working (no timing assertions): in the default suite one workload of each
family runs once in --quick mode, both libraries side by side; every workload runs in the slow
suite (``-m slow``, about 160 s on 2 cores)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from benchmarks.workloads import (
    CAPTIONING_WORKLOADS,
    EFFNET_WORKLOADS,
    GENERATIVE_WORKLOADS,
    MODEL_WORKLOADS,
    OP_WORKLOADS,
    SEGMENTATION_WORKLOADS,
    TAGGER_WORKLOADS,
    WORKLOADS,
    ZOO_WORKLOADS,
)

ROOT = Path(__file__).resolve().parent.parent
FAMILIES = [OP_WORKLOADS, MODEL_WORKLOADS, GENERATIVE_WORKLOADS, ZOO_WORKLOADS, EFFNET_WORKLOADS,
            TAGGER_WORKLOADS, SEGMENTATION_WORKLOADS, CAPTIONING_WORKLOADS]


def _run_quick(tmp_path: Path, names: list[str] | None) -> dict:
    out = tmp_path / "bench.json"
    cmd = [sys.executable, "-m", "benchmarks", "--quick", "--json", str(out)]
    if names is not None:
        cmd += ["--only", ",".join(names)]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ratio" in proc.stdout and "cpu:" in proc.stdout
    results = json.loads(out.read_text())["results"]
    for name, res in results.items():
        assert res["times"]["deepgrad"], f"{name}: deepgrad side failed: {res['meta']}"
        assert res["times"]["torch"], f"{name}: torch side failed: {res['meta']}"
    return results


def test_every_workload_belongs_to_a_family():
    assert sorted(w.name for f in FAMILIES for w in f) == sorted(WORKLOADS)


def test_benchmarks_quick_runs_one_workload_of_each_family(tmp_path):
    names = [f[-1].name for f in FAMILIES]
    assert sorted(_run_quick(tmp_path, names)) == sorted(names)


@pytest.mark.slow
def test_benchmarks_quick_runs_every_workload(tmp_path):
    assert sorted(_run_quick(tmp_path, None)) == sorted(WORKLOADS)
