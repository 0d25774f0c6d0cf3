"""The lab's API through FastAPI's TestClient: every endpoint, its answers and its refusals
(oversized, non-image, malformed JSON, traversal, missing or wrong token, a second job)."""

from __future__ import annotations

import base64
import io
import json
import os
import time
import warnings

import numpy as np
import pytest
from lab_helpers import png_bytes

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Starlette's note on httpx versions
    from fastapi.testclient import TestClient

import lab_fake_task

from deepgrad.tasks.registry import TASKS
from deepgrad.web import create_app
from deepgrad.web.images import MAX_PIXELS, MAX_UPLOAD_BYTES

LOCAL = "http://127.0.0.1:8000"


def client(root, **kwargs) -> TestClient:
    return TestClient(create_app(root, **kwargs), base_url=LOCAL,
                      raise_server_exceptions=False)


@pytest.fixture
def empty(tmp_path):
    with client(tmp_path / "empty") as c:
        yield c


@pytest.fixture
def jobs(tmp_path):
    """A lab whose task registry holds only the fake task (fast, and it can fail on demand)."""
    with client(tmp_path / "jobruns", tasks={"fake": lab_fake_task}) as c:
        yield c


def is_error(r, status, match=""):
    assert r.status_code == status, (r.status_code, r.text)
    body = r.json()
    assert set(body) == {"error"} and match in body["error"], body
    assert "Traceback" not in r.text and 'File "' not in r.text
    return body["error"]


# ----------------------------------------------------------------------------- the page


def test_the_page_its_static_files_and_security_headers(empty):
    r = empty.get("/")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    assert '<script type="module" src="/static/app.js">' in r.text
    assert "http" not in r.text.replace("http-equiv", "")  # nothing loaded from elsewhere
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    for path in ("/static/app.js", "/static/style.css", "/static/lib/api.js",
                 "/static/panels/mnist.js", "/static/panels/optlab.js",
                 "/static/panels/train.js", "/static/panels/runs.js", "/static/favicon.svg",
                 "/static/lib/heat.js", "/static/lib/runs.js", "/static/panels/captioning.js",
                 "/static/panels/seq2seq.js", "/static/panels/char_rnn.js",
                 "/static/panels/name_gender.js", "/static/panels/pos_tagger.js",
                 "/static/panels/word2vec.js", "/static/panels/imagenet.js",
                 "/static/panels/segmentation.js", "/static/panels/localization.js",
                 "/static/panels/autoencoder.js", "/static/lib/thumbs.js",
                 "/static/panels/gan.js", "/static/panels/transfer.js"):
        r = empty.get(path)
        assert r.status_code == 200, path
        assert "https://" not in r.text and "//cdn" not in r.text, path
    assert "javascript" in empty.get("/static/app.js").headers["content-type"]
    is_error(empty.get("/static/../app.py"), 404)
    is_error(empty.get("/static/%2e%2e/app.py"), 404)
    is_error(empty.get("/static/nothing.js"), 404)


def test_info_and_the_panel_registry(empty):
    info = empty.get("/api/info").json()
    assert info["name"] == "deepgrad lab" and "mnist" in info["tasks"] and info["job"] is None
    panels = empty.get("/api/panels").json()
    assert [p["id"] for p in panels] == ["draw", "race", "classify", "segment", "locate",
                                         "transfer", "words", "morph", "latent", "sex",
                                         "names", "tag", "dates", "caption", "train", "runs"]
    for p in panels:
        assert empty.get(f"/static/{p['script']}").status_code == 200
    assert {p["task"] for p in panels} == {"mnist", "optlab", "imagenet", "word2vec",
                                           "name-gender", "char-rnn", "pos-tagger", "seq2seq",
                                           "captioning", "segmentation", "localization",
                                           "autoencoder", "gan", "transfer", None}
    # every task of deepgrad's registry has its panel: a task added without one fails here
    assert {p["task"] for p in panels} - {None} == set(TASKS)


def test_errors_are_json_messages_without_stack_traces(tmp_path):
    app = create_app(tmp_path)

    @app.get("/api/boom")
    def boom():
        raise RuntimeError("secret internals")

    c = TestClient(app, base_url=LOCAL, raise_server_exceptions=False)
    message = is_error(c.get("/api/boom"), 500, "internal error")
    assert "secret internals" not in message
    is_error(c.get("/api/nothing"), 404, "Not Found")
    is_error(c.put("/api/info"), 405)
    assert c.get("/docs").status_code == 404  # FastAPI's docs page would load from a CDN


