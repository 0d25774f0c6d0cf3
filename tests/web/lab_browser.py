"""The browser side of the lab's tests: Debian's Chromium driven by Playwright, and checks on
what a page shows (no console errors, a screenshot that is not blank); opening a panel, taking
a screenshot, polling (the fixtures are in conftest.py)."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

CHROMIUM_ARGS = ["--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-quic", "--no-first-run", "--no-sandbox"]


def chromium_path() -> str | None:
    """The system's Chromium (Playwright's own download cannot work on this network)."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None


def need_browser() -> str:
    """Chromium's path; skip without it, except in CI (CI=true), where that is a failure."""
    reason = None
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        reason = "Playwright for Python is not installed (pip install playwright)"
    path = chromium_path()
    if reason is None and path is None:
        reason = "Chromium is not installed (apt-get install chromium)"
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the browser tests must run in CI: {reason}")
        pytest.skip(reason)
    return path


def not_blank(png: Path, min_std: float = 8.0) -> float:
    """The screenshot's grey-level standard deviation, checked to show something."""
    from PIL import Image

    with Image.open(png) as im:
        g = np.asarray(im.convert("L"), dtype=np.float64)
    assert g.shape[0] > 100 and g.shape[1] > 100, g.shape
    std = float(g.std())
    assert std > min_std, f"{png} looks blank (grey-level std {std:.1f})"
    assert len(np.unique(g)) > 20, f"{png} has almost no distinct shades"
    return std


class Console:
    """Every console error and uncaught exception of a page."""

    def __init__(self, page) -> None:
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(f"console {m.type}: {m.text}")
                if m.type in ("error", "assert") else None)
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))

    def check(self, *expected: str) -> None:
        """No errors but the ``expected`` ones (substrings: a refusal the test provoked)."""
        left = [e for e in self.errors if not any(x in e for x in expected)]
        assert left == [], left


def panel_count() -> int:
    """How many tabs the page shows: one per panel module."""
    from deepgrad.web.panels import discover

    return len(discover())


def open_panel(page, url: str, panel: str) -> Console:
    """Open the lab on ``panel``'s tab (every tab there); its console, to check at the end."""
    console = Console(page)
    page.goto(f"{url}#{panel}")
    page.wait_for_selector("body[data-ready='true']")
    section = page.locator(f"section#panel-{panel}")
    assert section.is_visible()
    assert "This panel failed to load" not in section.inner_text(), section.inner_text()
    assert page.locator("nav .tab").count() == panel_count()
    return console


def shoot(page, shots: Path, name: str, full: bool = False) -> Path:
    """A screenshot of the page in ``shots/<name>.png``, checked not blank."""
    path = shots / f"{name}.png"
    page.screenshot(path=str(path), full_page=full)
    not_blank(path)
    return path


def until(check, timeout: float = 60.0) -> None:
    """Poll ``check()`` until true (the lab's CSP forbids the eval that string predicates of
    ``page.wait_for_function`` need)."""
    end = time.time() + timeout
    while not check():
        if time.time() > end:
            raise AssertionError(f"still false after {timeout} s")
        time.sleep(0.05)
