"""Documents by e-mail over SMTP (``OGI_SMTP_URL``, ``OGI_MAIL_FROM``), the PDF attached.

The Message-ID is derived from the case and the document, so a resend after a crash carries the same
id and the recipient's mail system can tell it is the same letter. The receipt holds the id, the time
the server accepted the message and the server's answer; a refusal or an unreachable server is a
``DeliveryFailed`` carrying what the server said.
"""

from __future__ import annotations

import email.policy
import hashlib
import smtplib
import ssl
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from pydantic import BaseModel, SecretStr

from domain.masking import delivery_audit_line, mask_email
from infra.delivery import DeliveryFailed
from infra.settings import settings


class SmtpTarget(BaseModel):
    """Where and how to submit mail, from ``OGI_SMTP_URL``."""

    host: str
    port: int
    implicit_tls: bool = False
    """``smtps://``: TLS from the first byte (port 465)."""
    starttls: bool = False
    username: str | None = None
    password: SecretStr | None = None
    cafile: str | None = None
    timeout: float = 30.0


def parse_smtp_url(url: str) -> SmtpTarget:
    """``smtp://user:pass@host:587?starttls=1``, ``smtps://user:pass@host:465``; ``cafile=``, ``timeout=``."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        msg = "OGI_SMTP_URL must look like smtp://user:pass@host:587?starttls=1 or smtps://user:pass@host:465"
        raise DeliveryFailed(msg, permanent=True)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    implicit = parts.scheme == "smtps"
    return SmtpTarget(
        host=parts.hostname,
        port=parts.port or (465 if implicit else 25),
        implicit_tls=implicit,
        starttls=query.get("starttls", "0").lower() in ("1", "true", "yes"),
        username=unquote(parts.username) if parts.username else None,
        password=SecretStr(unquote(parts.password)) if parts.password else None,
        cafile=query.get("cafile"),
        timeout=float(query.get("timeout", "30")),
    )


class EmailDocument(BaseModel):
    """One document to send by e-mail: who to, what it is, and the PDF file."""

    case_id: str
    kind: str
    key: str = "main"
    number: str | None = None
    title: str
    to: str
    addressee: str | None = None
    """Name in the salutation (the applicant's); the body says only that the document is attached."""
    agency: str
    pdf_path: str


class EmailReceipt(BaseModel):
    """What the mail server answered when it took the message."""

    message_id: str
    accepted_at: datetime
    server_answer: str
    to_masked: str
    audit: str
    """``sent by e-mail to z***@example.com``."""


def message_id_for(doc: EmailDocument, mail_from: str) -> str:
    """A Message-ID fixed by case, kind, key and number: a resend is recognisably the same message."""
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "ogi.invalid"
    seed = "|".join([doc.case_id, doc.kind, doc.key, doc.number or ""])
    return f"<ogi.{hashlib.sha256(seed.encode()).hexdigest()[:32]}@{domain}>"


def build_message(doc: EmailDocument, mail_from: str) -> EmailMessage:
    """The message: plain-text body, the PDF attached under the document's title and number."""
    msg = EmailMessage()
    label = f"{doc.title}（{doc.number}）" if doc.number else doc.title
    msg["From"] = mail_from
    msg["To"] = doc.to
    msg["Subject"] = f"{doc.agency}：{label}"
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = message_id_for(doc, mail_from)
    msg["X-Ogi-Case"] = doc.case_id
    greeting = f"{doc.addressee}：\n\n" if doc.addressee else ""
    msg.set_content(
        f"{greeting}{doc.agency}向您送达《{doc.title}》"
        + (f"（{doc.number}）" if doc.number else "")
        + f"，请查收附件。登记编号：{doc.case_id}。\n\n本邮件由系统发送，请勿直接回复。\n"
    )
    filename = f"{label}.pdf"
    msg.add_attachment(Path(doc.pdf_path).read_bytes(), maintype="application", subtype="pdf", filename=filename)
    return msg


def _connect(target: SmtpTarget) -> smtplib.SMTP:
    context = ssl.create_default_context(cafile=target.cafile)
    if target.implicit_tls:
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(target.host, target.port, timeout=target.timeout, context=context)
    else:
        smtp = smtplib.SMTP(target.host, target.port, timeout=target.timeout)
    smtp.ehlo()
    if target.starttls:
        smtp.starttls(context=context)
        smtp.ehlo()
    if target.username:
        smtp.login(target.username, target.password.get_secret_value() if target.password else "")
    return smtp


def _answer(code: int, text: bytes | str) -> str:
    return f"{code} {text.decode('utf-8', 'replace') if isinstance(text, bytes) else text}".strip()


def send_document_email(doc: EmailDocument, smtp_url: str | None = None, mail_from: str | None = None) -> EmailReceipt:
    """Send the document and return the server's acceptance; ``DeliveryFailed`` with its answer otherwise."""
    s = settings()
    url = smtp_url or (s.smtp_url.get_secret_value() if s.smtp_url else None)
    sender = mail_from or s.mail_from
    if not url or not sender:
        msg = "e-mail delivery needs OGI_SMTP_URL and OGI_MAIL_FROM"
        raise DeliveryFailed(msg, permanent=True)
    target = parse_smtp_url(url)
    message = build_message(doc, sender)
    where = f"{target.host}:{target.port}"
    try:
        smtp = _connect(target)
    except smtplib.SMTPAuthenticationError as exc:
        answer = _answer(exc.smtp_code, exc.smtp_error)
        raise DeliveryFailed(
            f"the mail server {where} refused the login: {answer}", permanent=True, answer=answer
        ) from exc
    except (OSError, smtplib.SMTPException) as exc:  # refused, timed out, TLS failed, disconnected
        raise DeliveryFailed(f"the mail server {where} could not be reached: {exc}", permanent=False) from exc
    try:
        with smtp:
            envelope_from = parseaddr(sender)[1]
            for step, (code, text) in (
                ("sender", smtp.mail(envelope_from)),
                ("recipient", smtp.rcpt(doc.to)),
            ):
                if code >= 400:
                    # The server's words often repeat the address: kept, but masked like everything logged.
                    answer = _answer(code, text).replace(doc.to, mask_email(doc.to))
                    msg = f"the mail server {where} refused the {step} {mask_email(doc.to) if step == 'recipient' else envelope_from}: {answer}"
                    raise DeliveryFailed(msg, permanent=code >= 500, answer=answer)
            # SMTP wants CRLF line ends: smtplib sends bytes as given, and bare LFs make one over-long line.
            code, text = smtp.data(message.as_bytes(policy=email.policy.SMTP))
            accepted_at = datetime.now(UTC)
            if code != 250:  # smtplib returns the final answer to DATA without checking it
                answer = _answer(code, text)
                msg = f"the mail server {where} refused the message: {answer}"
                raise DeliveryFailed(msg, permanent=code >= 500, answer=answer)
    except smtplib.SMTPDataError as exc:
        answer = _answer(exc.smtp_code, exc.smtp_error)
        raise DeliveryFailed(
            f"the mail server {where} refused the message: {answer}", permanent=exc.smtp_code >= 500, answer=answer
        ) from exc
    except (OSError, smtplib.SMTPServerDisconnected) as exc:
        raise DeliveryFailed(f"the mail server {where} dropped the connection: {exc}", permanent=False) from exc
    except TimeoutError as exc:  # pragma: no cover - an OSError on 3.10+, kept for clarity
        raise DeliveryFailed(f"the mail server {where} timed out", permanent=False) from exc
    return EmailReceipt(
        message_id=str(message["Message-ID"]),
        accepted_at=accepted_at,
        server_answer=_answer(code, text),
        to_masked=mask_email(doc.to),
        audit=delivery_audit_line("email", doc.to),
    )
