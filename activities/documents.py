"""Documents of a case: issue the standard documents (number, PDF, DOCX, seal) and the legacy text reply.

``issue_document`` is the one activity for every kind of the standard set: it takes the document's number
(文号), builds its content (``domain.documents``), renders it (``infra.rendering``), has it signed when a
signer is configured, writes each file once and enters it in the register. A retry gets the same number
and finds the files already written.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, Field
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.notify import Notification, send_notification
from domain.application import Application
from domain.case import CasePolicy, CaseState, Decision
from domain.config import DEFAULT_NUMBER_PATTERN, OgiConfig, load_config
from domain.document_inputs import notice_input, reply_input, service_receipt_input
from domain.documents import NUMBERED_KINDS, DocumentInput, DocumentInputError, DocumentKind, build_document
from domain.notices import TITLES, NoticeKind, render_notice
from domain.outcomes import Reason
from domain.outgoing import Outgoing
from domain.reply import render_reply
from infra.document_numbers import StoredFile, allocate_document_number, latest_reply, record_issued
from infra.log import get_logger
from infra.paths import config_path, documents_dir, templates_dir
from infra.rendering import document_style, render_docx, render_html, render_pdf
from infra.settings import settings
from infra.signing import sign_pdf

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


class IssueRequest(BaseModel):
    """A document of the standard set to issue: its facts, and how the agency numbers and delivers it."""

    document: DocumentInput
    """The facts; ``number`` is left empty for numbered kinds: the activity allocates it."""
    key: Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]{1,80}$")] = "main"
    """Tells apart documents of one kind in one case (e.g. each consultation letter by its id)."""
    agency_code: str
    number_pattern: str = DEFAULT_NUMBER_PATTERN
    short_name: str | None = None
    """机关代字 for the number; the agency's name when unset (``Agency.short_name``)."""
    delivery: str | None = None
    """How it goes out (``post``, ``email``, ...): recorded so the day's post batch finds it."""
    formats: list[Literal["pdf", "docx"]] = ["pdf", "docx"]
    seal_image: str | None = None
    """The agency's seal image (``Agency.seal_image``); ``OGI_SEAL_IMAGE`` when unset."""


class IssuedDocumentResult(BaseModel):
    """What was issued: the number, the date, each file with its hash, and whether the PDF was signed."""

    kind: str
    key: str
    title: str
    number: str | None
    issued_on: date
    files: list[StoredFile]
    signed: bool
    articles: list[str]
    """The legal bases the document cites (no personal data: safe for history and logs)."""


def _write_once(path: Path, render: Callable[[], bytes]) -> str:
    """The file's sha256, writing it from ``render()`` unless it exists (an issued document never changes)."""
    if path.exists():
        return hashlib.sha256(path.read_bytes()).hexdigest()
    data = render()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(f"{path}.tmp-{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return hashlib.sha256(data).hexdigest()


def _beat(step: str) -> None:
    """Tell Temporal the worker is alive between steps, so a killed worker's attempt is retried in seconds."""
    if activity.in_activity():
        activity.heartbeat(step)


def issue(request: IssueRequest) -> IssuedDocumentResult:
    """Issue one document (the body of ``issue_document``, callable outside a worker)."""
    _beat("number")
    doc = request.document
    number = doc.number
    if doc.kind in NUMBERED_KINDS and number is None:
        number = allocate_document_number(
            doc.case_id,
            doc.kind.value,
            request.key,
            agency_code=request.agency_code,
            year=doc.issued_on.year,
            pattern=request.number_pattern,
            short=request.short_name or doc.agency,
        ).number
    content = build_document(doc.model_copy(update={"number": number}))
    stem = doc.kind.value if request.key == "main" else f"{doc.kind.value}-{request.key}"
    folder = documents_dir() / doc.case_id
    facts = {"case_id": doc.case_id, "kind": doc.kind.value, "number": number or ""}
    signer = settings().document_signer

    def pdf() -> bytes:
        _beat("pdf")
        style = document_style(Path(request.seal_image) if request.seal_image else None)
        plain = render_pdf(render_html(content, style, templates_dir()), on_wait=lambda: _beat("waiting to render"))
        return sign_pdf(plain, facts, signer) or plain

    def docx() -> bytes:
        _beat("docx")
        return render_docx(content, templates_dir())

    files = [
        StoredFile(format=fmt, path=str(folder / f"{stem}.{fmt}"), sha256=_write_once(folder / f"{stem}.{fmt}", make))
        for fmt, make in (("pdf", pdf), ("docx", docx))
        if fmt in request.formats
    ]
    record_issued(
        doc.case_id,
        doc.kind.value,
        request.key,
        agency_code=request.agency_code,
        issued_on=doc.issued_on,
        files=files,
        delivery=request.delivery,
    )
    log.info("document.issued", case_id=doc.case_id, kind=doc.kind.value, number=number, signed=bool(signer))
    return IssuedDocumentResult(
        kind=doc.kind.value,
        key=request.key,
        title=content.title,
        number=number,
        issued_on=doc.issued_on,
        files=files,
        signed=bool(signer) and "pdf" in request.formats,
        articles=content.articles,
    )


@activity.defn(name="issue_document")
def issue_document(request: IssueRequest) -> IssuedDocumentResult:
    """Issue a document of the standard set: number, content, PDF (signed if configured), DOCX, register."""
    return issue(request)


class CaseDocumentRequest(BaseModel):
    """A document the case issues now: which, for which case state, and how it goes out."""

    kind: DocumentKind
    key: Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]{1,80}$")] = "main"
    state: CaseState
    """The case as it stands (its audit trail left out: the document needs its facts, not its history)."""
    application: Application
    policy: CasePolicy
    issued_on: date
    delivery: str | None = None
    served: Outgoing | None = None
    """For a service receipt (送达回证): the document it is the receipt of."""


