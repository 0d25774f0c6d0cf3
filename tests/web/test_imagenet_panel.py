"""The Classify-a-photo panel: its API through TestClient (the top classes are ``deepgrad
classify``'s, the crop the network saw, Grad-CAM of the top class; every refusal) and the page in
Chromium (a photo uploaded: its top 5 and its Grad-CAM). Needs the EfficientNet-Lite0 weights
and the class names: skipped, saying why, when they cannot be obtained."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from lab_helpers import is_error, lab_client, png_bytes

RUN = "imagenet/quick"
CATS = {"tabby", "tiger cat", "Egyptian cat"}


def cat_png() -> tuple[bytes, bool]:
    """A photo as PNG bytes, and whether it is scikit-image's cat (else a synthetic one)."""
    try:
        import skimage.data as sd

        return png_bytes(sd.chelsea()), True
    except ImportError:
        rng = np.random.default_rng(1)
        return png_bytes(rng.integers(0, 255, (300, 400, 3), dtype=np.uint8)), False


def test_a_photo_gets_the_clis_top_classes_and_a_grad_cam(api, runs, tmp_path, capsys):
    from deepgrad.cli import main

    assert [r["id"] for r in api.get("/api/imagenet/runs").json()] == [RUN]
    data, is_cat = cat_png()
    r = api.post("/api/imagenet/classify", files={"image": ("cat.png", data, "image/png")})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["run"] == RUN and out["source"] == "cat.png" and out["normalization"] == "lite"
    top = out["top"]
    assert len(top) == 5 and [t["p"] for t in top] == sorted((t["p"] for t in top),
                                                             reverse=True)
    assert 0 < sum(t["p"] for t in top) <= 1 + 1e-9
    photo = tmp_path / "cat.png"
    photo.write_bytes(data)
    assert main(["classify", str(photo), "--top", "5"]) == 0
    printed = [line.split(None, 1) for line in capsys.readouterr().out.splitlines()[1:]]
    assert [name for _, name in printed] == [t["class"] for t in top]
    assert [float(p) for p, _ in printed] == [pytest.approx(t["p"], abs=1e-4) for t in top]
    if is_cat:
        assert top[0]["class"] in CATS
    image = out["image"]
    assert (image["width"], image["height"], image["channels"]) == (224, 224, 3)
    assert len(base64.b64decode(image["data"])) == 224 * 224 * 3
    cam = out["gradcam"]
    assert cam["layer"] == "_conv_head" and cam["class"] == top[0]["class"]
    heat = np.frombuffer(base64.b64decode(cam["data"]), np.uint8).reshape(224, 224)
    assert heat.max() == 255 and cam["channels"] == 1
    # fewer classes, no Grad-CAM; a JPEG
    from PIL import Image

    buf = io.BytesIO()
    Image.open(io.BytesIO(data)).save(buf, format="JPEG")
    r = api.post("/api/imagenet/classify", data={"top": "2", "gradcam": "false", "run": RUN},
                 files={"image": ("cat.jpg", buf.getvalue(), "image/jpeg")})
    assert r.status_code == 200 and len(r.json()["top"]) == 2 and r.json()["gradcam"] is None
    assert api.app.state.lab.models.loads == 1


def test_last_conv_names_the_last_convolution():
    from deepgrad.web.panels.imagenet import last_conv

    class W:
        def __init__(self, ndim):
            self.ndim = ndim

    class M:
        def __init__(self, ndim=None):
            self.weight = None if ndim is None else W(ndim)

    class Net:
        def named_modules(self):
            return [("", M()), ("a", M(4)), ("b", M(2)), ("c", M(4)), ("d", M(2))]

    assert last_conv(Net()) == "c"
    with pytest.raises(ValueError, match="no convolution"):
        last_conv(type("Flat", (), {"named_modules": lambda self: [("x", M(2))]})())


@pytest.mark.parametrize("data, status, match", [
    ({"top": "0"}, 422, "top"),
    ({"top": "21"}, 422, "top"),
    ({"top": "many"}, 422, "top"),
    ({"gradcam": "perhaps"}, 422, "gradcam"),
    ({"run": "../imagenet/quick"}, 400, "'..'"),
    ({"run": "imagenet/nope"}, 404, "not found"),
])
def test_classify_requests_are_validated(api, data, status, match):
    files = {"image": ("p.png", png_bytes(np.zeros((32, 32, 3), np.uint8)))}
    is_error(api.post("/api/imagenet/classify", data=data, files=files), status, match)


def test_uploads_that_are_not_photos_and_no_run(api, tmp_path):
    from deepgrad.web.images import MAX_UPLOAD_BYTES

    post = lambda c, data: c.post("/api/imagenet/classify",  # noqa: E731
                                  files={"image": ("x.png", data, "image/png")})
    is_error(post(api, b"GIF89a not really"), 415, "PNG or JPEG")
    is_error(post(api, b""), 400, "empty")
    is_error(post(api, cat_png()[0][:200]), 400, "cannot be decoded")
    is_error(post(api, b"\x89PNG" + b"0" * (MAX_UPLOAD_BYTES + 100 * 1024)), 413, "bytes")
    is_error(api.post("/api/imagenet/classify", data={"top": "3"}), 422, "image")
    with lab_client(tmp_path / "empty") as empty:
        is_error(post(empty, png_bytes(np.zeros((32, 32, 3), np.uint8))), 404,
                 "no finished imagenet run")


def test_classify_a_photo_in_the_browser(page, server, lab_root, app_runs, shots, tmp_path):
    from lab_browser import open_panel, shoot
    from lab_runs import link_runs

    link_runs(app_runs("imagenet"), lab_root)
    data, is_cat = cat_png()
    photo = tmp_path / "cat.png"
    photo.write_bytes(data)
    console = open_panel(page, server, "classify")
    page.set_input_files("#classify-file", str(photo))
    page.wait_for_selector("#classify-top-list[data-source='cat.png']")
    rows = page.locator("#classify-top-list .class-row")
    assert rows.count() == 5
    p = [float(rows.nth(k).locator(".bar").get_attribute("data-p")) for k in range(5)]
    assert p == sorted(p, reverse=True) and sum(p) <= 1 + 1e-9
    best = rows.nth(0).get_attribute("data-class")
    if is_cat:
        assert best in CATS
    assert page.get_attribute("#classify-image", "data-ready") == "true"
    assert page.get_attribute("#classify-cam", "data-ready") == "true"
    assert f"Grad-CAM of “{best}”" in page.inner_text("#panel-classify")
    assert "top-1 " + best in page.inner_text("#classify-status")
    shoot(page, shots, "classify")
    page.uncheck("#classify-gradcam")  # the same photo again, without Grad-CAM
    page.wait_for_selector("#classify-cam", state="hidden")
    assert page.locator("#classify-top-list .class-row").count() == 5
    console.check()
