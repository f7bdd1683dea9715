"""Supervisor views: overdue, due soon, any listing, live statistics (read model, through the API)."""

from __future__ import annotations

import csv
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.backend import CommandFailed, call
from cli.helptext import values
from cli.output import EXIT_BAD_INPUT, JsonOpt, emit_json, fail, failed, is_terminal, say, table, words
from domain.messages import Msg, Term, Words
from domain.vocabulary import CHANNEL_LABELS, STAGE_LABELS, Channel, Stage

app = typer.Typer(no_args_is_help=True)

LimitOpt = Annotated[
    int | None, typer.Option(min=1, max=1000, help="Cases per page (default 100); the next page starts at --after.")
]
AfterOpt = Annotated[
    str | None, typer.Option(help="Start after this cursor: the 'next' value the previous page printed.")
]
AllOpt = Annotated[bool, typer.Option("--all", help="Every matching case in one listing, not one page.")]
CsvOpt = Annotated[
    bool,
    typer.Option(
        "--csv",
        help="CSV for a spreadsheet (UTF-8 with BOM, Chinese headers): a header, then one line per case "
        "(with --all, every case).",
    ),
]
XlsxOpt = Annotated[
    Path | None,
    typer.Option("--xlsx", help="Write the listing to this XLSX file: the same columns as --csv.", dir_okay=False),
]
MachineOpt = Annotated[
    bool,
    typer.Option(
        "--machine",
        help="With --csv: for scripts, the English column keys and the codes as stored, no BOM.",
    ),
]
AgencyFilterOpt = Annotated[
    str | None, typer.Option("--agency", help="Only this agency: its name, or its code when configured.")
]
MACHINE_COLUMNS = (
    "id",
    "stage",
    "due",
    "left",
    "overdue",
    "clock_paused",
    "agency",
    "channel",
    "outcome",
    "applicant",
    "subject",
)
"""The columns of ``--csv --machine``: the listing's JSON keys (the format before the Chinese headers)."""


@dataclass(frozen=True)
class Output:
    """How a listing is written: the terminal table, JSON, CSV (for people or for scripts) or an XLSX file."""

    as_json: bool = False
    as_csv: bool = False
    machine: bool = False
    xlsx: Path | None = None

    def check(self) -> None:
        """Exit 2 when the options ask for two formats at once."""
        chosen = [name for name, on in (("--json", self.as_json), ("--csv", self.as_csv), ("--xlsx", self.xlsx)) if on]
        if len(chosen) > 1:
            fail(
                Msg("{options} ask for several formats; choose one", options=Words(chosen)),
                EXIT_BAD_INPUT,
                self.as_json,
            )
        if self.machine and not self.as_csv:
            fail(Msg("--machine shapes the --csv output; add --csv"), EXIT_BAD_INPUT, self.as_json)


def _fetch(params: dict[str, Any], limit: int | None, after: str | None, every: bool, out: Output) -> dict[str, Any]:
    out.check()
    as_json = out.as_json
    if every and (limit is not None or after is not None):
        fail(Msg("--all lists every case; leave out --limit and --after"), EXIT_BAD_INPUT, as_json)
    try:
        if not every:
            first: dict[str, Any] = call("GET", "/v1/cases", query={**params, "limit": limit, "after": after}).body
            return first
        pages: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            page = call("GET", "/v1/cases", query={**params, "limit": 1000, "after": cursor}).body
            pages.append(page)
            cursor = page["next"]
            if not cursor:
                break
    except CommandFailed as exc:
        failed(exc, as_json)
    rows = [case for p in pages for case in p["cases"]]
    return {**pages[-1], "cases": rows, "count": len(rows), "offset": 0, "next": None}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _next_page_on_stderr(page: dict[str, Any]) -> None:
    """Where the next page starts, on stderr, so the exported file stays a clean table."""
    if page.get("next"):
        shown = page["offset"] + len(page["cases"])
        line = Msg(
            "{shown} of {total}; next page: --after '{cursor}'", shown=shown, total=page["total"], cursor=page["next"]
        )
        sys.stderr.write(words(line) + "\n")


