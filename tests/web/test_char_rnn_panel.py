"""The Generate-names panel: its API through TestClient (the names are the CLI's for the same
seed, the prefix starts every one, every refusal) and the page in Chromium (names sampled with
a prefix and a temperature)."""

from __future__ import annotations

import pytest
from lab_helpers import is_error, lab_client

RUN = "char-rnn/quick"


def test_names_are_the_clis_and_start_with_the_prefix(api, runs, capsys):
    from deepgrad.cli import main

    assert [r["id"] for r in api.get("/api/char-rnn/runs").json()] == [RUN]
    body = {"prefix": "Al", "n": 7, "temperature": 0.8, "top_k": 10, "seed": 3}
    r = api.post("/api/char-rnn/sample", json=body)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["run"] == RUN and len(out["names"]) == 7
    assert all(n.startswith("Al") and (n == "Al" or n[2:].isalpha()) for n in out["names"])
    assert out["most_likely"].startswith("Al")
    assert all(out[k] == body[k] for k in ("prefix", "temperature", "top_k", "seed"))
    assert main(["sample", "char-rnn", "--run", str(runs / RUN), "--n", "7", "--prefix", "Al",
                 "--temperature", "0.8", "--top-k", "10", "--seed", "3"]) == 0
    assert capsys.readouterr().out.splitlines() == out["names"]
    again = api.post("/api/char-rnn/sample", json=body).json()
    assert again["names"] == out["names"]  # seeded
    other = api.post("/api/char-rnn/sample", json={**body, "seed": 4}).json()
    assert other["names"] != out["names"]
    plain = api.post("/api/char-rnn/sample", json={}).json()  # the defaults: 10, no prefix
    assert len(plain["names"]) == 10 and plain["prefix"] == "" and plain["temperature"] == 1.0
    assert api.app.state.lab.models.loads == 1


@pytest.mark.parametrize("body, status, match", [
    ({"prefix": "Al3"}, 422, "does not know"),
    ({"prefix": "A" * 20}, 422, "not shorter than max_len"),
    ({"prefix": "A" * 41}, 422, "prefix"),
    ({"n": 0}, 422, "n"),
    ({"n": 101}, 422, "n"),
    ({"temperature": 0}, 422, "temperature"),
    ({"temperature": -1}, 422, "temperature"),
    ({"temperature": "hot"}, 422, "temperature"),
    ({"top_k": 0}, 422, "top_k"),
    ({"seed": -1}, 422, "seed"),
    ({"names": 3}, 422, "names"),
    ({"run": "../char-rnn/quick"}, 400, "'..'"),
    ({"run": "char-rnn/nope"}, 404, "not found"),
])
def test_sample_requests_are_validated(api, body, status, match):
    is_error(api.post("/api/char-rnn/sample", json=body), status, match)


def test_malformed_json_and_no_run(api, tmp_path):
    is_error(api.post("/api/char-rnn/sample", content=b"{", headers={
        "content-type": "application/json"}), 400, "malformed JSON")
    with lab_client(tmp_path / "empty") as empty:
        is_error(empty.post("/api/char-rnn/sample", json={}), 404, "no finished char-rnn run")


def test_generate_names_in_the_browser(page, server, lab_root, app_runs, shots):
    from lab_browser import open_panel, shoot
    from lab_runs import link_runs

    link_runs(app_runs("char-rnn"), lab_root)
    console = open_panel(page, server, "names")
    page.fill("#names-prefix", "Ma")
    page.fill("#names-n", "8")
    page.fill("#names-topk", "5")
    page.click("#names-go")
    page.wait_for_selector("#names-list[data-prefix='Ma'][data-count='8']")
    names = page.locator("#names-list li.name")
    assert names.count() == 8
    assert all(names.nth(k).inner_text().startswith("Ma") for k in range(8))
    assert page.inner_text("#names-best").startswith("Ma")
    assert "top-5 · seed 0" in page.inner_text("#names-status")
    first = names.nth(0).inner_text()
    page.click("#names-again")  # seed 1: other names
    page.wait_for_selector("#names-status:has-text('seed 1')")
    assert page.input_value("#names-seed") == "1"
    assert [names.nth(k).inner_text() for k in range(8)] != [first] * 8
    shoot(page, shots, "names")
    page.fill("#names-prefix", "M4")
    page.click("#names-go")
    page.wait_for_selector("#names-status.error")
    assert "does not know" in page.inner_text("#names-status")
    console.check("the server responded with a status of 422")
