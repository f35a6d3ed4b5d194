"""The real app served over real HTTP (uvicorn in a background thread), for clients that are not Python."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import uvicorn

from app import create_app
from tether.settings import Settings

STARTUP_TIMEOUT_SECONDS = 30.0


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Serve `app` with uvicorn in a background thread; yields its base URL `http://127.0.0.1:<port>`.

    The listening socket is bound here (port 0), so the port is free by construction and never raced for.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    config = uvicorn.Config(
        app,
        lifespan="off",
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the live server thread exited before it started serving")
        if time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"the live server did not start in {STARTUP_TIMEOUT_SECONDS}s")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()
        if thread.is_alive():
            raise RuntimeError("the live server did not shut down within 15s")


@pytest.fixture(scope="session")
def live_server(base_settings: Settings, table: str) -> Iterator[str]:
    """The base URL of the whole app served by uvicorn. Session-scoped: one server per xdist worker."""
    with serve(create_app(base_settings)) as url:
        yield url
