"""Documents of a case: render the reply, store it once, and record its delivery."""

from __future__ import annotations

import hashlib
import os
from datetime import date
from pathlib import Path

from pydantic import BaseModel
from temporalio import activity

from activities.notify import Notification, send_notification
from domain.application import Application
from domain.case import CasePolicy, Decision
from domain.notices import TITLES, NoticeKind, render_notice
from domain.reply import render_reply
from infra.log import get_logger
from infra.paths import documents_dir, templates_dir

log = get_logger(__name__)


class ReplyRequest(BaseModel):
    """Everything the reply letter is made from."""

    case_id: str
    application: Application
    decision: Decision
    policy: CasePolicy
    received: date | None
    reply_date: date


class StoredDocument(BaseModel):
    """Where a document was stored and its content hash."""

    path: str
    sha256: str
    written: bool
    """False when the same document was already there (a retried activity)."""


def store_document(case_id: str, name: str, text: str) -> StoredDocument:
    """Write a document once, atomically; a retry with the same content writes nothing."""
    folder = documents_dir() / case_id
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    data = text.encode("utf-8")
    digest = hashlib.sha256(data).hexdigest()
    if path.exists() and hashlib.sha256(path.read_bytes()).hexdigest() == digest:
        return StoredDocument(path=str(path), sha256=digest, written=False)
    tmp = Path(f"{path}.tmp-{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return StoredDocument(path=str(path), sha256=digest, written=True)


@activity.defn(name="send_reply")
def send_reply(request: ReplyRequest) -> StoredDocument:
    """Render the reply (答复书), store it and record its delivery to the applicant, idempotently."""
    text = render_reply(
        request.case_id,
        request.application,
        request.decision,
        request.policy,
        request.received,
        request.reply_date,
    )
    stored = store_document(request.case_id, "reply.txt", text)
    send_notification(
        Notification(
            key=f"{request.case_id}:reply",
            case_id=request.case_id,
            kind="reply_delivered",
            to="applicant",
            channel=request.application.delivery.value,
            detail=f"reply ({request.decision.outcome.value}) delivered by {request.application.delivery.value}",
            document=stored.path,
        )
    )
    log.info("reply.sent", case_id=request.case_id, outcome=request.decision.outcome.value, written=stored.written)
    return stored


class NoticeRequest(BaseModel):
    """A notice to render from its template, store and send."""

    case_id: str
    kind: NoticeKind
    fields: dict[str, str]
    to: str = "applicant"
    channel: str = "post"
    name: str | None = None
    """File name; the kind's name by default (consultation letters add their id)."""


@activity.defn(name="send_notice")
def send_notice(request: NoticeRequest) -> StoredDocument:
    """Render a notice (告知书) from the agency's template, store it once and record its dispatch."""
    text = render_notice(request.kind, request.fields, templates_dir())
    name = request.name or request.kind.value
    stored = store_document(request.case_id, f"{name}.txt", text)
    send_notification(
        Notification(
            key=f"{request.case_id}:notice:{name}",
            case_id=request.case_id,
            kind=f"notice_{request.kind.value}",
            to=request.to,
            channel=request.channel,
            detail=f"{TITLES[request.kind]} sent",
            document=stored.path,
        )
    )
    log.info("notice.sent", case_id=request.case_id, notice=request.kind.value, written=stored.written)
    return stored
