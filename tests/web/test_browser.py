"""The lab in a real browser (Debian's Chromium through Playwright) against the real server
(uvicorn in a thread on a free loopback port): for each panel, the page loads without console
errors, a user action gives the expected result on the page, and a screenshot is not blank.

Screenshots go to $DEEPGRAD_LAB_SHOTS when it is set (to look at them), else to a temporary
folder."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from lab_browser import Console, open_panel, panel_count, shoot, until

from deepgrad.web import create_app
from deepgrad.web.server import BackgroundServer

WAIT = 60_000  # ms: generous, the machine is shared


@pytest.fixture(scope="module", autouse=True)
def mnist_runs(lab_root, mnist_run_root) -> Path:
    """The session's mnist run in the browser's runs directory, and a second one that differs
    in its config (to compare)."""
    shutil.copytree(mnist_run_root, lab_root, copy_function=os.link, dirs_exist_ok=True)
    twin = lab_root / "mnist" / "twin"
    if not twin.exists():
        shutil.copytree(lab_root / "mnist" / "quick", twin, copy_function=os.link)
        info = json.loads((twin / "config.json").read_text())
        info["config"]["batch_size"] = 64
        (twin / "config.json").unlink()  # a hard link: replace, not write through
        (twin / "config.json").write_text(json.dumps(info))
    return lab_root


def stroke(page, box, points) -> None:
    """One stroke of the mouse through ``points`` (canvas pixels of 280 x 280)."""
    sx, sy = box["width"] / 280, box["height"] / 280
    (x, y), rest = points[0], points[1:]
    page.mouse.move(box["x"] + x * sx, box["y"] + y * sy)
    page.mouse.down()
    for x, y in rest:
        page.mouse.move(box["x"] + x * sx, box["y"] + y * sy, steps=4)
    page.mouse.up()


def test_draw_a_digit_stroke_by_stroke(page, server, shots):
    console = open_panel(page, server, "draw")
    box = page.locator("#draw-canvas").bounding_box()
    stroke(page, box, [(70, 60), (140, 58), (210, 60)])  # the bar of a 7
    page.wait_for_selector("#draw-prediction[data-stroke='1']")
    stroke(page, box, [(210, 60), (180, 130), (150, 200), (130, 245)])  # its leg
    page.wait_for_selector("#draw-prediction[data-stroke='2']")
    bars = page.locator("#draw-bars .bar[data-p]")
    assert bars.count() == 10
    p = [float(bars.nth(d).get_attribute("data-p")) for d in range(10)]
    assert abs(sum(p) - 1) < 1e-3
    top = max(range(10), key=p.__getitem__)
    assert page.inner_text("#draw-prediction") == str(top)
    assert page.get_attribute("#draw-prediction", "data-label") == str(top)
    assert page.locator("#draw-bars .bar-row.top").get_attribute("data-digit") == str(top)
    width = page.locator(f"#draw-bars .bar[data-digit='{top}']").evaluate(
        "b => b.getBoundingClientRect().width")
    assert width > 10  # the bar is drawn to its length
    assert page.get_attribute("#draw-saliency", "data-ready") == "true"
    assert page.locator("#draw-maps canvas.map").count() == 32
    assert "CNN of run mnist/" in page.inner_text("#draw-status")
    shoot(page, shots, "draw")
    page.click("#draw-clear")
    assert page.inner_text("#draw-prediction") == "–"
    console.check()


def test_race_optimizers(page, server, shots):
    console = open_panel(page, server, "race")
    assert page.locator("#race-plane path.level").count() > 5  # level lines drawn at once
    page.select_option("#race-function", "quadratic")  # a finite sum: batches for SGD
    assert page.locator("#race-racers input[data-key='batch']").count() == 3
    page.select_option("#race-function", "beale")
    assert page.locator("#race-racers input[data-key='batch']").count() == 0
    page.fill("#race-steps", "300")
    page.click("#race-add")  # a sixth racer: Adam, lr 0.01
    assert page.locator("#race-racers .racer").count() == 6
    page.click("#race-go")
    page.wait_for_selector("#race-plane[data-done='true']")
    paths = page.locator("#race-plane polyline.path")
    assert paths.count() == 6
    assert all(int(paths.nth(k).get_attribute("data-points")) > 100 for k in range(6))
    assert page.locator("#race-curves polyline.series").count() == 6
    legend = page.locator("#race-legend .legend-row")
    assert legend.count() == 6 and "Adam" in page.inner_text("#race-legend")
    assert "beale: 6 racers, 300 steps" in page.inner_text("#race-status")
    shoot(page, shots, "race")
    # a wrong setting is refused by the server and said on the page
    page.locator("#race-racers .racer-lr").first.fill("-1")
    page.click("#race-go")
    page.wait_for_selector("#race-status.error")
    assert "greater than 0" in page.inner_text("#race-status")
    console.check("the server responded with a status of 422")


def test_train_a_task_and_watch_it_finish(page, server, shots):
    console = open_panel(page, server, "train")
    page.select_option("#train-task", "fake")
    page.fill("#train-fields [data-field='epochs']", "3")
    page.fill("#train-fields [data-field='delay']", "0.05")
    page.click("#train-start")
    page.wait_for_selector("#train-state[data-state='finished']")
    text = page.inner_text("#train-state")
    assert "fake (QUICK): finished" in text and "epoch 3/3" in text
    assert int(page.get_attribute("#train-curve", "data-points")) >= 6
    assert page.get_attribute("#train-progress", "data-fraction") == "1"
    assert "score" in page.inner_text("#train-result")
    assert "exposed no layers" in page.inner_text("#train-layers-note")  # it trains nothing
    shoot(page, shots, "train")
    run = text.split("run ")[-1].strip()
    page.click("#train-open-run")
    page.wait_for_selector(f"#run-a[data-run='{run}']")
    assert "note.txt" in page.inner_text("#run-a")
    console.check()


def test_start_a_real_quick_training_and_stop_it(page, server, lab_root):
    console = open_panel(page, server, "train")
    page.select_option("#train-task", "mnist")
    assert page.input_value("#train-fields [data-field='limit']") == "2000"  # QUICK's
    page.click("#train-start")
    page.wait_for_selector("#train-state[data-state='running']")
    page.wait_for_selector("#train-state:has-text('epoch 1/1')")  # it is training
    page.click("#train-stop")
    page.wait_for_selector("#train-state[data-state='cancelled']")
    run = page.inner_text("#train-state").split("run ")[-1].strip()
    assert (lab_root / run / "config.json").exists()
    assert not (lab_root / run / "metrics.json").exists()
    assert page.is_enabled("#train-start") and not page.is_enabled("#train-stop")
    console.check()


def test_watch_the_layers_of_a_real_quick_training(page, server, shots):
    console = open_panel(page, server, "train")
    page.select_option("#train-task", "mnist")
    assert page.is_checked("#train-watch")
    page.click("#train-start")
    page.wait_for_selector("#train-state[data-state='running']")
    page.wait_for_selector("#train-layers tr[data-layer='13']", timeout=WAIT)
    assert page.get_attribute("#train-state", "data-state") == "running"  # live, not after
    page.wait_for_selector("#train-state[data-state='finished']", timeout=2 * WAIT)
    assert "cnn classifier" in page.inner_text("#train-layer-models")
    rows = page.locator("#train-layers tr.first")
    layers = [rows.nth(i).get_attribute("data-layer") for i in range(rows.count())]
    assert layers == ["0", "1", "2", "4", "5", "6", "10", "11", "13"]  # the CNN's modules
    text = page.inner_text("#train-layers")
    for name in ("Conv2d", "BatchNorm2d", "ReLU", "Linear", "weight", "bias", "32×1×3×3"):
        assert name in text, name
    grads = page.locator("#train-layers td.grad[data-value]")
    assert grads.count() == 10  # 0.weight, 1.weight/bias, 4.weight, 5.weight/bias, 10 and 13 w/b
    assert all(float(grads.nth(i).get_attribute("data-value")) > 0 for i in range(10))
    zeros = page.locator("#train-layers tr[data-layer='2'] td.zeros").get_attribute("data-value")
    assert 0 < float(zeros) < 1  # ReLU outputs have zeros
    assert int(page.get_attribute("#train-layers tr[data-layer='13'] svg.spark",
                                  "data-points")) >= 1
    page.locator("#train-layers-card").scroll_into_view_if_needed()
    shoot(page, shots, "train_layers", full=True)
    console.check()


def test_open_runs_side_by_side(page, server, shots):
    console = open_panel(page, server, "runs")
    page.wait_for_selector("#runs-list tr[data-run='mnist/quick']")
    page.click("#runs-list button.open-run[data-run='mnist/quick']")
    page.wait_for_selector("#run-a[data-run='mnist/quick']")
    page.click("#runs-list button.compare[data-run='mnist/twin']")
    page.wait_for_selector("#run-b[data-run='mnist/twin']")
    for slot in ("a", "b"):
        view = page.locator(f"#run-{slot}")
        assert "test_accuracy" in view.inner_text()
        img = view.locator("img.artifact[alt='curves.png']")
        img.wait_for()
        until(lambda img=img: img.evaluate("i => i.complete && i.naturalWidth") > 100)
    differs = page.locator("#run-a table.config tr.differs")
    assert differs.count() == 1 and differs.get_attribute("data-key") == "batch_size"
    assert page.locator("#run-a table.metrics tr.differs").count() == 0
    shoot(page, shots, "runs", full=True)
    console.check()


def test_a_lab_with_a_token_works_in_the_browser_from_its_printed_url(browser, lab_root, shots):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    refused = context.new_page()
    refused.set_default_timeout(WAIT)
    with BackgroundServer(create_app(lab_root, token="t0ken")) as url:
        r = refused.goto(url)
        assert r.status == 401 and "token" in refused.inner_text("body")
        # The refused page's own late loads (Chromium asks for /favicon.ico after the page, and
        # gets a 401 too) stay on that page: the page under test is a new one in the same context.
        refused.close()
        page = context.new_page()
        page.set_default_timeout(WAIT)
        console = Console(page)
        page.goto(f"{url}?token=t0ken#runs")  # the module scripts and images carry the cookie
        page.wait_for_selector("body[data-ready='true']")
        assert page.locator("nav .tab").count() == panel_count()
        page.wait_for_selector("#runs-list tr[data-run='mnist/quick']")
        console.check()
    context.close()
