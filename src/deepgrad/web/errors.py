"""Every error the lab answers is JSON ``{"error": message}``: no HTML page, no stack trace.

``LabError(status, message)`` is what the lab's own code raises; FastAPI's validation errors
become 422 (400 for a body that is not JSON at all) with the offending field named; anything
unexpected becomes a 500 whose message says only that it was logged on the server.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

__all__ = ["LabError", "error_response", "install_error_handlers"]

log = logging.getLogger("deepgrad.lab")


class LabError(Exception):
    """An error the client caused or should see: an HTTP status and one line of message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def error_response(status: int, message: str, headers: dict[str, str] | None = None
                   ) -> JSONResponse:
    """The lab's error body."""
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def _location(loc: Any) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "form")]
    return ".".join(parts) or "body"


def validation_message(exc: RequestValidationError) -> tuple[int, str]:
    """(status, message) for FastAPI's validation errors: 400 for malformed JSON, else 422."""
    errors = exc.errors()
    for e in errors:
        if e.get("type") == "json_invalid":
            ctx = e.get("ctx") or {}
            return 400, f"malformed JSON: {ctx.get('error', 'cannot be parsed')}"
    shown = [f"{_location(e.get('loc', ()))}: {e.get('msg', 'invalid')}" for e in errors[:5]]
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    return 422, "; ".join(shown) + more


def install_error_handlers(app: FastAPI) -> None:
    """Route every kind of error through :func:`error_response`."""

    @app.exception_handler(LabError)
    async def _lab(request: Request, exc: LabError) -> JSONResponse:
        return error_response(exc.status, exc.message)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error_response(exc.status_code, str(exc.detail),
                              getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        status, message = validation_message(exc)
        return error_response(status, message)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
        return error_response(500, f"internal error ({type(exc).__name__}); the details are "
                                   "in the server's log")
