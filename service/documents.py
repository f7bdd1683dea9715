"""A case's issued documents for staff: a file to download, the post room's batch, the archive package (归档).

Issued documents carry the applicant's name and request, so each download is an audited read of personal
data, open to the roles that may see it. The archive package of a closed case holds its documents, its
audit trail and its metadata as JSON, each file listed with its SHA-256 in a manifest.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from domain.application import Application
from domain.case import CaseState
from domain.config import Role, load_config
from domain.messages import Msg
from domain.outgoing import by_ref
from infra import audit_log
from infra.delivery.post import build_print_batch
from infra.paths import config_path, documents_dir
from service.cases import ask, fetch_state, state_json
from service.errors import BadInput, Forbidden, NotFound
from service.identities import Principal
from service.temporal import client

FORMATS = {"pdf": "application/pdf", "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def _require_personal(principal: Principal, what: str) -> None:
    if not principal.sees_personal_data:
        msg = f"{principal.actor.name} may not {what}: documents carry the applicant's personal data"
        raise Forbidden(msg, "forbidden.personal_data")


def _audit_read(principal: Principal, case_id: str, what: str) -> None:
    audit_log.append(
        "personal_data_read",
        actor_id=principal.actor.id,
        actor=principal.actor.name,
        case_id=case_id,
        detail={"via": principal.via, "document": what},
    )


def _inside_documents(path: Path) -> Path:
    """The file, if it lies in the documents directory (a path from a case never leads elsewhere)."""
    resolved = path.resolve()
    if not resolved.is_relative_to(documents_dir().resolve()):
        msg = "the document is not stored under this installation's documents directory"
        raise NotFound(msg, "not_found.document")
    if not resolved.is_file():
        msg = f"the file of this document is missing from {documents_dir()}: restore it from backup"
        raise NotFound(msg, "not_found.document")
    return resolved


async def document_file(principal: Principal, case_id: str, ref: str, fmt: str) -> tuple[Path, str]:
    """The stored file of an issued document (``reply``, ``consultation_letter:C1``) and its media type."""
    if fmt not in FORMATS:
        raise BadInput(Msg("format '{fmt}': give pdf or docx", fmt=fmt), field="format")
    _require_personal(principal, "download documents")
    state = await fetch_state(case_id)
    doc = by_ref(state.outgoing, ref)
    if doc is None:
        issued = ", ".join(o.ref for o in state.outgoing) or "none yet"
        raise NotFound(
            Msg(
                "case {case_id} issued no document '{ref}' (issued: {issued})", case_id=case_id, ref=ref, issued=issued
            ),
            "not_found.document",
        )
    path = next((Path(f) for f in doc.files if f.endswith(f".{fmt}")), None)
    if path is None:
        raise NotFound(
            Msg("{ref} of case {case_id} has no {fmt} rendition", ref=ref, case_id=case_id, fmt=fmt),
            "not_found.document",
        )
    found = _inside_documents(path)
    await asyncio.to_thread(_audit_read, principal, case_id, f"{ref}.{fmt}")
    return found, FORMATS[fmt]


class BatchAnswer(BaseModel):
    """The day's print batch for the mail room: what it holds (the PDF itself is downloaded apart)."""

    agency_code: str
    day: date
    path: str
    sha256: str
    documents: list[dict[str, Any]]


def _batch(agency: str, day: date) -> BatchAnswer | None:
    config = load_config(config_path())
    by_code = {a.code: name for name, a in config.agencies.items()}
    name = by_code.get(agency, agency)
    code = config.agency(name).code
    batch = build_print_batch(code, day, name)
    if batch is None:
        return None
    return BatchAnswer(
        agency_code=code,
        day=day,
        path=batch.path,
        sha256=batch.sha256,
        documents=[e.model_dump(mode="json") for e in batch.entries],
    )


async def post_batch(principal: Principal, agency: str, day: date) -> BatchAnswer:
    """Build (or rebuild) an agency's print batch of ``day``: every document that goes by post that day."""
    principal.require(Role.INTAKE, Role.RECORDS, what=Msg("print the post batch"))
    _require_personal(principal, "print the post batch")
    answer = await asyncio.to_thread(_batch, agency, day)
    if answer is None:
        raise NotFound(
            Msg("nothing of {agency} goes by post on {day}", agency=agency, day=day.isoformat()), "not_found.batch"
        )
    await asyncio.to_thread(_audit_read, principal, f"batch:{answer.agency_code}", f"post batch {day.isoformat()}")
    return answer


def _package(state: CaseState, application: Application, trail: list[dict[str, Any]]) -> bytes:
    files: dict[str, bytes] = {
        "case.json": json.dumps(state_json(state), ensure_ascii=False, indent=2).encode("utf-8"),
        "application.json": application.model_dump_json(indent=2).encode("utf-8"),
        "audit_log.json": json.dumps(trail, ensure_ascii=False, indent=2).encode("utf-8"),
    }
    for doc in state.outgoing:
        for stored in doc.files:
            path = _inside_documents(Path(stored))
            files[f"documents/{path.name}"] = path.read_bytes()
    manifest = {
        "case_id": state.id,
        "made_at": datetime.now(UTC).isoformat(),
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())},
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in files.items():
            package.writestr(name, data)
        package.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    return buffer.getvalue()


def _trail(case_id: str) -> list[dict[str, Any]]:
    return [
        {
            "seq": e.seq,
            "at": e.at.isoformat(),
            "kind": e.kind,
            "actor": e.actor,
            "action": e.action,
            "detail": e.detail,
            "mac": e.mac,
        }
        for e in audit_log.entries(case_id=case_id)
    ]


async def archive_package(principal: Principal, case_id: str) -> bytes:
    """The archive package (归档) of a closed case as a ZIP: documents, audit trail and metadata as JSON."""
    principal.require(Role.RECORDS, Role.HEAD, what=Msg("make archive packages"))
    _require_personal(principal, "make archive packages")
    state = await fetch_state(case_id)
    if state.stage.is_open:
        msg = f"case {case_id} is still open ({state.stage.value}); it is archived once closed"
        raise BadInput(msg, "bad_input.open_case")
    temporal = await client()
    application = await ask(temporal.get_workflow_handle(case_id), "application", Application)
    trail = await asyncio.to_thread(_trail, case_id)
    data = await asyncio.to_thread(_package, state, application, trail)
    await asyncio.to_thread(_audit_read, principal, case_id, "archive package")
    return data
