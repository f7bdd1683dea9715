"""Sorted, keyset-paginated case listings from visibility: by due date then id, one page at a time.

Visibility lists in its own order (newest start first) and a SQL server spends about 0.3 ms per row
returned, so sorting every match on the client costs a supervisor 300 ms per thousand cases. A page
here costs a few cheap counts plus the rows on the page: counts on ``DueAt`` ranges find the due date
by which at least a page of cases is due, and only those cases are listed.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

import typer
from temporalio.client import Client, WorkflowExecution

from domain.calendar import BEIJING
from domain.clock import beijing_date
from workflows import search_attributes as sa

EARLIEST_DUE = date(2008, 5, 1)
"""Lower bound of the due-date search: the first regulation took effect on 2008-05-01."""
_LOOKAHEAD_DAYS = 400
"""Upper bound of the search beyond today; cases due later are listed whole, as they are rare."""
_MAX_PROBES = 20


def quote(value: str) -> str:
    """A string literal for a visibility query."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _instant(when: datetime) -> str:
    """A datetime literal for a visibility query (RFC 3339, UTC)."""
    return quote(when.astimezone(UTC).isoformat().replace("+00:00", "Z"))


def agency_name(agency: str) -> str:
    """The agency's name as cases are indexed under it: a configured code (``LAMZ``) becomes its name."""
    from domain.config import ConfigError, load_config
    from infra.paths import config_path

    try:
        config = load_config(config_path())
    except ConfigError:
        return agency  # the commands that need the configuration say what is wrong with it
    by_code = {settings.code: name for name, settings in config.agencies.items()}
    return by_code.get(agency, agency)


AgencyFilterOpt = Annotated[
    str | None, typer.Option("--agency", help="Only this agency: its name, or its code when configured.")
]
"""The ``--agency`` filter of every listing and statistic; ``agency_clause`` turns it into a query."""


def agency_clause(agency: str | None) -> str:
    """The ``AND Agency = ...`` filter (by name, or by a configured agency code), or nothing."""
    return f" AND Agency = {quote(agency_name(agency))}" if agency else ""


def _edge(day: date) -> str:
    """Noon Beijing time after the deadline of ``day`` (24:00 of ``day``), as a query literal.

    ``DueAt`` always holds a deadline, 24:00 Beijing time of its due day, so comparing it with a
    time half a day away from any deadline never meets a tie; SQLite visibility stores datetimes
    as text with milliseconds, and ``=`` or ``<=`` on a deadline itself would miss the case.
    """
    return _instant(datetime(day.year, day.month, day.day, 12, tzinfo=BEIJING) + timedelta(days=1))


def due_through(day: date) -> str:
    """The filter for cases due on or before ``day``."""
    return f"DueAt < {_edge(day)}"


def due_after(day: date) -> str:
    """The filter for cases due after ``day`` (with ``due_through`` a partition of every ``DueAt``)."""
    return f"DueAt >= {_edge(day)}"


def due_on(day: date) -> str:
    """The filter for cases due on ``day``."""
    return f"{due_after(day - timedelta(days=1))} AND {due_through(day)}"


class CursorError(ValueError):
    """An ``--after`` value that is not a cursor this command printed."""


@dataclass(frozen=True)
class Cursor:
    """Where a page ended: the last case's due date (None for cases without a deadline) and id."""

    due: date | None
    case_id: str

    def __str__(self) -> str:
        return f"{self.due.isoformat() if self.due else 'none'},{self.case_id}"

    @classmethod
    def parse(cls, text: str) -> Cursor:
        """Read a cursor printed as ``next`` by an earlier page."""
        due, sep, case_id = text.partition(",")
        hint = "pass the 'next' value printed by the previous page"
        if not sep or not case_id:
            msg = f"'{text}' is not a page cursor; {hint}"
            raise CursorError(msg)
        if due == "none":
            return cls(None, case_id)
        try:
            return cls(date.fromisoformat(due), case_id)
        except ValueError:
            msg = f"'{text}' is not a page cursor: '{due}' is not a date; {hint}"
            raise CursorError(msg) from None

    def after(self) -> str:
        """The filter for cases after this one in (due, id) order, no-deadline cases last."""
        later = f"WorkflowId > {quote(self.case_id)}"
        if self.due is None:
            return f" AND DueAt IS NULL AND {later}"
        return f" AND ({due_after(self.due)} OR ({due_on(self.due)} AND {later}) OR DueAt IS NULL)"

    def after_dated(self) -> str | None:
        """The same filter restricted to cases with a deadline; None when the cursor is past them."""
        if self.due is None:
            return None
        return f" AND ({due_after(self.due)} OR ({due_on(self.due)} AND WorkflowId > {quote(self.case_id)}))"


