"""Queries over the read model (the ``cases`` table): sorted pages of cases, and counts by stage, agency, channel.

Pages are keyset-paginated by (due date, case id), cases without a due date last: a page costs one
indexed range scan however deep it lies, unlike an offset.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, false, func, or_, select, true

from domain.errors import OgiError
from domain.messages import Msg
from domain.read_model import CaseRow
from domain.report import CaseRecord
from infra.schema import cases
from infra.store import read_engine


@dataclass(frozen=True)
class Cursor:
    """Where a page ended: the last case's due date (None: no due date) and id."""

    due: date | None
    case_id: str

    def __str__(self) -> str:
        return f"{self.due.isoformat() if self.due else 'none'},{self.case_id}"

    @classmethod
    def parse(cls, text: str) -> Cursor:
        """A cursor printed as ``next`` by an earlier page; ``ValueError`` for anything else."""
        due, sep, case_id = text.partition(",")
        if not sep or not case_id or len(case_id) > 40:
            msg = Msg(
                "'{text}' is not a page cursor; pass the 'next' value printed by the previous page", text=text[:60]
            )
            raise OgiError(msg)
        if due == "none":
            return cls(None, case_id)
        try:
            return cls(date.fromisoformat(due), case_id)
        except ValueError:
            msg = Msg(
                "'{text}' is not a page cursor: '{due}' is not a date; pass the 'next' value printed by the previous page",
                text=text[:60],
                due=due,
            )
            raise OgiError(msg) from None


@dataclass
class Filters:
    """Which cases a listing or count covers."""

    open_only: bool = True
    stage: str | None = None
    agencies: Sequence[str] | None = None
    """Agency names or codes (any of them)."""
    channel: str | None = None
    overdue: bool | None = None
    due_through: dict[str | None, date] | None = None
    """Due on or before a day, per region's agencies: ``{None: day}`` for all, region keys for theirs."""
    region_agencies: dict[str, list[str]] = field(default_factory=dict)
    attention: bool | None = None
    assignee: str | None = None
    department: str | None = None
    not_proposed_by: str | None = None
    """Leave out cases whose answer this user proposed (the secrecy queue never offers them)."""
    stages: Sequence[str] | None = None
    """Any of these stages (``stage`` narrows to one)."""
    clock_paused: bool | None = None
    """The reply clock stands still (at review: a consultation is out, Art 33 ¶3)."""
    awaiting_approval: bool | None = None
    """A request awaits the head's approval (extension, longer period, fee waiver)."""
    awaiting_delivery: bool | None = None
    """Cases with documents waiting to be posted, handed over or sent again (closed ones included)."""


def _where(f: Filters) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if f.open_only:
        clauses.append(cases.c.status == "open")
    if f.stage is not None:
        clauses.append(cases.c.stage == f.stage)
    if f.agencies:
        clauses.append(or_(cases.c.agency.in_(f.agencies), cases.c.agency_code.in_(f.agencies)))
    if f.channel is not None:
        clauses.append(cases.c.channel == f.channel)
    if f.overdue is not None:
        clauses.append(cases.c.overdue == (true() if f.overdue else false()))
    if f.due_through is not None:
        clauses += [cases.c.due.is_not(None), cases.c.overdue == false(), cases.c.clock_paused == false()]
        regional = [a for region, names in f.region_agencies.items() if region in f.due_through for a in names]
        parts: list[ColumnElement[bool]] = []
        for region, day in f.due_through.items():
            if region is None:
                rest = cases.c.due <= day
                parts.append(and_(rest, cases.c.agency.not_in(regional)) if regional else rest)
            else:
                parts.append(and_(cases.c.agency.in_(f.region_agencies.get(region, [])), cases.c.due <= day))
        clauses.append(or_(*parts))
    if f.attention is not None:
        clauses.append(cases.c.attention.is_not(None) if f.attention else cases.c.attention.is_(None))
    if f.assignee is not None:
        clauses.append(cases.c.assignee == f.assignee)
    if f.department is not None:
        clauses.append(cases.c.department == f.department)
    if f.awaiting_delivery is not None:
        clauses.append(cases.c.awaiting_delivery > 0 if f.awaiting_delivery else cases.c.awaiting_delivery == 0)
    if f.not_proposed_by is not None:
        clauses.append(or_(cases.c.proposed_by_id.is_(None), cases.c.proposed_by_id != f.not_proposed_by))
    if f.stages is not None:
        clauses.append(cases.c.stage.in_(list(f.stages)))
    if f.clock_paused is not None:
        clauses.append(cases.c.clock_paused == (true() if f.clock_paused else false()))
    if f.awaiting_approval is not None:
        pending = cases.c.pending_request
        clauses.append(pending.is_not(None) if f.awaiting_approval else pending.is_(None))
    return clauses