# ----------------------------------------------------------------------------- guard


def test_a_token_is_required_on_every_request_when_the_lab_has_one(tmp_path):
    with client(tmp_path, token="s3cret") as c:
        for path in ("/", "/static/app.js", "/api/info", "/api/runs"):
            is_error(c.get(path), 401, "token")
        is_error(c.get("/api/info", headers={"X-Lab-Token": "wrong"}), 401)
        is_error(c.get("/api/info?token=s3cre"), 401)
        assert c.get("/api/info", headers={"X-Lab-Token": "s3cret"}).status_code == 200
        assert c.get("/api/info", headers={"Authorization": "Bearer s3cret"}).status_code == 200
        r = c.get("/?token=s3cret")
        assert r.status_code == 200
        cookie = r.headers["set-cookie"]
        assert "deepgrad_lab_token=s3cret" in cookie and "HttpOnly" in cookie
        assert "SameSite=Strict" in cookie
        # the browser's own loads (module scripts, images) carry the cookie
        assert c.get("/static/app.js").status_code == 200
        c.cookies.clear()
        is_error(c.get("/static/app.js"), 401)
        # with a token, any Host may ask (the lab serves the network)
        assert c.get("/api/info", headers={"X-Lab-Token": "s3cret",
                                           "Host": "lab.example:8000"}).status_code == 200


def test_without_a_token_only_loopback_host_names_are_answered(tmp_path):
    with client(tmp_path) as c:
        for host in ("127.0.0.1:8000", "localhost:8000", "[::1]:8000", "localhost"):
            assert c.get("/api/info", headers={"Host": host}).status_code == 200, host
        for host in ("evil.example", "evil.example:8000", "192.168.1.5:8000", ""):
            is_error(c.get("/api/info", headers={"Host": host}), 403, "loopback")


def test_request_bodies_over_the_limit_are_refused_even_when_streamed(api):
    big = b"\x89PNG" + b"0" * (MAX_UPLOAD_BYTES + 100 * 1024)
    is_error(api.post("/api/mnist/predict", files={"image": ("big.png", big, "image/png")}),
             413, "bytes")

    def chunks():  # no Content-Length: the guard counts as the body arrives
        for _ in range(12):
            yield b"x" * (1024 * 1024)

    is_error(api.post("/api/optlab/race", content=chunks(),
                      headers={"content-type": "application/json"}), 413)


# ----------------------------------------------------------------------------- runs


def test_runs_lists_every_run_directory_and_describes_one(runs, api):
    (runs / "broken" / "x").mkdir(parents=True)
    (runs / "broken" / "x" / "config.json").write_text("{not json")
    listed = {r["id"]: r for r in api.get("/api/runs").json()}
    assert set(listed) == {"mnist/quick", "broken/x"}
    quick = listed["mnist/quick"]
    assert quick["task"] == "mnist" and quick["state"] == "finished" and quick["quick"]
    assert quick["headline"]["name"] == "test_accuracy"
    assert listed["broken/x"]["state"] == "unreadable"
    d = api.get("/api/run", params={"id": "mnist/quick"}).json()
    assert d["info"]["config"]["limit"] == 400 and "test_accuracy" in d["metrics"]
    names = {f["name"]: f["kind"] for f in d["files"]}
    assert names["curves.png"] == "image" and names["weights.npz"] == "data"
    assert names["config.json"] == "text" and "Epoch 1/1" in d["log"]
    r = api.get("/api/run/file", params={"id": "mnist/quick", "name": "curves.png"})
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    assert r.content[:8] == b"\x89PNG\r\n\x1a\n"
    r = api.get("/api/run/file", params={"id": "mnist/quick", "name": "weights.npz"})
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    assert r.content[:2] == b"PK"


@pytest.mark.parametrize("bad", ["../mnist", "mnist/../../etc", "/etc", "/tmp", "~root",
                                 "mnist/./quick", "mnist//quick", "..", "C:\\Windows",
                                 "mnist\\quick", ""])
def test_run_names_that_leave_the_runs_directory_are_refused(api, bad):
    r = api.get("/api/run", params={"id": bad})
    assert r.status_code in (400, 404, 422), (bad, r.status_code)
    assert set(r.json()) == {"error"}
    r = api.get("/api/run/file", params={"id": bad, "name": "config.json"})
    assert r.status_code in (400, 404, 422)


@pytest.mark.parametrize("bad", ["../../mnist/quick/config.json", "/etc/passwd",
                                 "../quick/config.json", "%2e%2e/config.json", "state.py"])
def test_file_names_that_leave_the_run_are_refused(api, bad):
    r = api.get("/api/run/file", params={"id": "mnist/quick", "name": bad})
    assert r.status_code in (400, 404), (bad, r.status_code)
    assert set(r.json()) == {"error"}


def test_symlinks_out_of_the_runs_directory_are_not_followed(runs, api, tmp_path):
    outside = tmp_path / "outside"
    (outside / "run").mkdir(parents=True)
    (outside / "run" / "config.json").write_text(json.dumps({"task": "mnist"}))
    (outside / "secret.txt").write_text("not yours")
    os.symlink(outside, runs / "escape")
    os.symlink(outside / "secret.txt", runs / "mnist" / "quick" / "leak.txt")
    assert "escape/run" not in {r["id"] for r in api.get("/api/runs").json()}
    is_error(api.get("/api/run", params={"id": "escape/run"}), 404, "not inside")
    is_error(api.get("/api/run/file", params={"id": "escape/run", "name": "config.json"}), 404)
    files = api.get("/api/run", params={"id": "mnist/quick"}).json()["files"]
    assert "leak.txt" not in {f["name"] for f in files}
    is_error(api.get("/api/run/file", params={"id": "mnist/quick", "name": "leak.txt"}), 404)


def test_a_run_that_is_not_a_run_and_missing_files(api, runs):
    (runs / "plain").mkdir()
    is_error(api.get("/api/run", params={"id": "plain"}), 404, "no config.json")
    is_error(api.get("/api/run", params={"id": "nope"}), 404, "not found")
    is_error(api.get("/api/run/file", params={"id": "mnist/quick", "name": "nope.png"}), 404)
    is_error(api.get("/api/run/file", params={"id": "mnist/quick"}), 422, "name")


# ----------------------------------------------------------------------------- draw a digit


def decode(b64: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(b64), np.uint8)


def test_predict_a_drawing(api, drawing):
    r = api.post("/api/mnist/predict", files={"image": ("d.png", drawing, "image/png")})
    assert r.status_code == 200, r.text
    out = r.json()
    p = np.array(out["probabilities"])
    assert p.shape == (10,) and abs(p.sum() - 1) < 1e-6 and out["label"] == int(p.argmax())
    assert out["run"] == "mnist/quick" and out["model"] == "cnn"
    digit = decode(out["input"]["data"]).reshape(28, 28)
    ys, xs = np.nonzero(digit > 50)
    assert 3 <= ys.min() and ys.max() <= 24 and 18 <= ys.max() - ys.min() <= 20  # 20 px tall
    assert abs(xs.mean() - 14) < 1.5  # centred by mass
    sal = decode(out["saliency"]["data"])
    assert sal.shape == (784,) and sal.max() == 255
    fm = out["feature_maps"]
    assert fm["layer"] == "0" and fm["count"] == 32 and (fm["width"], fm["height"]) == (28, 28)
    assert decode(fm["data"]).shape == (32 * 28 * 28,)
    # a JPEG drawing (dark ink on white: inverted), the run named explicitly
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(255 - np.asarray(Image.open(io.BytesIO(drawing)))).save(
        buf, format="JPEG")
    r = api.post("/api/mnist/predict", data={"run": "mnist/quick"},
                 files={"image": ("d.jpg", buf.getvalue(), "image/jpeg")})
    assert r.status_code == 200 and len(r.json()["probabilities"]) == 10


def test_the_model_is_loaded_once_and_again_when_its_run_is_rewritten(runs, drawing):
    app = create_app(runs)
    c = TestClient(app, base_url=LOCAL)
    for _ in range(3):
        assert c.post("/api/mnist/predict", files={"image": ("d.png", drawing)}).status_code \
            == 200
    cache = app.state.lab.models
    assert cache.loads == 1
    metrics = runs / "mnist" / "quick" / "metrics.json"
    text = metrics.read_text()
    metrics.unlink()  # (a hard link to the session's run: replace, do not write through)
    time.sleep(0.01)
    metrics.write_text(text)
    assert c.post("/api/mnist/predict", files={"image": ("d.png", drawing)}).status_code == 200
    assert cache.loads == 2 and len(cache._items) == 1


