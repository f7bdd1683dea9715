"""Supervisor queries over all cases: overdue, due soon, list; sorted pages, read-only, from the search attributes."""

from __future__ import annotations

import csv
import sys
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from cli.agency_calendars import AgencyCalendars
from cli.case_pages import AgencyFilterOpt, Cursor, CursorError, Page, agency_clause, all_cases, case_page, quote
from cli.output import JsonOpt, emit_json, fail
from cli.session import EXIT_BAD_INPUT, run_with_client
from domain.application import Channel
from domain.calendar import CalendarError
from domain.case import Stage
from domain.clock import beijing_date
from domain.config import ConfigError
from workflows import search_attributes as sa

app = typer.Typer(no_args_is_help=True)
console = Console()

LimitOpt = Annotated[
    int | None, typer.Option(min=1, max=10_000, help="Cases per page (default 100); the next page starts at --after.")
]
AfterOpt = Annotated[
    str | None, typer.Option(help="Start after this cursor: the 'next' value the previous page printed.")
]
AllOpt = Annotated[bool, typer.Option("--all", help="Every matching case in one listing, not one page.")]
CsvOpt = Annotated[
    bool,
    typer.Option("--csv", help="CSV for a spreadsheet: a header, then one line per case (with --all, every case)."),
]
CSV_COLUMNS = ("id", "stage", "due", "overdue", "clock_paused", "agency", "channel", "outcome")
PAGE_SIZE = 100
CASES = sa.CASES_QUERY
OPEN = sa.OPEN_CASES_QUERY


def _fetch(query: str, limit: int | None, after: str | None, every: bool, as_json: bool, as_csv: bool) -> Page:
    if as_json and as_csv:
        fail("--json and --csv are two formats; choose one", EXIT_BAD_INPUT, as_json)
    if every and (limit is not None or after is not None):
        fail("--all lists every case; leave out --limit and --after", EXIT_BAD_INPUT, as_json)
    try:
        cursor = Cursor.parse(after) if after is not None else None
    except CursorError as exc:
        fail(f"--after {exc}", EXIT_BAD_INPUT, as_json)
    if every:
        return run_with_client(lambda c: all_cases(c, query), as_json=as_json)
    return run_with_client(lambda c: case_page(c, query, limit or PAGE_SIZE, cursor), as_json=as_json)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _write_csv(page: Page) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in page.cases:
        writer.writerow([_cell(r[c]) for c in CSV_COLUMNS])
    if page.next:  # on stderr, so the file stays a clean table
        sys.stderr.write(f"{page.offset + len(page.cases)} of {page.total}; next page: --after '{page.next}'\n")


def _show(title: str, page: Page, as_json: bool, as_csv: bool, extra: dict[str, Any] | None = None) -> None:
    rows = page.cases
    if as_csv:
        _write_csv(page)
        return
    if as_json:
        emit_json(
            {
                **(extra or {}),
                "count": len(rows),
                "total": page.total,
                "offset": page.offset,
                "next": str(page.next) if page.next else None,
                "cases": rows,
            }
        )
        return
    shown = f"{page.offset + 1}–{page.offset + len(rows)} of {page.total}" if rows else f"none of {page.total}"
    table = Table(title=f"{title} ({shown})")
    # The tracking number is what a clerk copies: it never wraps or shrinks; the agency folds instead.
    table.add_column("case", no_wrap=True, min_width=max((len(r["id"]) for r in rows), default=4))
    table.add_column("stage", no_wrap=True)
    table.add_column("due", no_wrap=True)
    table.add_column("agency", overflow="fold")
    table.add_column("channel")
    for r in rows:
        due = r["due"] or "—"
        style = "red" if r["overdue"] else ""
        table.add_row(
            r["id"], r["stage"] or "", f"[{style}]{due}[/]" if style else due, r["agency"] or "", r["channel"] or ""
        )
    console.print(table)
    if page.next:
        console.print(f"[dim]next page: the same command with --after '{page.next}'[/]")


@app.command()
def overdue(
    agency: AgencyFilterOpt = None,
    limit: LimitOpt = None,
    after: AfterOpt = None,
    every: AllOpt = False,
    as_csv: CsvOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Open cases whose reply deadline has passed (逾期未答复), most overdue first."""
    query = f"{OPEN} AND Overdue = true" + agency_clause(agency)
    _show("overdue cases", _fetch(query, limit, after, every, as_json, as_csv), as_json, as_csv)


@app.command("due-soon")
def due_soon(
    days: Annotated[int, typer.Option(help="Due within this many working days from today.")] = 5,
    agency: AgencyFilterOpt = None,
    limit: LimitOpt = None,
    after: AfterOpt = None,
    every: AllOpt = False,
    as_csv: CsvOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Open cases due within N working days, not yet overdue and with the clock running; soonest first."""
    if not 0 <= days <= 365:
        fail(f"--days {days} is out of range; give 0 to 365 working days", EXIT_BAD_INPUT, as_json)
    today = beijing_date(datetime.now(UTC))
    try:
        window, last_days = AgencyCalendars().due_within(today, days, agency)
    except (CalendarError, ConfigError) as exc:
        fail(str(exc), EXIT_BAD_INPUT, as_json)
    query = f"{OPEN} AND Overdue = false AND ClockPaused = false AND {window}" + agency_clause(agency)
    page = _fetch(query, limit, after, every, as_json, as_csv)
    through = next(iter(last_days.values()))
    extra: dict[str, Any] = {"through": through.isoformat()}
    title = f"due by {through.isoformat()}"
    if len(last_days) > 1:
        extra["through_by_region"] = {region: day.isoformat() for region, day in last_days.items()}
        title += "".join(f", {region} {day.isoformat()}" for region, day in list(last_days.items())[1:])
    _show(title, page, as_json, as_csv, extra)


@app.command("list")
def list_(
    stage: Annotated[Stage | None, typer.Option(help="Only cases at this stage.")] = None,
    agency: AgencyFilterOpt = None,
    channel: Annotated[Channel | None, typer.Option(help="Only this intake channel.")] = None,
    closed: Annotated[bool, typer.Option("--closed", help="Include closed cases (implied by --stage closed).")] = False,
    limit: LimitOpt = None,
    after: AfterOpt = None,
    every: AllOpt = False,
    as_csv: CsvOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """List cases, filtered by stage, agency and channel; earliest due first, cases without a deadline last."""
    query = CASES if closed or stage is Stage.CLOSED else OPEN
    if stage:
        query += f" AND Stage = {quote(stage.value)}"
    if channel:
        query += f" AND Channel = {quote(channel.value)}"
    query += agency_clause(agency)
    _show("cases", _fetch(query, limit, after, every, as_json, as_csv), as_json, as_csv)
