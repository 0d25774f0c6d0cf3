"""The Classify-with-a-transferred-network panel: its API through TestClient (the runs, the
target's test images with Fashion-MNIST's class names, the run's accuracy table, every class's
probability as the run's TransferClassifier gives it, over all test images the run's own
fine-tuned accuracy, uploads read as the CLI reads a file, every refusal) and the page in
Chromium (a test image clicked: the bars with the class names and the true class, the table,
the plot; an upload)."""

from __future__ import annotations

import base64
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

RUN = "transfer/quick"
RECIPES = ["head", "finetune", "finetune_frozen_bn", "scratch"]


@pytest.fixture
def task(runs):
    """(the run's TransferClassifier, its config, its test images, their labels)."""
    from deepgrad.tasks import load_run, read_run
    from deepgrad.tasks.transfer import test_set

    cfg = read_run(runs / RUN, "transfer").config
    return (load_run(runs / RUN), cfg, *test_set(cfg))


def classify(api, **data):
    r = api.post("/api/transfer/classify", data=data)
    assert r.status_code == 200, r.text
    return r.json()


def test_the_runs_and_the_targets_test_images(api, task):
    from deepgrad.data import FASHION_CLASSES, fashion_mnist

    _, cfg, x, y = task
    assert [r["id"] for r in api.get("/api/transfer/runs").json()] == [RUN]
    got = api.get("/api/transfer/images").json()
    assert got["run"] == RUN and (got["source"], got["target"]) == ("mnist", "fashion_mnist")
    assert got["classes"] == list(FASHION_CLASSES) and got["count"] == len(x) == 100
    (_, _), (xt, yt) = fashion_mnist()  # the run's test images: Fashion-MNIST's first 100
    np.testing.assert_array_equal(x, xt[:100])
    assert len(got["images"]) == 48
    for item in got["images"]:
        i = item["index"]
        np.testing.assert_array_equal(pixels(item["image"]), xt[i])
        assert item["label"] == int(yt[i]) and item["class"] == FASHION_CLASSES[yt[i]]


def test_the_runs_accuracy_table_and_plot(api, runs):
    metrics = json.loads((runs / RUN / "metrics.json").read_text())
    got = api.get("/api/transfer/accuracy", params={"run": RUN}).json()
    assert got["recipes"] == RECIPES and got["finetune_blocks"] == 2
    assert [row["labels_per_class"] for row in got["rows"]] == [5, 10]
    for row in got["rows"]:
        n = row["labels_per_class"]
        assert row["accuracy"] == {r: metrics[f"test_accuracy_{r}_{n}"] for r in RECIPES}
    assert got["pretrain_test_accuracy"] == metrics["pretrain_test_accuracy"]
    assert got["test_images"] == 100 and got["plot"] == "accuracy.png"
    r = api.get("/api/run/file", params={"id": RUN, "name": got["plot"]})
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    (runs / RUN / "accuracy.png").unlink()  # (a run without matplotlib has none)
    assert api.get("/api/transfer/accuracy").json()["plot"] is None


def test_every_test_image_gets_the_classifiers_probabilities_and_the_runs_accuracy(api, task,
                                                                                  runs):
    """All 100 test images through the API: each answer is ``predict_proba`` of that image,
    with Fashion-MNIST's names; their accuracy is the run's fine-tuned one at 10 labels (the
    network it saved)."""
    from deepgrad.data import FASHION_CLASSES

    classifier, _, x, y = task
    want = classifier.predict_proba(x)
    right = 0
    for i in range(len(x)):
        out = classify(api, index=str(i))
        assert out["run"] == RUN and out["source"] == f"test image {i}" and out["index"] == i
        assert out["label"] == int(y[i]) and out["true_class"] == FASHION_CLASSES[y[i]]
        np.testing.assert_array_equal(pixels(out["image"]), x[i])
        assert [c["class"] for c in out["probabilities"]] == list(FASHION_CLASSES)
        assert [c["p"] for c in out["probabilities"]] == pytest.approx(want[i], abs=1e-6)
        assert out["top"]["index"] == int(np.argmax(want[i]))
        right += out["top"]["index"] == y[i]
    metrics = json.loads((runs / RUN / "metrics.json").read_text())
    assert right / len(x) == pytest.approx(metrics["test_accuracy_finetune_10"])
    assert api.app.state.lab.models.loads == 1


