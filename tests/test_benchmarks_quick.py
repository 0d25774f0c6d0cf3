"""CI runs the benchmarks once in --quick mode so they keep working (no timing assertions)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_benchmarks_quick_runs_every_workload(tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ratio" in proc.stdout
    results = json.loads(out.read_text())["results"]
    for name, res in results.items():
        assert res["times"]["deepgrad"], f"{name}: deepgrad side failed: {res['meta']}"
        assert res["times"]["torch"], f"{name}: torch side failed: {res['meta']}"
