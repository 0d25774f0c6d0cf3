"""The char-rnn task: QUICK (one shared run) on the real census names reports the issue's
metrics, samples with a prefix, refuses bad input; the CLI samples; the full config (slow)
puts the LSTM below the trigram."""

import json
import math

import numpy as np
import pytest

from deepgrad.cli import main
from deepgrad.tasks import TaskError, char_rnn, load_run, run_task
from deepgrad.tasks.char_rnn import Config, NameSampler, split_names

NAMES = ["test_nll_per_char", "baseline_nll_per_char", "novel_fraction", "heldout_hit_fraction"]


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("char_rnn") / "run"
    return run_task(char_rnn, None, out, quick=True)


def test_quick_run_reports_the_issues_metrics(quick_run):
    out, result = quick_run
    m = result.metrics
    assert set(NAMES) <= set(m) and json.loads((out / "metrics.json").read_text()) == m
    assert 0 <= m["novel_fraction"] <= 1 and 0 <= m["heldout_hit_fraction"] <= 1
    assert m["heldout_hit_fraction"] <= m["novel_fraction"]  # a held-out hit is novel
    # both models beat the uniform guess over the 52 letters and the end token
    assert m["baseline_nll_per_char"] < m["test_nll_per_char"] < math.log(53)
    samples = (out / "samples.txt").read_text().split("\n")
    assert len(samples) == 200 + 1 and samples[-1] == ""  # one per line (a name may be empty)
    assert all(set(x) <= set(char_rnn.LETTERS) and len(x) < 20 for x in samples)


def test_the_split_is_disjoint_and_covers_the_distinct_names():
    train, val, test, sums = split_names(0)
    assert len(train) + len(val) + len(test) == 5163
    assert not set(train) & set(test) and not set(val) & set(test)
    assert set(sums) == {"names/dist.male.first", "names/dist.female.first"}


def test_sampling_with_a_prefix_and_bad_input(quick_run):
    out, _ = quick_run
    s = load_run(out)
    assert isinstance(s, NameSampler)
    names = s.sample(20, prefix="Al", temperature=0.8, rng=np.random.default_rng(0))
    assert len(names) == 20 and all(n.startswith("Al") for n in names)
    again = [s.sample(5, "Al", 0.8, rng=np.random.default_rng(7)) for _ in range(2)]
    assert again[0] == again[1]  # the same generator seed, the same names
    cold = s.sample(3, prefix="Al", top_k=1, rng=np.random.default_rng(1))
    assert cold[0] == cold[1] == cold[2]  # top-1 sampling is greedy
    assert s.most_likely("Al", beam_width=3).startswith("Al")
    with pytest.raises(TaskError, match=r"characters '1' the model does not know"):
        s.sample(2, prefix="Al1")
    with pytest.raises(TaskError, match="temperature must be > 0"):
        s.sample(2, temperature=0)


def test_cli_samples_names_from_a_run(quick_run, capsys):
    out, _ = quick_run
    code = main(["sample", "char-rnn", "--run", str(out), "--prefix", "Al", "--temperature",
                 "0.8", "--n", "4", "--seed", "2"])
    lines = capsys.readouterr().out.split()
    assert code == 0 and len(lines) == 4 and all(x.startswith("Al") for x in lines)
    assert main(["sample", "char-rnn", "--run", str(out), "--prefix", "A-"]) == 2
    assert "does not know" in capsys.readouterr().err


@pytest.mark.slow
def test_full_config_lstm_beats_the_trigram(tmp_path):
    _, result = run_task(char_rnn, Config(), tmp_path / "run")
    m = result.metrics
    assert m["test_nll_per_char"] < m["baseline_nll_per_char"], m
    assert m["novel_fraction"] > 0.3 and m["heldout_hit_fraction"] > 0, m
