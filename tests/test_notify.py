"""Notification delivery: once per key into the outbox, and through a configured sink (webhook or callable)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from activities.notify import Notification, configured_sink, send_notification
from domain.errors import OgiError

DELIVERED: list[Notification] = []


def collecting_sink(note: Notification) -> None:
    """A sink named by OGI_NOTIFY_SINK in the tests."""
    DELIVERED.append(note)


def failing_sink(note: Notification) -> None:
    """A sink whose gateway is down."""
    raise OSError("gateway down")


def note(key: str = "C-1:reminder") -> Notification:
    return Notification(key=key, case_id="C-1", kind="due_reminder", to="reviewer", detail="reply due 2026-12-18")


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("OGI_HOME", str(tmp_path))
    monkeypatch.delenv("OGI_NOTIFY_SINK", raising=False)
    monkeypatch.delenv("OGI_OUTBOX", raising=False)
    DELIVERED.clear()
    return tmp_path


def outbox(home: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (home / "outbox.jsonl").read_text("utf-8").splitlines()]


def test_same_key_is_delivered_once(home: Path) -> None:
    assert send_notification(note()) is True
    assert send_notification(note()) is False
    assert send_notification(note("C-1:overdue")) is True
    assert [n["key"] for n in outbox(home)] == ["C-1:reminder", "C-1:overdue"]


def test_callable_sink_gets_each_notification_once(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    monkeypatch.setenv("OGI_NOTIFY_SINK", "tests.test_notify:collecting_sink")
    send_notification(note())
    send_notification(note())
    assert [n.key for n in DELIVERED] == ["C-1:reminder"]


def test_failing_sink_records_nothing_so_a_retry_delivers(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    monkeypatch.setenv("OGI_NOTIFY_SINK", "tests.test_notify:failing_sink")
    with pytest.raises(OSError, match="gateway down"):
        send_notification(note())
    assert not (home / "outbox.jsonl").exists() or outbox(home) == []
    monkeypatch.setenv("OGI_NOTIFY_SINK", "tests.test_notify:collecting_sink")
    assert send_notification(note()) is True
    assert len(DELIVERED) == 1


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[tuple[str, dict[str, Any]]]]]:
    received: list[tuple[str, dict[str, Any]]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.headers["Idempotency-Key"], json.loads(body)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/notify", received
    server.shutdown()


def test_webhook_sink_posts_json_with_idempotency_key(
    monkeypatch: pytest.MonkeyPatch, webhook: tuple[str, list[tuple[str, dict[str, Any]]]]
) -> None:
    url, received = webhook
    monkeypatch.setenv("OGI_NOTIFY_SINK", url)
    send_notification(note())
    send_notification(note())
    assert len(received) == 1
    assert received[0][0] == "C-1:reminder"
    assert received[0][1]["kind"] == "due_reminder"


@pytest.mark.parametrize("spec", ["nonsense", "no.such.module:fn", "tests.test_notify:missing"])
def test_bad_sink_setting_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, spec: str) -> None:
    monkeypatch.setenv("OGI_NOTIFY_SINK", spec)
    with pytest.raises(OgiError, match="OGI_NOTIFY_SINK"):
        configured_sink()