def _write_sheet(rows: list[dict[str, Any]], out: Output, sheet: str) -> None:
    """The listing as a spreadsheet: CSV on stdout, or the XLSX file (openpyxl loads only here)."""
    from domain.listing_sheet import listing_grid
    from service import spreadsheets

    if out.xlsx is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(spreadsheets.csv_bytes(listing_grid(rows)))
        sys.stdout.buffer.flush()
        return
    try:
        out.xlsx.write_bytes(spreadsheets.xlsx_bytes([(sheet, listing_grid(rows))]))
    except OSError as exc:
        fail(Msg("cannot write {file}: {reason}", file=str(out.xlsx), reason=exc.strerror or ""), EXIT_BAD_INPUT)


def _show(title: Msg, page: dict[str, Any], out: Output, sheet: str) -> None:
    rows = page["cases"]
    if out.as_csv and out.machine:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(MACHINE_COLUMNS)
        for r in rows:
            writer.writerow([_cell(r.get(c)) for c in MACHINE_COLUMNS])
        _next_page_on_stderr(page)
        return
    if out.as_csv or out.xlsx is not None:
        _write_sheet(rows, out, sheet)
        _next_page_on_stderr(page)
        return
    as_json = out.as_json
    if as_json:
        emit_json(page)
        return
    if rows:
        shown = Msg(
            "{first}–{last} of {total}", first=page["offset"] + 1, last=page["offset"] + len(rows), total=page["total"]
        )
    else:
        shown = Msg("none of {total}", total=page["total"])
    lines = [
        (
            r["id"],
            Term("stage", r["stage"]),
            r["due"] or "—",
            "" if r.get("left") is None else r["left"],
            r.get("applicant") or "",
            r.get("subject") or "",
            r["agency"],
        )
        for r in rows
    ]
    columns = [Msg("case"), Msg("stage"), Msg("due"), Msg("left"), Msg("applicant"), Msg("request"), Msg("agency")]
    table(Msg("{title} ({shown})", title=title, shown=shown), columns, lines)
    if page.get("next"):
        hint = words(Msg("next page: the same command with --after '{cursor}'", cursor=page["next"]))
        if is_terminal():
            say(f"[dim]{hint}[/]")
        else:
            sys.stderr.write(hint + "\n")


