"""Listings and statistics for supervisors and queues, from the read model (never one Temporal query per row).

``overdue``, ``due-soon``, ``list`` and ``stats`` (CLI), ``GET /v1/cases`` and ``GET /v1/stats`` (API)
and the console's queues all call ``list_cases`` and ``stats``. Working days left and the due-soon
window count on each agency's own calendar (its region's holidays included). ``visibility_check``
compares the read model with Temporal's visibility, which stays the cross-check.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import BaseModel

from domain.application import Channel
from domain.calendar import CalendarError
from domain.case import Stage
from domain.clock import beijing_date
from domain.config import ConfigError
from domain.messages import Msg
from domain.read_model import CaseRow
from infra import case_listing
from infra.case_listing import Cursor, Filters
from infra.store import StoreUnavailable
from service.agency_calendars import AgencyCalendars
from service.errors import BadInput, Unavailable

PAGE_SIZE = 100
MAX_PAGE = 1000


class CaseLine(BaseModel):
    """One case in a listing: what a supervisor or a queue shows (no personal data beyond a masked name)."""

    id: str
    stage: str
    status: str
    due: date | None
    agency: str
    channel: str
    overdue: bool
    clock_paused: bool
    outcome: str | None = None
    received: date | None = None
    left: int | None = None
    """Working days left until the due date, on the agency's calendar (negative: overdue by that many)."""
    applicant: str | None = None
    """Masked (``张*``) for natural persons."""
    subject: str | None = None
    attention: str | None = None
    assignee: str | None = None
    department: str | None = None
    awaiting_delivery: int = 0
    """Issued documents waiting to be posted, handed over or sent again."""
    reply_served_on: date | None = None


class CasePage(BaseModel):
    """A page of cases (``GET /v1/cases``, ``ogi list --json``)."""

    cases: list[CaseLine]
    count: int
    total: int
    offset: int
    next: str | None
    through: date | None = None
    through_by_region: dict[str, date] | None = None


@dataclass
class Query:
    """What a caller asks a listing for, before it is turned into filters."""

    stage: Stage | None = None
    agency: str | None = None
    channel: Channel | None = None
    overdue: bool | None = None
    due_within: int | None = None
    closed: bool = False
    attention: bool | None = None
    assignee: str | None = None
    department: str | None = None
    not_proposed_by: str | None = None
    stages: tuple[Stage, ...] | None = None
    clock_paused: bool | None = None
    awaiting_approval: bool | None = None
    descending: bool = False
    """Latest due date first (cases without one still last)."""
    awaiting_delivery: bool | None = None


def _today() -> date:
    return beijing_date(datetime.now(UTC))


def _agencies(calendars: AgencyCalendars, agency: str | None) -> list[str] | None:
    """A filter value for an agency given by name or configured code (both match)."""
    if agency is None:
        return None
    by_code = {a.code: name for name, a in calendars.config.agencies.items()}
    return [agency, by_code[agency]] if agency in by_code else [agency]


def _agency_name(calendars: AgencyCalendars, agency: str | None) -> str | None:
    if agency is None:
        return None
    by_code = {a.code: name for name, a in calendars.config.agencies.items()}
    return by_code.get(agency, agency)


def filters_for(query: Query, calendars: AgencyCalendars) -> tuple[Filters, dict[str | None, date] | None]:
    """The read-model filters of a query, and the due-soon window's last day per calendar (if asked)."""
    through: dict[str | None, date] | None = None
    if query.due_within is not None:
        if not 0 <= query.due_within <= 365:
            msg = Msg("due_within {days} is out of range; give 0 to 365 working days", days=query.due_within)
            raise BadInput(msg, field="due_within")
        try:
            through = calendars.due_within(_today(), query.due_within, _agency_name(calendars, query.agency))
        except CalendarError as exc:
            raise BadInput(exc.message, field="due_within") from None
    closed = query.closed or query.stage is Stage.CLOSED
    filters = Filters(
        # A replied case may still wait for its reply to be posted or collected: the delivery queue holds both.
        open_only=not closed and not query.awaiting_delivery,
        stage=query.stage.value if query.stage else None,
        agencies=_agencies(calendars, query.agency),
        channel=query.channel.value if query.channel else None,
        overdue=query.overdue,
        due_through=through,
        region_agencies=calendars.regional_agencies(),
        attention=query.attention,
        assignee=query.assignee,
        department=query.department,
        not_proposed_by=query.not_proposed_by,
        stages=[s.value for s in query.stages] if query.stages is not None else None,
        clock_paused=query.clock_paused,
        awaiting_approval=query.awaiting_approval,
        awaiting_delivery=query.awaiting_delivery,
    )
    return filters, through