def test_other_routes_do_not_wait_for_the_engine(api, drawing):
    import threading

    from deepgrad.web.models import ENGINE_LOCK

    answers = []
    with ENGINE_LOCK:  # a long computation holds the engine
        t = threading.Thread(target=lambda: answers.append(api.post(
            "/api/mnist/predict", files={"image": ("d.png", drawing)}).status_code))
        t.start()
        assert api.get("/api/runs").status_code == 200  # answered meanwhile
        assert api.get("/api/info").status_code == 200
        t.join(0.3)
        assert answers == []  # the inference waits for its turn
    t.join(30)
    assert answers == [200]


def test_an_empty_canvas_gives_probabilities_too(api):
    r = api.post("/api/mnist/predict",
                 files={"image": ("e.png", png_bytes(np.zeros((280, 280), np.uint8)))})
    assert r.status_code == 200 and abs(sum(r.json()["probabilities"]) - 1) < 1e-6


def test_uploads_that_are_not_png_or_jpeg_are_415(api, drawing):
    from PIL import Image

    buf = io.BytesIO()
    Image.new("L", (28, 28)).save(buf, format="GIF")
    for name, data in [("x.gif", buf.getvalue()), ("x.png", b"hello, not an image"),
                       ("x.png", b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
                       ("x.png", b"%PDF-1.4\n")]:
        is_error(api.post("/api/mnist/predict", files={"image": (name, data, "image/png")}),
                 415, "PNG or JPEG")


def test_truncated_huge_and_missing_uploads(api, drawing):
    is_error(api.post("/api/mnist/predict", files={"image": ("t.png", drawing[:60])}), 400,
             "cannot be decoded")
    from PIL import Image

    side = int(MAX_PIXELS ** 0.5) + 1  # one pixel too many each way: a few KB as a 1-bit PNG
    buf = io.BytesIO()
    Image.new("1", (side, side)).save(buf, format="PNG")
    assert len(buf.getvalue()) < MAX_UPLOAD_BYTES
    is_error(api.post("/api/mnist/predict", files={"image": ("h.png", buf.getvalue())}), 413,
             "pixels")
    is_error(api.post("/api/mnist/predict", files={"image": ("e.png", b"")}), 400, "empty")
    is_error(api.post("/api/mnist/predict", data={"run": "mnist/quick"}), 422, "image")
    is_error(api.post("/api/mnist/predict", content=b"{}",
                      headers={"content-type": "application/json"}), 422)


def test_predict_refuses_other_runs_and_says_when_there_is_none(api, empty, runs, drawing):
    files = {"image": ("d.png", drawing)}
    is_error(api.post("/api/mnist/predict", data={"run": "../mnist/quick"}, files=files), 400)
    is_error(api.post("/api/mnist/predict", data={"run": "/etc"}, files=files), 400)
    (runs / "optlab" / "r1").mkdir(parents=True)
    (runs / "optlab" / "r1" / "config.json").write_text(json.dumps(
        {"task": "optlab", "config": {}, "seed": 0}))
    (runs / "optlab" / "r1" / "metrics.json").write_text("{}")
    is_error(api.post("/api/mnist/predict", data={"run": "optlab/r1"}, files=files), 400,
             "not a run of mnist")
    is_error(empty.post("/api/mnist/predict", files=files), 404, "no finished mnist run")
    assert [r["id"] for r in api.get("/api/mnist/runs").json()] == ["mnist/quick"]


# ----------------------------------------------------------------------------- optimizer race


def test_functions_for_the_level_lines(empty):
    fns = {f["name"]: f for f in empty.get("/api/optlab/functions").json()}
    assert set(fns) == {"quadratic", "rosenbrock", "beale", "saddle"}
    ros = fns["rosenbrock"]
    assert ros["minimum"] == [1.0, 1.0] and ros["f_min"] == 0.0 and fns["saddle"]["f_min"] is None
    assert len(ros["grid"]["f"]) == ros["grid"]["nx"] * ros["grid"]["ny"]
    assert len(ros["levels"]) > 5 and fns["quadratic"]["stochastic"]


def test_a_race_runs_every_optimizer_with_its_settings(empty):
    racers = [{"optimizer": "SGD", "lr": 1e-3, "label": "GD"},
              {"optimizer": "SGD", "lr": 1e-3, "momentum": 0.9, "nesterov": True},
              {"optimizer": "Adagrad", "lr": 0.5}, {"optimizer": "RMSprop", "lr": 0.01},
              {"optimizer": "Adam", "lr": 0.05, "betas": [0.8, 0.99]},
              {"optimizer": "AdamW", "lr": 0.05}, {"optimizer": "Adamax", "lr": 0.05}]
    r = empty.post("/api/optlab/race", json={"function": "rosenbrock", "steps": 150,
                                             "racers": racers})
    assert r.status_code == 200, r.text
    out = r.json()["racers"]
    assert [x["label"] for x in out] == ["GD", "SGD", "Adagrad", "RMSprop", "Adam", "AdamW",
                                         "Adamax"]
    for x in out:
        assert len(x["path"]) == 151 and len(x["loss"]) == 151 and x["path"][0] == [-1.5, 2.0]
        assert x["final"] < x["loss"][0] and not x["diverged"]
    assert out[4]["settings"]["betas"] == [0.8, 0.99]
    # the same settings give the same path as deepgrad.optim directly (optlab's own race)
    from deepgrad.tasks.optlab import race_path

    path = race_path("rosenbrock", "SGD", {"lr": 1e-3, "momentum": 0.9, "nesterov": True}, 150)
    np.testing.assert_allclose(np.array(out[1]["path"]), path)


def test_a_race_with_stochastic_gradients_a_target_and_a_divergence(empty):
    r = empty.post("/api/optlab/race", json={"function": "quadratic", "steps": 300, "racers": [
        {"optimizer": "SGD", "lr": 0.02, "batch": 16},
        {"optimizer": "SGD", "lr": 0.03, "momentum": 0.9}, {"optimizer": "SGD", "lr": 5.0}]})
    assert r.status_code == 200, r.text
    sgd, momentum, wild = r.json()["racers"]
    assert sgd["batch"] == 16 and sgd["steps_to_target"] is None  # the noise stays
    assert 100 < momentum["steps_to_target"] < 300
    assert wild["diverged"] and len(wild["path"]) < 301  # stopped; no NaN in the JSON
    assert "NaN" not in r.text and "Infinity" not in r.text


@pytest.mark.parametrize("body, status, match", [
    ({"function": "himmelblau", "racers": [{"optimizer": "Adam", "lr": 0.1}]}, 422, "function"),
    ({"function": "beale", "racers": []}, 422, "racers"),
    ({"function": "beale", "racers": [{"optimizer": "Adam", "lr": 0.1}] * 9}, 422, "racers"),
    ({"function": "beale", "racers": [{"optimizer": "LBFGS", "lr": 0.1}]}, 422, "optimizer"),
    ({"function": "beale", "racers": [{"optimizer": "Adam", "lr": 0}]}, 422, "lr"),
    ({"function": "beale", "racers": [{"optimizer": "Adam", "lr": "fast"}]}, 422, "lr"),
    ({"function": "beale", "racers": [{"optimizer": "SGD", "lr": 0.1, "momentum": 1.5}]}, 422,
     "momentum"),
    ({"function": "beale", "racers": [{"optimizer": "Adam", "lr": 0.1, "momentum": 0.9}]}, 422,
     "momentum"),
    ({"function": "beale", "racers": [{"optimizer": "SGD", "lr": 0.1, "batch": 4}]}, 422,
     "finite sum"),
    ({"function": "beale", "steps": 10**6, "racers": [{"optimizer": "Adam", "lr": 0.1}]}, 422,
     "steps"),
    ({"function": "beale", "racers": [{"optimizer": "Adam", "lr": 0.1}], "x": 1}, 422, "x"),
    ([1, 2, 3], 422, ""),
])
def test_race_requests_are_validated(empty, body, status, match):
    is_error(empty.post("/api/optlab/race", json=body), status, match)


def test_malformed_json_is_400(empty, jobs):
    for c, path in ((empty, "/api/optlab/race"), (jobs, "/api/jobs")):
        is_error(c.post(path, content=b'{"function": "beale",',
                        headers={"content-type": "application/json"}), 400, "malformed JSON")
        r = c.post(path, content=b"\xff\xfe", headers={"content-type": "application/json"})
        assert r.status_code in (400, 422) and set(r.json()) == {"error"}


# ----------------------------------------------------------------------------- train and watch


def test_tasks_lists_every_registered_task_with_its_config_fields(empty):
    tasks = {t["name"]: t for t in empty.get("/api/tasks").json()}
    from deepgrad.tasks import TASKS

    assert list(tasks) == list(TASKS)
    mnist = tasks["mnist"]
    fields = {f["name"]: f for f in mnist["fields"]}
    assert fields["model"]["choices"] == ["cnn", "mlp"] and fields["epochs"]["optional"]
    assert mnist["quick"]["limit"] == 2000 and mnist["headline"] == "test_accuracy"


def wait_over(c, job_id, timeout=60.0):
    end = time.time() + timeout
    while time.time() < end:
        j = c.get(f"/api/jobs/{job_id}").json()
        if j["state"] in ("finished", "failed", "cancelled"):
            return j
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} still {j['state']} after {timeout} s")


