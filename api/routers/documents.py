"""Issued documents over HTTP: a document's PDF or DOCX, the day's post batch, a closed case's archive package."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import FileResponse, Response

from api.deps import CurrentPrincipal
from api.problems import ERRORS
from api.routers.cases import CaseId
from service import documents

router = APIRouter(prefix="/v1", tags=["documents"], responses=ERRORS)

DocumentRef = Annotated[
    str,
    Path(
        pattern=r"^[a-z_]{1,40}(:[A-Za-z0-9._-]{1,80})?$",
        description="As the case view's outgoing[].ref lists it: reply, fee_notice, consultation_letter:C1.",
    ),
]


class DocumentFormat(StrEnum):
    """The renditions of an issued document."""

    PDF = "pdf"
    DOCX = "docx"


@router.get(
    "/cases/{case_id}/documents/{ref}",
    summary="An issued document's file (PDF or DOCX); an audited read of personal data",
    response_class=FileResponse,
    responses={200: {"content": {documents.FORMATS["pdf"]: {}, documents.FORMATS["docx"]: {}}}},
)
async def document_file(
    case_id: CaseId, ref: DocumentRef, principal: CurrentPrincipal, format: DocumentFormat = DocumentFormat.PDF
) -> FileResponse:
    """The stored rendition, exactly as issued (it is written once and never changed)."""
    path, media = await documents.document_file(principal, case_id, ref, format.value)
    return FileResponse(path, media_type=media, filename=path.name)


@router.get(
    "/cases/{case_id}/package",
    summary="The archive package (归档) of a closed case: documents, audit trail and metadata in a ZIP",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}}},
)
async def archive_package(case_id: CaseId, principal: CurrentPrincipal) -> Response:
    """A ZIP with case.json, application.json, audit_log.json, documents/ and a manifest of SHA-256 sums."""
    data = await documents.archive_package(principal, case_id)
    headers = {"Content-Disposition": f'attachment; filename="{case_id}.zip"'}
    return Response(data, media_type="application/zip", headers=headers)


@router.post("/deliveries/batches", summary="Build the day's print batch for the mail room", tags=["documents"])
async def post_batch(
    principal: CurrentPrincipal,
    agency: Annotated[str, Query(min_length=1, max_length=100, description="Agency name or configured code.")],
    day: Annotated[date, Query(description="The day whose post it holds (Beijing).")],
) -> documents.BatchAnswer:
    """One PDF with a cover sheet and every document going by post that day; rebuilt with late additions."""
    return await documents.post_batch(principal, agency, day)


@router.get(
    "/deliveries/batches/{agency}/{day}",
    summary="The day's print batch as a PDF",
    response_class=FileResponse,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def post_batch_file(
    principal: CurrentPrincipal,
    agency: Annotated[str, Path(min_length=1, max_length=100)],
    day: date,
) -> FileResponse:
    """The batch file (built if needed)."""
    answer = await documents.post_batch(principal, agency, day)
    return FileResponse(answer.path, media_type="application/pdf", filename=f"post-{answer.agency_code}-{day}.pdf")
