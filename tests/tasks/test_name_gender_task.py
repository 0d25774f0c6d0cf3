"""The name-gender task: labels from census lists written here in the census format (fast), the
QUICK config on the real lists (default suite), the full config (slow)."""

import json

import numpy as np
import pytest

from deepgrad.tasks import TaskError, get_task, load_run, run_task
from deepgrad.tasks.name_gender import CharCodes, Config, labelled_names

ng = get_task("name-gender")

FEMALE = ["MARY", "ANNA", "EMMA", "JULIA", "SOPHIA", "OLIVIA", "LAURA", "NORA", "ELLA", "LINDA",
          "CLARA", "ROSA", "JEAN", "ALEX"]
MALE = ["JOHN", "PETER", "MARK", "JAMES", "ROBERT", "DAVID", "THOMAS", "PAUL", "FRANK", "JACK",
        "ERIC", "OSCAR", "JEAN", "ALEX"]


def _write(folder, names, freqs):
    lines = [f"{n:<15}{f:6.3f}{0.0:7.3f}{i + 1:7d}" for i, (n, f) in enumerate(zip(names, freqs,
                                                                                   strict=True))]
    folder.write_text("\n".join(lines) + "\n")


@pytest.fixture
def census(tmp_path):
    folder = tmp_path / "names"
    folder.mkdir()
    f_freq = [1.0] * 12 + [0.5, 0.2]  # JEAN: female 0.5 vs male 0.2; ALEX: a tie
    m_freq = [1.0] * 12 + [0.2, 0.2]
    _write(folder / "dist.female.first", FEMALE, f_freq)
    _write(folder / "dist.male.first", MALE, m_freq)
    return folder


def test_majority_labels_and_ties_left_out(census):
    items = dict(labelled_names(census))
    assert items["Jean"] == 0 and items["John"] == 1 and items["Mary"] == 0
    assert "Alex" not in items  # equal frequencies: no majority
    assert len(items) == 25


def test_codes_refuse_empty_names_and_map_unknown_characters():
    codes = CharCodes(list("abc"))
    x, lens = codes.encode(["Ab", "cé"])
    assert x.tolist() == [[2, 4], [3, 1]] and lens.tolist() == [2, 2]
    with pytest.raises(TaskError, match="empty name"):
        codes.encode(["ab", ""])


def test_run_load_predict_on_a_tiny_census(census, tmp_path):
    out = tmp_path / "run"
    cfg = Config(epochs=3, hidden_size=8, batch_size=8, data_path=str(census))
    _, result = run_task(ng, cfg, out)
    m = result.metrics
    assert {"test_accuracy", "baseline_accuracy", "majority_accuracy"} <= set(m)
    assert m["test_names"] == 5
    assert json.loads((out / "metrics.json").read_text()) == m
    pred = load_run(out)
    p = pred.predict_proba(["Mary", "Zoë", "Bartholomew"])
    assert p.shape == (3, 2) and np.allclose(p.sum(1), 1)
    assert ng.predict(pred, ["Mary"])[0].startswith("Mary: ")
    with pytest.raises(TaskError, match="empty name"):
        pred.predict([" "])


def test_quick_on_the_census_lists(tmp_path):
    _, result = run_task(ng, ng.QUICK, tmp_path / "quick")
    m = result.metrics
    assert m["test_names"] == 300
    assert m["baseline_accuracy"] > m["majority_accuracy"]  # the n-gram model learned something
    assert m["test_accuracy"] >= m["majority_accuracy"] - 0.02


@pytest.mark.slow
def test_full_config_beats_the_majority_class(tmp_path):
    _, result = run_task(ng, Config(), tmp_path / "full")
    m = result.metrics
    assert m["test_accuracy"] > m["majority_accuracy"] + 0.05, m
    assert m["baseline_accuracy"] > m["majority_accuracy"] + 0.05, m


def test_resume_gives_the_uninterrupted_result(census, tmp_path, monkeypatch):
    cfg = Config(epochs=3, hidden_size=8, batch_size=8, data_path=str(census))
    _, whole = run_task(ng, cfg, tmp_path / "whole", seed=5)

    import deepgrad.train.epochs as mod  # name-gender trains with train_epochs

    real, calls = mod.save_checkpoint, []

    def crash_after_second_epoch(path, *args, **kwargs):
        real(path, *args, **kwargs)
        if path.name == "state.npz":
            calls.append(1)
            if len(calls) == 2:
                raise KeyboardInterrupt

    monkeypatch.setattr(mod, "save_checkpoint", crash_after_second_epoch)
    with pytest.raises(KeyboardInterrupt):
        run_task(ng, cfg, tmp_path / "cut", seed=5)
    monkeypatch.setattr(mod, "save_checkpoint", real)
    _, resumed = run_task(ng, None, tmp_path / "cut", resume=True)
    a = {k: v for k, v in whole.metrics.items() if k != "train_seconds"}
    b = {k: v for k, v in resumed.metrics.items() if k != "train_seconds"}
    assert a == b
