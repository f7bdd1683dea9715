"""A real stack for API tests: a dev server, a worker and ``ogi serve`` as processes, authentication on.

Users are made with ``ogi user add`` and their tokens with ``ogi token issue``, as an administrator
would; requests go over HTTP to the served API.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from domain.clock import beijing_date
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
OGI = str(BIN / "ogi")


class ApiStack:
    """The processes of one stack and the calls a test makes against it."""

    def __init__(self, address: str, home: Path, **env: str) -> None:
        self.home = home
        self.port = free_port()
        self.env = {
            **os.environ,
            "TEMPORAL_ADDRESS": address,
            "TEMPORAL_NAMESPACE": "default",
            "OGI_HOME": str(home),
            "OGI_AUTH": "on",
            "OGI_TASK_QUEUE": "api-" + uuid.uuid4().hex[:8],
            "OGI_API_PORT": str(self.port),
            "OGI_LOG_FORMAT": "json",
            **env,
        }
        self.base = f"http://127.0.0.1:{self.port}"
        self.procs: list[subprocess.Popen[bytes]] = []
        self.tokens: dict[str, str] = {}

    def ogi(self, *args: str, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
        """Run the ogi command with the stack's environment."""
        return subprocess.run(
            [OGI, *args],
            env={**self.env, **env},
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def start(self) -> None:
        """``ogi setup``, then the worker and ``ogi serve``; waits until the API answers."""
        setup = self.ogi("setup")
        assert setup.returncode == 0, setup.stderr
        for name, argv in (
            ("worker", [sys.executable, str(ROOT / "worker.py")]),
            ("serve", [OGI, "serve", "--port", str(self.port)]),
        ):
            log = (self.home / f"{name}.log").open("ab")
            self.procs.append(subprocess.Popen(argv, env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        msg = f"ogi serve did not answer; see {self.home / 'serve.log'}"
        raise RuntimeError(msg)

    def start_public(self, **env: str) -> str:
        """``ogi serve --public`` as the internet zone: its own home, no Temporal, intake over HTTP; its URL."""
        port = free_port()
        home = self.home / "public-zone"
        home.mkdir(exist_ok=True)
        zone = {
            **self.env,
            "OGI_HOME": str(home),
            "TEMPORAL_ADDRESS": "127.0.0.1:1",  # nothing listens there: the zone must not need Temporal
            "OGI_DATABASE_URL": f"sqlite:///{home / 'must-not-exist.sqlite'}",
            "OGI_INTERNAL_API_URL": self.base,
            "OGI_API_PORT": str(port),
            **env,
        }
        log = (self.home / "public.log").open("ab")
        self.procs.append(
            subprocess.Popen(
                [OGI, "serve", "--public", "--port", str(port)],
                env=zone,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
            )
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    return base
            except httpx.HTTPError:
                time.sleep(0.2)
        msg = f"ogi serve --public did not answer; see {self.home / 'public.log'}"
        raise RuntimeError(msg)

    def password(self, name: str, password: str) -> None:
        """Set a user's password (``ogi user passwd --password-stdin``)."""
        done = self.ogi("user", "passwd", name, "--password-stdin", stdin=password + "\n")
        assert done.returncode == 0, done.stderr

    def stop(self) -> None:
        """SIGTERM to every process, SIGKILL if it lingers."""
        for proc in self.procs:
            proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()

    def user(self, name: str, *roles: str) -> str:
        """Add a user with roles (once) and return a token for them."""
        if name not in self.tokens:
            args = ["user", "add", name]
            for role in roles:
                args += ["--role", role]
            added = self.ogi(*args)
            assert added.returncode == 0, added.stderr
            issued = self.ogi("token", "issue", "--user", name)
            assert issued.returncode == 0, issued.stderr
            self.tokens[name] = issued.stdout.strip()
        return self.tokens[name]

    def call(self, method: str, path: str, token: str | None = None, body: Any = None, **params: Any) -> httpx.Response:
        """One API request, as the token's user."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.request(method, self.base + path, headers=headers, json=body, params=params or None, timeout=60)

    def act(self, case_id: str, action: str, token: str, **fields: Any) -> httpx.Response:
        """An action on a case."""
        return self.call("POST", f"/v1/cases/{case_id}/actions/{action}", token, fields)


def application(**changes: Any) -> dict[str, Any]:
    """The example application, received today, with a fresh external reference."""
    data: dict[str, Any] = json.loads((ROOT / "tests" / "data" / "application.json").read_text("utf-8"))
    data["external_ref"] = "api-" + uuid.uuid4().hex[:10]
    data["received"] = beijing_date(datetime.now(UTC)).isoformat()
    data.update(changes)
    return data


@contextmanager
def api_stack(address: str, home: Path, **env: str) -> Iterator[ApiStack]:
    """A started stack, stopped afterwards."""
    stack = ApiStack(address, home, **env)
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()
