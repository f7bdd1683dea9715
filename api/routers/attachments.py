"""``/v1/cases/{id}/attachments``: identity scans, licences and powers of attorney, sealed beside the case."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Path, Response, UploadFile

from api.deps import CurrentPrincipal
from api.problems import ERRORS
from api.routers.cases import CaseId
from api.routers.portal import read_limited
from domain.config import Role
from domain.messages import Msg
from service import attachments
from service.attachments import Attachment
from service.cases import fetch_state

router = APIRouter(prefix="/v1/cases", tags=["cases"], responses=ERRORS)


@router.post("/{case_id}/attachments", status_code=201, response_model=Attachment, summary="Attach a file")
async def attach(
    case_id: CaseId,
    principal: CurrentPrincipal,
    kind: Annotated[str, Form(max_length=40, description="id_document, business_licence or power_of_attorney")],
    file: Annotated[UploadFile, File(description="PDF, JPEG or PNG")],
) -> Attachment:
    """Store an attachment (checked by type and size, scanned when ClamAV is installed, encrypted)."""
    principal.require(Role.INTAKE, Role.REVIEWER, Role.RECORDS, what=Msg("attach files to a case"))
    data = await read_limited(file)
    attachments.check_upload(kind, data)
    await fetch_state(case_id)  # an unknown case is 404 before anything is written
    return await attachments.save(principal, case_id, kind, data)


@router.get("/{case_id}/attachments", response_model=list[Attachment], summary="The case's attachments")
async def listed(case_id: CaseId, principal: CurrentPrincipal) -> list[Attachment]:
    """What is attached (kinds, types, sizes; no content)."""
    return await attachments.listed(case_id)


@router.get(
    "/{case_id}/attachments/{attachment_id}",
    summary="One attachment's content (personal data, audited)",
    responses={200: {"content": {"application/pdf": {}, "image/jpeg": {}, "image/png": {}}}},
)
async def content(
    case_id: CaseId, attachment_id: Annotated[str, Path(max_length=20)], principal: CurrentPrincipal
) -> Response:
    """The file, for roles that may see applicants' personal data; each read is in the audit log."""
    info, data = await attachments.read(principal, case_id, attachment_id)
    name = f"{case_id}-{info.kind.value}.{attachments.EXTENSIONS[info.content_type]}"
    return Response(
        data,
        media_type=info.content_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )
