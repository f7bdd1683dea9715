"""Notification delivery: once per key (a ledger in the case store), to the outbox, a signed webhook or a callable."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from activities.notify import Notification, configured_sink, send_notification
from domain.errors import OgiError
from infra import webhooks

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
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db: Path) -> Path:
    monkeypatch.setenv("OGI_HOME", str(tmp_path))
    monkeypatch.delenv("OGI_NOTIFY_SINK", raising=False)
    monkeypatch.delenv("OGI_OUTBOX", raising=False)
    monkeypatch.setenv("OGI_NOTIFY_SECRET", SECRET)
    DELIVERED.clear()
    return tmp_path


SECRET = "s3cret-for-the-receiver-only"


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
            try:
                webhooks.verify(SECRET, self.headers.get(webhooks.HEADER, ""), body)
            except webhooks.SignatureInvalid:
                self.send_response(401)
                self.end_headers()
                return
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


def test_webhook_without_a_secret_is_refused_before_sending(
    monkeypatch: pytest.MonkeyPatch, webhook: tuple[str, list[tuple[str, dict[str, Any]]]]
) -> None:
    """An http sink needs the secret its receiver checks signatures with: unsigned, nothing is sent."""
    url, received = webhook
    monkeypatch.setenv("OGI_NOTIFY_SINK", url)
    monkeypatch.delenv("OGI_NOTIFY_SECRET")
    with pytest.raises(OgiError, match="OGI_NOTIFY_SECRET"):
        send_notification(note())
    assert received == []


def test_webhook_with_the_wrong_secret_is_refused_by_the_receiver(
    monkeypatch: pytest.MonkeyPatch, webhook: tuple[str, list[tuple[str, dict[str, Any]]]]
) -> None:
    """A receiver holding another secret answers 401; the notification stays unsent, to be retried."""
    url, received = webhook
    monkeypatch.setenv("OGI_NOTIFY_SINK", url)
    monkeypatch.setenv("OGI_NOTIFY_SECRET", "another-secret-entirely")
    with pytest.raises(OSError, match="401"):
        send_notification(note())
    assert received == []


class TestSignature:
    def test_round_trip_and_tampering(self) -> None:
        """A signature verifies for its body and time; another body, an old time or a bad header fail."""
        header = webhooks.sign(SECRET, b'{"a":1}', now=1_000_000)
        webhooks.verify(SECRET, header, b'{"a":1}', now=1_000_100)
        with pytest.raises(webhooks.SignatureInvalid, match="does not match"):
            webhooks.verify(SECRET, header, b'{"a":2}', now=1_000_100)
        with pytest.raises(webhooks.SignatureInvalid, match="old"):
            webhooks.verify(SECRET, header, b'{"a":1}', now=1_000_000 + webhooks.WINDOW_S + 1)
        with pytest.raises(webhooks.SignatureInvalid, match="timestamp"):
            webhooks.verify(SECRET, "v1=abc", b"")


def slow_sink(note: Notification) -> None:
    """A gateway that takes a while to answer."""
    time.sleep(0.3)
    DELIVERED.append(note)


def test_no_global_lock_and_one_delivery_per_key_across_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """No global lock, and one delivery per key across workers.

    Eight keys sent at once through a slow sink take about one sink's time; the same key from two
    workers at once is delivered once (the other is told to retry).
    """
    from concurrent.futures import ThreadPoolExecutor

    from activities.notify import BeingSent

    monkeypatch.setenv("OGI_NOTIFY_SINK", "tests.test_notify:slow_sink")
    started = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(send_notification, [note(f"C-1:k{n}") for n in range(8)]))
    assert time.perf_counter() - started < 1.5
    DELIVERED.clear()

    def attempt(_: int) -> str:
        try:
            return "sent" if send_notification(note("C-1:same")) else "already"
        except BeingSent:
            return "being sent"

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(attempt, range(2)))
    assert outcomes == ["being sent", "sent"]
    assert [n.key for n in DELIVERED] == ["C-1:same"]
    assert send_notification(note("C-1:same")) is False


def test_webhook_sink_posts_json_with_idempotency_key(
    monkeypatch: pytest.MonkeyPatch, webhook: tuple[str, list[tuple[str, dict[str, Any]]]]
) -> None:
    """A signed JSON POST with the key as Idempotency-Key; the receiver's check passes; sent once."""
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
