"""The Tag-a-sentence panel: its API through TestClient (the tags are ``deepgrad tag``'s, with
the run's best model or the one named, each loaded once; every refusal) and the page in
Chromium (a sentence tagged token by token, with another model)."""

from __future__ import annotations

import pytest
from lab_helpers import is_error, lab_client

RUN = "pos-tagger/quick"
SENTENCE = "The old man the boat ."


def test_the_runs_list_their_models(api, runs):
    (listed,) = api.get("/api/pos-tagger/runs").json()
    assert listed["id"] == RUN and listed["models"] == ["simple_rnn", "bilstm"]
    assert listed["best"] == (runs / RUN / "best_model.txt").read_text().strip()


def test_a_sentence_is_tagged_as_the_cli_tags_it(api, runs, capsys):
    from deepgrad.cli import main

    r = api.post("/api/pos-tagger/tag", json={"sentence": SENTENCE})
    assert r.status_code == 200, r.text
    out = r.json()
    best = (runs / RUN / "best_model.txt").read_text().strip()
    assert out["run"] == RUN and out["model"] == best and len(out["tags"]) == 12
    assert [t["word"] for t in out["tokens"]] == SENTENCE.split()
    assert all(t["tag"] in out["tags"] for t in out["tokens"])
    assert main(["tag", SENTENCE, "--run", str(runs / RUN)]) == 0
    assert capsys.readouterr().out.strip() == " ".join(f"{t['word']}/{t['tag']}"
                                                       for t in out["tokens"])
    assert out["tokens"][-1] == {"word": ".", "tag": out["tokens"][-1]["tag"], "known": True}
    odd = api.post("/api/pos-tagger/tag", json={"sentence": "Zyxqv flibbers."}).json()
    assert [t["word"] for t in odd["tokens"]] == ["Zyxqv", "flibbers", "."]
    assert not odd["tokens"][0]["known"]
    for kind in ("bilstm", "simple_rnn"):  # each model of the run, loaded once
        got = api.post("/api/pos-tagger/tag", json={"sentence": SENTENCE, "model": kind})
        assert got.status_code == 200 and got.json()["model"] == kind
        assert main(["tag", SENTENCE, "--run", str(runs / RUN), "--model", kind]) == 0
        assert capsys.readouterr().out.strip() == " ".join(
            f"{t['word']}/{t['tag']}" for t in got.json()["tokens"])
    api.post("/api/pos-tagger/tag", json={"sentence": SENTENCE, "model": "bilstm"})
    assert api.app.state.lab.models.loads == 3  # the best (by default), then each by name


@pytest.mark.parametrize("body, status, match", [
    ({"sentence": ""}, 422, "sentence"),
    ({"sentence": "   "}, 422, "the sentence is empty"),
    ({"sentence": "x " * 1001}, 422, "sentence"),
    ({"sentence": SENTENCE, "model": "char_bilstm"}, 404, "trained only simple_rnn, bilstm"),
    ({"sentence": SENTENCE, "model": "crf"}, 422, "model"),
    ({"sentence": 3}, 422, "sentence"),
    ({}, 422, "sentence"),
    ({"sentence": SENTENCE, "extra": 1}, 422, "extra"),
    ({"sentence": SENTENCE, "run": "pos-tagger/../.."}, 400, "'..'"),
    ({"sentence": SENTENCE, "run": "pos-tagger/nope"}, 404, "not found"),
])
def test_tag_requests_are_validated(api, body, status, match):
    is_error(api.post("/api/pos-tagger/tag", json=body), status, match)


def test_no_run(tmp_path):
    with lab_client(tmp_path / "empty") as empty:
        is_error(empty.post("/api/pos-tagger/tag", json={"sentence": SENTENCE}), 404,
                 "no finished pos-tagger run")


def test_tag_a_sentence_in_the_browser(page, server, lab_root, app_runs, shots):
    from lab_browser import open_panel, shoot
    from lab_runs import link_runs

    link_runs(app_runs("pos-tagger"), lab_root)
    console = open_panel(page, server, "tag")
    best = (lab_root / RUN / "best_model.txt").read_text().strip()
    page.select_option("#tag-run", RUN)
    assert page.locator("#tag-model option").count() == 3  # best, simple_rnn, bilstm
    sentence = "The jury said it did find that many of Atlanta's voters were pleased ."
    page.fill("#tag-sentence", sentence)
    page.press("#tag-sentence", "Enter")
    page.wait_for_selector(f"#tag-tokens[data-model='{best}']")
    tokens = page.locator("#tag-tokens .token")
    n = int(page.get_attribute("#tag-tokens", "data-count"))
    assert n == tokens.count() == len(sentence.split())
    tags = {tokens.nth(k).get_attribute("data-tag") for k in range(n)}
    assert tags <= {"NOUN", "VERB", "ADJ", "ADV", "PRON", "DET", "ADP", "NUM", "CONJ", "PRT",
                    ".", "X"}
    assert page.locator("#tag-legend .tag").count() == 12
    other = "bilstm" if best == "simple_rnn" else "simple_rnn"
    page.select_option("#tag-model", other)
    page.click("#tag-go")
    page.wait_for_selector(f"#tag-tokens[data-model='{other}']")
    assert f"tagged by {other} of run {RUN}" in page.inner_text("#tag-status")
    shoot(page, shots, "tag")
    console.check()
