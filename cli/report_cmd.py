"""The annual report, remedy results and live statistics: ``ogi report``, ``ogi remedy``, ``ogi stats``.

``report`` and ``remedy`` read and write the case archive directly (``OGI_DATABASE_URL``, default
SQLite under ``OGI_HOME``), so they must run where that store is reachable: the worker's host for
the SQLite default, anywhere for PostgreSQL. ``stats`` asks Temporal's visibility store and needs
only the Temporal connection.
"""

from __future__ import annotations

import asyncio
import csv
import io
import sys
import time
import weakref
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from cli.agency_calendars import AgencyCalendars
from cli.case_pages import AgencyFilterOpt, agency_clause, due_through, quote
from cli.output import JsonOpt, day_option, emit_json, fail
from cli.session import EXIT_BAD_INPUT, EXIT_REFUSED, EXIT_UNAVAILABLE, run_with_client
from domain.application import Channel
from domain.calendar import BEIJING
from domain.case import Stage
from domain.clock import beijing_date
from domain.config import ConfigError, load_config
from domain.errors import OgiError
from domain.report import (
    COLUMN_LABELS,
    REMEDY_COLUMN_LABELS,
    RESULTS_HEADING,
    AnnualReport,
    CaseRecord,
    InvariantBroken,
    RemedyKind,
    RemedyRecord,
    RemedyResult,
    build_report,
)
from domain.timeliness import TOTAL, Timeliness, timeliness
from infra.paths import config_path, database_url
from workflows.search_attributes import OPEN_CASES_QUERY

T = TypeVar("T")
app = typer.Typer(no_args_is_help=True)
console = Console()

AgencyOpt = Annotated[str | None, typer.Option(help="Only this agency (name or agency code).")]
OPEN = OPEN_CASES_QUERY
"""The base visibility query of every statistic: open cases."""
_MAX_CONCURRENT_COUNTS = 16
_DISCOVERY_PAGE = 50


class ReportFormat(StrEnum):
    """How ``ogi report`` prints the tables."""

    TABLE = "table"
    JSON = "json"
    CSV = "csv"


# -- the store --


# The store (SQLAlchemy) is imported where it is used: every other ogi command starts faster without it.


def _store_label() -> str:
    from infra.store import store_label

    return store_label(database_url())


def _from_store(read: Callable[[], T], as_json: bool) -> T:
    """Run a store read or write, turning an unreachable or broken store into one error line."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        result = read()
    except (SQLAlchemyError, RuntimeError, OSError) as exc:
        detail = str(exc).splitlines()[0]
        fail(
            f"cannot use the case store at {_store_label()} ({detail}); check OGI_DATABASE_URL",
            EXIT_UNAVAILABLE,
            as_json,
        )
    return result


# -- ogi report --


def _indent(key: str, label: str) -> str:
    return f"    {label}" if key[-1].isdigit() else label


def report_csv(report: AnnualReport) -> str:
    """Table 三 then, after a blank line, table 四: wide CSV with a key and the printed label per row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["row", "label", *report.columns])
    for row in report.applications:
        writer.writerow([row.key, row.label, *(row.counts[c] for c in report.columns)])
    writer.writerow([])
    writer.writerow(["row", "label", *report.remedy_columns])
    for row in report.remedies:
        writer.writerow([row.key, row.label, *(row.counts[c] for c in report.remedy_columns)])
    return out.getvalue()


def report_json(report: AnnualReport) -> dict[str, Any]:
    """The ``ogi report --json`` object: both tables with keys, printed labels and column labels."""
    data = report.model_dump(mode="json")
    data["column_labels"] = COLUMN_LABELS
    data["remedy_column_labels"] = REMEDY_COLUMN_LABELS
    data["invariant"] = "一 + 二 = 三(七) + 四 holds in every column"
    return data


