"""The Segment-a-scene panel: its API through TestClient (the runs, the test scenes, both
decoders' labels of a scene as the run's Segmenter gives them, the true labels and the per-scene
metrics as the task computes them, uploads read as ``deepgrad segment`` reads a file, every
refusal) and the page in Chromium (a test scene clicked: the image, its truth and both maps with
their scores and the class table; an upload; one decoder)."""

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

RUN = "segmentation/quick"
DECODERS = ("unpool", "transposed")


def scenes_of(runs):
    return sorted((runs / RUN / "scenes" / "test2014").glob("*.png"))


def segment(api, **data):
    r = api.post("/api/segmentation/segment", data=data)
    assert r.status_code == 200, r.text
    return r.json()


def test_the_runs_and_their_test_scenes(api, runs):
    from deepgrad.data.coco_dense import coco_dense

    listed = api.get("/api/segmentation/runs").json()
    assert [r["id"] for r in listed] == [RUN] and listed[0]["decoders"] == list(DECODERS)
    got = api.get("/api/segmentation/scenes").json()
    test = coco_dense(runs / RUN / "scenes", "test", 64)
    assert got["run"] == RUN and got["classes"] == test.classes and len(got["classes"]) == 11
    assert got["colors"][0] == "#000000" and len(set(got["colors"])) == 11
    assert [s["name"] for s in got["scenes"]] == [p.name for p in scenes_of(runs)]
    assert len(got["scenes"]) == 12 == len(test)
    by_file = {f.name: objs for f, objs in zip(test.files, test.objects, strict=True)}
    for s in got["scenes"]:
        assert s["objects"] == [test.classes[k] for k, _ in by_file[s["name"]]]
    r = api.get("/api/run/file", params={"id": RUN, "name": got["scenes"][0]["file"]})
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"


def test_colours_are_the_tasks_pictures():
    from deepgrad.tasks.segmentation.pictures import PALETTE
    from deepgrad.web.panels.segmentation import colours

    hexes = colours(13)  # classes past the tenth cycle through the palette again
    assert hexes[:11] == ["#" + "".join(f"{round(255 * v):02x}" for v in c) for c in PALETTE]
    assert hexes[11:] == hexes[1:3] and hexes[0] == "#000000" and hexes[1] == "#1f77b4"


def test_every_test_scene_gets_the_segmenters_labels_and_the_tasks_metrics(api, runs):
    """All 12 test scenes through the API: each map is ``Segmenter.predict``'s, each truth the
    task's COCO reader's, each score the task's metrics on that scene; pooled, the run's own
    test mIoU and pixel accuracy come back."""
    from deepgrad.data.coco_dense import coco_dense
    from deepgrad.tasks import load_run
    from deepgrad.tasks.segmentation.metrics import (
        confusion,
        iou_per_class,
        mean_iou,
        pixel_accuracy,
    )

    seg = load_run(runs / RUN)
    test = coco_dense(runs / RUN / "scenes", "test", 64)
    metrics = json.loads((runs / RUN / "metrics.json").read_text())
    pooled = {d: np.zeros((11, 11), np.int64) for d in DECODERS}
    for i, f in enumerate(test.files):
        out = segment(api, scene=f.name)
        assert out["run"] == RUN and out["source"] == out["scene"] == f.name
        assert out["fit"] == "letterbox" and out["scale"] == 1.0
        assert out["original"] == {"width": 64, "height": 64}
        np.testing.assert_array_equal(pixels(out["image"]), test.images[i])
        true = pixels(out["truth"])
        np.testing.assert_array_equal(true, test.labels[i])
        counts = np.bincount(true.ravel(), minlength=11)
        assert out["truth"]["pixels"] == {test.classes[k]: int(counts[k])
                                          for k in np.flatnonzero(counts)}
        assert [d["name"] for d in out["decoders"]] == list(DECODERS)
        for d in out["decoders"]:
            pred = pixels(d["labels"])
            np.testing.assert_array_equal(pred, seg.predict(test.images[i], d["name"]))
            m = confusion(test.labels[i], pred, 11)
            pooled[d["name"]] += m
            ious = iou_per_class(m)
            s = d["scores"]
            assert s["pixel_accuracy"] == pytest.approx(pixel_accuracy(m))
            assert s["miou"] == pytest.approx(mean_iou(m))
            assert [(x["index"], x["class"]) for x in s["iou"]] == [
                (k, test.classes[k]) for k in np.flatnonzero(~np.isnan(ious))]
            assert [x["iou"] for x in s["iou"]] == pytest.approx(ious[~np.isnan(ious)])
            assert sum(d["pixels"].values()) == 64 * 64
        assert out["test_metrics"]["unpool"]["miou"] == metrics["miou_unpool"]
    for d in DECODERS:
        assert mean_iou(pooled[d]) == pytest.approx(metrics[f"miou_{d}"])
        assert pixel_accuracy(pooled[d]) == pytest.approx(metrics[f"pixel_accuracy_{d}"])
    assert api.app.state.lab.models.loads == 1


