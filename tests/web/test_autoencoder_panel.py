"""The Morph-two-images panel: its API through TestClient (the runs, the test images, the strip,
reconstructions and MSE of every model as the run's TrainedAutoencoders give them, the nearest
test images in code space as the task's retrieval finds them, uploads read as the task reads a
file, every refusal) and the page in Chromium (two test images clicked: the strip, both
reconstructions with their MSE, the nearest images; another model; an upload)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from lab_helpers import gray_pixels as pixels
from lab_helpers import (
    is_error,
    lab_client,
    png_bytes,
    refuses_bad_uploads,
    refuses_bodies_that_are_not_forms,
)

RUN = "autoencoder/quick"
MODELS = ("pca", "dense", "conv", "denoising")


@pytest.fixture
def task(runs):
    """(the run's TrainedAutoencoders, its test images)."""
    from deepgrad.tasks import load_run
    from deepgrad.tasks.autoencoder import test_images

    trained = load_run(runs / RUN)
    return trained, test_images(trained.config)


def u8(x: np.ndarray) -> np.ndarray:
    """A float 1 x H x W image in [0, 1] as the lab sends it: round(255 x)."""
    return np.round(255 * np.clip(np.asarray(x, np.float64), 0, 1)).astype(np.uint8)[0]


def morph(api, **data):
    r = api.post("/api/autoencoder/morph", data=data)
    assert r.status_code == 200, r.text
    return r.json()


def test_the_runs_and_their_test_images(api, runs, task):
    trained, x = task
    listed = api.get("/api/autoencoder/runs").json()
    assert [r["id"] for r in listed] == [RUN] and listed[0]["models"] == list(MODELS)
    got = api.get("/api/autoencoder/images").json()
    assert got["run"] == RUN and got["dataset"] == "mnist" and got["code_size"] == 32
    assert got["image_shape"] == [1, 28, 28] and got["models"] == list(MODELS)
    assert got["count"] == len(x) == 60 and len(got["images"]) == 48
    for item in got["images"]:
        np.testing.assert_array_equal(pixels(item["image"]), u8(x[item["index"]]))
    assert [item["index"] for item in got["images"]] == list(range(48))
    metrics = json.loads((runs / RUN / "metrics.json").read_text())
    assert got["metrics"]["test_mse"] == {k: metrics[f"test_mse_{k}"] for k in MODELS}
    assert got["metrics"]["retrieval_precision_at_5"]["conv"] == metrics[
        "retrieval_precision_at_5"]
    assert api.get("/api/autoencoder/images", params={"run": RUN}).json()["count"] == 60
    assert api.app.state.lab.models.loads == 1


@pytest.mark.parametrize("model", MODELS)
def test_the_morph_is_the_tasks_for_every_model(api, runs, task, model):
    """The strip is ``TrainedAutoencoders.morph``'s, each end's reconstruction its
    ``reconstruct``, the MSE the task's, the neighbours the task's retrieval over the codes of
    the run's test images (the query itself left out)."""
    from deepgrad.tasks.autoencoder.retrieval import nearest_neighbours
    from deepgrad.tasks.autoencoder.training import mse

    trained, x = task
    out = morph(api, a=3, b=17, model=model, steps=5)
    assert out["run"] == RUN and out["model"] == model and out["steps"] == 5
    strip = trained.morph(x[3], x[17], 5, model)
    assert len(out["strip"]) == 5
    for got, want in zip(out["strip"], strip, strict=True):
        np.testing.assert_array_equal(pixels(got), u8(want))
    recon = trained.reconstruct(np.stack([x[3], x[17]]), model)
    db = trained.encode(x, model)
    q = trained.encode(np.stack([x[3], x[17]]), model)
    for k, (e, i) in enumerate(zip(out["ends"], (3, 17), strict=True)):
        assert e["name"] == "ab"[k] and e["index"] == i and e["source"] == f"test image {i}"
        np.testing.assert_array_equal(pixels(e["image"]), u8(x[i]))
        np.testing.assert_array_equal(pixels(e["reconstruction"]), u8(recon[k]))
        assert e["mse"] == pytest.approx(mse(recon[k], x[i]), rel=1e-6)
        want = [int(j) for j in nearest_neighbours(q[k:k + 1], db, 6)[0] if j != i][:5]
        assert [n["index"] for n in e["neighbours"]] == want
        assert [n["distance"] for n in e["neighbours"]] == pytest.approx(
            [float(np.linalg.norm(db[j] - q[k])) for j in want], rel=1e-4)
        for n in e["neighbours"]:
            np.testing.assert_array_equal(pixels(n["image"]), u8(x[n["index"]]))
    metrics = json.loads((runs / RUN / "metrics.json").read_text())
    assert out["test_mse"] == metrics[f"test_mse_{model}"]


def test_steps_neighbours_and_the_cache(api, task):
    from deepgrad.web.derived import DERIVED

    trained, x = task
    made = DERIVED.made
    out = morph(api, a=0, b=0, steps=2, neighbours=0)
    assert len(out["strip"]) == 2 and all(e["neighbours"] == [] for e in out["ends"])
    assert DERIVED.made == made + 1  # the test images, not yet any codes
    out = morph(api, a=5, b=6, steps=17, neighbours=10)
    assert len(out["strip"]) == 17 and [len(e["neighbours"]) for e in out["ends"]] == [10, 10]
    assert 5 not in [n["index"] for n in out["ends"][0]["neighbours"]]
    morph(api, a=7, b=8)  # the conv codes are kept
    assert DERIVED.made == made + 2
    assert api.app.state.lab.models.loads == 1


def test_uploads_are_read_as_the_task_reads_a_file(api, runs, task, tmp_path):
    from PIL import Image

    from deepgrad.tasks.autoencoder import read_image

    trained, x = task
    # test image 4 as a user would have it: dark on white, 84 x 84, in colour, as a JPEG
    big = np.repeat(np.repeat(255 - u8(x[4]), 3, 0), 3, 1)
    photo = tmp_path / "light.jpg"
    Image.fromarray(np.stack([big] * 3, -1)).save(photo, format="JPEG", quality=95)
    r = api.post("/api/autoencoder/morph", data={"b": "17", "steps": "4"},
                 files={"image_a": ("light.jpg", photo.read_bytes(), "image/jpeg")})
    assert r.status_code == 200, r.text
    out = r.json()
    seen = read_image(photo, (1, 28, 28))
    a, b = out["ends"]
    assert a["source"] == "light.jpg" and a["index"] is None and b["index"] == 17
    np.testing.assert_array_equal(pixels(a["image"]), u8(seen))
    for got, want in zip(out["strip"], trained.morph(seen, x[17], 4), strict=True):
        np.testing.assert_array_equal(pixels(got), u8(want))
    assert np.abs(seen - x[4]).mean() < 0.05  # inverted back and resized: close to the digit
    assert len(a["neighbours"]) == 5  # an upload is not in the test set: nothing left out
    # both ends uploaded
    png = png_bytes(u8(x[9]))
    r = api.post("/api/autoencoder/morph", data={"model": "pca"},
                 files={"image_a": ("nine.png", png), "image_b": ("nine.png", png)})
    assert r.status_code == 200, r.text
    out = r.json()
    assert [e["source"] for e in out["ends"]] == ["nine.png", "nine.png"]
    np.testing.assert_array_equal(pixels(out["ends"][0]["image"]), u8(x[9]))
    assert out["ends"][0]["neighbours"][0]["index"] == 9  # itself, found by its code
    assert api.app.state.lab.models.loads == 1


@pytest.mark.parametrize("data, files, status, match", [
    ({}, None, 422, "give a (the index of one of the run's test images) or image_a"),
    ({"a": "1"}, None, 422, "give b"),
    ({"a": "1", "b": "2"}, {"image_a": ("a.png", b"x")}, 422, "not both"),
    ({"a": "1", "b": "60"}, None, 422, "b: expected the index of one of the run's test "
                                       "images, 0..59; got 60"),
    ({"a": "-1", "b": "2"}, None, 422, "a: Input should be greater than or equal to 0"),
    ({"a": "x", "b": "2"}, None, 422, "a: Input should be a valid integer"),
    ({"a": "1", "b": "2", "steps": "1"}, None, 422, "steps: Input should be greater than or "
                                                    "equal to 2"),
    ({"a": "1", "b": "2", "steps": "18"}, None, 422, "steps: Input should be less than or "
                                                     "equal to 17"),
    ({"a": "1", "b": "2", "neighbours": "11"}, None, 422, "neighbours"),
    ({"a": "1", "b": "2", "model": "vae"}, None, 422, "model: Input should be 'pca', 'dense', "
                                                      "'conv' or 'denoising'"),
    ({"a": "1", "b": "2", "run": "../autoencoder/quick"}, None, 400, "'..'"),
    ({"a": "1", "b": "2", "run": "/etc"}, None, 400, "absolute"),
    ({"a": "1", "b": "2", "run": "autoencoder/nope"}, None, 404, "not found"),
    ({"a": "1", "b": "2", "run": "x" * 401}, None, 422, "run"),
])
def test_morph_requests_are_validated(api, data, files, status, match):
    is_error(api.post("/api/autoencoder/morph", data=data, files=files), status, match)


def test_bodies_that_are_not_forms_are_refused_clearly(api):
    refuses_bodies_that_are_not_forms(api, "/api/autoencoder/morph", b'{"a": 1, "b": 2}', "give a")


def test_uploads_that_are_not_images_or_too_big_are_refused(api):
    post = lambda data: api.post("/api/autoencoder/morph", data={"b": "1"},  # noqa: E731
                                 files={"image_a": ("x.png", data, "image/png")})
    refuses_bad_uploads(post, png_bytes(np.zeros((28, 28), np.uint8))[:50])
    assert api.app.state.lab.models.loads == 0  # refused before any model was loaded


def test_other_runs_unfinished_runs_no_run_and_no_data(api, runs, tmp_path, monkeypatch):
    (runs / "optlab" / "r1").mkdir(parents=True)
    (runs / "optlab" / "r1" / "config.json").write_text(json.dumps(
        {"task": "optlab", "config": {}, "seed": 0}))
    (runs / "optlab" / "r1" / "metrics.json").write_text("{}")
    post = lambda c, **d: c.post("/api/autoencoder/morph", data={"a": 1, "b": 2, **d})  # noqa
    is_error(post(api, run="optlab/r1"), 400, "not a run of autoencoder")
    is_error(api.get("/api/autoencoder/images", params={"run": "optlab/r1"}), 400,
             "not a run of autoencoder")
    (runs / "autoencoder" / "half").mkdir()
    (runs / "autoencoder" / "half" / "config.json").write_text(
        (runs / RUN / "config.json").read_text())
    is_error(post(api, run="autoencoder/half"), 409, "has not finished")
    assert [r["id"] for r in api.get("/api/autoencoder/runs").json()] == [RUN]
    is_error(api.get("/api/autoencoder/images", params={"run": "../x"}), 400, "'..'")
    is_error(api.get("/api/autoencoder/images", params={"run": "autoencoder/nope"}), 404)
    with lab_client(tmp_path / "empty") as empty:
        is_error(post(empty), 404, "no finished autoencoder run")
        is_error(empty.get("/api/autoencoder/images"), 404, "no finished autoencoder run")
    # the run's data set cannot be read any more: said, not a stack trace
    from deepgrad.data.store import MissingDataError
    from deepgrad.tasks import autoencoder

    def gone(cfg):
        raise MissingDataError("mnist is not in the store")

    monkeypatch.setattr(autoencoder, "_data", gone)
    is_error(post(api), 409, "the mnist test images cannot be read (mnist is not in the store)")
    is_error(api.get("/api/autoencoder/images"), 409, "the mnist test images cannot be read")


# ----------------------------------------------------------------------------- in the browser


def test_morph_two_test_images_and_an_upload_in_the_browser(page, server, lab_root, app_runs,
                                                            shots, tmp_path):
    from lab_browser import open_panel, shoot
    from lab_runs import link_runs

    link_runs(app_runs("autoencoder"), lab_root)
    console = open_panel(page, server, "morph")
    page.wait_for_selector("#morph-images[data-count='48']")
    page.click("#morph-images button.thumb[data-index='3']")
    page.click("#morph-images button.thumb[data-index='17']")
    page.wait_for_selector("#morph-strip[data-sources='test image 3 → test image 17']"
                           "[data-model='conv']")
    assert page.locator("#morph-strip figure").count() == 9
    assert page.get_attribute("#morph-a", "data-ready") == "true"
    with lab_client(lab_root) as c:  # the page shows the API's numbers
        want = c.post("/api/autoencoder/morph", data={"a": 3, "b": 17}).json()
    for e in want["ends"]:
        card = page.locator(f"#morph-ends [data-end='{e['name']}']")
        assert float(card.get_attribute("data-mse")) == pytest.approx(e["mse"])
        assert "MSE " in card.inner_text()
        row = page.locator(f"#morph-nearest .thumbs[data-end='{e['name']}'] figure")
        assert [row.nth(k).get_attribute("data-index") for k in range(row.count())] == [
            str(n["index"]) for n in e["neighbours"]]
    assert "The run's test MSE" in page.inner_text("#morph-run-metrics")
    assert page.locator("#morph-images button.thumb.is-a").get_attribute("data-index") == "3"
    page.select_option("#morph-model", "pca")
    page.wait_for_selector("#morph-strip[data-model='pca']")
    shoot(page, shots, "morph", full=True)
    # an upload as A (a light image: inverted by the server)
    from PIL import Image

    upload = tmp_path / "light.png"
    img = np.zeros((28, 28), np.uint8)
    img[6:22, 12:16] = 255
    Image.fromarray(255 - img).save(upload)
    page.set_input_files("#morph-file-a", str(upload))
    page.wait_for_selector("#morph-strip[data-sources='light.png → test image 17']")
    assert "light.png → test image 17" in page.inner_text("#morph-status")
    console.check()
