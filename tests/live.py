"""The app served for real (uvicorn in a thread, on a free port of the loopback), for the browser
tests and the parallel bursts: requests then meet the server's own threads and sessions."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from fangyi.app import create_app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def live_server() -> Iterator[str]:
    """The app on FANGYI_DATABASE_URL, served until the block ends; yields its base address."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    ready = threading.Event()
    # Poll the server's own flag rather than sleeping a guessed time.
    while not server.started and thread.is_alive():
        ready.wait(0.02)
    assert server.started, "the live server did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
