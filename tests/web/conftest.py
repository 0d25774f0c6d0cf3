"""Fixtures of the lab's tests: a runs directory holding one QUICK mnist run (trained once per
test session, on a smaller slice of MNIST to keep it seconds long), apps over it, a PNG
drawing; the applications' tiny runs (``app_runs(task)``, :mod:`lab_runs`); and the browser
side: Chromium, the real server over one runs directory, a page, where screenshots go."""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from lab_helpers import lab_client, png_bytes
from lab_runs import link_runs, train

if any(importlib.util.find_spec(m) is None for m in ("fastapi", "uvicorn", "multipart")):
    # the lab's extra is not installed (pip install 'deepgrad[lab]'): nothing here can run
    collect_ignore_glob = ["test_*.py"]


def _mnist_available() -> bool:
    try:
        from deepgrad.data import mnist

        mnist()
        return True
    except Exception:  # noqa: BLE001  (no store, no registry: the tests that need it skip)
        return False


@pytest.fixture(scope="session")
def mnist_run_root(tmp_path_factory) -> Path:
    """A runs directory with one finished QUICK mnist run, ``mnist/quick`` (read-only: copy
    it to write)."""
    if not _mnist_available():
        pytest.skip("MNIST could not be obtained here")
    from deepgrad.tasks import mnist, run_task

    root = tmp_path_factory.mktemp("lab_runs")
    # QUICK on a fifth of its images: one epoch of 4 steps, then the 10,000 test images
    cfg = dataclasses.replace(mnist.QUICK, limit=400)
    run_task("mnist", cfg, root / "mnist" / "quick", quick=True)
    return root


@pytest.fixture
def runs(request, tmp_path) -> Path:
    """A fresh copy of the runs directory for one test (weights hard-linked, not copied): in a
    panel's module (``RUN = "<task>/quick"``) that task's run (:func:`app_runs`), elsewhere the
    MNIST run."""
    run = getattr(request.module, "RUN", None)
    if run is not None:
        return request.getfixturevalue("app_runs_copy")(run.split("/")[0])
    dst = tmp_path / "runs"
    shutil.copytree(request.getfixturevalue("mnist_run_root"), dst, copy_function=os.link)
    return dst


@pytest.fixture
def api(runs):
    """A TestClient of the lab over :func:`runs`."""
    with lab_client(runs) as c:
        yield c


@pytest.fixture
def drawing() -> bytes:
    """A 280 x 280 PNG of a white '1' on black, as the page's canvas sends it."""
    img = np.zeros((280, 280), np.uint8)
    img[40:240, 130:150] = 255
    return png_bytes(img)


@pytest.fixture(scope="session")
def app_runs(tmp_path_factory):
    """``app_runs(task)`` -> a runs directory holding one finished tiny run of ``task``,
    ``<task>/quick`` (trained on first use, once per session; read-only: copy it to write).
    Skips, saying why, when the task's data cannot be had."""
    made: dict[str, Path | BaseException] = {}

    def get(task: str) -> Path:
        if task not in made:
            try:
                made[task] = train(tmp_path_factory.mktemp(f"lab_{task}"), task)
            except pytest.skip.Exception as e:
                made[task] = e
        if isinstance(made[task], BaseException):
            raise made[task]
        return made[task]

    return get


@pytest.fixture
def app_runs_copy(app_runs, tmp_path):
    """``app_runs_copy(task)`` -> a fresh copy of that runs directory for one test."""
    return lambda task: link_runs(app_runs(task), tmp_path / "runs")


# ----------------------------------------------------------------------------- the browser

WAIT = 60_000  # ms: generous, the machine is shared


@pytest.fixture(scope="session")
def browser():
    from lab_browser import CHROMIUM_ARGS, need_browser

    path = need_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def lab_root(tmp_path_factory) -> Path:
    """The browser tests' runs directory: each test links in the runs it needs."""
    return tmp_path_factory.mktemp("browser_runs")


@pytest.fixture(scope="session")
def server(lab_root, browser):
    """The real lab (uvicorn on a free loopback port) over ``lab_root``, with the fake task
    besides the course's."""
    import lab_fake_task

    from deepgrad.tasks import TASKS
    from deepgrad.web import create_app
    from deepgrad.web.server import BackgroundServer

    registry = {name: TASKS[name] for name in TASKS} | {"fake": lab_fake_task}
    with BackgroundServer(create_app(lab_root, tasks=registry)) as url:
        yield url


@pytest.fixture(scope="session")
def shots(tmp_path_factory) -> Path:
    """Where screenshots go: $DEEPGRAD_LAB_SHOTS when set (to look at them), else a temporary
    folder."""
    folder = os.environ.get("DEEPGRAD_LAB_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        return Path(folder)
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    p = context.new_page()
    p.set_default_timeout(WAIT)
    yield p
    context.close()