@dataclass
class Page:
    """One page of cases, the number of matches in all pages, and where the next page starts."""

    cases: list[dict[str, Any]]
    total: int
    offset: int
    next: Cursor | None
    queries: int


def due_date(deadline_at: datetime | None) -> date | None:
    """The last working day of a deadline that ends at 24:00 Beijing time."""
    if deadline_at is None:
        return None
    return beijing_date(deadline_at - timedelta(seconds=1))


Key = tuple[int, date, str]
"""Sort key of a case: deadline first (0) or not (1), due date, id."""


def _row(wf: WorkflowExecution) -> tuple[Key, dict[str, Any]]:
    attrs = wf.typed_search_attributes
    due_at = attrs.get(sa.DUE_AT)
    due = due_date(due_at)
    # The day whose query window (``due_on``) holds this DueAt; the due date itself for every deadline.
    key = (0, beijing_date(due_at - timedelta(hours=12)), wf.id) if due_at else (1, EARLIEST_DUE, wf.id)
    return key, {
        "id": wf.id,
        "stage": attrs.get(sa.STAGE),
        "due": due.isoformat() if due else None,
        "agency": attrs.get(sa.AGENCY),
        "channel": attrs.get(sa.CHANNEL),
        "overdue": bool(attrs.get(sa.OVERDUE)),
        "clock_paused": bool(attrs.get(sa.CLOCK_PAUSED)),
        "outcome": attrs.get(sa.OUTCOME),
    }


class _Lister:
    """Counts and lists against one client, counting the queries sent."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.queries = 0

    async def count(self, query: str) -> int:
        self.queries += 1
        return (await self.client.count_workflows(query)).count

    async def rows(self, query: str) -> list[tuple[Key, dict[str, Any]]]:
        """Every case matching the query, sorted by (due, id)."""
        self.queries += 1
        found = [_row(wf) async for wf in self.client.list_workflows(query, page_size=1000)]
        found.sort(key=lambda kr: kr[0])
        return found

    async def cut(self, dated: str, limit: int, start: date | None) -> date | None:
        """A due date with at least ``limit`` (and not many more) cases of ``dated`` due by then.

        Bisects on the due date between the page's start and a year past today; None when fewer
        than ``limit`` cases are due by then, which means: list them all.
        """
        slack = max(10, limit // 4)
        today = beijing_date(datetime.now(UTC))
        low = (start or EARLIEST_DUE) - timedelta(days=1)  # nothing of ``dated`` is due by then
        high = max(today, low) + timedelta(days=_LOOKAHEAD_DAYS)
        probe = min(max(today, low + timedelta(days=1)), high)  # overdue cases are all due by today
        found = False
        for _ in range(_MAX_PROBES):
            below = await self.count(f"{dated} AND {due_through(probe)}")
            if below >= limit:
                high, found = probe, True
                if below <= limit + slack:
                    break
            elif probe >= high:
                return None
            else:
                low = probe
            if found and (high - low).days <= 1:
                break
            probe = low + timedelta(days=(high - low).days // 2) if found else high
        return high if found else None


async def case_page(client: Client, query: str, limit: int, after: Cursor | None = None) -> Page:
    """The ``limit`` cases matching ``query`` that follow ``after`` in (due, id) order.

    Cases with a deadline come first, earliest due first; cases without one (awaiting receipt)
    follow, by id. ``total`` counts every match; ``offset`` how many precede this page.
    """
    lister = _Lister(client)
    if after is None:
        total = remaining = await lister.count(query)
    else:
        total, remaining = await asyncio.gather(lister.count(query), lister.count(query + after.after()))
    rows: list[tuple[Key, dict[str, Any]]] = []
    dated_after = "" if after is None else after.after_dated()
    if dated_after is not None:
        dated = f"{query} AND DueAt IS NOT NULL{dated_after}"
        cut = await lister.cut(dated, limit, after.due if after else None) if remaining > limit else None
        rows = await lister.rows(dated if cut is None else f"{dated} AND {due_through(cut)}")
    if len(rows) < limit:
        undated = f"{query} AND DueAt IS NULL"
        if after is not None and after.due is None:
            undated += f" AND WorkflowId > {quote(after.case_id)}"
        rows += await lister.rows(undated)
    rows = rows[:limit]
    last = rows[-1][0] if rows else None
    more = last is not None and remaining > len(rows)
    cursor = Cursor(last[1] if last[0] == 0 else None, last[2]) if more and last else None
    return Page(
        cases=[r for _, r in rows],
        total=total,
        offset=max(0, total - remaining),
        next=cursor,
        queries=lister.queries,
    )


async def all_cases(client: Client, query: str) -> Page:
    """Every case matching ``query``, sorted as the pages are."""
    lister = _Lister(client)
    rows = await lister.rows(query)
    return Page(cases=[r for _, r in rows], total=len(rows), offset=0, next=None, queries=lister.queries)
