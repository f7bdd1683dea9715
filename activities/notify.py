"""Notifications (reminders, escalations, deliveries) through one pluggable sink, once per key.

The ledger is a table of the case store, so every worker of an installation shares it: a retried
activity, or the same notification from another worker, finds its key there and sends nothing twice.
A key is first recorded as ``sending``, then the sink is called, then it is marked ``sent``: a crash
in between makes the retry send again (at least once, never zero times), with the same
``Idempotency-Key`` so the receiver can drop the repeat.

``OGI_NOTIFY_SINK`` names the sink: an ``http(s)://`` URL receives each notification as a JSON POST,
signed (``X-Ogi-Signature``, HMAC-SHA256 over timestamp and body with ``OGI_NOTIFY_SECRET``) and
carrying ``Idempotency-Key``; or ``package.module:function`` names a callable taking a ``Notification``.
Without one, notifications are appended to the JSONL outbox in the home (``OGI_OUTBOX``), which a mail
or SMS gateway can tail.
"""

from __future__ import annotations

import fcntl
import importlib
import json
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime

from pydantic import BaseModel
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from temporalio import activity

from domain.errors import OgiError
from infra import webhooks
from infra.log import get_logger
from infra.paths import outbox_path
from infra.schema import notifications
from infra.settings import settings
from infra.store import engine

log = get_logger(__name__)


class Notification(BaseModel):
    """One message to a person or role about a case; never carries personal data."""

    key: str
    """Idempotency key: the same key is delivered once."""
    case_id: str
    kind: str
    to: str
    """A role (``reviewer``, ``supervisor``, ``applicant``) or a user id."""
    channel: str = "outbox"
    detail: str = ""
    document: str | None = None


Sink = Callable[[Notification], object]
SINK_TIMEOUT_S = 10


def _webhook(url: str, secret: str) -> Sink:
    def post(note: Notification) -> None:
        body = note.model_dump_json().encode()
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": note.key,
            webhooks.HEADER: webhooks.sign(secret, body),
        }
        request = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310 - http(s) only
        with urllib.request.urlopen(request, timeout=SINK_TIMEOUT_S) as response:  # noqa: S310
            if response.status >= 300:
                msg = f"notification sink {url} answered {response.status}"
                raise OSError(msg)

    return post


def _outbox(note: Notification) -> None:
    path = outbox_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {"key": note.key, "at": datetime.now(UTC).isoformat(), **note.model_dump(exclude={"key"})}
    line = (json.dumps(record, ensure_ascii=False) + "\n").encode()
    with path.open("ab") as fh:
        # One append per line under the file's own lock: lines of concurrent writers never interleave.
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            fh.write(line)
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def configured_sink() -> Sink:
    """The sink named by ``OGI_NOTIFY_SINK``, or the JSONL outbox."""
    current = settings()
    spec = (current.notify_sink or "").strip()
    if not spec:
        return _outbox
    if spec.startswith(("http://", "https://")):
        secret = current.notify_secret.get_secret_value() if current.notify_secret else ""
        if len(secret) < 16:
            msg = (
                f"OGI_NOTIFY_SINK={spec} needs OGI_NOTIFY_SECRET (16 characters or more), the secret the receiver "
                "checks each notification's signature with (X-Ogi-Signature)"
            )
            raise OgiError(msg)
        return _webhook(spec, secret)
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        msg = f"OGI_NOTIFY_SINK={spec!r} is neither an http(s) URL nor 'package.module:function'"
        raise OgiError(msg)
    try:
        sink: Sink = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        msg = f"OGI_NOTIFY_SINK={spec!r} cannot be loaded: {exc}"
        raise OgiError(msg) from None
    return sink


CLAIM_S = 30
"""How long a claim stands: a key claimed longer ago by a worker that never marked it sent is sent again."""


class BeingSent(OgiError):
    """Another worker is sending this notification right now: retry later (it may yet fail)."""


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _retrying() -> bool:
    """Whether this is Temporal's retry of the sending activity (its earlier attempt failed or timed out)."""
    try:
        return activity.info().attempt > 1
    except RuntimeError:
        return False  # called outside an activity


def _claim(note: Notification) -> bool:
    """Record the key as being sent by this call; False when it was sent already.

    A claim younger than ``CLAIM_S`` by another sender is ``BeingSent`` (retry later: it is then sent, or
    the claim is stale after a crash and this call sends it). A retry of the activity that made the claim
    takes it over at once: its first attempt failed or was timed out, and at least once beats exactly once.
    """
    now = datetime.now(UTC)
    row = {
        "key": note.key[:200],
        "case_id": note.case_id,
        "kind": note.kind,
        "recipient": note.to[:64],
        "channel": note.channel,
        "detail": note.detail,
        "status": "sending",
        "attempts": 1,
        "created_at": now,
        "claimed_at": now,
    }
    with engine().begin() as conn:
        found = conn.execute(
            select(notifications.c.status, notifications.c.claimed_at).where(notifications.c.key == row["key"])
        ).first()
        if found is not None:
            if found.status == "sent":
                return False
            if not _retrying() and (now - _aware(found.claimed_at)).total_seconds() < CLAIM_S:
                msg = f"notification {note.key} is being sent by another attempt; retrying later"
                raise BeingSent(msg)
            conn.execute(
                update(notifications)
                .where(notifications.c.key == row["key"])
                .values(attempts=notifications.c.attempts + 1, claimed_at=now)
            )
            return True
        try:
            conn.execute(insert(notifications).values(**row))
        except IntegrityError:
            return False  # another worker claimed it at the same moment: it sends
    return True


def _release(note: Notification) -> None:
    with engine().begin() as conn:
        conn.execute(
            delete(notifications).where(notifications.c.key == note.key[:200], notifications.c.status == "sending")
        )


def _sent(note: Notification) -> None:
    with engine().begin() as conn:
        conn.execute(
            update(notifications)
            .where(notifications.c.key == note.key[:200])
            .values(status="sent", sent_at=datetime.now(UTC))
        )


def send_notification(note: Notification) -> bool:
    """Deliver through the configured sink unless the ledger says it was sent; True when this call sent it."""
    sink = configured_sink()
    if not _claim(note):
        return False
    try:
        sink(note)
    except BaseException:
        _release(note)  # the sink said no: the next attempt may send at once
        raise
    _sent(note)
    log.info("notification.sent", case_id=note.case_id, kind=note.kind, to=note.to)
    return True


@activity.defn(name="notify")
def notify(note: Notification) -> bool:
    """Deliver a notification through the configured sink, once per key."""
    return send_notification(note)
