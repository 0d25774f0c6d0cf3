"""The Normalize-a-date panel: its API through TestClient (the answer is the run's own
DateNormalizer's, the attention matrix's shape and rows, every refusal) and the page in
Chromium (an example date normalized, its attention matrix drawn cell by cell)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from lab_helpers import is_error, lab_client

RUN = "seq2seq/quick"


def test_a_date_is_normalized_as_the_runs_model_does_it(api, runs):
    from deepgrad.tasks import load_run

    assert [r["id"] for r in api.get("/api/seq2seq/runs").json()] == [RUN]
    text = "3rd of March, 1987"
    r = api.post("/api/seq2seq/normalize", json={"text": text})
    assert r.status_code == 200, r.text
    out = r.json()
    model = load_run(runs / RUN)
    assert out["run"] == RUN and out["text"] == text and out["beam_width"] == model.beam_width
    assert out["beam"] == model.normalize([text])[0]
    greedy, weights = model.attention(text)
    assert out["greedy"] == greedy
    att = out["attention"]
    assert att["inputs"] == list(text)
    w = np.array(att["weights"])
    np.testing.assert_allclose(w, weights, atol=1e-5)
    assert w.shape == (len(att["outputs"]), len(text))
    np.testing.assert_allclose(w.sum(axis=1), 1.0, atol=1e-4)
    assert att["outputs"][: len(greedy)] == list(greedy)
    assert len(att["outputs"]) in (len(greedy), len(greedy) + 1)  # the end row, if it ended
    assert out["valid"] == (len(out["beam"]) == 10 and out["beam"][4] == "-")
    # beam width 1 is greedy decoding
    one = api.post("/api/seq2seq/normalize", json={"text": text, "beam_width": 1,
                                                   "run": RUN}).json()
    assert one["beam"] == greedy and one["beam_width"] == 1
    assert api.app.state.lab.models.loads == 1


def test_is_date():
    from deepgrad.web.panels.seq2seq import is_date

    assert is_date("1987-03-03") and is_date("2000-02-29")
    for bad in ("1987-02-30", "2001-02-29", "20-0-0-0-0", "1987-3-3", "", "1987-03-03-"):
        assert not is_date(bad), bad


@pytest.mark.parametrize("body, status, match", [
    ({"text": ""}, 422, "text"),
    ({"text": "x" * 101}, 422, "text"),
    ({"text": "x" * 40}, 422, "more than the"),
    ({"text": "3 März 1987"}, 422, "not in the model's alphabet"),
    ({"text": 1987}, 422, "text"),
    ({}, 422, "text"),
    ({"text": "1 Jan 2000", "beam_width": 0}, 422, "beam_width"),
    ({"text": "1 Jan 2000", "beam_width": 21}, 422, "beam_width"),
    ({"text": "1 Jan 2000", "extra": 1}, 422, "extra"),
    ({"text": "1 Jan 2000", "run": "../seq2seq/quick"}, 400, "'..'"),
    ({"text": "1 Jan 2000", "run": "/etc"}, 400, "absolute"),
    ({"text": "1 Jan 2000", "run": "seq2seq/nope"}, 404, "not found"),
    ([1, 2], 422, ""),
])
def test_date_requests_are_validated(api, body, status, match):
    is_error(api.post("/api/seq2seq/normalize", json=body), status, match)


def test_malformed_json_other_runs_and_no_run(api, runs, tmp_path):
    is_error(api.post("/api/seq2seq/normalize", content=b'{"text": "1 Jan',
                      headers={"content-type": "application/json"}), 400, "malformed JSON")
    (runs / "optlab" / "r1").mkdir(parents=True)
    (runs / "optlab" / "r1" / "config.json").write_text(json.dumps(
        {"task": "optlab", "config": {}, "seed": 0}))
    (runs / "optlab" / "r1" / "metrics.json").write_text("{}")
    is_error(api.post("/api/seq2seq/normalize", json={"text": "1 Jan 2000", "run": "optlab/r1"}),
             400, "not a run of seq2seq")
    with lab_client(tmp_path / "empty") as empty:
        is_error(empty.post("/api/seq2seq/normalize", json={"text": "1 Jan 2000"}), 404,
                 "no finished seq2seq run")
        assert empty.get("/api/seq2seq/runs").json() == []


# ----------------------------------------------------------------------------- in the browser


def test_normalize_a_date_in_the_browser(page, server, lab_root, app_runs, shots):
    from lab_browser import open_panel, shoot
    from lab_runs import link_runs

    link_runs(app_runs("seq2seq"), lab_root)
    console = open_panel(page, server, "dates")
    page.fill("#date-text", "Tue 3/3/87")
    page.press("#date-text", "Enter")
    page.wait_for_selector("#date-iso[data-text='Tue 3/3/87']", state="attached")
    iso = page.get_attribute("#date-iso", "data-iso")  # a tiny model's: often no date at all
    assert page.inner_text("#date-iso") == (iso or "(nothing: the end token came first)")
    assert "greedy: " in page.inner_text("#date-greedy")
    rows = int(page.get_attribute("#date-heatmap", "data-rows"))
    assert page.get_attribute("#date-heatmap", "data-cols") == str(len("Tue 3/3/87"))
    assert 1 <= rows <= 12
    assert page.locator("#date-heatmap rect.cell").count() == rows * len("Tue 3/3/87")
    assert "seq2seq/quick" in page.inner_text("#date-status")
    page.click("#date-examples button.example >> nth=0")  # "3rd of March, 1987"
    page.wait_for_selector("#date-iso[data-text='3rd of March, 1987']", state="attached")
    assert page.get_attribute("#date-heatmap", "data-cols") == str(len("3rd of March, 1987"))
    shoot(page, shots, "dates")
    # a character the model never saw: refused, and said on the page
    page.fill("#date-text", "3 März 1987")
    page.click("#date-go")
    page.wait_for_selector("#date-status.error")
    assert "not in the model's alphabet" in page.inner_text("#date-status")
    console.check("the server responded with a status of 422")