def test_a_job_runs_like_a_cli_run_and_reports_its_progress(jobs, tmp_path):
    r = jobs.post("/api/jobs", json={"task": "fake", "quick": True, "config": {"epochs": 3}})
    assert r.status_code == 201, r.text
    job = r.json()
    assert job["state"] == "running" and job["run"].startswith("fake/")
    assert jobs.get("/api/jobs/current").json()["id"] == job["id"]
    done = wait_over(jobs, job["id"])
    assert done["state"] == "finished" and done["error"] is None, done
    assert done["metrics"]["score"] > 0.8 and done["epochs"] == 3 and done["epoch"] == 3
    assert [e["epoch"] for e in done["epoch_figures"]] == [1, 2, 3]
    assert "val_loss" in done["epoch_figures"][-1]["values"]
    curve = done["curves"]["training"]
    assert len(curve) >= 6 and curve[-1][0] == 3.0 and curve[-1][1] < curve[0][1]
    run = tmp_path / "jobruns" / done["run"]
    info = json.loads((run / "config.json").read_text())
    assert info["task"] == "fake" and info["quick"] and info["config"]["epochs"] == 3
    assert info["config"]["steps"] == 3  # QUICK's value, the field not given
    assert (run / "metrics.json").exists() and (run / "note.txt").exists()
    assert "Epoch 3/3" in (run / "log.txt").read_text()
    listed = {x["id"]: x for x in jobs.get("/api/runs").json()}
    assert listed[done["run"]]["state"] == "finished"
    assert listed[done["run"]]["headline"]["name"] == "score"


