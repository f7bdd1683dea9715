"""Notifications (reminders, escalations, deliveries) through one pluggable sink, once per key.

The JSONL outbox is both the default sink (a mail or SMS gateway can tail it) and the ledger of what
was sent: a retried activity finds its key there and sends nothing twice. ``OGI_NOTIFY_SINK`` adds a
sink that is called before the ledger entry is written: an ``http(s)://`` URL receives each
notification as a JSON POST (with an ``Idempotency-Key`` header), or ``package.module:function`` names
a callable taking a ``Notification``. A sink that raises makes the activity retry; a crash between
delivery and the ledger write can deliver twice, never zero times.
"""

from __future__ import annotations

import fcntl
import importlib
import json
import os
import threading
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from pydantic import BaseModel
from temporalio import activity

from domain.errors import OgiError
from infra.log import get_logger
from infra.paths import outbox_path

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


def _webhook(url: str) -> Sink:
    def post(note: Notification) -> None:
        body = note.model_dump_json().encode()
        request = urllib.request.Request(  # noqa: S310 - the URL scheme is checked to be http(s) below
            url, data=body, method="POST", headers={"Content-Type": "application/json", "Idempotency-Key": note.key}
        )
        with urllib.request.urlopen(request, timeout=SINK_TIMEOUT_S) as response:  # noqa: S310
            if response.status >= 300:
                msg = f"notification sink {url} answered {response.status}"
                raise OSError(msg)

    return post


def configured_sink() -> Sink | None:
    """The extra sink named by ``OGI_NOTIFY_SINK``, or None for the outbox alone."""
    spec = os.environ.get("OGI_NOTIFY_SINK", "").strip()
    if not spec:
        return None
    if spec.startswith(("http://", "https://")):
        return _webhook(spec)
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


class _LedgerIndex:
    """The keys already in an outbox file, read incrementally: each call reads only what was appended since."""

    def __init__(self) -> None:
        self.identity: tuple[int, int] | None = None
        self.offset = 0
        self.keys: set[str] = set()

    def refresh(self, fh: BinaryIO) -> set[str]:
        st = os.fstat(fh.fileno())
        identity = (st.st_dev, st.st_ino)
        if identity != self.identity or st.st_size < self.offset:  # a new or truncated file: read it all
            self.identity, self.offset, self.keys = identity, 0, set()
        fh.seek(self.offset)
        for line in fh:
            if line.endswith(b"\n"):
                self.keys.add(json.loads(line)["key"])
                self.offset += len(line)
        return self.keys


_ledgers: dict[Path, _LedgerIndex] = {}
_ledgers_lock = threading.Lock()


def send_notification(note: Notification) -> bool:
    """Deliver through the configured sink and record it in the outbox, unless its key is there already.

    Returns True when this call delivered it. The file lock orders writers across processes; the
    in-process index keeps the check proportional to what other writers appended, not to the file.
    """
    sink = configured_sink()
    path = outbox_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with _ledgers_lock:
        index = _ledgers.setdefault(path, _LedgerIndex())
    with path.open("a+b") as fh, _ledgers_lock:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            if note.key in index.refresh(fh):
                return False
            if sink is not None:
                sink(note)
            record = {"key": note.key, "at": datetime.now(UTC).isoformat(), **note.model_dump(exclude={"key"})}
            line = (json.dumps(record, ensure_ascii=False) + "\n").encode()
            fh.write(line)
            fh.flush()
            index.keys.add(note.key)
            index.offset += len(line)
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
    log.info("notification.sent", case_id=note.case_id, kind=note.kind, to=note.to)
    return True


@activity.defn(name="notify")
def notify(note: Notification) -> bool:
    """Deliver a notification through the configured sink, once per key."""
    return send_notification(note)