def test_uploads_are_read_as_the_cli_reads_a_file(api, task, tmp_path):
    from PIL import Image

    from deepgrad.tasks.mnist import read_image as cli_reads
    from deepgrad.tasks.transfer import read_image

    classifier, cfg, x, _ = task
    # test image 7 as a photo: dark on white, 3 x the size, in colour, a JPEG
    big = np.repeat(np.repeat(255 - x[7], 3, 0), 3, 1)
    photo = tmp_path / "shoe.jpg"
    Image.fromarray(np.stack([big] * 3, -1)).save(photo, format="JPEG", quality=95)
    r = api.post("/api/transfer/classify",
                 files={"image": ("shoe.jpg", photo.read_bytes(), "image/jpeg")})
    assert r.status_code == 200, r.text
    out = r.json()
    seen = read_image(photo, cfg)
    np.testing.assert_array_equal(seen, cli_reads(photo))  # as `deepgrad visualize` reads it
    assert out["source"] == "shoe.jpg" and out["index"] is None and out["label"] is None
    assert out["true_class"] is None
    np.testing.assert_array_equal(pixels(out["image"]), seen)
    assert [c["p"] for c in out["probabilities"]] == pytest.approx(
        classifier.predict_proba(seen[None])[0], abs=1e-6)
    assert np.abs(seen.astype(int) - x[7]).mean() < 12  # inverted back: close to the original
    r = api.post("/api/transfer/classify", files={"image": ("same.png", png_bytes(x[3]))})
    assert r.json()["probabilities"] == classify(api, index="3")["probabilities"]


@pytest.mark.parametrize("data, files, status, match", [
    ({}, None, 422, "give index (the index of one of the run's test images) or image"),
    ({"index": "1"}, {"image": ("a.png", b"x")}, 422, "not both"),
    ({"index": "100"}, None, 422, "index: expected the index of one of the run's test images, "
                                  "0..99; got 100"),
    ({"index": "-1"}, None, 422, "index: Input should be greater than or equal to 0"),
    ({"index": "first"}, None, 422, "index: Input should be a valid integer"),
    ({"index": "1", "run": "../transfer/quick"}, None, 400, "'..'"),
    ({"index": "1", "run": "/etc"}, None, 400, "absolute"),
    ({"index": "1", "run": "transfer/nope"}, None, 404, "not found"),
    ({"index": "1", "run": "x" * 401}, None, 422, "run"),
])
def test_classify_requests_are_validated(api, data, files, status, match):
    is_error(api.post("/api/transfer/classify", data=data, files=files), status, match)


def test_bodies_that_are_not_forms_are_refused_clearly(api):
    refuses_bodies_that_are_not_forms(api, "/api/transfer/classify", b'{"index": 1}', "give index")


def test_uploads_that_are_not_images_or_too_big_are_refused(api):
    post = lambda data: api.post("/api/transfer/classify",  # noqa: E731
                                 files={"image": ("x.png", data, "image/png")})
    refuses_bad_uploads(post, png_bytes(np.zeros((28, 28), np.uint8))[:50])
    assert api.app.state.lab.models.loads == 0  # refused before any model was loaded


