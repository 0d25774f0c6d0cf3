"""The Nearest-words panel: its API through TestClient (neighbours and analogies are the run's
KeyedVectors', words lower-cased as the CLI does, a 2-D map of them, every refusal) and the page
in Chromium (nearest words and an analogy, a table and a map each)."""

from __future__ import annotations

import numpy as np
import pytest
from lab_helpers import is_error, lab_client

RUN = "word2vec/quick"


def frequent(api, k: int, n: int = 3) -> list[str]:
    """``n`` frequent words of the run's vocabulary from rank ``k`` on, letters only."""
    words = api.get("/api/word2vec/words", params={"n": 300}).json()["words"]
    return [w for w in words if w.isalpha()][k: k + n]


def test_the_vocabulary_nearest_words_and_analogies_are_the_runs(api, runs):
    from deepgrad.tasks import load_run

    kv = load_run(runs / RUN)
    assert [r["id"] for r in api.get("/api/word2vec/runs").json()] == [RUN]
    got = api.get("/api/word2vec/words", params={"n": 50}).json()
    assert got["run"] == RUN and got["size"] == len(kv) and got["vector_size"] == 50
    assert got["words"] == kv.index_to_key[:50]
    word = frequent(api, 5, 1)[0]
    r = api.post("/api/word2vec/similar", json={"word": word.upper(), "n": 6})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["word"] == word
    assert [(x["word"], x["score"]) for x in out["neighbours"]] == [
        (w, pytest.approx(s)) for w, s in kv.most_similar(word, topn=6)]
    assert out["map"]["words"] == [word, *(x["word"] for x in out["neighbours"])]
    assert np.array(out["map"]["points"]).shape == (7, 2)
    a, b, c = frequent(api, 10)
    r = api.post("/api/word2vec/analogy", json={"a": a, "b": b, "c": c, "n": 3})
    assert r.status_code == 200, r.text
    out = r.json()
    assert [x["word"] for x in out["answers"]] == [w for w, _ in kv.analogy(a, b, c, topn=3)]
    assert out["map"]["words"] == [a, b, c, out["answers"][0]["word"]]
    assert len(api.post("/api/word2vec/similar", json={"word": word}).json()["neighbours"]) \
        == 10
    assert api.app.state.lab.models.loads == 1


def test_the_map_of_one_word_is_its_origin():
    from deepgrad.web.panels.word2vec import word_map

    class KV(dict):
        pass

    kv = KV(a=np.array([1.0, 2.0, 3.0]), b=np.array([3.0, 2.0, 1.0]), c=np.array([1.0, 0, 0]))
    assert word_map(kv, ["a"])["points"] == [[0.0, 0.0]]
    pts = np.array(word_map(kv, ["a", "b", "c"])["points"])
    assert pts.shape == (3, 2) and np.allclose(pts.mean(axis=0), 0, atol=1e-4)


@pytest.mark.parametrize("path, body, status, match", [
    ("similar", {"word": "qqqzzzxq"}, 422, "not in the vocabulary"),
    ("similar", {"word": "  "}, 422, "not in the vocabulary"),
    ("similar", {"word": ""}, 422, "word"),
    ("similar", {"word": "x" * 61}, 422, "word"),
    ("similar", {"word": "the", "n": 0}, 422, "n"),
    ("similar", {"word": "the", "n": 101}, 422, "n"),
    ("similar", {"n": 3}, 422, "word"),
    ("similar", {"word": "the", "x": 1}, 422, "x"),
    ("similar", {"word": "the", "run": "../x"}, 400, "'..'"),
    ("similar", {"word": "the", "run": "word2vec/nope"}, 404, "not found"),
    ("analogy", {"a": "the", "b": "of", "c": "qqqzzzxq"}, 422, "not in the vocabulary"),
    ("analogy", {"a": "the", "b": "of"}, 422, "c"),
    ("analogy", {"a": "the", "b": "of", "c": "and", "n": -1}, 422, "n"),
])
def test_word_requests_are_validated(api, path, body, status, match):
    is_error(api.post(f"/api/word2vec/{path}", json=body), status, match)


def test_words_queries_malformed_json_and_no_run(api, tmp_path):
    is_error(api.get("/api/word2vec/words", params={"n": 0}), 422, "n")
    is_error(api.get("/api/word2vec/words", params={"run": "/etc"}), 400, "absolute")
    is_error(api.post("/api/word2vec/similar", content=b"[", headers={
        "content-type": "application/json"}), 400, "malformed JSON")
    with lab_client(tmp_path / "empty") as empty:
        is_error(empty.post("/api/word2vec/similar", json={"word": "the"}), 404,
                 "no finished word2vec run")
        is_error(empty.get("/api/word2vec/words"), 404, "no finished word2vec run")


def test_nearest_words_and_an_analogy_in_the_browser(page, server, lab_root, app_runs, shots):
    from lab_browser import open_panel, shoot
    from lab_runs import link_runs

    link_runs(app_runs("word2vec"), lab_root)
    with lab_client(lab_root) as api:
        word, (a, b, c) = frequent(api, 5, 1)[0], frequent(api, 10)
    console = open_panel(page, server, "words")
    page.fill("#words-word", word)
    page.fill("#words-n", "8")
    page.click("#words-similar")
    page.wait_for_selector(f"#words-answers[data-query='{word}']")
    assert page.locator("#words-answers tr.answer-row").count() == 8
    assert page.get_attribute("#words-map", "data-words") == "9"
    assert page.locator("#words-map circle.word-dot").count() == 9
    assert page.locator("#words-map text.word-label.query").text_content() == word
    assert page.locator("#words-known option").count() > 100  # suggestions
    page.fill("#words-a", a)
    page.fill("#words-b", b)
    page.fill("#words-c", c)
    page.fill("#words-n", "5")
    page.click("#words-analogy")
    page.wait_for_selector(f"#words-answers[data-query='{a}:{b}::{c}']")
    assert page.locator("#words-answers tr.answer-row").count() == 5
    assert page.locator("#words-map line.arrow").count() == 2
    shoot(page, shots, "words")
    page.fill("#words-word", "qqqzzzxq")
    page.press("#words-word", "Enter")
    page.wait_for_selector("#words-status.error")
    assert "not in the vocabulary" in page.inner_text("#words-status")
    console.check("the server responded with a status of 422")
