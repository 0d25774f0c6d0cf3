"""The lab sits on top: deepgrad.web imports the course through deepgrad.tasks (and
deepgrad.visualize, as the CLI does), never the layers below directly, and nothing imports it;
its page files are all package data (a non-editable install serves them too)."""

import fnmatch
import tomllib
from pathlib import Path

import deepgrad
from test_import_graph import import_graph

ALLOWED = ("deepgrad.web", "deepgrad.tasks", "deepgrad.visualize")


def test_the_web_lab_imports_tasks_only_and_nothing_imports_it():
    graph = import_graph()
    for mod, targets in graph.items():
        if mod.startswith("deepgrad.web"):
            below = sorted(t for t in targets if t != "deepgrad" and not t.startswith(ALLOWED))
            assert below == [], f"{mod} imports {below}"
        elif not mod.startswith("deepgrad.cli"):
            assert not any(t.startswith("deepgrad.web") for t in targets), mod


def test_every_static_file_is_package_data():
    root = Path(deepgrad.__file__).parents[2]
    pyproject = root / "pyproject.toml"
    static = Path(deepgrad.__file__).parent / "web" / "static"
    patterns = tomllib.loads(pyproject.read_text())["tool"]["setuptools"]["package-data"][
        "deepgrad.web"]
    files = [p.relative_to(static.parent).as_posix() for p in static.rglob("*") if p.is_file()]
    assert len(files) >= 10
    missing = [f for f in files if not any(fnmatch.fnmatch(f, pat) and f.count("/") ==
                                           pat.count("/") for pat in patterns)]
    assert missing == [], f"add these to [tool.setuptools.package-data]: {missing}"
