"""The Walk-a-GAN's-latent-space panel: its API through TestClient (the runs and what each
trained, sample grids and walks of both generators as the run's Sampler draws them, each
image's class by the run's judge as the task's quality measures compute it, the run's figures,
every refusal) and the page in Chromium (a grid drawn and judged, the measured quality beside
it, a walk between two seeds, the other generator)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from lab_helpers import gray_pixels as pixels
from lab_helpers import is_error, lab_client

RUN = "gan/quick"


def u8(x: np.ndarray) -> np.ndarray:
    return np.round(255 * np.clip(np.asarray(x, np.float64), 0, 1)).astype(np.uint8)[0]


def post(api, path, **body):
    r = api.post(f"/api/gan/{path}", json=body)
    assert r.status_code == 200, r.text
    return r.json()


def test_the_runs_list_their_generators_and_judge(api):
    listed = api.get("/api/gan/runs").json()
    assert [r["id"] for r in listed] == [RUN]
    assert listed[0]["kinds"] == ["dcgan", "dense"] and listed[0]["judge"] is True


@pytest.mark.parametrize("kind", ["dcgan", "dense"])
def test_samples_are_the_samplers_and_judged_as_the_task_measures(api, runs, kind):
    from deepgrad.tasks.gan import load, load_judge
    from deepgrad.tasks.gan.quality import confidence_and_coverage

    out = post(api, "sample", kind=kind, n=12, seed=7)
    assert out["run"] == RUN and out["kind"] == kind and (out["seed"], out["n"]) == (7, 12)
    assert out["latent_size"] == 100 and out["dataset"] == "mnist"
    want = load(runs / RUN, kind).sample(12, 7)
    assert len(out["images"]) == 12
    for got, x in zip(out["images"], want, strict=True):
        np.testing.assert_array_equal(pixels(got), u8(x))
    judge = load_judge(runs / RUN)
    _, proba = judge.features_and_proba(want)
    j = out["judge"]
    assert j["classes"] == [str(k) for k in range(10)]
    assert [p["index"] for p in j["predictions"]] == proba.argmax(1).tolist()
    assert [p["class"] for p in j["predictions"]] == [str(k) for k in proba.argmax(1)]
    assert [p["p"] for p in j["predictions"]] == pytest.approx(proba.max(1).tolist())
    conf, cover = confidence_and_coverage(proba)
    assert j["confidence"] == pytest.approx(conf) and j["coverage"] == pytest.approx(cover)
    metrics = json.loads((runs / RUN / "metrics.json").read_text())
    suffix = "" if kind == "dcgan" else "_dense"
    assert out["metrics"][kind] == {name: metrics[f"{name}{suffix}"] for name in
                                    ("fid", "classifier_confidence", "class_coverage")}
    assert out["metrics"]["classifier_test_accuracy"] == metrics["classifier_test_accuracy"]
    assert out["metrics"]["samples"] == metrics["samples"] == 100


def test_load_judge_gives_back_the_runs_classifier(runs):
    """tasks.gan.load_judge: on the run's real test images, the classifier rebuilt from
    classifier.npz and the training images' statistics has the run's test accuracy."""
    from deepgrad.data.image_sets import image_set
    from deepgrad.tasks.gan import load_judge

    judge = load_judge(runs / RUN)
    metrics = json.loads((runs / RUN / "metrics.json").read_text())
    test = image_set("mnist")
    n = min(metrics["samples"], len(test.x_test))
    _, proba = judge.features_and_proba(test.x_test[:n])
    assert float(np.mean(proba.argmax(1) == test.y_test[:n])) == pytest.approx(
        metrics["classifier_test_accuracy"])
    x = image_set("mnist").x_train[:256]  # the run's limit
    assert (judge.mean, judge.std) == (float(x.mean()), float(x.std()))


def test_load_judge_of_a_run_that_saved_no_statistics_reads_them_again(runs):
    """Runs before the statistics were saved with classifier.npz: the same judge, from the
    training images read again."""
    from deepgrad.tasks.gan import load_judge
    from deepgrad.train import load_checkpoint, save_checkpoint

    saved = load_judge(runs / RUN)
    assert load_checkpoint(runs / RUN / "classifier.npz")["extra"]["classes"] == saved.classes
    old = runs / "gan" / "old"
    import shutil

    shutil.copytree(runs / RUN, old)
    save_checkpoint(old / "classifier.npz", saved.model, epoch=0)  # no extra
    again = load_judge(old)
    assert (again.mean, again.std, again.classes) == (saved.mean, saved.std, saved.classes)


def test_a_walk_is_the_samplers_and_starts_at_each_seeds_first_image(api, runs):
    from deepgrad.tasks.gan import line, load, noise

    out = post(api, "walk", seed_a=3, seed_b=11, steps=6, judge=False)
    assert (out["seed_a"], out["seed_b"], out["steps"]) == (3, 11, 6) and out["judge"] is None
    assert out["t"] == pytest.approx(np.linspace(0, 1, 6).tolist())
    sampler = load(runs / RUN)
    want = sampler.walk(3, 11, 6)
    for got, x in zip(out["images"], want, strict=True):
        np.testing.assert_array_equal(pixels(got), u8(x))
    z = line(noise(1, 100, 3)[0], noise(1, 100, 11)[0], 6)
    np.testing.assert_array_equal(z[0], noise(4, 100, 3)[0])  # seed 3's first noise vector
    np.testing.assert_allclose(want, sampler.decode(z), atol=1e-6)
    # its ends are the first images of the two seeds' grids (up to a batch's round-off)
    np.testing.assert_allclose(want[0], sampler.sample(5, 3)[0], atol=1e-5)
    np.testing.assert_allclose(want[-1], sampler.sample(1, 11)[0], atol=1e-5)
    grid = post(api, "sample", seed=3, n=4, judge=False)
    assert np.abs(pixels(grid["images"][0]).astype(int) - pixels(out["images"][0])).max() <= 1
    judged = post(api, "walk", seed_a=3, seed_b=11, steps=6, kind="dense")
    assert len(judged["judge"]["predictions"]) == 6 and judged["kind"] == "dense"


def test_the_bounds_and_the_caches(api):
    from deepgrad.web.derived import DERIVED

    made = DERIVED.made
    assert len(post(api, "sample", n=1, seed=0)["images"]) == 1
    assert len(post(api, "sample", n=64, seed=2**32 - 1)["images"]) == 64
    assert len(post(api, "walk", steps=2)["images"]) == 2
    assert len(post(api, "walk", steps=17, seed_a=5, seed_b=5)["images"]) == 17
    assert post(api, "sample")["n"] == 16  # the defaults
    assert DERIVED.made == made + 1  # the judge, loaded once
    assert api.app.state.lab.models.loads == 1  # the DCGAN
    post(api, "sample", kind="dense", judge=False)
    assert api.app.state.lab.models.loads == 2


@pytest.mark.parametrize("path, body, status, match", [
    ("sample", {"n": 0}, 422, "n: Input should be greater than or equal to 1"),
    ("sample", {"n": 65}, 422, "n: Input should be less than or equal to 64"),
    ("sample", {"seed": -1}, 422, "seed: Input should be greater than or equal to 0"),
    ("sample", {"seed": 2**32}, 422, "seed: Input should be less than or equal to 4294967295"),
    ("sample", {"n": "many"}, 422, "n: Input should be a valid integer"),
    ("sample", {"kind": "vae"}, 422, "kind: Input should be 'dcgan' or 'dense'"),
    ("sample", {"judge": "maybe"}, 422, "judge"),
    ("sample", {"steps": 3}, 422, "steps: Extra inputs are not permitted"),
    ("walk", {"steps": 1}, 422, "steps: Input should be greater than or equal to 2"),
    ("walk", {"steps": 18}, 422, "steps: Input should be less than or equal to 17"),
    ("walk", {"seed_a": 1.5}, 422, "seed_a"),
    ("walk", {"n": 4}, 422, "n: Extra inputs are not permitted"),
    ("walk", {"run": "../gan/quick"}, 400, "'..'"),
    ("sample", {"run": "/etc"}, 400, "absolute"),
    ("sample", {"run": "gan/nope"}, 404, "not found"),
    ("sample", {"run": "x" * 401}, 422, "run"),
])
def test_requests_are_validated(api, path, body, status, match):
    is_error(api.post(f"/api/gan/{path}", json=body), status, match)


def test_bodies_that_are_not_json_objects_are_refused_clearly(api):
    for path in ("sample", "walk"):
        is_error(api.post(f"/api/gan/{path}", content=b'{"n": ',
                          headers={"content-type": "application/json"}), 400, "malformed JSON")
        is_error(api.post(f"/api/gan/{path}", json=[1, 2]), 422)
        is_error(api.post(f"/api/gan/{path}", data={"n": "4"}), 422)
    assert api.app.state.lab.models.loads == 0


def test_other_runs_unfinished_runs_no_run_and_missing_files(api, runs, tmp_path):
    (runs / "optlab" / "r1").mkdir(parents=True)
    (runs / "optlab" / "r1" / "config.json").write_text(json.dumps(
        {"task": "optlab", "config": {}, "seed": 0}))
    (runs / "optlab" / "r1" / "metrics.json").write_text("{}")
    is_error(api.post("/api/gan/sample", json={"run": "optlab/r1"}), 400, "not a run of gan")
    (runs / "gan" / "half").mkdir()
    (runs / "gan" / "half" / "config.json").write_text((runs / RUN / "config.json").read_text())
    is_error(api.post("/api/gan/walk", json={"run": "gan/half"}), 409, "has not finished")
    assert [r["id"] for r in api.get("/api/gan/runs").json()] == [RUN]
    with lab_client(tmp_path / "empty") as empty:
        is_error(empty.post("/api/gan/sample", json={}), 404, "no finished gan run")
        assert empty.get("/api/gan/runs").json() == []
    # a run without the dense baseline, and one whose judge is gone
    (runs / RUN / "generator_dense.npz").unlink()
    (runs / RUN / "classifier.npz").unlink()
    listed = api.get("/api/gan/runs").json()[0]
    assert listed["kinds"] == ["dcgan"] and listed["judge"] is False
    is_error(api.post("/api/gan/sample", json={"kind": "dense"}), 409,
             "generator_dense.npz: missing; expected the generator of a finished gan run")
    is_error(api.post("/api/gan/sample", json={"judge": True}), 409,
             "classifier.npz: missing; expected the classifier of a finished gan run")
    assert post(api, "sample", judge=False)["judge"] is None


# ----------------------------------------------------------------------------- in the browser


def test_draw_judge_and_walk_in_the_browser(page, server, lab_root, app_runs, shots):
    from lab_browser import open_panel, shoot
    from lab_runs import link_runs

    link_runs(app_runs("gan"), lab_root)
    console = open_panel(page, server, "latent")
    page.wait_for_selector("#latent-run[data-count='1']")
    page.fill("#latent-seed", "5")
    page.fill("#latent-n", "8")
    page.click("#latent-draw")
    page.wait_for_selector("#latent-grid[data-seed='5'][data-count='8'][data-kind='dcgan']")
    with lab_client(lab_root) as c:  # the page shows the API's answer
        want = c.post("/api/gan/sample", json={"seed": 5, "n": 8}).json()
    figs = page.locator("#latent-grid figure")
    assert [figs.nth(k).get_attribute("data-class") for k in range(8)] == [
        p["class"] for p in want["judge"]["predictions"]]
    assert float(page.get_attribute("#latent-grid-judge", "data-confidence")) == pytest.approx(
        want["judge"]["confidence"])
    assert "Judged by the run's classifier" in page.inner_text("#latent-grid-judge")
    rows = page.locator("#latent-quality tr[data-kind]")
    assert rows.count() == 2
    assert float(rows.nth(0).get_attribute("data-fid")) == pytest.approx(
        want["metrics"]["dcgan"]["fid"])
    assert "(this one)" in rows.nth(0).inner_text()
    page.fill("#latent-seed-a", "5")
    page.fill("#latent-seed-b", "9")
    page.fill("#latent-steps", "7")
    page.click("#latent-walk-go")
    page.wait_for_selector("#latent-walk[data-seeds='5-9'][data-count='7']")
    assert "t = 1.00" in page.inner_text("#latent-walk")
    shoot(page, shots, "latent", full=True)
    page.select_option("#latent-kind", "dense")
    page.click("#latent-next")  # seed 6
    page.wait_for_selector("#latent-grid[data-seed='6'][data-kind='dense']")
    assert "(this one)" in page.locator("#latent-quality tr[data-kind='dense']").inner_text()
    console.check()
