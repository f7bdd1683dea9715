"""Temporal's visibility as the cross-check of the read model: listings and counts straight from it.

Listings and statistics read the read model (``service.listings``); these queries answer the same
questions from visibility, so ``ogi doctor`` can compare the two. A page costs a few cheap counts plus
the rows on the page (counts on ``DueAt`` ranges find the due date by which a page of cases is due),
and counts fall back to one query per value where the server cannot ``GROUP BY`` a keyword.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from temporalio.client import Client, WorkflowExecution
from temporalio.service import RPCError, RPCStatusCode

from domain.application import Channel
from domain.calendar import BEIJING
from domain.case import Stage
from domain.clock import beijing_date
from domain.errors import OgiError
from domain.messages import Msg
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


class CursorError(OgiError):
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
        if not sep or not case_id:
            msg = Msg("'{text}' is not a page cursor; pass the 'next' value printed by the previous page", text=text)
            raise CursorError(msg)
        if due == "none":
            return cls(None, case_id)
        try:
            return cls(date.fromisoformat(due), case_id)
        except ValueError:
            msg = Msg(
                "'{text}' is not a page cursor: '{due}' is not a date; pass the 'next' value printed by the previous page",
                text=text,
                due=due,
            )
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


OPEN = sa.OPEN_CASES_QUERY
_MAX_CONCURRENT_COUNTS = 16
_DISCOVERY_PAGE = 50


NONE = "(none)"
"""The key under which cases without a value for an attribute are counted."""

_group_by: weakref.WeakKeyDictionary[Client, bool] = weakref.WeakKeyDictionary()
"""Per client: whether its server groups counts by custom keyword attributes (asked once per process)."""


class _Counter:
    """Visibility counts with bounded concurrency, counting the queries sent."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.queries = 0
        self._gate = asyncio.Semaphore(_MAX_CONCURRENT_COUNTS)

    async def count(self, query: str) -> int:
        async with self._gate:
            self.queries += 1
            return (await self.client.count_workflows(query)).count

    async def grouped(self, base: str, attribute: str) -> dict[str, int] | None:
        """Counts by ``GROUP BY``, or None when the server cannot group by this attribute."""
        try:
            async with self._gate:
                self.queries += 1
                res = await self.client.count_workflows(f"{base} GROUP BY {attribute}")
        except RPCError as exc:
            if exc.status in (RPCStatusCode.INVALID_ARGUMENT, RPCStatusCode.UNIMPLEMENTED):
                return None
            raise
        return {str(g.group_values[0]) if g.group_values else NONE: g.count for g in res.groups}

    async def values(self, base: str, attribute: str, values: Sequence[str]) -> dict[str, int]:
        """One count per value (``NONE``: cases without the attribute), all at once."""
        queries = [
            f"{base} AND {attribute} IS NULL" if v == NONE else f"{base} AND {attribute} = {quote(v)}" for v in values
        ]
        return dict(zip(values, await asyncio.gather(*(self.count(q) for q in queries)), strict=True))

    async def discover(self, base: str, attribute: str, seen: Sequence[str]) -> list[str]:
        """Values of the attribute among one page of the cases whose value is not in ``seen``."""
        named = [v for v in seen if v != NONE]
        query = base
        if named:
            query += f" AND ({attribute} IS NULL OR {attribute} NOT IN ({', '.join(map(quote, named))}))"
        found: list[str] = []
        async with self._gate:
            self.queries += 1
            async for wf in self.client.list_workflows(query, page_size=_DISCOVERY_PAGE, limit=_DISCOVERY_PAGE):
                raw = next((p.value for p in wf.typed_search_attributes if p.key.name == attribute), None)
                value = NONE if raw is None else str(raw)
                if value not in seen and value not in found:
                    found.append(value)
        return found

    async def complete(self, base: str, attribute: str, counts: dict[str, int], total: int) -> dict[str, int]:
        """Add the values not known in advance, found by exclusion, until every case is counted."""
        for _ in range(100):
            if sum(counts.values()) >= total:
                break
            found = await self.discover(base, attribute, list(counts))
            if not found:
                break  # cases changed between the counts; they stand as taken
            counts |= await self.values(base, attribute, found)
        return counts


