"""``deepgrad lab``: its flags, the token rule for non-loopback hosts, and the real command
serving on a free loopback port and printing its URL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

import deepgrad
from deepgrad.cli import main

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")


def test_lab_help_lists_its_flags(capsys):
    with pytest.raises(SystemExit) as e:
        main(["lab", "--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    for flag in ("--host", "--port", "--runs", "--token"):
        assert flag in out
    assert "127.0.0.1" in out


def test_a_non_loopback_host_gets_a_token_and_loopback_needs_none():
    from deepgrad.web.security import is_loopback
    from deepgrad.web.server import check_host, lab_url

    assert check_host("127.0.0.1", None) == (None, False)
    assert check_host("localhost", "t") == ("t", False)
    token, made = check_host("0.0.0.0", None)
    assert made and len(token) >= 24
    assert check_host("192.168.1.5", "mine") == ("mine", False)
    with pytest.raises(ValueError, match="empty token"):
        check_host("0.0.0.0", " ")
    assert all(is_loopback(h) for h in ("127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "10.0.0.1", "example.org", "::"))
    assert lab_url("127.0.0.1", 8123, None) == "http://127.0.0.1:8123/"
    assert lab_url("::1", 8123, "abc") == "http://[::1]:8123/?token=abc"


def _serve(tmp_path: Path, *flags: str) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1",
           "PYTHONPATH": str(Path(deepgrad.__file__).parents[1])}
    proc = subprocess.Popen([sys.executable, "-m", "deepgrad.cli", "lab", "--port", "0",
                             "--runs", str(tmp_path / "runs"), *flags],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=env)
    line = proc.stdout.readline()
    assert line.startswith("deepgrad lab: http://127.0.0.1:"), line
    return proc, line.split(": ", 1)[1].strip()


def _stop(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGINT)
    try:
        out, _ = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return out


def test_deepgrad_lab_prints_its_url_and_serves_the_page(tmp_path):
    proc, url = _serve(tmp_path)
    try:
        with urllib.request.urlopen(url + "api/info", timeout=20) as r:
            info = json.loads(r.read())
        assert info["runs"] == str((tmp_path / "runs").resolve())
        with urllib.request.urlopen(url, timeout=20) as r:
            assert b"deepgrad lab" in r.read()
    finally:
        out = _stop(proc)
    assert proc.returncode == 0, out
    assert "Traceback" not in out


def test_deepgrad_lab_with_a_token_refuses_requests_without_it(tmp_path):
    proc, url = _serve(tmp_path, "--token", "s3cret")
    try:
        assert url.endswith("/?token=s3cret")
        base = url.split("?")[0]
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(base + "api/info", timeout=20)
        assert e.value.code == 401 and "token" in json.loads(e.value.read())["error"]
        req = urllib.request.Request(base + "api/info", headers={"X-Lab-Token": "s3cret"})
        with urllib.request.urlopen(req, timeout=20) as r:
            assert r.status == 200
    finally:
        _stop(proc)


def test_a_port_in_use_is_an_error_message(tmp_path, capsys):
    from deepgrad.web.server import bind

    sock = bind("127.0.0.1", 0)
    try:
        code = main(["lab", "--port", str(sock.getsockname()[1]), "--runs",
                     str(tmp_path / "runs")])
    finally:
        sock.close()
    assert code == 2 and "Address already in use" in capsys.readouterr().err
