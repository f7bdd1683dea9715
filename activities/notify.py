"""Notifications (reminders, escalations, deliveries) through one pluggable sink, exactly once per key.

The default sink appends to a JSONL outbox that a mail or SMS gateway can tail; a retried
activity finds its key already there and sends nothing twice.
"""

from __future__ import annotations

import fcntl
import json
from datetime import UTC, datetime

from pydantic import BaseModel
from temporalio import activity

from activities.log import get_logger
from activities.paths import outbox_path

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


def send_notification(note: Notification) -> bool:
    """Append the notification to the outbox unless its key is already there; True when appended."""
    path = outbox_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+", encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            fh.seek(0)
            for line in fh:
                if f'"key": {json.dumps(note.key)}' in line:
                    return False
            record = {"key": note.key, "at": datetime.now(UTC).isoformat(), **note.model_dump(exclude={"key"})}
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            fh.flush()
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
    log.info("notification.sent", case_id=note.case_id, kind=note.kind, to=note.to)
    return True


@activity.defn(name="notify")
def notify(note: Notification) -> bool:
    """Deliver a notification through the configured sink, once per key."""
    return send_notification(note)
