"""The lab's side of the per-layer statistics: what a job's process sends is data, checked and
bounded before the page sees it (web/layers.py), through the job's message loop too."""

from __future__ import annotations

import io
import json
import threading

import pytest

from deepgrad.web import layers as L
from deepgrad.web.jobs import MAX_LINE, Job, JobManager


def record(model="m1", step=3, n_layers=2, **over):
    rec = {"model": model, "label": "Sequential", "step": step, "time": 1.5, "cost": 0.001,
           "params": [{"name": f"{i}.weight", "layer": str(i), "shape": [4, 4],
                       "grad": 0.5 + i, "norm": 2.0, "update": 1e-3}
                      for i in range(n_layers)],
           "layers": [{"name": str(i), "type": "Linear", "size": 16, "mean": 0.1,
                       "std": 1.0, "zeros": 0.0} for i in range(n_layers)],
           "omitted": {"layers": 0, "params": 0}}
    rec.update(over)
    return rec


def test_a_record_is_kept_with_its_layers_gradient_norms_and_history():
    board = L.LayerBoard()
    for step in range(1, 4):
        assert board.feed(record(step=step))
    state = board.state()
    (m,) = state["models"]
    assert m["step"] == 3 and m["layers"][1]["grad"] == 1.5 and state["samples"] == 3
    assert m["history"] == {"0": [[1, 0.5], [2, 0.5], [3, 0.5]],
                            "1": [[1, 1.5], [2, 1.5], [3, 1.5]]}
    json.dumps(state)


@pytest.mark.parametrize("bad", [
    "a string", None, [1, 2],
    record(model=""), record(model=7), record(step=-1), record(step=True), record(step=2.5),
    record(label="x" * 500),
    record(params=[{"name": "w", "layer": "0", "shape": [2], "grad": float("nan"),
                    "norm": 1.0, "update": None}]),
    record(params=[{"name": "w", "layer": "0", "shape": [2], "grad": "1e309", "norm": 1.0,
                    "update": None}]),
    record(params=[{"name": "w", "layer": "0", "shape": [-1], "grad": 1.0, "norm": 1.0,
                    "update": None}]),
    record(params=[{"name": "w", "layer": "0", "shape": list(range(9)), "grad": 1.0,
                    "norm": 1.0, "update": None}]),
    record(params={"0.weight": 1}),
    record(layers=[{"name": "0", "type": "Linear", "size": 1, "mean": [1], "std": 1,
                    "zeros": 0}]),
    record(n_layers=L.MAX_LAYERS + 1),
    record(omitted="many"),
])
def test_records_that_are_not_what_the_watch_sends_are_dropped_and_counted(bad):
    board = L.LayerBoard()
    assert not board.feed(bad)
    assert board.state() == {"models": [], "samples": 0, "rejected": 1}


def test_non_finite_values_come_as_words_and_only_checked_fields_are_kept():
    rec = record()
    rec["params"][0].update(grad="inf", secret="x" * 10_000)
    rec["extra"] = {"huge": "x" * 10_000}
    board = L.LayerBoard()
    assert board.feed(rec)
    (m,) = board.state()["models"]
    assert m["params"][0]["grad"] == "inf" and "secret" not in m["params"][0]
    assert "extra" not in m and m["layers"][0]["grad"] is None  # its norm is not a number
    assert "0" not in m["history"]


def test_models_and_histories_are_bounded():
    board = L.LayerBoard()
    for k in range(L.MAX_MODELS + 3):
        board.feed(record(model=f"m{k}"))
    keys = [m["model"] for m in board.state()["models"]]
    assert keys == [f"m{k}" for k in range(3, L.MAX_MODELS + 3)]
    assert set(board.history) == set(keys)
    for step in range(L.MAX_HISTORY + 50):
        board.feed(record(model="m3", step=step))
    m3 = board.state()["models"][0]  # kept its place
    assert m3["model"] == "m3" and len(m3["history"]["0"]) == L.MAX_HISTORY
    board.feed(record(model="new"))  # m4 is the least recently updated now
    keys = [m["model"] for m in board.state()["models"]]
    assert keys == ["m3", *(f"m{k}" for k in range(5, L.MAX_MODELS + 3)), "new"]


class _Done:
    returncode = 0

    def wait(self, timeout=None):
        return 0


def test_the_job_loop_checks_what_the_child_sends(tmp_path):
    """Overlong lines, JSON that is not an object and bad records are skipped; the rest is
    read."""
    lines = [json.dumps({"layers": record()}),
             json.dumps({"layers": record(model="m2")})[:-5] + "x" * (MAX_LINE + 10),
             json.dumps([1, 2, 3]), json.dumps("text"), json.dumps({"out": 17}),
             json.dumps({"layers": {"model": "m3"}}),
             json.dumps({"out": "Epoch 1/1\n"}),
             json.dumps({"done": {"score": 1.0}})]
    job = Job("j1", "fake", True, {}, tmp_path, "fake/x")
    job.channel = io.StringIO("\n".join(lines) + "\n")
    job.process = _Done()
    t = threading.Thread(target=JobManager(tmp_path)._follow, args=(job,))
    t.start()
    t.join(10)
    assert job.state == "finished" and job.metrics == {"score": 1.0}
    state = job.layers()
    assert [m["model"] for m in state["models"]] == ["m1"] and state["rejected"] == 1
    assert job.summary()["epoch"] == 1