def test_one_job_at_a_time_and_a_running_job_can_be_stopped(jobs, tmp_path):
    first = jobs.post("/api/jobs", json={"task": "fake", "config": {"mode": "hang"}}).json()
    is_error(jobs.post("/api/jobs", json={"task": "fake"}), 409, "a job is running")
    end = time.time() + 30
    while jobs.get(f"/api/jobs/{first['id']}").json()["step"] < 1 and time.time() < end:
        time.sleep(0.05)  # it has started training
    r = jobs.post(f"/api/jobs/{first['id']}/cancel")
    assert r.status_code == 200 and r.json()["state"] in ("cancelling", "cancelled")
    assert wait_over(jobs, first["id"])["state"] == "cancelled"
    run = tmp_path / "jobruns" / first["run"]
    assert (run / "config.json").exists() and not (run / "metrics.json").exists()
    listed = {x["id"]: x["state"] for x in jobs.get("/api/runs").json()}
    assert listed[first["run"]] == "unfinished"
    again = jobs.post("/api/jobs", json={"task": "fake"})  # free again
    assert again.status_code == 201
    assert wait_over(jobs, again.json()["id"])["state"] == "finished"
    assert jobs.post(f"/api/jobs/{first['id']}/cancel").json()["state"] == "cancelled"


@pytest.mark.parametrize("mode, match", [("fail", "TaskError: the fake task failed on purpose"),
                                         ("exit", "exit code 7")])
