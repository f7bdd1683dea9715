"""``/v1/stats`` and ``/v1/reports/{year}``: live counts from the read model, and the annual report."""

from __future__ import annotations

import asyncio
from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from api.deps import CurrentPrincipal
from api.problems import ERRORS
from domain.config import Role
from domain.messages import Msg
from infra import store
from service import listings, reports
from service.spreadsheets import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE

router = APIRouter(prefix="/v1", tags=["supervision"], responses=ERRORS)


@router.get("/stats", summary="Open cases per stage, agency, channel; overdue, due this week")
async def stats(
    principal: CurrentPrincipal, agency: Annotated[str | None, Query(max_length=100)] = None
) -> dict[str, Any]:
    """Counts of open cases from the read model."""
    return await listings.stats(agency)


class NumberStatus(StrEnum):
    """What became of a tracking number."""

    ALLOCATED = "allocated"
    STARTED = "started"
    VOID = "void"


@router.get("/numbers", summary="Tracking numbers and what became of them (void ones with the reason)")
async def numbers(principal: CurrentPrincipal, status: NumberStatus = NumberStatus.VOID) -> dict[str, Any]:
    """Tracking numbers of a status in sequence order: void ones say why, so the sequence has no unexplained gap."""
    principal.require(Role.SUPERVISOR, Role.HEAD, Role.INTAKE, what=Msg("list tracking numbers"))
    found = await asyncio.to_thread(store.numbers, status.value)
    return {
        "status": status.value,
        "count": len(found),
        "numbers": [
            {
                "id": n.case_id,
                "agency": n.agency,
                "status": n.status,
                "allocated_at": n.created_at.isoformat(),
                "void_reason": n.void_reason,
                "voided_at": n.voided_at.isoformat() if n.voided_at else None,
            }
            for n in found
        ],
    }


class ReportFormat(StrEnum):
    """The report's formats."""

    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


@router.get(
    "/reports/{year}",
    summary="The annual report (年度报告): tables 三 and 四",
    responses={200: {"content": {"text/csv": {}, XLSX_MEDIA_TYPE: {}, "application/json": {}}}},
)
async def annual_report(
    principal: CurrentPrincipal,
    year: Annotated[int, Path(ge=2008, le=2999)],
    agency: Annotated[str | None, Query(max_length=100)] = None,
    through: Annotated[date | None, Query(description="Cutoff day: the tables as they stood at its end.")] = None,
    format: Annotated[
        ReportFormat,
        Query(
            description="json (keys and labels, with the timeliness supplement); csv (UTF-8 with BOM) or xlsx: "
            "the national form's layout, 国办公开办函〔2021〕30号"
        ),
    ] = ReportFormat.JSON,
) -> Any:
    """Tables 三 and 四 for a year, checked (一 + 二 = 三(七) + 四 per column); JSON adds the timeliness supplement."""
    answer = await reports.annual_report(year, agency, through, with_timeliness=format is ReportFormat.JSON)
    if format is ReportFormat.JSON:
        return reports.report_json(answer)
    # An ASCII file name: the agency's Chinese name is in the sheet's caption, not in a header.
    attachment = {"Content-Disposition": f'attachment; filename="report-{year}.{format.value}"'}
    if format is ReportFormat.CSV:
        return Response(reports.report_csv(answer.report), media_type=CSV_MEDIA_TYPE, headers=attachment)
    return Response(reports.report_xlsx(answer.report), media_type=XLSX_MEDIA_TYPE, headers=attachment)
