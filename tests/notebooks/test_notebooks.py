"""The course notebooks: committed as their sources build them (no outputs), and every one runs
top to bottom in quick mode (DEEPGRAD_QUICK=1) in a fresh working directory, failing on any
error."""

from __future__ import annotations

import importlib.util
import json
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CELL_TIMEOUT = 300  # seconds per cell; the slowest quick cell takes about 15 s here


def _generator():
    spec = importlib.util.spec_from_file_location(
        "make_notebooks", ROOT / "tools" / "make_notebooks.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_week_has_a_notebook():
    weeks = {p.name.split("_")[0] for p in NOTEBOOKS}
    assert weeks == {f"week{i}" for i in range(1, 7)}, sorted(p.name for p in NOTEBOOKS)


def test_every_task_is_run_by_a_notebook():
    from deepgrad.tasks import TASKS

    text = "".join(p.read_text() for p in (ROOT / "tools" / "notebook_sources").glob("*.py"))
    missing = [name for name in TASKS if f'nb.run("{name}"' not in text]
    assert missing == [], f"tasks no notebook runs: {missing}"


def test_committed_notebooks_are_their_sources_without_outputs():
    pytest.importorskip("nbformat", reason="needs nbformat (the test extra)")
    gen = _generator()
    sources = gen.sources()
    assert {s.stem for s in sources} == {p.stem for p in NOTEBOOKS}
    for src in sources:
        committed = (ROOT / "notebooks" / f"{src.stem}.ipynb").read_text()
        assert committed == gen.render(src), f"{src.stem}.ipynb: run tools/make_notebooks.py"
        cells = json.loads(committed)["cells"]
        assert cells[0]["cell_type"] == "markdown"
        first_code = next(c for c in cells if c["cell_type"] == "code")
        assert f'nb.start("{src.stem}")' in "".join(first_code["source"])
        for c in cells:
            if c["cell_type"] == "code":
                assert c["outputs"] == [] and c["execution_count"] is None, src.stem


def test_percent_parser_cells_and_errors():
    gen = _generator()
    cells = gen.parse_cells("# %% [markdown]\n# # Title\n#\n# text $x$\n\n# %%\nx = 1\n\n", "s")
    assert cells == [("markdown", "# Title\n\ntext $x$"), ("code", "x = 1")]
    with pytest.raises(ValueError, match="s:3: a markdown cell's lines start with '# '"):
        gen.parse_cells("# %% [markdown]\n# ok\n#bad\n", "s")
    with pytest.raises(ValueError, match="s:1: text before the first"):
        gen.parse_cells("x = 1\n# %%\n", "s")
    with pytest.raises(ValueError, match="expected '# %%' or '# %% \\[markdown\\]'"):
        gen.parse_cells("# %% [raw]\nx\n", "s")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_in_quick_mode(path, tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat", reason="needs nbformat (the test extra)")
    nbclient = pytest.importorskip("nbclient", reason="needs nbclient (the test extra)")
    monkeypatch.setenv("DEEPGRAD_QUICK", "1")
    monkeypatch.setenv("DEEPGRAD_OUT", str(tmp_path / "out"))
    # the quick runs' matrices are small: a second BLAS thread gains nothing and, when the
    # suite shares the cores with other jobs, its spinning tripled the notebooks' time here
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    t0 = time.perf_counter()
    client.execute()
    print(f"{path.name}: {time.perf_counter() - t0:.1f} s")
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert "quick mode" in "".join(o.get("text", "") for o in first_code.outputs)
    assert any("image/png" in o.get("data", {}) for o in outputs), "no figure shown"
