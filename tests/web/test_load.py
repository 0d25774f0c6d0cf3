"""A bounded load test of the draw-a-digit inference endpoint on the real server (uvicorn on a
loopback port): 200 requests, 8 at a time. It reports the p50/p99 latency and asserts that
every answer is right; it asserts no timing (speed is measured, not tested)."""

from __future__ import annotations

import platform
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from deepgrad.web import create_app
from deepgrad.web.server import BackgroundServer

REQUESTS, CONCURRENT = 200, 8


def _cpu() -> str:
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def test_draw_a_digit_under_load(runs, drawing, request, capsys):
    import httpx

    app = create_app(runs)
    local = threading.local()
    with BackgroundServer(app) as url:
        assert url.startswith("http://127.0.0.1:")  # loopback only

        def one(i: int) -> tuple[float, int, dict]:
            if not hasattr(local, "client"):
                local.client = httpx.Client(base_url=url, timeout=60)
            t0 = time.perf_counter()
            r = local.client.post("/api/mnist/predict",
                                  files={"image": (f"d{i}.png", drawing, "image/png")})
            return time.perf_counter() - t0, r.status_code, r.json()

        with ThreadPoolExecutor(CONCURRENT) as pool:
            # eight first requests at once: one of them loads the model, the others wait for it
            warm = list(pool.map(one, range(-CONCURRENT, 0)))
            assert [s for _, s, _ in warm] == [200] * CONCURRENT
            assert app.state.lab.models.loads == 1
            t0 = time.perf_counter()
            results = list(pool.map(one, range(REQUESTS)))
        wall = time.perf_counter() - t0
    errors = [(s, b) for _, s, b in results if s != 200]
    assert errors == [], errors[:3]
    labels = {b["label"] for _, _, b in results}
    assert len(labels) == 1  # the same drawing, the same answer, whoever asked at once
    assert all(abs(sum(b["probabilities"]) - 1) < 1e-6 for _, _, b in results)
    assert app.state.lab.models.loads == 1
    ms = np.array([t for t, _, _ in results]) * 1e3
    line = (f"lab load test: {REQUESTS} POST /api/mnist/predict, {CONCURRENT} concurrent: "
            f"p50 {np.percentile(ms, 50):.1f} ms, p99 {np.percentile(ms, 99):.1f} ms, "
            f"{REQUESTS / wall:.0f} requests/s, 0 errors ({_cpu()})")
    request.node.user_properties.append(("latency", line))
    with capsys.disabled():  # shown even when pytest captures the output
        print(f"\n{line}")
