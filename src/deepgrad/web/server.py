"""Serving the lab: ``deepgrad lab`` (:func:`serve`) and a server in a thread
(:class:`BackgroundServer`, for tests and notebooks).

The socket is bound before uvicorn starts, so ``port=0`` picks a free port and the printed URL
is the real one. A non-loopback host needs a token (:func:`check_host` makes one if none is
given); the URL printed then carries it (``?token=...``).
"""

from __future__ import annotations

import secrets
import socket
import threading
import time
from pathlib import Path
from typing import Any

from .security import is_loopback

__all__ = ["serve", "lab_url", "check_host", "bind", "BackgroundServer"]


def check_host(host: str, token: str | None) -> tuple[str | None, bool]:
    """(the token to use, whether it was generated): a non-loopback ``host`` without a token
    gets a fresh one."""
    if token is not None and not token.strip():
        raise ValueError("--token: an empty token protects nothing")
    if token is None and not is_loopback(host):
        return secrets.token_urlsafe(24), True
    return token, False


def lab_url(host: str, port: int, token: str | None) -> str:
    """The URL to open."""
    name = f"[{host}]" if ":" in host else host
    if host in ("0.0.0.0", "::"):
        name = socket.gethostname()
    return f"http://{name}:{port}/" + (f"?token={token}" if token else "")


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on (host, port); port 0 takes a free one."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    return sock


def _server(app: Any, sock: socket.socket, log_level: str) -> Any:
    import uvicorn

    config = uvicorn.Config(app, log_level=log_level, access_log=False, lifespan="on",
                            timeout_graceful_shutdown=3)
    return uvicorn.Server(config)


def serve(runs: str | Path, host: str = "127.0.0.1", port: int = 8000,
          token: str | None = None, announce: Any = print) -> None:
    """Run the lab until interrupted, after announcing its URL."""
    from .app import create_app

    token, generated = check_host(host, token)
    sock = bind(host, port)
    app = create_app(runs, token=token)
    url = lab_url(host, sock.getsockname()[1], token)
    announce(f"deepgrad lab: {url}")
    announce(f"  runs directory: {Path(runs).resolve()}")
    if generated:
        announce("  (a token was made for this non-loopback host: every request needs it)")
    announce("  stop it with Ctrl-C")
    _server(app, sock, "warning").run(sockets=[sock])


class BackgroundServer:
    """The lab's app served by uvicorn in a daemon thread on a free loopback port::

        with BackgroundServer(app) as url:
            ...  # http://127.0.0.1:PORT/
    """

    def __init__(self, app: Any, host: str = "127.0.0.1") -> None:
        self.sock = bind(host, 0)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://{host}:{self.port}/"
        self.server = _server(app, self.sock, "error")
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                       daemon=True, name="deepgrad-lab-server")

    def start(self, timeout: float = 20.0) -> str:
        self.thread.start()
        end = time.time() + timeout
        while not self.server.started:
            if time.time() > end or not self.thread.is_alive():
                raise RuntimeError("the lab's server did not start")
            time.sleep(0.02)
        return self.url

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
