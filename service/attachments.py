"""Attachments to an application (identity document scan, business licence, power of attorney), stored encrypted.

Checked before anything is written: a known kind, a type recognised by its first bytes (PDF, JPEG, PNG;
never by the name or the declared type), a size limit (``OGI_ATTACHMENT_MAX_BYTES``), and the virus
scanner when one is installed (ClamAV's ``clamdscan``; without it the scan is skipped with a log line).
The file is kept beside the case under the home, sealed with the payload key (AES-256-GCM or SM4-GCM,
the key's id recorded so a rotated key still opens it); reading one is personal data and audited.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import secrets
import shutil
import subprocess
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from cryptography.exceptions import InvalidTag
from pydantic import BaseModel

from domain.messages import Msg
from infra import audit_log
from infra.codec import KeyRing, sealing_keyring
from infra.crypto import aead_decrypt, aead_encrypt
from infra.log import get_logger
from infra.paths import attachments_dir, private_dir
from infra.settings import settings
from service.errors import BadInput, Forbidden, NotFound, TooLarge, Unavailable
from service.identities import Principal

log = get_logger("service.attachments")

SCAN_TIMEOUT_S = 60
_ID = re.compile(r"^[a-f0-9]{16}$")
_CASE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")


class AttachmentKind(StrEnum):
    """What an attachment proves (Art 29: identity; for an organisation, its licence and who acts for it)."""

    ID_DOCUMENT = "id_document"  # 身份证明
    BUSINESS_LICENCE = "business_licence"  # 营业执照
    POWER_OF_ATTORNEY = "power_of_attorney"  # 授权委托书


SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


class Attachment(BaseModel):
    """An attachment as listed (no content, no original file name: that may name the applicant)."""

    id: str
    case_id: str
    kind: AttachmentKind
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime
    by: str
    scanned: bool
    key_id: str


def content_type_of(data: bytes) -> str | None:
    """The type of a file by its first bytes, if it is one accepted."""
    return next((kind for magic, kind in SIGNATURES if data.startswith(magic)), None)


def check_upload(kind: str, data: bytes) -> tuple[AttachmentKind, str]:
    """The kind and content type of an upload, or ``BadInput``/``TooLarge`` saying what is wrong."""
    try:
        parsed = AttachmentKind(kind)
    except ValueError:
        known = ", ".join(k.value for k in AttachmentKind)
        raise BadInput(
            Msg("unknown attachment kind '{kind}'; kinds: {known}", kind=kind[:40], known=known),
            "bad_input.attachment_kind",
        ) from None
    limit = settings().attachment_max_bytes
    if len(data) > limit:
        msg = f"the file is {len(data):,} bytes, more than the {limit:,} allowed (OGI_ATTACHMENT_MAX_BYTES)"
        raise TooLarge(msg, "bad_input.attachment_size")
    if not data:
        raise BadInput(Msg("the file is empty"), "bad_input.attachment_empty")
    content_type = content_type_of(data)
    if content_type is None:
        raise BadInput(Msg("the file is not a PDF, JPEG or PNG"), "bad_input.attachment_type")
    return parsed, content_type


def scan(data: bytes) -> bool:
    """Scan with ClamAV when ``clamdscan`` is installed: True when scanned clean, False when no scanner.

    An infected file is refused; a scanner that fails refuses too (fail closed), since it is configured.
    """
    scanner = shutil.which("clamdscan")
    if scanner is None:
        log.info("attachment.scan_skipped", reason="clamdscan is not installed")
        return False
    try:
        done = subprocess.run(
            [scanner, "--no-summary", "--stream", "-"],
            input=data,
            capture_output=True,
            timeout=SCAN_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise Unavailable(
            Msg("the virus scanner did not answer: {detail}", detail=exc), "unavailable.scanner"
        ) from None
    if done.returncode == 1:
        log.warning("attachment.infected")
        raise BadInput(
            Msg("the virus scanner found malware in the file; it was not stored"), "bad_input.attachment_infected"
        )
    if done.returncode != 0:
        msg = f"the virus scanner failed (exit {done.returncode}); try again later"
        raise Unavailable(msg, "unavailable.scanner")
    return True


def _ring() -> KeyRing:
    return sealing_keyring()


def _folder(case_id: str) -> Path:
    if not _CASE.match(case_id):
        raise BadInput(Msg("not a tracking number"), field="case_id")
    return attachments_dir() / case_id


def _save_now(principal: Principal, case_id: str, kind: str, data: bytes) -> Attachment:
    parsed, content_type = check_upload(kind, data)
    scanned = scan(data)
    ring = _ring()
    key_id = ring.active
    sealed = aead_encrypt(ring.algorithm(key_id), ring.secrets()[key_id], data)
    info = Attachment(
        id=secrets.token_hex(8),
        case_id=case_id,
        kind=parsed,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_at=datetime.now(UTC),
        by=principal.actor.name,
        scanned=scanned,
        key_id=key_id,
    )
    folder = private_dir(_folder(case_id))
    for path, body in (
        (folder / f"{info.id}.bin", sealed),
        (folder / f"{info.id}.json", info.model_dump_json().encode()),
    ):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(body)
    audit_log.append(
        "attachment_added",
        actor_id=principal.actor.id,
        actor=principal.actor.name,
        case_id=case_id,
        detail={"id": info.id, "kind": parsed.value, "size": info.size, "scanned": scanned, "via": principal.via},
    )
    log.info("attachment.stored", case_id=case_id, kind=parsed.value, size=info.size, scanned=scanned)
    return info


async def save(principal: Principal, case_id: str, kind: str, data: bytes) -> Attachment:
    """Check, scan, seal and store an attachment beside the case (the caller has checked the case exists)."""
    return await asyncio.to_thread(_save_now, principal, case_id, kind, data)


def _list_now(case_id: str) -> list[Attachment]:
    folder = _folder(case_id)
    if not folder.is_dir():
        return []
    found = [Attachment.model_validate_json(p.read_text("utf-8")) for p in folder.glob("*.json")]
    return sorted(found, key=lambda a: a.uploaded_at)


async def listed(case_id: str) -> list[Attachment]:
    """The case's attachments, oldest first (no content)."""
    return await asyncio.to_thread(_list_now, case_id)