def test_other_runs_unfinished_runs_no_run_and_no_data(api, runs, tmp_path, monkeypatch):
    (runs / "optlab" / "r1").mkdir(parents=True)
    (runs / "optlab" / "r1" / "config.json").write_text(json.dumps(
        {"task": "optlab", "config": {}, "seed": 0}))
    (runs / "optlab" / "r1" / "metrics.json").write_text("{}")
    post = lambda c, **d: c.post("/api/transfer/classify", data={"index": 1, **d})  # noqa
    is_error(post(api, run="optlab/r1"), 400, "not a run of transfer")
    for what in ("images", "accuracy"):
        is_error(api.get(f"/api/transfer/{what}", params={"run": "optlab/r1"}), 400,
                 "not a run of transfer")
        is_error(api.get(f"/api/transfer/{what}", params={"run": "../x"}), 400, "'..'")
    (runs / "transfer" / "half").mkdir()
    (runs / "transfer" / "half" / "config.json").write_text(
        (runs / RUN / "config.json").read_text())
    is_error(post(api, run="transfer/half"), 409, "has not finished")
    assert [r["id"] for r in api.get("/api/transfer/runs").json()] == [RUN]
    with lab_client(tmp_path / "empty") as empty:
        is_error(post(empty), 404, "no finished transfer run")
        is_error(empty.get("/api/transfer/accuracy"), 404, "no finished transfer run")
    # the target's data set cannot be read any more: said, not a stack trace
    from deepgrad.data.store import MissingDataError
    from deepgrad.tasks import transfer

    def gone(cfg):
        raise MissingDataError("fashion_mnist is not in the store")

    monkeypatch.setattr(transfer, "_target", gone)
    is_error(post(api), 409, "the fashion_mnist test images cannot be read (fashion_mnist is")
    is_error(api.get("/api/transfer/images"), 409, "cannot be read")
    assert api.get("/api/transfer/accuracy").status_code == 200  # needs no data
    png = {"image": ("s.png", png_bytes(np.zeros((28, 28), np.uint8)))}
    assert api.post("/api/transfer/classify", files=png).status_code == 200  # nor an upload


# ----------------------------------------------------------------------------- in the browser


def test_classify_a_test_image_and_an_upload_in_the_browser(page, server, lab_root, app_runs,
                                                            shots, tmp_path):
    from lab_browser import open_panel, shoot, until
    from lab_runs import link_runs

    from deepgrad.data import FASHION_CLASSES

    link_runs(app_runs("transfer"), lab_root)
    console = open_panel(page, server, "transfer")
    page.wait_for_selector("#transfer-images[data-count='48']")
    page.wait_for_selector("#transfer-accuracy[data-rows='2']")
    page.click("#transfer-images button.thumb[data-index='5']")
    page.wait_for_selector("#transfer-bars[data-source='test image 5']")
    with lab_client(lab_root) as c:  # the page shows the API's answer
        want = c.post("/api/transfer/classify", data={"index": 5}).json()
    rows = page.locator("#transfer-bars .class-row")
    assert [rows.nth(k).get_attribute("data-class") for k in range(rows.count())] == list(
        FASHION_CLASSES)
    assert [float(rows.nth(k).get_attribute("data-p")) for k in range(10)] == pytest.approx(
        [c["p"] for c in want["probabilities"]])
    assert page.get_attribute("#transfer-bars", "data-top") == want["top"]["class"]
    assert "(true)" in page.locator("#transfer-bars .class-row.truth").inner_text()
    assert want["true_class"] in page.inner_text("#transfer-image-about")
    assert page.get_attribute("#transfer-image", "data-ready") == "true"
    cell = page.locator("#transfer-accuracy tr[data-labels='10'] td[data-recipe='finetune']")
    with lab_client(lab_root) as c:
        table = c.get("/api/transfer/accuracy").json()
    assert float(cell.get_attribute("data-accuracy")) == table["rows"][1]["accuracy"]["finetune"]
    until(lambda: page.evaluate(
        "document.getElementById('transfer-plot').naturalWidth") > 100, 20)
    shoot(page, shots, "transfer", full=True)
    from PIL import Image

    upload = tmp_path / "shoe.png"
    with lab_client(lab_root) as c:
        first = c.get("/api/transfer/images").json()["images"][0]
    shoe = np.frombuffer(base64.b64decode(first["image"]["data"]), np.uint8).reshape(28, 28)
    Image.fromarray(255 - shoe).save(upload)  # dark on white: inverted by the server
    page.set_input_files("#transfer-file", str(upload))
    page.wait_for_selector("#transfer-bars[data-source='shoe.png']")
    assert page.locator("#transfer-bars .class-row.truth").count() == 0
    assert "shoe.png: " in page.inner_text("#transfer-status")
    console.check()
