"""What the applications' panels share: the latest finished run of a task (symlinks out of the
runs directory left out), and the model cache's variants (the models of one run, each loaded
once, all forgotten when the run is written again)."""

from __future__ import annotations

import json
import os
import time
from types import SimpleNamespace

import pytest

from deepgrad.web.errors import LabError
from deepgrad.web.models import ModelCache
from deepgrad.web.predictors import latest, pick_run


def finished(run_dir, task="seq2seq"):
    run_dir.mkdir(parents=True)
    (run_dir / "config.json").write_text(json.dumps({"task": task, "config": {}, "seed": 0}))
    (run_dir / "metrics.json").write_text("{}")
    return run_dir


def test_the_latest_run_is_the_newest_finished_one_inside_the_runs_directory(tmp_path):
    root = tmp_path / "runs"
    old = finished(root / "seq2seq" / "a")
    time.sleep(0.01)
    new = finished(root / "seq2seq" / "b")
    (root / "seq2seq" / "c").mkdir()  # unfinished
    (root / "seq2seq" / "c" / "config.json").write_text("{}")
    assert latest(root, "seq2seq") == new.resolve()
    time.sleep(0.01)
    outside = finished(tmp_path / "elsewhere" / "z")  # newer, but out of the runs directory
    os.symlink(outside, root / "seq2seq" / "z")
    assert latest(root, "seq2seq") == new.resolve()
    lab = SimpleNamespace(root=root.resolve())
    assert pick_run(lab, "seq2seq", None) == new.resolve()
    assert pick_run(lab, "seq2seq", "seq2seq/a") == old.resolve()
    with pytest.raises(LabError, match="not inside the runs directory"):
        pick_run(lab, "seq2seq", "seq2seq/z")
    with pytest.raises(LabError, match="no finished char-rnn run") as e:
        pick_run(lab, "char-rnn", None)
    assert e.value.status == 404 and "deepgrad char-rnn --quick" in e.value.message
    assert latest(root, "nothing") is None


def test_variants_are_cached_apart_and_forgotten_with_their_run(app_runs_copy):
    run = app_runs_copy("pos-tagger") / "pos-tagger" / "quick"
    cache = ModelCache()
    best = cache.get(run, "pos-tagger")
    rnn = cache.get(run, "pos-tagger", "simple_rnn")
    lstm = cache.get(run, "pos-tagger", "bilstm")
    assert (rnn.model.kind, lstm.model.kind) == ("simple_rnn", "bilstm")
    assert cache.get(run, "pos-tagger", "bilstm") is lstm and cache.get(run, "pos-tagger") is best
    assert cache.loads == 3 and len(cache._items) == 3
    metrics = run / "metrics.json"
    text = metrics.read_text()
    metrics.unlink()  # (a hard link to the session's run: replace, do not write through)
    time.sleep(0.01)
    metrics.write_text(text)
    assert cache.get(run, "pos-tagger", "bilstm") is not lstm
    assert cache.loads == 4 and len(cache._items) == 1  # the older version's three are gone
    with pytest.raises(LabError, match="char_bilstm.npz: missing") as e:
        cache.get(run, "pos-tagger", "char_bilstm")
    assert e.value.status == 409