def _read_now(principal: Principal, case_id: str, attachment_id: str) -> tuple[Attachment, bytes]:
    if not principal.sees_personal_data:
        msg = f"{principal.actor.name} may not see applicants' personal data, attachments included"
        raise Forbidden(msg, "forbidden.personal_data")
    if not _ID.match(attachment_id):
        raise NotFound(
            Msg("no attachment '{attachment_id}' on case {case_id}", attachment_id=attachment_id[:20], case_id=case_id),
            "not_found.attachment",
        )
    folder = _folder(case_id)
    meta = folder / f"{attachment_id}.json"
    if not meta.is_file():
        raise NotFound(
            Msg("no attachment '{attachment_id}' on case {case_id}", attachment_id=attachment_id, case_id=case_id),
            "not_found.attachment",
        )
    info = Attachment.model_validate_json(meta.read_text("utf-8"))
    ring = _ring()
    if info.key_id not in ring.keys:
        raise Unavailable(
            Msg("the key {key_id} that sealed this attachment is not configured", key_id=info.key_id), "unavailable.key"
        )
    try:
        data = aead_decrypt(
            ring.algorithm(info.key_id), ring.secrets()[info.key_id], (folder / f"{info.id}.bin").read_bytes()
        )
    except InvalidTag:
        raise Unavailable(Msg("the attachment does not open with its key: it was altered"), "unavailable.key") from None
    audit_log.append(
        "personal_data_read",
        actor_id=principal.actor.id,
        actor=principal.actor.name,
        case_id=case_id,
        detail={"via": principal.via, "attachment": info.id, "kind": info.kind.value},
    )
    return info, data


async def read(principal: Principal, case_id: str, attachment_id: str) -> tuple[Attachment, bytes]:
    """An attachment's content, for roles that may see personal data (each read audited)."""
    return await asyncio.to_thread(_read_now, principal, case_id, attachment_id)