def test_uploads_are_read_as_the_cli_reads_a_file(api, runs, tmp_path):
    from PIL import Image

    from deepgrad.tasks import load_run
    from deepgrad.tasks.localization import letterbox
    from deepgrad.tasks.segmentation import read_grey

    seg = load_run(runs / RUN)
    scene = scenes_of(runs)[3]
    picked = segment(api, scene=scene.name)
    r = api.post("/api/segmentation/segment",
                 files={"image": ("mine.png", scene.read_bytes(), "image/png")})
    assert r.status_code == 200, r.text
    up = r.json()
    assert up["source"] == "mine.png" and up["scene"] is None and up["truth"] is None
    assert [d["labels"] for d in up["decoders"]] == [d["labels"] for d in picked["decoders"]]
    assert all(d["scores"] is None for d in up["decoders"])
    # dark digits on white, in colour, twice the size: inverted, made grey, letterboxed
    grey = np.asarray(Image.open(scene))
    big = np.repeat(np.repeat(255 - grey, 2, 0), 2, 1)[:, :100]  # 128 x 100
    photo = tmp_path / "light.jpg"
    Image.fromarray(np.stack([big] * 3, -1)).save(photo, format="JPEG", quality=95)
    r = api.post("/api/segmentation/segment", data={"decoder": "transposed"},
                 files={"image": ("light.jpg", photo.read_bytes(), "image/jpeg")})
    assert r.status_code == 200, r.text
    out = r.json()
    g = read_grey(photo)
    boxed, s = letterbox(g, 64)
    assert out["original"] == {"width": 100, "height": 128} and out["scale"] == s == 0.5
    np.testing.assert_array_equal(pixels(out["image"]), boxed)
    (d,) = out["decoders"]
    assert d["name"] == "transposed"
    np.testing.assert_array_equal(pixels(d["labels"]), seg.predict(boxed, "transposed"))
    assert list(out["test_metrics"]) == ["transposed"]
    # as it is: the networks pad it to a multiple of 8, as `deepgrad segment`
    r = api.post("/api/segmentation/segment", data={"fit": "none"},
                 files={"image": ("light.jpg", photo.read_bytes(), "image/jpeg")})
    assert r.status_code == 200, r.text
    out = r.json()
    np.testing.assert_array_equal(pixels(out["image"]), g)
    for d in out["decoders"]:
        labels = pixels(d["labels"])
        assert labels.shape == (128, 100)
        np.testing.assert_array_equal(labels, seg.predict(g, d["name"]))
    too_big = png_bytes(np.zeros((300, 40), np.uint8))
    is_error(api.post("/api/segmentation/segment", data={"fit": "none"},
                      files={"image": ("tall.png", too_big)}), 413, "at most 256 x 256")
    assert api.post("/api/segmentation/segment", files={"image": ("tall.png", too_big)}
                    ).status_code == 200  # letterboxed
    assert api.app.state.lab.models.loads == 1


def test_a_scene_without_its_mask_has_no_truth(api, runs):
    scene = scenes_of(runs)[0].name
    (runs / RUN / "scenes" / "masks_test2014" / scene).unlink()
    out = segment(api, scene=scene)
    assert out["truth"] is None and all(d["scores"] is None for d in out["decoders"])
    (runs / RUN / "scenes" / "masks_test2014" / scene).write_bytes(
        png_bytes(np.full((64, 64), 200, np.uint8)))  # labels no class has
    assert segment(api, scene=scene)["truth"] is None


@pytest.mark.parametrize("data, files, status, match", [
    ({}, None, 422, "give an image"),
    ({"scene": "x.png"}, {"image": ("a.png", b"x")}, 422, "not both"),
    ({"scene": "../../config.json"}, None, 400, "file name of a test scene"),
    ({"scene": "../test2014/a.png"}, None, 400, "file name of a test scene"),
    ({"scene": "/etc/passwd.png"}, None, 400, "file name of a test scene"),
    ({"scene": "log.txt"}, None, 400, "file name of a test scene"),
    ({"scene": "nope.png"}, None, 404, "not found"),
    ({"scene": ""}, None, 422, "scene"),
    ({"scene": "x" * 201 + ".png"}, None, 422, "scene"),
    ({"scene": "SCENE.png", "decoder": "bilinear"}, None, 422, "decoder"),
    ({"scene": "SCENE.png", "fit": "stretch"}, None, 422, "fit"),
    ({"scene": "SCENE.png", "run": "../segmentation/quick"}, None, 400, "'..'"),
    ({"scene": "SCENE.png", "run": "/etc"}, None, 400, "absolute"),
    ({"scene": "SCENE.png", "run": "segmentation/nope"}, None, 404, "not found"),
    ({"scene": "SCENE.png", "run": "x" * 401}, None, 422, "run"),
])
def test_segment_requests_are_validated(api, runs, data, files, status, match):
    if data.get("scene") == "SCENE.png":
        data = {**data, "scene": scenes_of(runs)[0].name}
    is_error(api.post("/api/segmentation/segment", data=data, files=files), status, match)