def _left(row: CaseRow, calendars: AgencyCalendars, today: date) -> int | None:
    if row.due is None or row.status != "open" or row.clock_paused:
        return None
    calendar = calendars.of_agency(row.agency)
    if row.due >= today:
        return calendar.working_days_between(today, row.due)
    return -calendar.working_days_between(row.due, today)


def line(row: CaseRow, calendars: AgencyCalendars, today: date) -> CaseLine:
    """The listing line of a read-model row."""
    return CaseLine(
        id=row.case_id,
        stage=row.stage.value,
        status=row.status,
        due=row.due,
        agency=row.agency,
        channel=row.channel.value,
        overdue=row.overdue,
        clock_paused=row.clock_paused,
        outcome=row.outcome,
        received=row.received,
        left=_left(row, calendars, today),
        applicant=row.applicant_masked,
        subject=row.subject,
        attention=row.attention,
        assignee=row.assignee,
        department=row.department,
        awaiting_delivery=row.awaiting_delivery,
        reply_served_on=row.reply_served_on,
    )


def calendars_or_fail() -> AgencyCalendars:
    """The agency calendars of the configuration; ``BadInput`` when it cannot be read."""
    try:
        return AgencyCalendars()
    except ConfigError as exc:
        raise BadInput(str(exc), "bad_input.configuration") from None


def _list_now(query: Query, limit: int | None, after: str | None, every: bool) -> CasePage:
    calendars = calendars_or_fail()
    if every and (limit is not None or after is not None):
        raise BadInput(Msg("'all' lists every case; leave out the limit and the cursor"), field="all")
    size = limit or PAGE_SIZE
    if not 1 <= size <= MAX_PAGE:
        raise BadInput(Msg("limit {size} is out of range; give 1 to {most}", size=size, most=MAX_PAGE), field="limit")
    try:
        cursor = Cursor.parse(after) if after is not None else None
    except ValueError as exc:
        raise BadInput(getattr(exc, "message", str(exc)), "bad_input.cursor", field="after") from None

    filters, through = filters_for(query, calendars)
    try:
        found = case_listing.page(filters, 10**9 if every else size, cursor, descending=query.descending)
    except StoreUnavailable as exc:
        raise Unavailable(str(exc), "unavailable.store") from None
    today = _today()
    lines = [line(r, calendars, today) for r in found.rows]
    regions = {k: v for k, v in (through or {}).items() if k is not None}
    return CasePage(
        cases=lines,
        count=len(lines),
        total=found.total,
        offset=found.offset,
        next=str(found.next) if found.next else None,
        through=(through or {}).get(None) if through else None,
        through_by_region={"national": through[None], **regions} if through and regions and None in through else None,
    )


async def list_cases(query: Query, limit: int | None = None, after: str | None = None, every: bool = False) -> CasePage:
    """One page of cases by due date (most overdue first; no due date last), or every match."""
    return await asyncio.to_thread(_list_now, query, limit, after, every)


def week_last_day(today: date) -> date:
    """The Sunday that ends the current Beijing calendar week."""
    return today + timedelta(days=6 - today.weekday())


def _ranked(counts: dict[str, int]) -> dict[str, int]:
    return dict(sorted(((k, v) for k, v in counts.items() if v), key=lambda kv: (-kv[1], kv[0])))


def _stats_now(agency: str | None) -> dict[str, Any]:
    calendars = calendars_or_fail()
    base = Filters(agencies=_agencies(calendars, agency))
    try:
        stages = case_listing.counts(base, "stage")
        week = Filters(agencies=base.agencies, due_through={None: week_last_day(_today())})
        result = {
            "open": case_listing.total(base),
            "overdue": case_listing.total(Filters(agencies=base.agencies, overdue=True)),
            "due_this_week": case_listing.total(week),
            "attention": case_listing.total(Filters(agencies=base.agencies, attention=True)),
            "awaiting_delivery": case_listing.total(
                Filters(open_only=False, agencies=base.agencies, awaiting_delivery=True)
            ),
            "by_stage": {s.value: stages.get(s.value, 0) for s in Stage if s.is_open},
            "by_agency": _ranked(case_listing.counts(base, "agency")),
            "by_channel": _ranked(case_listing.counts(base, "channel")),
            "by_department": _ranked(case_listing.counts(base, "department")),
            "source": "read_model",
        }
    except StoreUnavailable as exc:
        raise Unavailable(str(exc), "unavailable.store") from None
    return result


async def stats(agency: str | None = None) -> dict[str, Any]:
    """Open cases per stage, agency, channel and department; overdue, due this week, needing attention."""
    return await asyncio.to_thread(_stats_now, agency)
