"""The Localize-an-object panel: its API through TestClient (the runs, the test scenes, a scene's
class, probabilities and box as the run's BoxPredictor and network give them, the true box and
the IoU as the task scores them, uploads read as ``deepgrad localize`` reads a file, every
refusal) and the page in Chromium (a test scene clicked: the boxes, the IoU, the probabilities;
an upload)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from lab_helpers import gray_pixels as pixels
from lab_helpers import is_error, lab_client, png_bytes, refuses_bad_uploads

RUN = "localization/quick"


def scenes_of(runs):
    return sorted((runs / RUN / "scenes" / "test2014").glob("*.png"))


def localize(api, **data):
    r = api.post("/api/localization/localize", data=data)
    assert r.status_code == 200, r.text
    return r.json()


def test_the_runs_and_their_test_scenes(api, runs):
    from deepgrad.data.coco_dense import coco_dense

    assert [r["id"] for r in api.get("/api/localization/runs").json()] == [RUN]
    got = api.get("/api/localization/scenes").json()
    test = coco_dense(runs / RUN / "scenes", "test", 64, masks=False)
    assert got["run"] == RUN and got["classes"] == test.classes[1:]
    assert [s["name"] for s in got["scenes"]] == [p.name for p in scenes_of(runs)]
    assert len(got["scenes"]) == 12 == len(test)
    by_file = {f.name: objs for f, objs in zip(test.files, test.objects, strict=True)}
    for s in got["scenes"]:
        assert s["objects"] == [test.classes[k] for k, _ in by_file[s["name"]]]
    r = api.get("/api/run/file", params={"id": RUN, "name": got["scenes"][0]["file"]})
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"


def test_every_test_scene_gets_the_predictors_answer_and_the_tasks_scores(api, runs):
    """All 12 test scenes through the API: class, probability and box are
    ``BoxPredictor.predict``'s, the probabilities the network's softmax, the true box the
    task's; pooled, the run's own iou50 accuracy, mean IoU and class accuracy come back."""
    from deepgrad.data.coco_dense import coco_dense
    from deepgrad.tasks import load_run
    from deepgrad.tasks.localization import predict, single_objects
    from deepgrad.tasks.segmentation.metrics import box_iou
    from deepgrad.tasks.segmentation.training import standardize

    loc = load_run(runs / RUN)
    test = coco_dense(runs / RUN / "scenes", "test", 64, masks=False)
    images, ys, boxes = single_objects(test, "test")
    metrics = json.loads((runs / RUN / "metrics.json").read_text())
    ious, right, hits = [], [], []
    for i, f in enumerate(test.files):
        out = localize(api, scene=f.name)
        assert out["run"] == RUN and out["source"] == out["scene"] == f.name
        assert out["scale"] == 1.0 and out["original"] == {"width": 64, "height": 64}
        np.testing.assert_array_equal(pixels(out["image"]), images[i])
        name, box, p = loc.predict(images[i])
        pred = out["prediction"]
        assert pred["class"] == name and pred["p"] == pytest.approx(p)
        assert pred["box"] == pytest.approx(box) and pred["box_seen"] == pytest.approx(box)
        assert pred["index"] == loc.classes.index(name) and not pred["empty"]
        assert pred["low_confidence"] == (p < 0.5)
        _, _, probs = predict(loc.model, standardize(images[i][None]))
        got = [x["p"] for x in out["probabilities"]]
        assert [x["class"] for x in out["probabilities"]] == loc.classes
        assert got == pytest.approx(probs[0].tolist()) and sum(got) == pytest.approx(1)
        assert int(np.argmax(got)) == pred["index"] and max(got) == pytest.approx(p)
        truth = out["truth"]
        assert truth["index"] == ys[i] and truth["class"] == loc.classes[ys[i]]
        assert truth["box"] == pytest.approx(boxes[i].tolist())
        assert out["iou"] == pytest.approx(box_iou(np.array(box), boxes[i])[0])
        assert out["correct"] == (name == truth["class"])
        assert out["hit"] == (out["correct"] and out["iou"] >= 0.5)
        ious.append(out["iou"])
        right.append(out["correct"])
        hits.append(out["hit"])
        assert out["test_metrics"] == {k: metrics[k] for k in (
            "iou50_accuracy", "mean_iou", "class_accuracy", "test_scenes")}
    assert np.mean(ious) == pytest.approx(metrics["mean_iou"], abs=1e-5)
    assert np.mean(right) == pytest.approx(metrics["class_accuracy"])
    assert np.mean(hits) == pytest.approx(metrics["iou50_accuracy"])
    assert api.app.state.lab.models.loads == 1


def test_uploads_are_read_as_the_cli_reads_a_file(api, runs, tmp_path):
    from PIL import Image

    from deepgrad.tasks import load_run
    from deepgrad.tasks.localization import letterbox
    from deepgrad.tasks.segmentation import read_grey

    loc = load_run(runs / RUN)
    scene = scenes_of(runs)[4]
    picked = localize(api, scene=scene.name)
    r = api.post("/api/localization/localize",
                 files={"image": ("mine.png", scene.read_bytes(), "image/png")})
    assert r.status_code == 200, r.text
    up = r.json()
    assert up["source"] == "mine.png" and up["scene"] is None
    assert up["truth"] is None and up["iou"] is None and up["correct"] is None
    assert up["prediction"] == picked["prediction"]
    # a dark digit on white, in colour, wider and twice the size: inverted, letterboxed
    grey = np.asarray(Image.open(scene))
    big = np.pad(np.repeat(np.repeat(255 - grey, 2, 0), 2, 1), ((0, 0), (0, 32)),
                 constant_values=255)  # 128 x 160
    photo = tmp_path / "light.jpg"
    Image.fromarray(np.stack([big] * 3, -1)).save(photo, format="JPEG", quality=95)
    r = api.post("/api/localization/localize",
                 files={"image": ("light.jpg", photo.read_bytes(), "image/jpeg")})
    assert r.status_code == 200, r.text
    out = r.json()
    g = read_grey(photo)
    boxed, s = letterbox(g, 64)
    assert out["original"] == {"width": 160, "height": 128} and out["scale"] == s == 0.4
    np.testing.assert_array_equal(pixels(out["image"]), boxed)
    name, box, p = loc.predict(g)
    pred = out["prediction"]
    assert pred["class"] == name and pred["p"] == pytest.approx(p)
    assert pred["box"] == pytest.approx(box)  # in the upload's pixels
    assert pred["box_seen"] == pytest.approx([v * s for v in box])
    assert api.app.state.lab.models.loads == 1


def test_a_scene_without_annotations_has_no_truth(api, runs):
    path = runs / RUN / "scenes" / "annotations" / "instances_test2014.json"
    d = json.loads(path.read_text())
    first = scenes_of(runs)[0].name
    gone = next(im["id"] for im in d["images"] if im["file_name"] == first)
    d["annotations"] = [a for a in d["annotations"] if a["image_id"] != gone]
    path.unlink()  # hard-linked from the session's run: replaced, not written through
    path.write_text(json.dumps(d))
    out = localize(api, scene=first)
    assert out["truth"] is None and out["iou"] is None and out["hit"] is None
    assert localize(api, scene=scenes_of(runs)[1].name)["truth"] is not None
    path.unlink()
    path.write_text("{not json")
    assert localize(api, scene=first)["truth"] is None
    assert api.get("/api/localization/scenes").json()["scenes"][0]["objects"] == []


@pytest.mark.parametrize("data, files, status, match", [
    ({}, None, 422, "give an image"),
    ({"scene": "x.png"}, {"image": ("a.png", b"x")}, 422, "not both"),
    ({"scene": "../../config.json"}, None, 400, "file name of a test scene"),
    ({"scene": "../test2014/a.png"}, None, 400, "file name of a test scene"),
    ({"scene": "a.jpg"}, None, 400, "file name of a test scene"),
    ({"scene": "nope.png"}, None, 404, "not found"),
    ({"scene": ""}, None, 422, "scene"),
    ({"scene": "SCENE.png", "run": "../localization/quick"}, None, 400, "'..'"),
    ({"scene": "SCENE.png", "run": "/etc"}, None, 400, "absolute"),
    ({"scene": "SCENE.png", "run": "C:\\runs"}, None, 400, "backslashes"),
    ({"scene": "SCENE.png", "run": "localization/nope"}, None, 404, "not found"),
])
def test_localize_requests_are_validated(api, runs, data, files, status, match):
    if data.get("scene") == "SCENE.png":
        data = {**data, "scene": scenes_of(runs)[0].name}
    is_error(api.post("/api/localization/localize", data=data, files=files), status, match)


def test_a_json_body_is_refused_clearly(api):
    r = api.post("/api/localization/localize", content=b'{"scene": [',
                 headers={"content-type": "application/json"})
    is_error(r, 422, "give an image")


def test_uploads_that_are_not_images_or_too_big_are_refused(api):
    post = lambda data: api.post("/api/localization/localize",  # noqa: E731
                                 files={"image": ("x.png", data, "image/png")})
    refuses_bad_uploads(post, png_bytes(np.zeros((64, 64), np.uint8))[:60])
    assert api.app.state.lab.models.loads == 0


def test_other_runs_unfinished_runs_and_no_run(api, runs, tmp_path):
    (runs / "optlab" / "r1").mkdir(parents=True)
    (runs / "optlab" / "r1" / "config.json").write_text(json.dumps(
        {"task": "optlab", "config": {}, "seed": 0}))
    (runs / "optlab" / "r1" / "metrics.json").write_text("{}")
    png = {"image": ("s.png", png_bytes(np.zeros((64, 64), np.uint8)))}
    post = lambda c, **kw: c.post("/api/localization/localize", **kw)  # noqa: E731
    is_error(post(api, data={"run": "optlab/r1"}, files=png), 400, "not a run of localization")
    (runs / "localization" / "half").mkdir()
    (runs / "localization" / "half" / "config.json").write_text(
        (runs / RUN / "config.json").read_text())
    is_error(post(api, data={"run": "localization/half"}, files=png), 409, "has not finished")
    assert [r["id"] for r in api.get("/api/localization/runs").json()] == [RUN]
    is_error(api.get("/api/localization/scenes", params={"run": "/etc"}), 400, "absolute")
    with lab_client(tmp_path / "empty") as empty:
        is_error(post(empty, files=png), 404, "no finished localization run")
        is_error(empty.get("/api/localization/scenes"), 404, "no finished localization run")


def test_an_empty_box_and_a_low_probability_are_said(api, runs, monkeypatch):
    png = {"image": ("s.png", png_bytes(np.zeros((32, 48), np.uint8)))}
    assert api.post("/api/localization/localize", files=png).status_code == 200
    loc = api.app.state.lab.models.get(runs / RUN, "localization")  # the cached predictor
    monkeypatch.setattr(loc, "predict", lambda grey: ("one", [3.0, 4.0, 0.5, 0.5], 0.4))
    r = api.post("/api/localization/localize", files=png)
    assert r.status_code == 200, r.text
    pred = r.json()["prediction"]
    assert pred["empty"] and pred["low_confidence"] and pred["class"] == "one"
    assert pred["index"] == 1 and pred["box_seen"] == pytest.approx([4.0, 16 / 3, 2 / 3, 2 / 3])
    monkeypatch.setattr(loc, "predict", lambda grey: (_ for _ in ()).throw(
        ValueError("BoxPredictor: expected a grey H x W image")))
    is_error(api.post("/api/localization/localize", files=png), 422, "expected a grey")


# ----------------------------------------------------------------------------- in the browser


def test_localize_a_test_scene_and_an_upload_in_the_browser(page, server, lab_root, app_runs,
                                                            shots, tmp_path):
    from lab_browser import open_panel, shoot
    from lab_runs import link_runs

    link_runs(app_runs("localization"), lab_root)
    scenes = scenes_of(lab_root)
    console = open_panel(page, server, "locate")
    page.wait_for_selector("#locate-scenes[data-count='12']")
    page.click(f"#locate-scenes button.scene[data-scene='{scenes[1].name}']")
    page.wait_for_selector(f"#locate-answer[data-source='{scenes[1].name}']")
    with lab_client(lab_root) as c:  # the page shows the API's numbers
        want = c.post("/api/localization/localize", data={"scene": scenes[1].name}).json()
    assert page.get_attribute("#locate-image", "data-ready") == "true"
    assert page.get_attribute("#locate-answer", "data-class") == want["prediction"]["class"]
    assert float(page.get_attribute("#locate-iou", "data-iou")) == pytest.approx(want["iou"])
    assert page.inner_text("#locate-iou").startswith("IoU ")
    rows = page.locator("#locate-probs .class-row")
    assert rows.count() == 10
    p = [float(rows.nth(k).locator(".bar").get_attribute("data-p")) for k in range(10)]
    assert p == sorted(p, reverse=True) and sum(p) == pytest.approx(1, abs=1e-5)
    assert rows.nth(0).get_attribute("data-class") == want["prediction"]["class"]
    assert f"{want['truth']['class']} (true)" in page.inner_text("#locate-probs")
    legend = page.locator("#locate-boxes .legend-row")
    assert [legend.nth(k).get_attribute("data-box") for k in range(2)] == ["predicted", "true"]
    assert "On all 12 test scenes" in page.inner_text("#locate-run-metrics")
    shoot(page, shots, "locate", full=True)
    # an upload: no true box
    upload = tmp_path / "digit.png"
    upload.write_bytes(scenes[3].read_bytes())
    page.set_input_files("#locate-file", str(upload))
    page.wait_for_selector("#locate-answer[data-source='digit.png']")
    assert page.locator("#locate-boxes .legend-row").count() == 1
    assert page.inner_text("#locate-iou") == "No true box for an upload."
    console.check()