def _after(cursor: Cursor, descending: bool = False) -> ColumnElement[bool]:
    if descending:
        # The reverse order: latest due first, ties by id descending, cases without a due date still last.
        if cursor.due is None:
            return and_(cases.c.due.is_(None), cases.c.case_id < cursor.case_id)
        return or_(
            cases.c.due < cursor.due,
            and_(cases.c.due == cursor.due, cases.c.case_id < cursor.case_id),
            cases.c.due.is_(None),
        )
    if cursor.due is None:
        return and_(cases.c.due.is_(None), cases.c.case_id > cursor.case_id)
    return or_(
        cases.c.due > cursor.due,
        and_(cases.c.due == cursor.due, cases.c.case_id > cursor.case_id),
        cases.c.due.is_(None),
    )


@dataclass
class Page:
    """One page of rows, how many match in all, and where the next page starts."""

    rows: list[CaseRow]
    total: int
    offset: int
    next: Cursor | None


_FIELDS = [c for c in cases.columns if c.name != "archived_at"]


def page(filters: Filters, limit: int, after: Cursor | None = None, *, descending: bool = False) -> Page:
    """The ``limit`` cases after ``after`` in (due, id) order (no due date last), with the total and the cursor.

    ``descending`` walks the dated cases latest first (the undated ones still come last).
    """
    where = _where(filters)
    if descending:
        order = [cases.c.due.is_(None), cases.c.due.desc(), cases.c.case_id.desc()]
    else:
        order = [cases.c.due.is_(None), cases.c.due, cases.c.case_id]
    query = select(*_FIELDS).where(*where)
    if after is not None:
        query = query.where(_after(after, descending))
    query = query.order_by(*order).limit(limit + 1)
    with read_engine().connect() as conn:
        found = [CaseRow.model_validate(dict(r._mapping)) for r in conn.execute(query)]
        total = conn.execute(select(func.count()).select_from(cases).where(*where)).scalar_one()
        before = 0
        if after is not None:
            before = conn.execute(
                select(func.count()).select_from(cases).where(*where, ~_after(after, descending))
            ).scalar_one()
    more = len(found) > limit
    rows = found[:limit]
    cursor = Cursor(rows[-1].due, rows[-1].case_id) if more and rows else None
    return Page(rows=rows, total=int(total), offset=int(before), next=cursor)


def counts(filters: Filters, column: str) -> dict[str, int]:
    """Matching cases per value of a column (``stage``, ``agency``, ``channel``, ``department``...)."""
    col = cases.c[column]
    query = select(col, func.count()).where(*_where(filters)).group_by(col)
    with read_engine().connect() as conn:
        return {str(value) if value is not None else "": int(n) for value, n in conn.execute(query)}


def total(filters: Filters) -> int:
    """How many cases match."""
    with read_engine().connect() as conn:
        return int(conn.execute(select(func.count()).select_from(cases).where(*_where(filters))).scalar_one())


def closed_between(since: datetime, until: datetime, agency: str | None = None) -> list[CaseRecord]:
    """The counting records of cases closed in ``[since, until)`` (by the ``closed_at`` index), one agency's or all."""
    fields = [c for c in cases.columns if c.name in CaseRecord.model_fields]
    query = select(*fields).where(cases.c.closed_at >= since, cases.c.closed_at < until)
    if agency is not None:
        query = query.where(or_(cases.c.agency == agency, cases.c.agency_code == agency))
    with read_engine().connect() as conn:
        return [CaseRecord.model_validate(dict(r._mapping)) for r in conn.execute(query.order_by(cases.c.case_id))]
