"""The lab's guard, in front of every route (static files included).

* **Token**: when the lab has one (required for a non-loopback host), every request must carry
  it: the header ``X-Lab-Token`` (or ``Authorization: Bearer``), the query ``?token=``, or the
  cookie the lab sets when the page was opened with a valid ``?token=`` (so the browser's own
  loads of scripts and images carry it too). Missing or wrong: 401.
* **Host**: without a token the lab answers only requests addressed to a loopback name
  (127.0.0.1, localhost, [::1]), so a web page cannot reach it by DNS rebinding: 403.
* **Body size**: at most :data:`MAX_BODY` bytes (10 MB of upload plus the form's framing): 413,
  whether announced by Content-Length or streamed.
* **Headers**: a Content-Security-Policy that lets the page load only from the lab itself,
  ``nosniff``, no framing.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
from typing import Any
from urllib.parse import parse_qs

from .images import MAX_UPLOAD_BYTES

__all__ = ["Guard", "MAX_BODY", "COOKIE", "is_loopback"]

MAX_BODY = MAX_UPLOAD_BYTES + 64 * 1024
COOKIE = "deepgrad_lab_token"
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")


def is_loopback(host: str) -> bool:
    """True for a loopback name or address (127.0.0.0/8, ::1, localhost)."""
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _host_name(value: str) -> str:
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


async def _send_error(send: Any, status: int, message: str) -> None:
    body = json.dumps({"error": message}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class Guard:
    """ASGI middleware: token, Host check, body limit and security headers (see the module)."""

    def __init__(self, app: Any, token: str | None = None, max_body: int = MAX_BODY) -> None:
        self.app, self.token, self.max_body = app, token, max_body

    def _token_of(self, scope: dict[str, Any]) -> tuple[str | None, bool]:
        """(the token the request carries, whether it came in the query string)."""
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        if "x-lab-token" in headers:
            return headers["x-lab-token"], False
        auth = headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            return auth[7:].strip(), False
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        if "token" in query:
            return query["token"][0], True
        for part in headers.get("cookie", "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == COOKIE:
                return value, False
        return None, False

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        from_query = False
        if self.token is None:
            host = _host_name(headers.get(b"host", b"").decode("latin-1"))
            if not is_loopback(host):
                await _send_error(send, 403, f"this lab answers only loopback host names, not "
                                             f"{host!r} (start it with --token to serve others)")
                return
        else:
            given, from_query = self._token_of(scope)
            if given is None or not hmac.compare_digest(given.encode(), self.token.encode()):
                await _send_error(send, 401, "missing or wrong token: open the URL the lab "
                                             "printed (with ?token=...) or send X-Lab-Token")
                return
        length = headers.get(b"content-length")
        if length is not None:
            try:
                too_big = int(length) > self.max_body
            except ValueError:
                await _send_error(send, 400, "malformed Content-Length")
                return
            if too_big:
                await _send_error(send, 413, f"the request body is over {self.max_body} bytes "
                                             f"(uploads: at most {MAX_UPLOAD_BYTES})")
                return
        receive = await self._limited(receive, send)
        if receive is None:
            return
        set_cookie = from_query and self.token is not None

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                extra = [(b"content-security-policy", CSP.encode()),
                         (b"x-content-type-options", b"nosniff"),
                         (b"x-frame-options", b"DENY"),
                         (b"referrer-policy", b"no-referrer")]
                if set_cookie:
                    extra.append((b"set-cookie", f"{COOKIE}={self.token}; Path=/; HttpOnly; "
                                                 "SameSite=Strict".encode()))
                message = {**message, "headers": list(message.get("headers", [])) + extra}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _limited(self, receive: Any, send: Any) -> Any:
        """Read the whole body (at most ``max_body`` bytes) and replay it; None after a 413."""
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                chunks = None
                first = message
                break
            size += len(message.get("body", b""))
            if size > self.max_body:
                await _send_error(send, 413, f"the request body is over {self.max_body} bytes "
                                             f"(uploads: at most {MAX_UPLOAD_BYTES})")
                return None
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        if chunks is None:  # the client went away before sending its body
            async def replay_disconnect() -> dict[str, Any]:
                return first
            return replay_disconnect
        body = b"".join(chunks)
        done = False

        async def replay() -> dict[str, Any]:
            nonlocal done
            if not done:
                done = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return replay
