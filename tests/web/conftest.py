"""Fixtures of the lab's tests: a runs directory holding one QUICK mnist run (trained once per
test session, on a smaller slice of MNIST to keep it seconds long), apps over it, a PNG
drawing."""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from lab_helpers import png_bytes

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
def runs(mnist_run_root, tmp_path) -> Path:
    """A fresh copy of the runs directory for one test (weights hard-linked, not copied)."""
    dst = tmp_path / "runs"
    shutil.copytree(mnist_run_root, dst, copy_function=os.link)
    return dst


@pytest.fixture
def drawing() -> bytes:
    """A 280 x 280 PNG of a white '1' on black, as the page's canvas sends it."""
    img = np.zeros((280, 280), np.uint8)
    img[40:240, 130:150] = 255
    return png_bytes(img)