def _print_report(report: AnnualReport) -> None:
    who = report.agency or "全部机关"
    period = f"{report.year} 年度" if report.through is None else f"{report.year} 年 1 月 1 日至 {report.through} 止"
    t3 = Table(title=f"{period} · {who} · 三、收到和处理政府信息公开申请情况", title_justify="left")
    t3.add_column("", overflow="fold", min_width=20)
    for col in report.columns:
        t3.add_column(COLUMN_LABELS[col], justify="right", overflow="fold", max_width=4)
    for row in report.applications:
        if row.key == "disclosed":
            t3.add_row(RESULTS_HEADING, *([""] * len(report.columns)))
        style = "bold" if row.key in ("new", "carried_over", "total", "carried_forward") else None
        t3.add_row(_indent(row.key, row.label), *(str(row.counts[c]) for c in report.columns), style=style)
    t4 = Table(title="四、政府信息公开行政复议、行政诉讼情况", title_justify="left")
    t4.add_column("")
    for col in report.remedy_columns:
        t4.add_column(REMEDY_COLUMN_LABELS[col], justify="right")
    for row in report.remedies:
        t4.add_row(row.label, *(str(row.counts[c]) for c in report.remedy_columns))
    console.print(t3)
    console.print(t4)
    console.print(f"[dim]{report.cases} cases counted · 一 + 二 = 三(七) + 四 holds in every column[/]")


def year_timeliness(records: list[CaseRecord], year: int, through: date | None = None) -> list[Timeliness]:
    """Timeliness per agency, each agency's working days counted on its region's calendar."""
    calendars = AgencyCalendars()
    return timeliness(records, year, lambda rec: calendars.of_agency(rec.agency), through)


def _print_timeliness(rows: list[Timeliness]) -> None:
    if rows[-1].closed == 0:
        console.print("[dim]办理时效: no case with a confirmed receipt closed in the year[/]")
        return
    table = Table(title="办理时效 · timeliness of replies (a supplement, not part of the form)", title_justify="left")
    for name in ("机关 agency", "办结 closed", "按期 on time", "逾期 late", "延期 extended"):
        table.add_column(name, justify="left" if name.startswith("机关") else "right")
    table.add_column("工作日 median / max", justify="right")
    table.add_column("most days late", justify="right")
    for row in rows:
        days = f"{row.median_working_days:g} / {row.max_working_days}"
        style = "bold" if row.agency == TOTAL else ("red" if row.late else None)
        counts = (row.closed, row.on_time, row.late, row.extended)
        late_by = "" if row.most_days_late is None else str(row.most_days_late)
        table.add_row(
            "合计 total" if row.agency == TOTAL else row.agency, *map(str, counts), days, late_by, style=style
        )
    console.print(table)
    late = rows[-1].late_cases
    if late:
        shown = ", ".join(late[:10]) + (f" and {len(late) - 10} more (see --json)" if len(late) > 10 else "")
        console.print(f"[red]answered late:[/] {shown}")


@app.command()
def report(
    year: Annotated[int, typer.Option(min=2008, max=2999, help="The calendar year reported (1 Jan - 31 Dec).")],
    agency: AgencyOpt = None,
    fmt: Annotated[ReportFormat, typer.Option("--format", help="table, json or csv.")] = ReportFormat.TABLE,
    as_json: Annotated[bool, typer.Option("--json", help="Same as --format json.")] = False,
    through: Annotated[
        str | None,
        typer.Option(help="Cutoff day in the year (YYYY-MM-DD): the tables as they stood at its end (mid-year)."),
    ] = None,
) -> None:
    """The annual report's tables 三 and 四 from the case archive (must reach OGI_DATABASE_URL).

    Fails (exit 1, with the numbers) when 一 + 二 ≠ 三(七) + 四 in any column. Table and JSON add the
    timeliness supplement; if an agency's calendar cannot be built it is left out with a warning.
    With --through the year runs to that day: cases closed later count as carried forward.
    """
    from infra import store

    if as_json:
        fmt = ReportFormat.JSON
    json_errors = fmt is ReportFormat.JSON
    cutoff: date | None = None
    if through is not None:
        cutoff = day_option(through, "--through", json_errors)
        if cutoff.year != year:
            fail(
                f"--through {cutoff.isoformat()} is not in {year}; give a day of the reported year",
                EXIT_BAD_INPUT,
                json_errors,
            )
        today = beijing_date(datetime.now(UTC))
        if cutoff > today:
            fail(
                f"--through {cutoff.isoformat()} is after today ({today.isoformat()}); "
                "a report can only stand as of a day that has ended or is running",
                EXIT_BAD_INPUT,
                json_errors,
            )

    def read() -> tuple[AnnualReport, list[CaseRecord]]:
        records = store.case_records(agency)
        remedies = store.remedy_records({r.case_id for r in records} if agency else None)
        return build_report(records, year, agency, remedies, cutoff), records

    built, records = _from_store(read, json_errors)
    if agency is not None and not records:
        _known_agency_or_fail(agency, json_errors)
    try:
        built.check()
    except InvariantBroken as exc:
        fail(str(exc), EXIT_REFUSED, json_errors)
    if fmt is ReportFormat.CSV:
        sys.stdout.write(report_csv(built))
        return
    # The timeliness supplement needs every agency's calendar; a fault there must not withhold the form.
    timely: list[Timeliness] | None = None
    problem: str | None = None
    try:
        timely = year_timeliness(records, year, cutoff)
    except (OgiError, ConfigError) as exc:
        problem = f"timeliness supplement left out: {exc}"
        sys.stderr.write(f"warning: {problem}\n")
    if fmt is ReportFormat.JSON:
        supplement = [t.model_dump(mode="json") for t in timely] if timely is not None else None
        emit_json({**report_json(built), "timeliness": supplement, "timeliness_error": problem})
    else:
        _print_report(built)
        if timely is not None:
            _print_timeliness(timely)