def test_a_crashing_job_is_reported_and_the_server_goes_on(jobs, mode, match):
    job = jobs.post("/api/jobs", json={"task": "fake", "config": {"mode": mode}}).json()
    done = wait_over(jobs, job["id"])
    assert done["state"] == "failed" and match in done["error"], done
    assert jobs.get("/api/info").status_code == 200
    assert jobs.post("/api/jobs", json={"task": "fake", "config": {"epochs": 1}}
                     ).status_code == 201


@pytest.mark.parametrize("body, status, match", [
    ({"task": "nope"}, 404, "unknown task"),
    ({"task": "fake", "config": {"epochz": 2}}, 422, "epochz"),
    ({"task": "fake", "config": {"epochs": "two"}}, 422, "epochs"),
    ({"task": "fake", "config": {"epochs": 2.5}}, 422, "epochs"),
    ({"task": "fake", "config": {"mode": "explode"}}, 422, "mode"),
    ({"task": "fake", "config": {"note": ["a"]}}, 422, "note"),
    ({"task": "fake", "quick": "maybe"}, 422, "quick"),
    ({"task": "fake", "extra": 1}, 422, "extra"),
    ({}, 422, "task"),
])
def test_job_requests_are_validated(jobs, body, status, match):
    is_error(jobs.post("/api/jobs", json=body), status, match)
    assert jobs.get("/api/jobs/current").json() is None  # nothing was started


def test_unknown_jobs_are_404(jobs):
    is_error(jobs.get("/api/jobs/abc"), 404, "no job")
    is_error(jobs.post("/api/jobs/abc/cancel"), 404, "no job")


def test_a_watched_job_reports_its_layers_with_the_models_names(jobs):
    job = jobs.post("/api/jobs", json={"task": "fake", "config": {
        "train": True, "epochs": 2, "steps": 6, "delay": 0.05}}).json()
    assert job["layers"] == {"watch": True, "models": 0, "samples": 0}
    done = wait_over(jobs, job["id"])
    assert done["state"] == "finished", done
    assert done["layers"]["models"] == 1 and done["layers"]["samples"] >= 1
    layers = jobs.get(f"/api/jobs/{job['id']}/layers").json()
    assert layers["watch"] and layers["state"] == "finished" and layers["rejected"] == 0
    (model,) = layers["models"]
    assert model["label"] == "tiny net" and model["step"] >= 2
    assert [p["name"] for p in model["params"]] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert [p["shape"] for p in model["params"]] == [[8, 4], [8], [2, 8], [2]]
    assert [(ly["name"], ly["type"], ly["size"]) for ly in model["layers"]] == [
        ("0", "Linear", 40), ("1", "ReLU", 0), ("2", "Linear", 18)]
    for p in model["params"]:
        assert p["grad"] > 0 and p["norm"] > 0 and 0 < p["update"] < 1
    for ly in model["layers"]:
        assert ly["std"] > 0 and 0 <= ly["zeros"] <= 1
    assert model["layers"][1]["zeros"] > 0 and model["layers"][1]["grad"] is None
    w, b = model["params"][0]["grad"], model["params"][1]["grad"]
    assert model["layers"][0]["grad"] == pytest.approx((w * w + b * b) ** 0.5, rel=1e-3)
    assert set(model["history"]) == {"0", "2"}
    assert all(pts and pts[-1][0] == model["step"] for pts in model["history"].values())


def test_an_unwatched_job_and_a_loop_without_layers_report_none(jobs):
    off = jobs.post("/api/jobs", json={"task": "fake", "watch": False,
                                       "config": {"train": True}}).json()
    assert wait_over(jobs, off["id"])["state"] == "finished"
    layers = jobs.get(f"/api/jobs/{off['id']}/layers").json()
    assert layers["watch"] is False and layers["models"] == [] and layers["samples"] == 0
    plain = jobs.post("/api/jobs", json={"task": "fake"}).json()  # prints a bar, trains nothing
    assert wait_over(jobs, plain["id"])["state"] == "finished"
    layers = jobs.get(f"/api/jobs/{plain['id']}/layers").json()
    assert layers["watch"] is True and layers["models"] == []
    is_error(jobs.get("/api/jobs/nope/layers"), 404, "no job")
    is_error(jobs.post("/api/jobs", json={"task": "fake", "watch": "yes please"}), 422, "watch")