def _ranked(counts: dict[str, int]) -> dict[str, int]:
    return dict(sorted(((k, v) for k, v in counts.items() if v), key=lambda kv: (-kv[1], kv[0])))


async def _groups_by_keyword(counter: _Counter, base: str) -> bool:
    if counter.client not in _group_by:
        _group_by[counter.client] = await counter.grouped(base, "Stage") is not None
    return _group_by[counter.client]


async def case_stats(client: Client, agency: str | None = None) -> dict[str, Any]:
    """Open cases per stage, agency and channel, and overdue, from visibility counts.

    With ``GROUP BY`` on keyword attributes (Elasticsearch visibility) that is one query per
    breakdown. SQL visibility (the dev server, PostgreSQL, SQLite) groups only by ExecutionStatus,
    so each breakdown is one count per value: the stages and channels the domain knows, and the
    agencies found by listing one page of the cases not yet counted, repeated until all are
    counted. Values nobody expected (an old stage, a missing attribute) are found the same way.
    About 15 queries plus one per agency; each one counts against the namespace's visibility rate
    limit, which is why ``--watch`` refreshes no faster than once a second.
    """
    started = time.perf_counter()
    counter = _Counter(client)
    base = OPEN + agency_clause(agency)
    open_stages = [s.value for s in Stage if s.is_open]
    channels = [c.value for c in Channel]
    if await _groups_by_keyword(counter, base):
        total, overdue, grouped = await asyncio.gather(
            counter.count(base),
            counter.count(f"{base} AND Overdue = true"),
            asyncio.gather(*(counter.grouped(base, a) for a in ("Stage", "Agency", "Channel"))),
        )
        by: list[dict[str, int]] = [g or {} for g in grouped]
        method = "group_by"
    else:
        total, overdue, stages, by_channel, found = await asyncio.gather(
            counter.count(base),
            counter.count(f"{base} AND Overdue = true"),
            counter.values(base, "Stage", open_stages),
            counter.values(base, "Channel", channels),
            counter.discover(base, "Agency", []) if agency is None else _just([agency]),
        )
        by_agency = await counter.values(base, "Agency", found)
        by = list(
            await asyncio.gather(
                counter.complete(base, "Stage", stages, total),
                counter.complete(base, "Agency", by_agency, total),
                counter.complete(base, "Channel", by_channel, total),
            )
        )
        method = "per_value"
    stage_counts, agency_counts, channel_counts = by
    by_stage = {s: stage_counts.get(s, 0) for s in open_stages}  # procedure order, zeros shown
    by_stage |= _ranked({k: v for k, v in stage_counts.items() if k not in by_stage})
    return {
        "query": base,
        "open": total,
        "overdue": overdue,
        "by_stage": by_stage,
        "by_agency": _ranked(agency_counts),
        "by_channel": _ranked(channel_counts),
        "method": method,
        "queries": counter.queries,
        "elapsed_ms": round((time.perf_counter() - started) * 1000, 1),
    }


async def _just(values: list[str]) -> list[str]:
    return values


async def cross_check(client: Client, read_model: dict[str, Any], agency: str | None = None) -> dict[str, Any]:
    """Open and overdue cases, and open cases per stage, in the read model and in visibility, side by side."""
    seen = await case_stats(client, agency)
    rows = {"open": (read_model["open"], seen["open"]), "overdue": (read_model["overdue"], seen["overdue"])}
    for stage, count in read_model["by_stage"].items():
        rows[f"stage {stage}"] = (count, seen["by_stage"].get(stage, 0))
    differ = {k: {"read_model": a, "visibility": b} for k, (a, b) in rows.items() if a != b}
    return {"agree": not differ, "differ": differ, "counted": {k: a for k, (a, _) in rows.items()}}