def case_document_input(request: CaseDocumentRequest, config: OgiConfig) -> DocumentInput:
    """The facts of the document from the case, the application and the agency's current configuration."""
    state, app, policy = request.state, request.application, request.policy
    agency = config.agency(state.agency)
    if request.kind is DocumentKind.REPLY:
        decision = state.decision
        if decision is None:
            msg = f"case {state.id} has no decision to reply with"
            raise DocumentInputError(msg)
        number, day = decision.earlier_reply_number, decision.earlier_reply_date
        if number is None and Reason.REPEATED_REQUEST in decision.reasons:
            earlier = latest_reply(state.same_content_as)
            number, day = (earlier.number, earlier.issued_on) if earlier else (None, None)
        return reply_input(
            state,
            app,
            decision,
            policy,
            request.issued_on,
            earlier_reply_number=number,
            earlier_reply_date=day,
            agency=agency,
            remedies=config.remedies,
        )
    if request.kind is DocumentKind.SERVICE_RECEIPT:
        served = request.served
        if served is None:
            msg = "a service receipt names the document it is the receipt of"
            raise DocumentInputError(msg)
        return service_receipt_input(
            state, app, policy, request.issued_on, served_title=served.title, served_number=served.number, agency=agency
        )
    subject = request.key if request.kind is DocumentKind.CONSULTATION_LETTER else None
    return notice_input(
        request.kind,
        state,
        app,
        policy,
        request.issued_on,
        subject=subject,
        agency=agency,
        remedies=config.remedies,
    )


@activity.defn(name="issue_case_document")
def issue_case_document(request: CaseDocumentRequest) -> IssuedDocumentResult:
    """Issue a document of the case from its state: the facts, the agency's numbering, PDF and DOCX.

    A document whose facts are incomplete fails for good (``DocumentInputError``): retrying cannot
    supply them, and the case says what is missing instead.
    """
    config = load_config(config_path())
    agency = config.agency(request.state.agency)
    key = request.key
    if request.kind is DocumentKind.SERVICE_RECEIPT and request.served is not None:
        key = request.served.ref.replace(":", "-")
    try:
        return issue(
            IssueRequest(
                document=case_document_input(request, config),
                key=key,
                agency_code=request.state.agency_code,
                number_pattern=agency.number_pattern,
                short_name=agency.short_name,
                delivery=request.delivery,
                seal_image=agency.seal_image,
            )
        )
    except DocumentInputError as exc:
        raise ApplicationError(str(exc), type="DocumentInputError", non_retryable=True) from exc
