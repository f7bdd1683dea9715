"""Supervisor queries over all cases: overdue, due soon, list. Read-only, from the search attributes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from temporalio.client import Client

from activities.paths import notices_dir
from cli.output import JsonOpt, emit_json, fail
from cli.session import EXIT_BAD_INPUT, run_with_client
from domain.calendar import CalendarError, load_calendar
from domain.case import Stage
from domain.clock import BEIJING, beijing_date
from workflows import search_attributes as sa

app = typer.Typer(no_args_is_help=True)
console = Console()

LimitOpt = Annotated[int, typer.Option(min=1, max=100_000, help="At most this many cases.")]
CASES = sa.CASES_QUERY
OPEN = sa.OPEN_CASES_QUERY


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def due_date(deadline_at: datetime | None) -> date | None:
    """The last working day of a deadline that ends at 24:00 Beijing time."""
    if deadline_at is None:
        return None
    return beijing_date(deadline_at - timedelta(seconds=1))


async def list_cases(client: Client, query: str, limit: int) -> list[dict[str, Any]]:
    """Cases matching a visibility query, sorted by due date then id."""
    rows: list[dict[str, Any]] = []
    async for wf in client.list_workflows(query, page_size=min(limit, 1000)):
        attrs = wf.typed_search_attributes
        due = due_date(attrs.get(sa.DUE_AT))
        rows.append(
            {
                "id": wf.id,
                "stage": attrs.get(sa.STAGE),
                "due": due.isoformat() if due else None,
                "agency": attrs.get(sa.AGENCY),
                "channel": attrs.get(sa.CHANNEL),
                "overdue": bool(attrs.get(sa.OVERDUE)),
                "clock_paused": bool(attrs.get(sa.CLOCK_PAUSED)),
                "outcome": attrs.get(sa.OUTCOME),
            }
        )
        if len(rows) >= limit:
            break
    rows.sort(key=lambda r: (r["due"] or "9999", r["id"]))
    return rows


def _show(title: str, rows: list[dict[str, Any]], as_json: bool, extra: dict[str, Any] | None = None) -> None:
    if as_json:
        emit_json({**(extra or {}), "count": len(rows), "cases": rows})
        return
    table = Table("case", "stage", "due", "agency", "channel", title=f"{title} ({len(rows)})")
    for r in rows:
        due = r["due"] or "—"
        style = "red" if r["overdue"] else ""
        table.add_row(
            r["id"], r["stage"] or "", f"[{style}]{due}[/]" if style else due, r["agency"] or "", r["channel"] or ""
        )
    console.print(table)


def _agency_clause(agency: str | None) -> str:
    return f" AND Agency = {_quote(agency)}" if agency else ""


@app.command()
def overdue(
    agency: Annotated[str | None, typer.Option(help="Only this agency.")] = None,
    limit: LimitOpt = 1000,
    as_json: JsonOpt = False,
) -> None:
    """Open cases whose reply deadline has passed (逾期未答复)."""
    query = f"{OPEN} AND Overdue = true" + _agency_clause(agency)
    rows = run_with_client(lambda c: list_cases(c, query, limit), as_json=as_json)
    _show("overdue cases", rows, as_json)


@app.command("due-soon")
def due_soon(
    days: Annotated[int, typer.Option(help="Due within this many working days from today.")] = 5,
    agency: Annotated[str | None, typer.Option(help="Only this agency.")] = None,
    limit: LimitOpt = 1000,
    as_json: JsonOpt = False,
) -> None:
    """Open cases due within N working days, not yet overdue and with the clock running."""
    if not 0 <= days <= 365:
        fail(f"--days {days} is out of range; give 0 to 365 working days", EXIT_BAD_INPUT, as_json)
    today = beijing_date(datetime.now(UTC))
    try:
        calendar = load_calendar(None, notices_dir())
        cutoff_day = calendar.add_working_days(today, days)
    except CalendarError as exc:
        fail(str(exc), EXIT_BAD_INPUT, as_json)
    cutoff = datetime(cutoff_day.year, cutoff_day.month, cutoff_day.day, tzinfo=BEIJING) + timedelta(days=1)
    query = (
        f"{OPEN} AND Overdue = false AND ClockPaused = false AND DueAt <= '{cutoff.astimezone(UTC).isoformat()}'"
        + _agency_clause(agency)
    )
    rows = run_with_client(lambda c: list_cases(c, query, limit), as_json=as_json)
    _show(f"due by {cutoff_day.isoformat()}", rows, as_json, {"through": cutoff_day.isoformat()})


@app.command("list")
def list_(
    stage: Annotated[Stage | None, typer.Option(help="Only cases at this stage.")] = None,
    agency: Annotated[str | None, typer.Option(help="Only this agency.")] = None,
    channel: Annotated[str | None, typer.Option(help="Only this intake channel.")] = None,
    closed: Annotated[bool, typer.Option("--closed", help="Include closed cases.")] = False,
    limit: LimitOpt = 1000,
    as_json: JsonOpt = False,
) -> None:
    """List cases, filtered by stage, agency and channel."""
    query = CASES if closed else OPEN
    if stage:
        query += f" AND Stage = {_quote(stage.value)}"
    if channel:
        query += f" AND Channel = {_quote(channel)}"
    query += _agency_clause(agency)
    rows = run_with_client(lambda c: list_cases(c, query, limit), as_json=as_json)
    _show("cases", rows, as_json)