def test_a_json_body_is_refused_clearly(api):
    refuses_bodies_that_are_not_forms(api, "/api/segmentation/segment", b'{"scene": ',
                                      "give an image")


def test_uploads_that_are_not_images_or_too_big_are_refused(api):
    post = lambda data: api.post("/api/segmentation/segment",  # noqa: E731
                                 files={"image": ("x.png", data, "image/png")})
    refuses_bad_uploads(post, png_bytes(np.zeros((64, 64), np.uint8))[:60])
    assert api.app.state.lab.models.loads == 0  # refused before any model was loaded


def test_other_runs_unfinished_runs_and_no_run(api, runs, tmp_path):
    (runs / "optlab" / "r1").mkdir(parents=True)
    (runs / "optlab" / "r1" / "config.json").write_text(json.dumps(
        {"task": "optlab", "config": {}, "seed": 0}))
    (runs / "optlab" / "r1" / "metrics.json").write_text("{}")
    png = {"image": ("s.png", png_bytes(np.zeros((64, 64), np.uint8)))}
    post = lambda c, **kw: c.post("/api/segmentation/segment", **kw)  # noqa: E731
    is_error(post(api, data={"run": "optlab/r1"}, files=png), 400, "not a run of segmentation")
    is_error(post(api, data={"run": "optlab/r1", "scene": scenes_of(runs)[0].name}), 400,
             "not a run of segmentation")
    (runs / "segmentation" / "half").mkdir()
    (runs / "segmentation" / "half" / "config.json").write_text(
        (runs / RUN / "config.json").read_text())
    is_error(post(api, data={"run": "segmentation/half"}, files=png), 409, "has not finished")
    assert [r["id"] for r in api.get("/api/segmentation/runs").json()] == [RUN]
    assert api.get("/api/segmentation/scenes", params={"run": "optlab/r1"}).json()[
        "scenes"] == []
    is_error(api.get("/api/segmentation/scenes", params={"run": "../x"}), 400, "'..'")
    is_error(api.get("/api/segmentation/scenes", params={"run": "segmentation/nope"}), 404)
    with lab_client(tmp_path / "empty") as empty:
        is_error(post(empty, files=png), 404, "no finished segmentation run")
        is_error(empty.get("/api/segmentation/scenes"), 404, "no finished segmentation run")


# ----------------------------------------------------------------------------- in the browser


def test_segment_a_test_scene_and_an_upload_in_the_browser(page, server, lab_root, app_runs,
                                                           shots, tmp_path):
    from lab_browser import open_panel, shoot, until
    from lab_runs import link_runs

    link_runs(app_runs("segmentation"), lab_root)
    scenes = scenes_of(lab_root)
    console = open_panel(page, server, "segment")
    page.wait_for_selector("#segment-scenes[data-count='12']")
    page.click(f"#segment-scenes button.scene[data-scene='{scenes[1].name}']")
    page.wait_for_selector(f"#segment-maps[data-source='{scenes[1].name}']")
    figures = page.locator("#segment-maps figure.seg")
    assert [figures.nth(k).get_attribute("data-map") for k in range(figures.count())] == [
        "image", "truth", *DECODERS]
    for name in ("image", "truth", *DECODERS):
        assert page.get_attribute(f"#segment-map-{name}", "data-ready") == "true"
    with lab_client(lab_root) as c:  # the page shows the API's numbers
        want = c.post("/api/segmentation/segment", data={"scene": scenes[1].name}).json()
    for d in want["decoders"]:
        f = page.locator(f"#segment-maps figure[data-map='{d['name']}']")
        assert float(f.get_attribute("data-miou")) == pytest.approx(d["scores"]["miou"])
        assert "pixel accuracy " in f.inner_text() and "mIoU " in f.inner_text()
    rows = page.locator("#segment-classes tr[data-class]")
    listed = {rows.nth(k).get_attribute("data-class") for k in range(rows.count())}
    assert listed == set(want["truth"]["pixels"]) | {
        c for d in want["decoders"] for c in d["pixels"]}
    assert "On all 12 test scenes" in page.inner_text("#segment-run-metrics")
    # pointing at a map (drawn 3 x): the page reads that pixel out of every map
    page.hover("#segment-map-truth", position={"x": 100, "y": 61})
    until(lambda: page.inner_text("#segment-pixel").startswith("pixel (33, 20)"), 10)
    assert "truth " in page.inner_text("#segment-pixel")
    page.check("#segment-overlay")  # labels over the image: drawn again
    shoot(page, shots, "segment", full=True)
    # an upload of a light image, one decoder
    upload = tmp_path / "light.png"
    from PIL import Image

    Image.fromarray(255 - np.asarray(Image.open(scenes[2]))).save(upload)
    page.select_option("#segment-decoder", "transposed")
    page.set_input_files("#segment-file", str(upload))
    page.wait_for_selector("#segment-maps[data-source='light.png']")
    figures = page.locator("#segment-maps figure.seg")
    assert [figures.nth(k).get_attribute("data-map") for k in range(figures.count())] == [
        "image", "transposed"]
    assert "light.png (upload, 64 × 64)" in page.inner_text("#segment-status")
    console.check()
