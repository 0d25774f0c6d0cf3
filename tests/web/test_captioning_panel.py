"""The Caption-a-scene panel: its API through TestClient (the runs, the test scenes, captions of
a picked scene, an upload and a photo, every refusal) and the page in Chromium (a scene PNG
uploaded, its caption word by word with one attention map per word and the end token)."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from lab_helpers import is_error, lab_client, png_bytes, refuses_bad_uploads

RUN = "captioning/quick"


def scenes_of(runs):
    return sorted((runs / RUN / "scenes" / "test2014").glob("*.png"))


def photo_jpeg() -> bytes:
    from PIL import Image

    rgb = np.zeros((48, 80, 3), np.uint8)
    rgb[..., 0], rgb[10:30, 20:60, 2] = 200, 255
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="JPEG")
    return buf.getvalue()


def test_the_runs_and_their_test_scenes(api, runs):
    assert [r["id"] for r in api.get("/api/captioning/runs").json()] == [RUN]
    got = api.get("/api/captioning/scenes").json()
    assert got["run"] == RUN and len(got["scenes"]) == 8
    assert [s["name"] for s in got["scenes"]] == [p.name for p in scenes_of(runs)]
    first = got["scenes"][0]
    assert len(first["references"]) == 5 and all(isinstance(c, str) for c in first["references"])
    r = api.get("/api/run/file", params={"id": RUN, "name": first["file"]})  # the thumbnail
    assert r.status_code == 200 and r.content[:4] == b"\x89PNG"
    assert api.get("/api/captioning/scenes", params={"run": RUN}).json() == got


def test_a_test_scene_is_captioned_with_its_attention_per_word(api, runs):
    from deepgrad.tasks import load_run

    scene = scenes_of(runs)[0]
    r = api.post("/api/captioning/caption", data={"scene": scene.name})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["run"] == RUN and out["decoder"] == "attention" and out["decoders"] == ["attention"]
    assert out["trained_on"] == "composed mnist scenes" and out["encoder"] == "scene-cnn"
    assert out["warning"] is None and out["beam_width"] == 3 and out["source"] == scene.name
    refs = {json.loads(line)["file"].split("/")[-1]: json.loads(line)["references"]
            for line in (runs / RUN / "captions_test.jsonl").read_text().splitlines()}
    assert out["references"] == refs[scene.name]
    # what `deepgrad caption SCENE` says (the file read by the task itself)
    (words, lp), = load_run(runs / RUN).caption([str(scene)])
    assert out["beam"]["words"] == words and out["beam"]["log_p"] == pytest.approx(lp)
    assert out["beam"]["text"] == " ".join(words) and lp <= 0
    assert out["greedy"]["log_p"] <= 0 and isinstance(out["greedy"]["words"], list)
    image = out["image"]
    assert (image["width"], image["height"], image["channels"]) == (64, 64, 1)
    import base64

    assert len(base64.b64decode(image["data"])) == 64 * 64
    att = out["attention"]
    assert att["words"] == [*words, "<end>"] and att["same_as_beam"]
    assert (att["height"], att["width"]) == (8, 8) and len(att["maps"]) == len(words) + 1
    alpha = np.array(att["maps"])
    assert alpha.shape == (len(words) + 1, 64) and (alpha >= 0).all()
    np.testing.assert_allclose(alpha.sum(axis=1), 1.0, atol=1e-4)


def test_an_upload_is_the_scene_a_photo_gets_the_clis_warning_one_model_loaded(api, runs):
    scene = scenes_of(runs)[1]
    picked = api.post("/api/captioning/caption", data={"scene": scene.name}).json()
    r = api.post("/api/captioning/caption", data={"beam_width": "3"},
                 files={"image": ("mine.png", scene.read_bytes(), "image/png")})
    assert r.status_code == 200, r.text
    up = r.json()
    assert up["source"] == "mine.png" and up["references"] is None and up["warning"] is None
    assert up["beam"] == picked["beam"] and up["attention"] == picked["attention"]
    r = api.post("/api/captioning/caption", files={"image": ("photo.jpg", photo_jpeg())})
    assert r.status_code == 200, r.text
    warning = r.json()["warning"]
    assert warning.startswith("photo.jpg is a 80 x 48 colour image") and "64 x 64" in warning
    grey = png_bytes(np.zeros((100, 100), np.uint8))  # grey, but not the scenes' size
    assert "100 x 100 grey image" in api.post(
        "/api/captioning/caption", files={"image": ("g.png", grey)}).json()["warning"]
    r = api.post("/api/captioning/caption", data={"scene": scene.name, "beam_width": "1"})
    assert r.status_code == 200 and r.json()["beam_width"] == 1
    assert api.app.state.lab.models.loads == 1  # five captions, one model loaded


def test_a_run_without_the_attention_decoder_answers_no_maps():
    from deepgrad.web.panels.captioning import describe

    class NoAttention:  # what a run trained with --decoder noattention loads as
        decoders, default = {"noattention": object()}, "noattention"

        class cfg:
            beam_width = 4

        def caption(self, images, method, width, tag):
            return [(["a", "two"], -1.5 if method == "beam" else -2.0)]

        def inputs(self, images):
            return np.zeros((1, 64, 64), np.uint8)

    out = describe(NoAttention(), np.zeros((64, 64, 3), np.uint8), None, None)
    assert out["attention"] is None and out["beam"]["text"] == "a two"
    assert out["greedy"]["log_p"] == -2.0 and out["beam_width"] == 4
    assert out["image"]["channels"] == 1


@pytest.mark.parametrize("data, files, status, match", [
    ({}, None, 422, "give an image"),
    ({"scene": "x.png"}, {"image": ("a.png", b"x")}, 422, "not both"),
    ({"scene": "../../config.json"}, None, 400, "file name of a test scene"),
    ({"scene": "../test2014/a.png"}, None, 400, "file name of a test scene"),
    ({"scene": "log.txt"}, None, 400, "file name of a test scene"),
    ({"scene": "nope.png"}, None, 404, "not found"),
    ({"scene": ""}, None, 422, "scene"),
    ({"scene": "SCENES.png", "decoder": "noattention"}, None, 400, "trained only attention"),
    ({"scene": "SCENES.png", "decoder": "lstm"}, None, 422, "decoder"),
    ({"scene": "SCENES.png", "beam_width": "0"}, None, 422, "beam_width"),
    ({"scene": "SCENES.png", "beam_width": "21"}, None, 422, "beam_width"),
    ({"scene": "SCENES.png", "beam_width": "wide"}, None, 422, "beam_width"),
    ({"scene": "SCENES.png", "run": "../captioning/quick"}, None, 400, "'..'"),
    ({"scene": "SCENES.png", "run": "/etc"}, None, 400, "absolute"),
    ({"scene": "SCENES.png", "run": "captioning/nope"}, None, 404, "not found"),
])
def test_caption_requests_are_validated(api, runs, data, files, status, match):
    if data.get("scene") == "SCENES.png":
        data = {**data, "scene": scenes_of(runs)[0].name}
    is_error(api.post("/api/captioning/caption", data=data, files=files), status, match)


def test_uploads_that_are_not_images_or_too_big_are_refused(api):
    post = lambda data: api.post("/api/captioning/caption",  # noqa: E731
                                 files={"image": ("x.png", data, "image/png")})
    refuses_bad_uploads(post, photo_jpeg()[:200])


def test_other_runs_unfinished_runs_and_no_run(api, runs, tmp_path):
    (runs / "optlab" / "r1").mkdir(parents=True)
    (runs / "optlab" / "r1" / "config.json").write_text(json.dumps(
        {"task": "optlab", "config": {}, "seed": 0}))
    (runs / "optlab" / "r1" / "metrics.json").write_text("{}")
    png = {"image": ("s.png", png_bytes(np.zeros((64, 64), np.uint8)))}
    is_error(api.post("/api/captioning/caption", data={"run": "optlab/r1"}, files=png), 400,
             "not a run of captioning")
    (runs / "captioning" / "half").mkdir()
    (runs / "captioning" / "half" / "config.json").write_text(
        (runs / RUN / "config.json").read_text())
    is_error(api.post("/api/captioning/caption", data={"run": "captioning/half"}, files=png),
             409, "has not finished")
    assert [r["id"] for r in api.get("/api/captioning/runs").json()] == [RUN]
    assert api.get("/api/captioning/scenes", params={"run": "optlab/r1"}).json()["scenes"] == []
    is_error(api.get("/api/captioning/scenes", params={"run": "../x"}), 400)
    with lab_client(tmp_path / "empty") as empty:
        is_error(empty.post("/api/captioning/caption", files=png), 404,
                 "no finished captioning run")
        is_error(empty.get("/api/captioning/scenes"), 404, "no finished captioning run")


# ----------------------------------------------------------------------------- in the browser


def test_caption_an_uploaded_scene_in_the_browser(page, server, lab_root, app_runs, shots,
                                                  tmp_path):
    from lab_browser import open_panel, shoot
    from lab_runs import link_runs

    link_runs(app_runs("captioning"), lab_root)
    scenes = scenes_of(lab_root)
    console = open_panel(page, server, "caption")
    page.wait_for_selector("#caption-scenes[data-count='8']")
    upload = tmp_path / scenes[2].name
    upload.write_bytes(scenes[2].read_bytes())
    page.set_input_files("#caption-file", str(upload))
    page.wait_for_selector(f"#caption-beam[data-source='{upload.name}']")
    n = int(page.get_attribute("#caption-beam", "data-words"))
    words = page.inner_text("#caption-beam").split()
    assert n >= 1 and len(words) == n  # a caption of words
    maps = page.locator("#caption-attention figure.att")
    assert maps.count() == n + 1 and page.get_attribute("#caption-attention", "data-count") \
        == str(n + 1)
    assert [maps.nth(k).get_attribute("data-word") for k in range(n + 1)] == [*words, "<end>"]
    assert page.locator("#caption-attention canvas.att-map").count() == n + 1
    assert page.get_attribute("#caption-image", "data-ready") == "true"
    assert "log p = -" in page.inner_text("#caption-beam-logp")
    assert page.locator("#caption-greedy").inner_text() != "–"
    assert not page.is_visible("#caption-warning")
    assert "captioning/quick" in page.inner_text("#caption-status")
    # a test scene picked from the strip: its references are listed
    page.click(f"#caption-scenes button.scene[data-scene='{scenes[0].name}']")
    page.wait_for_selector(f"#caption-beam[data-source='{scenes[0].name}']")
    assert page.locator("#caption-references li").count() == 5
    shoot(page, shots, "caption", full=True)
    # a colour photo: the CLI's warning on the page
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(photo_jpeg())
    page.set_input_files("#caption-file", str(photo))
    page.wait_for_selector("#caption-beam[data-source='photo.jpg']")
    assert page.is_visible("#caption-warning")
    assert "80 x 48 colour image" in page.inner_text("#caption-warning")
    console.check()