def _known_agency_or_fail(agency: str, json_errors: bool) -> None:
    """An agency with no archived case is fine when configured (an all-zero year); otherwise a typo."""
    from infra import store

    try:
        config = load_config(config_path())
    except ConfigError as exc:
        fail(str(exc), EXIT_BAD_INPUT, json_errors)
    if agency in config.agencies or agency in {a.code for a in config.agencies.values()}:
        return
    known = _from_store(store.archived_agencies, json_errors)
    listed = ", ".join(f"{name} ({code})" for name, code in known) or "none yet"
    fail(
        f"no agency '{agency}' in the case archive or the configuration; agencies in the archive: {listed}",
        EXIT_BAD_INPUT,
        json_errors,
    )


# -- ogi remedy --


@app.command()
def remedy(
    case_id: Annotated[str, typer.Argument(help="Tracking number of the case challenged.")],
    kind: Annotated[RemedyKind, typer.Option(help="reconsideration, lawsuit or lawsuit_after_reconsideration.")],
    result: Annotated[RemedyResult, typer.Option(help="maintained, corrected, other or pending.")],
    by: Annotated[str, typer.Option("--by", help="Your user id (kept with the record).")],
    decided: Annotated[str | None, typer.Option(help="Date of the decision or judgment (YYYY-MM-DD).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Record a reconsideration or lawsuit result for a case (table 四; the latest per case and kind counts)."""
    by = by.strip()
    if not by:
        fail("--by is empty; give your user id", EXIT_BAD_INPUT, as_json)
    from infra import store

    day: date | None = None
    if decided is not None:
        day = day_option(decided, "--decided", as_json)
        if result is RemedyResult.PENDING:
            fail("--decided is the date of a decision; a pending remedy has none, so omit it", EXIT_BAD_INPUT, as_json)
        if day > beijing_date(datetime.now(UTC)):
            fail(f"--decided {day.isoformat()} is in the future", EXIT_BAD_INPUT, as_json)
    archived = _from_store(lambda: store.case_record(case_id), as_json)
    if archived is None:
        fail(
            f"no case '{case_id}' in the case archive at {_store_label()}; "
            "check the tracking number and OGI_DATABASE_URL",
            EXIT_REFUSED,
            as_json,
        )
    if day is not None and day < archived.start_day:
        fail(
            f"--decided {day.isoformat()} is before case {case_id} was received ({archived.start_day.isoformat()}); "
            "check the date of the decision",
            EXIT_BAD_INPUT,
            as_json,
        )
    rec: RemedyRecord = _from_store(lambda: store.record_remedy(case_id, kind, result, day, by), as_json)
    if as_json:
        emit_json(rec.model_dump(mode="json"))
    else:
        when = f" (decided {day.isoformat()})" if day else ""
        console.print(f"{case_id}: {kind.value} → {result.value}{when}, recorded by {by}")


# -- ogi stats --


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


def week_last_day(now: datetime) -> date:
    """The Sunday that ends the current Beijing calendar week."""
    today = beijing_date(now)
    return today + timedelta(days=6 - today.weekday())


async def dashboard(client: Client, agency: str | None = None) -> dict[str, Any]:
    """What the live view shows: the statistics plus cases due by the end of this week."""
    due_query = (
        f"{OPEN}{agency_clause(agency)} AND Overdue = false AND ClockPaused = false "
        f"AND {due_through(week_last_day(datetime.now(UTC)))}"
    )
    stats, due_week = await asyncio.gather(case_stats(client, agency), _Counter(client).count(due_query))
    return {**stats, "due_this_week": due_week}


def _count_table(title: str, counts: dict[str, int], first: str) -> Table:
    table = Table(first, "open", title=title, title_justify="left")
    for key, n in counts.items():
        table.add_row(key, str(n))
    return table


def _render(stats: dict[str, Any], agency: str | None) -> Group:
    now = datetime.now(BEIJING).strftime("%Y-%m-%d %H:%M:%S")
    head = Table.grid(padding=(0, 3))
    head.add_row(
        f"[bold]{stats['open']}[/] open",
        f"[yellow]{stats.get('due_this_week', 0)}[/] due this week",
        f"[red]{stats['overdue']}[/] overdue",
        f"[dim]{agency or 'all agencies'} · {now} Beijing · {stats['elapsed_ms']} ms[/]",
    )
    return Group(
        head,
        _count_table("open cases per stage", stats["by_stage"], "stage"),
        _count_table("per agency", dict(list(stats["by_agency"].items())[:15]), "agency"),
        _count_table("per channel", stats["by_channel"], "channel"),
    )


async def _watch(client: Client, agency: str | None, interval: float, rounds: int | None) -> None:
    with Live(_render(await dashboard(client, agency), agency), console=console, auto_refresh=False) as live:
        done = 1
        while rounds is None or done < rounds:
            await asyncio.sleep(interval)
            live.update(_render(await dashboard(client, agency), agency), refresh=True)
            done += 1


async def _drained(body: Awaitable[T]) -> T:
    """Await the body, then give the SDK's core threads a moment to finish their callbacks.

    A short-lived client process that exits right after its last RPC can abort at interpreter
    shutdown (PyGILState_Release, temporalio/sdk-python#300); about 1 run in 6 did with the
    concurrent counts of ``stats``, none in 40 with this 20 ms drain.
    """
    result = await body
    await asyncio.sleep(0.02)
    return result


def _print_stats(stats: dict[str, Any]) -> None:
    console.print(f"[bold]{stats['open']}[/] open cases · [red]{stats['overdue']}[/] overdue")
    console.print(_count_table("per stage", stats["by_stage"], "stage"))
    console.print(_count_table("per agency", stats["by_agency"], "agency"))
    console.print(_count_table("per channel", stats["by_channel"], "channel"))


@app.command()
def stats(
    agency: AgencyFilterOpt = None,
    watch: Annotated[bool, typer.Option("--watch", help="Live view, refreshed until Ctrl-C.")] = False,
    interval: Annotated[float, typer.Option(min=1, max=3600, help="Seconds between refreshes.")] = 5.0,
    rounds: Annotated[int | None, typer.Option(hidden=True, min=1)] = None,
    as_json: JsonOpt = False,
) -> None:
    """Open cases per stage, agency and channel, and overdue (visibility counts; read-only)."""
    if watch and as_json:
        fail("--watch is a live view; drop --json (or run without --watch for one JSON object)", EXIT_BAD_INPUT, True)
    if not watch:
        result = run_with_client(lambda c: _drained(case_stats(c, agency)), as_json=as_json)
        if as_json:
            emit_json(result)
        else:
            _print_stats(result)
        return
    try:
        run_with_client(lambda c: _drained(_watch(c, agency, interval, rounds)), as_json=False)
    except KeyboardInterrupt:
        console.print("[dim]stopped[/]")


__all__ = ["OPEN", "app", "case_stats", "dashboard", "report_csv", "report_json", "week_last_day"]
