"""benchmarks/word2vec_gensim.py keeps working: one seed each side on a slice (no timings
asserted; slow: two fresh processes, each reads Brown and scores on the benchmarks)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_word2vec_benchmark_runs_both_sides(tmp_path):
    pytest.importorskip("gensim")
    out = tmp_path / "w2v.json"
    proc = subprocess.run(
        [sys.executable, "benchmarks/word2vec_gensim.py", "--repeats", "1", "--limit", "3000",
         "--epochs", "1", "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "time ratio deepgrad / gensim" in proc.stdout and "CPU: " in proc.stdout
    runs = json.loads(out.read_text())["runs"]
    for lib in ("gensim", "deepgrad"):
        (r,) = runs[lib]
        assert r["tokens"] > 10_000 and r["words_per_second"] > 0 and r["vocab"] > 100
