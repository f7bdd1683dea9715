"""The API behind a real uvicorn server in this process: what a client's connection does to it.

Without Temporal: the requests here end before a case would be registered.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from tests.conftest import free_port


@pytest.fixture
def served() -> Iterator[str]:
    """``ogi serve``'s application on a free port (authentication off), its loggers left to the root's."""
    from api.app import create_app

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, lifespan="off", log_config=None))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def test_a_client_gone_before_its_body_is_read_is_no_error(
    served: str, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """A portal that drops its connection half-way through a body: no error logged, no traceback, server fine."""
    host, port = served.removeprefix("http://").split(":")
    with caplog.at_level(logging.INFO), socket.create_connection((host, int(port))) as sock:
        head = (
            f"POST /v1/cases HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n"
        )
        sock.sendall(head.encode() + b'{"agency": "')
        time.sleep(0.3)  # the handler is reading the body when the client goes
    said, deadline = "", time.monotonic() + 10
    while "api.client_gone" not in said:
        assert time.monotonic() < deadline, f"the server never noticed the client had gone: {said!r}"
        time.sleep(0.05)
        said += "".join(capfd.readouterr())
    assert "api.unexpected" not in said
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], [r.getMessage() for r in caplog.records]
    assert httpx.get(served + "/healthz", timeout=5).status_code == 200
