"""deepgrad.notebook: quick mode from the environment, configs, and reusing finished runs."""

from __future__ import annotations

import dataclasses
import json

import pytest

import deepgrad.notebook as nb
from deepgrad.tasks import TaskError, get_task
from deepgrad.tasks.contract import config_to_dict


@pytest.mark.parametrize(
    "value, quick",
    [("1", True), ("true", True), ("YES", True), ("", False), ("0", False), ("off", False)],
)
def test_quick_mode_reads_the_environment(monkeypatch, value, quick):
    monkeypatch.setenv("DEEPGRAD_QUICK", value)
    assert nb.quick_mode() is quick


def test_quick_mode_unset_is_full_and_nonsense_is_an_error(monkeypatch):
    monkeypatch.delenv("DEEPGRAD_QUICK", raising=False)
    assert nb.quick_mode() is False
    monkeypatch.setenv("DEEPGRAD_QUICK", "maybe")
    with pytest.raises(ValueError, match="DEEPGRAD_QUICK='maybe': expected 1"):
        nb.quick_mode()


def test_config_fields_in_both_modes_and_sizes_in_quick_mode_only(monkeypatch):
    mnist = get_task("mnist")
    monkeypatch.setenv("DEEPGRAD_QUICK", "1")
    cfg = nb.config("mnist", quick_sizes={"limit": 500}, model="mlp")
    assert cfg == dataclasses.replace(mnist.QUICK, model="mlp", limit=500)
    monkeypatch.setenv("DEEPGRAD_QUICK", "0")
    cfg = nb.config("mnist", quick_sizes={"limit": 500}, model="mlp")
    assert cfg == dataclasses.replace(mnist.Config(), model="mlp")
    with pytest.raises(TaskError, match="mnist: no config field 'layers'; its fields are model"):
        nb.config("mnist", layers=3)


def _fake_run(root, task, cfg, seed, name, finished=True):
    """A run directory as run_task leaves it (config.json, metrics.json), without training."""
    path = root / task / name
    path.mkdir(parents=True)
    info = {
        "task": task,
        "config": config_to_dict(cfg),
        "seed": seed,
        "quick": True,
        "deepgrad_version": "0.1.0",
        "artifacts": {"table": "steps.md"},
        "seconds": 2.5,
    }
    (path / "config.json").write_text(json.dumps(info))
    (path / "steps.md").write_text("| method |\n")
    if finished:
        (path / "metrics.json").write_text(json.dumps({"converged": 12}))
    return path


def test_find_run_matches_config_and_seed_and_skips_unfinished_or_corrupt(tmp_path):
    optlab = get_task("optlab")
    cfg = optlab.QUICK
    assert nb.find_run("optlab", cfg, root=tmp_path) is None
    old = _fake_run(tmp_path, "optlab", cfg, 0, "a")
    _fake_run(tmp_path, "optlab", cfg, 1, "b")  # another seed
    _fake_run(tmp_path, "optlab", dataclasses.replace(cfg, steps=301), 0, "c")  # another config
    _fake_run(tmp_path, "optlab", cfg, 0, "d", finished=False)  # interrupted
    bad = tmp_path / "optlab" / "e"
    bad.mkdir()
    (bad / "config.json").write_text("{not json")
    (bad / "metrics.json").write_text("{}")
    assert nb.find_run("optlab", cfg, root=tmp_path) == old
    assert nb.find_run("optlab", cfg, seed=1, root=tmp_path) == tmp_path / "optlab" / "b"
    assert nb.find_run("optlab", dataclasses.replace(cfg, steps=302), root=tmp_path) is None


def test_run_reuses_a_finished_run_instead_of_training(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DEEPGRAD_QUICK", "1")
    monkeypatch.setenv("DEEPGRAD_OUT", str(tmp_path))
    path = _fake_run(tmp_path, "optlab", get_task("optlab").QUICK, 0, "a")
    r = nb.run("optlab")
    assert r.reused and r.path == path and r.metrics == {"converged": 12}
    assert r.file("table") == path / "steps.md"
    with pytest.raises(TaskError, match="no artifact 'curves'; this run has table"):
        r.file("curves")
    assert sorted(p.name for p in (tmp_path / "optlab").iterdir()) == ["a"]
    out = capsys.readouterr().out
    assert f"optlab: reusing {path}" in out and "converged  12" in out


def test_start_prints_both_modes_and_returns_quick(monkeypatch, capsys):
    monkeypatch.setenv("DEEPGRAD_QUICK", "1")
    monkeypatch.setitem(nb.TIMES, "weekX", nb.Timing(75, 5400, "measured here", "the README"))
    assert nb.start("weekX") is True
    out = capsys.readouterr().out
    assert "quick mode about 1 min 15 s (measured here)" in out
    assert "full mode about 1 h 30 min (the README)" in out


@pytest.mark.parametrize(
    "seconds, text",
    [
        (4.4, "4 s"),
        (60, "1 min"),
        (75, "1 min 15 s"),
        (599, "9 min 59 s"),
        (1255.8, "21 min"),
        (3569, "59 min"),
        (3600, "1 h"),
        (3599.6, "1 h"),
        (7170, "2 h"),
    ],
)
def test_format_duration(seconds, text):
    assert nb.format_duration(seconds) == text
