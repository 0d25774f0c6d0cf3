"""Helpers of the lab's tests (importable from the test modules and the conftest): PNG bytes, a
TestClient over a runs directory, the check of an error answer."""

from __future__ import annotations

import io
import warnings

import numpy as np

LOCAL = "http://127.0.0.1:8000"


def png_bytes(image: np.ndarray) -> bytes:
    """A uint8 image as PNG bytes."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="PNG")
    return buf.getvalue()


def lab_client(root, **kwargs):
    """A TestClient of the lab over ``root`` (addressed as 127.0.0.1; server errors answered,
    not raised)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Starlette's note on httpx versions
        from fastapi.testclient import TestClient

    from deepgrad.web import create_app

    return TestClient(create_app(root, **kwargs), base_url=LOCAL,
                      raise_server_exceptions=False)


def is_error(r, status: int, match: str = "") -> str:
    """``r`` is the lab's error: ``status``, a JSON ``{"error": ...}`` containing ``match``, no
    stack trace. Returns the message."""
    assert r.status_code == status, (r.status_code, r.text)
    body = r.json()
    assert set(body) == {"error"} and match in body["error"], body
    assert "Traceback" not in r.text and 'File "' not in r.text
    return body["error"]