@app.command(rich_help_panel="Supervision")
def overdue(
    agency: AgencyFilterOpt = None,
    limit: LimitOpt = None,
    after: AfterOpt = None,
    every: AllOpt = False,
    as_csv: CsvOpt = False,
    xlsx: XlsxOpt = None,
    machine: MachineOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Open cases whose reply deadline has passed (逾期未答复), most overdue first."""
    out = Output(as_json, as_csv, machine, xlsx)
    page = _fetch({"overdue": "true", "agency": agency}, limit, after, every, out)
    _show(Msg("overdue cases"), page, out, "逾期案件")


@app.command("due-soon", rich_help_panel="Supervision")
def due_soon(
    days: Annotated[int, typer.Option(min=0, max=365, help="Due within this many working days from today.")] = 5,
    agency: AgencyFilterOpt = None,
    limit: LimitOpt = None,
    after: AfterOpt = None,
    every: AllOpt = False,
    as_csv: CsvOpt = False,
    xlsx: XlsxOpt = None,
    machine: MachineOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Open cases due within N working days (each agency's calendar), not overdue, clock running; soonest first."""
    out = Output(as_json, as_csv, machine, xlsx)
    page = _fetch({"due_within": days, "agency": agency}, limit, after, every, out)
    regions = page.get("through_by_region") or {}
    through = [page.get("through"), *(f"{region} {day}" for region, day in regions.items() if region != "national")]
    _show(Msg("due by {days}", days=Words(through)), page, out, "即将到期")


@app.command("list", rich_help_panel="Supervision")
def list_(
    stage: Annotated[Stage | None, typer.Option(help=f"Only cases at this stage: {values(STAGE_LABELS)}.")] = None,
    agency: AgencyFilterOpt = None,
    channel: Annotated[
        Channel | None, typer.Option(help=f"Only this intake channel: {values(CHANNEL_LABELS)}.")
    ] = None,
    closed: Annotated[bool, typer.Option("--closed", help="Include closed cases (implied by --stage closed).")] = False,
    attention: Annotated[
        bool, typer.Option("--attention", help="Only cases that need staff attention (an input they could not use).")
    ] = False,
    awaiting_delivery: Annotated[
        bool,
        typer.Option(
            "--awaiting-delivery", help="Cases with documents to post, hand over or send again (replied ones too)."
        ),
    ] = False,
    void: Annotated[
        bool, typer.Option("--void", help="Tracking numbers voided by an interrupted registration, with the reason.")
    ] = False,
    limit: LimitOpt = None,
    after: AfterOpt = None,
    every: AllOpt = False,
    as_csv: CsvOpt = False,
    xlsx: XlsxOpt = None,
    machine: MachineOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """List cases, filtered by stage, agency and channel; earliest due first, cases without a deadline last."""
    if void:
        _void_numbers(as_json)
        return
    params = {
        "stage": stage.value if stage else None,
        "agency": agency,
        "channel": channel.value if channel else None,
        "closed": closed,
        "attention": "true" if attention else None,
        "awaiting_delivery": "true" if awaiting_delivery else None,
    }
    out = Output(as_json, as_csv, machine, xlsx)
    _show(Msg("cases"), _fetch(params, limit, after, every, out), out, "案件列表")


def _void_numbers(as_json: bool) -> None:
    try:
        answer = call("GET", "/v1/numbers", query={"status": "void"}).body
    except CommandFailed as exc:
        failed(exc, as_json)
    if as_json:
        emit_json(answer)
        return
    rows = [(n["id"], n["agency"], n["voided_at"] or "", n["void_reason"] or "") for n in answer["numbers"]]
    title = Msg("void tracking numbers ({count})", count=answer["count"])
    table(title, [Msg("number"), Msg("agency"), Msg("voided at"), Msg("why")], rows)


def _stats_lines(stats: dict[str, Any]) -> None:
    parts = [
        words(Msg("open {count}", count=f"[bold]{stats['open']}[/]")),
        words(Msg("overdue {count}", count=f"[red]{stats['overdue']}[/]")),
        words(Msg("due this week {count}", count=stats["due_this_week"])),
    ]
    if stats.get("attention"):
        parts.append(words(Msg("needs attention {count}", count=stats["attention"])))
    if stats.get("awaiting_delivery"):
        parts.append(words(Msg("documents to deliver {count}", count=stats["awaiting_delivery"])))
    say(" · ".join(parts))
    groups = (
        ("by_stage", Msg("open by stage"), Msg("stage"), "stage"),
        ("by_agency", Msg("open by agency"), Msg("agency"), None),
        ("by_channel", Msg("open by channel"), Msg("channel"), "channel"),
    )
    for key, title, column, kind in groups:
        counts = stats.get(key) or {}
        rows = [(Term(kind, k) if kind else k, v) for k, v in counts.items()]
        table(title, [column, Msg("cases")], rows)


@app.command(rich_help_panel="Supervision")
def stats(
    agency: AgencyFilterOpt = None,
    watch: Annotated[bool, typer.Option("--watch", help="Refresh every few seconds until Ctrl-C.")] = False,
    interval: Annotated[float, typer.Option(min=1.0, max=3600.0, help="Seconds between refreshes with --watch.")] = 5.0,
    as_json: JsonOpt = False,
) -> None:
    """Open cases per stage, agency and channel; overdue and due this week (read model)."""
    if watch and as_json:
        fail(Msg("--watch redraws a table; leave out --json"), EXIT_BAD_INPUT)
    while True:
        try:
            result = call("GET", "/v1/stats", query={"agency": agency}).body
        except CommandFailed as exc:
            failed(exc, as_json)
        if as_json:
            emit_json(result)
            return
        if watch and is_terminal():
            sys.stdout.write("\x1b[2J\x1b[H")
        _stats_lines(result)
        if not watch:
            return
        time.sleep(interval)
