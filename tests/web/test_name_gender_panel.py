"""The Read-a-name panel: its API through TestClient (the probabilities are the run's
predictor's, every refusal) and the page in Chromium (names typed, a row and a bar each)."""

from __future__ import annotations

import numpy as np
import pytest
from lab_helpers import is_error, lab_client

RUN = "name-gender/quick"


def test_names_get_the_runs_probabilities(api, runs):
    from deepgrad.tasks import load_run

    assert [r["id"] for r in api.get("/api/name-gender/runs").json()] == [RUN]
    names = ["Alice", "John", " Robin ", "Zoë"]
    r = api.post("/api/name-gender/predict", json={"names": names})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["run"] == RUN and out["sexes"] == ["female", "male"]
    p = load_run(runs / RUN).predict_proba(names)
    got = out["predictions"]
    assert [g["name"] for g in got] == names
    np.testing.assert_allclose([[g["female"], g["male"]] for g in got], p, atol=1e-6)
    for g in got:
        assert abs(g["female"] + g["male"] - 1) < 1e-6
        assert g["sex"] == ("female" if g["female"] >= g["male"] else "male")
    assert api.post("/api/name-gender/predict", json={"names": names, "run": RUN}).json() == out
    assert api.app.state.lab.models.loads == 1


@pytest.mark.parametrize("body, status, match", [
    ({"names": []}, 422, "names"),
    ({"names": [""]}, 422, "names.0"),
    ({"names": ["   "]}, 422, "an empty name"),
    ({"names": ["x" * 41]}, 422, "names.0"),
    ({"names": ["Al"] * 51}, 422, "names"),
    ({"names": "Alice"}, 422, "names"),
    ({"names": [3]}, 422, "names.0"),
    ({}, 422, "names"),
    ({"names": ["Al"], "x": 1}, 422, "x"),
    ({"names": ["Al"], "run": "/etc"}, 400, "absolute"),
    ({"names": ["Al"], "run": "name-gender/nope"}, 404, "not found"),
])
def test_name_requests_are_validated(api, body, status, match):
    is_error(api.post("/api/name-gender/predict", json=body), status, match)


def test_no_run(tmp_path):
    with lab_client(tmp_path / "empty") as empty:
        is_error(empty.post("/api/name-gender/predict", json={"names": ["Al"]}), 404,
                 "no finished name-gender run")


def test_read_names_in_the_browser(page, server, lab_root, app_runs, shots):
    from lab_browser import open_panel, shoot
    from lab_runs import link_runs

    link_runs(app_runs("name-gender"), lab_root)
    console = open_panel(page, server, "sex")
    page.fill("#sex-names", "Alice\nJohn, Maria\n\nKim")
    page.click("#sex-go")
    page.wait_for_selector("#sex-table[data-count='4']")
    rows = page.locator("#sex-table tr.sex-row")
    assert [rows.nth(k).get_attribute("data-name") for k in range(4)] == ["Alice", "John",
                                                                          "Maria", "Kim"]
    for k in range(4):
        sex = rows.nth(k).get_attribute("data-sex")
        assert sex in ("female", "male") and rows.nth(k).locator("td.says").inner_text() == sex
        width = rows.nth(k).locator(".split .female").evaluate(
            "b => b.getBoundingClientRect().width")
        assert 0 < width < 220  # the bar is drawn (the CSP allows CSSOM widths)
    assert "4 names read by run name-gender/quick" in page.inner_text("#sex-status")
    shoot(page, shots, "sex")
    page.fill("#sex-names", "  ")
    page.click("#sex-go")
    assert "at least one name" in page.inner_text("#sex-status")
    console.check()
