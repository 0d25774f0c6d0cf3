"""The seq2seq task: QUICK (one shared run) writes the issue's metrics, holds the test years
out, loads and predicts, refuses bad input; the full config (slow) reaches the target."""

import json
import math

import numpy as np
import pytest

from deepgrad.tasks import TaskError, load_run, run_task, seq2seq
from deepgrad.tasks.seq2seq import Config, DateNormalizer, _data

NAMES = ["exact_match_greedy", "exact_match_beam", "exact_match_beam_noattention",
         "exact_match_greedy_noattention", "exact_match_beam_worst_format",
         "char_accuracy_beam", "val_loss", "val_loss_noattention"]


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("seq2seq") / "run"
    return run_task(seq2seq, None, out, quick=True)


def test_quick_run_reports_the_issues_metrics_and_learns(quick_run):
    out, result = quick_run
    m = result.metrics
    assert set(NAMES) <= set(m) and json.loads((out / "metrics.json").read_text()) == m
    for k in NAMES[:6]:
        assert 0 <= m[k] <= 1, k
    # one epoch on 1,000 pairs is far from solving it, but both have learnt something: their
    # validation loss is well below the uniform guess's log(13)
    assert m["val_loss"] < 0.7 * math.log(13) and m["val_loss_noattention"] < 0.8 * math.log(13)
    assert m["test_pairs"] == 200 and m["train_pairs"] == 1000
    for a in result.artifacts.values():
        assert (out / a).is_file(), a
    assert "attention heatmap" in result.artifacts


def test_the_test_years_are_never_trained_on():
    d = _data(seq2seq.QUICK)
    seen = {int(iso[:4]) for _, iso in d["train"] + d["val"]}
    tested = {int(iso[:4]) for _, iso in d["test"]}
    assert tested <= set(d["test_years"]) and not seen & tested
    assert len(d["test_years"]) == 15


def test_load_normalizes_and_refuses_bad_input(quick_run):
    out, result = quick_run
    norm = load_run(out)
    assert isinstance(norm, DateNormalizer)
    got = norm.normalize(["3rd of March, 1987", "Tue 3/3/87"], beam_width=3)
    assert len(got) == 2 and all(isinstance(g, str) and len(g) <= 12 for g in got)
    text, w = norm.attention("March 3 1987")
    assert w.shape == (len(text) + 1, len("March 3 1987")) or w.shape[0] <= 12
    np.testing.assert_allclose(w.sum(axis=1), 1.0, atol=1e-5)
    with pytest.raises(TaskError, match=r"character 'K' of 'K 3 1987' is not in"):
        norm.normalize(["K 3 1987"])
    with pytest.raises(TaskError, match="input 1 is empty"):
        norm.normalize(["March 3 1987", ""])
    with pytest.raises(TaskError, match=r"48 characters, more than the 29 of the longest"):
        norm.normalize(["March 3 1987" * 4])
    lines = seq2seq.predict(norm, ["March 3 1987"])
    assert lines[0].startswith("March 3 1987 -> ")


@pytest.mark.slow
def test_full_config_reaches_the_target(tmp_path):
    _, result = run_task(seq2seq, Config(), tmp_path / "run")
    m = result.metrics
    assert m["exact_match_beam"] >= 0.99, m
    assert m["exact_match_beam"] > m["exact_match_beam_noattention"], m
