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


def refuses_bad_uploads(post, truncated: bytes) -> None:
    """``post(data)`` (an upload of the bytes ``data`` to a panel's endpoint) refuses what is
    not a PNG/JPEG (415), an empty file and ``truncated``, the first bytes of a real image
    (400), an image over the pixel limit and a body over the byte limit (413), each with the
    lab's JSON error."""
    from PIL import Image

    from deepgrad.web.images import MAX_PIXELS, MAX_UPLOAD_BYTES

    is_error(post(b"hello, not an image"), 415, "PNG or JPEG")
    buf = io.BytesIO()
    Image.new("L", (8, 8)).save(buf, format="GIF")
    is_error(post(buf.getvalue()), 415, "PNG or JPEG")
    is_error(post(b""), 400, "empty")
    is_error(post(truncated), 400, "cannot be decoded")
    side = int(MAX_PIXELS ** 0.5) + 1
    buf = io.BytesIO()
    Image.new("1", (side, side)).save(buf, format="PNG")
    is_error(post(buf.getvalue()), 413, "pixels")
    is_error(post(b"\x89PNG" + b"0" * (MAX_UPLOAD_BYTES + 100 * 1024)), 413, "bytes")


def refuses_bodies_that_are_not_forms(api, url: str, json_body: bytes, match: str) -> None:
    """A form endpoint answers a JSON body with a 422 naming what to give (``match``), and a
    broken multipart body with a 400/422 JSON error, never a stack trace."""
    r = api.post(url, content=json_body, headers={"content-type": "application/json"})
    is_error(r, 422, match)
    r = api.post(url, content=b"\x00\xff not multipart",
                 headers={"content-type": "multipart/form-data; boundary=xyz"})
    assert r.status_code in (400, 422) and set(r.json()) == {"error"}
    assert "Traceback" not in r.text


def gray_pixels(pic: dict) -> np.ndarray:
    """One of the lab's one-channel pictures (``{"channels", "height", "width", "data"}``, the
    bytes base64) as an (H, W) uint8 array."""
    import base64

    assert pic["channels"] == 1
    return np.frombuffer(base64.b64decode(pic["data"]), np.uint8).reshape(pic["height"],
                                                                        pic["width"])
