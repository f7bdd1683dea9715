"""The annual report (``ogi report``) and remedy results (``ogi remedy``), through the API."""

from __future__ import annotations

import json
import sys
import urllib.parse
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.backend import CommandFailed, call
from cli.helptext import values
from cli.output import (
    EXIT_BAD_INPUT,
    JsonOpt,
    day_option,
    emit_json,
    fail,
    failed,
    is_terminal,
    marked,
    say,
    table,
    words,
)
from domain.messages import Msg, Term, Words, plural_msg
from domain.report_rows import REMEDY_COLUMN_LABELS, REMEDY_ROW_LABELS
from domain.vocabulary import RESULTS_HEADING, RemedyKind, RemedyResult

app = typer.Typer(no_args_is_help=True)


class ReportFormat(StrEnum):
    """How ``ogi report`` prints the tables."""

    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


def _write_file(data: bytes, output: Path | None, fmt: ReportFormat, json_errors: bool) -> None:
    """The CSV or XLSX bytes to ``output``, or to stdout; XLSX reaches stdout only when it is not a terminal."""
    if output is not None:
        try:
            output.write_bytes(data)
        except OSError as exc:
            fail(
                Msg("cannot write {file}: {reason}", file=str(output), reason=exc.strerror or ""),
                EXIT_BAD_INPUT,
                json_errors,
            )
        return
    if fmt is ReportFormat.XLSX and is_terminal():
        msg = Msg("xlsx is a binary file: give --output FILE (or redirect stdout to a file)")
        fail(msg, EXIT_BAD_INPUT, json_errors)
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def _indent(key: str, label: str) -> str:
    return f"    {label}" if key[-1].isdigit() else label


def _print_report(report: dict[str, Any]) -> None:
    # The tables are the national form (国办公开办函〔2021〕30号): their headings and rows are its own Chinese words,
    # in either language (a prescribed document, like a decision's text); the line above them is the reader's.
    who = report.get("agency") or Msg("all agencies")
    through = report.get("through")
    year = str(report["year"])
    period = (
        Msg("{year} annual report", year=year)
        if through is None
        else Msg("{year} so far, through {day}", year=year, day=through)
    )
    say(Msg("{period} · {who}", period=period, who=who))
    columns = report["columns"]
    labels = report["column_labels"]
    rows: list[list[Any]] = []
    for row in report["applications"]:
        if row["key"] == "disclosed":
            rows.append([RESULTS_HEADING, *([""] * len(columns))])
        rows.append([_indent(row["key"], row["label"]), *(row["counts"][c] for c in columns)])
    table("三、收到和处理政府信息公开申请情况", ["", *(labels[c] for c in columns)], rows, data=False)
    remedy_columns = report["remedy_columns"]
    remedy_rows = [[r["label"], *(r["counts"][c] for c in remedy_columns)] for r in report["remedies"]]
    table(
        "四、政府信息公开行政复议、行政诉讼情况",
        ["", *(report["remedy_column_labels"][c] for c in remedy_columns)],
        remedy_rows,
        data=False,
    )
    counted = plural_msg(
        "{n} case counted · rows I + II = III(7) + IV add up in every column",
        "{n} cases counted · rows I + II = III(7) + IV add up in every column",
        report["cases"],
    )
    say(marked("dim", counted))


def _print_timeliness(rows: list[dict[str, Any]]) -> None:
    if not rows or rows[-1]["closed"] == 0:
        say(marked("dim", Msg("timeliness: no case with a confirmed receipt closed in the year")))
        return
    lines = [
        (
            Msg("total") if row["agency"] == "total" else row["agency"],
            row["closed"],
            row["on_time"],
            row["late"],
            row["extended"],
            f"{row['median_working_days']:g} / {row['max_working_days']}",
            "" if row.get("most_days_late") is None else row["most_days_late"],
        )
        for row in rows
    ]
    table(
        Msg("timeliness of replies (a supplement, not part of the form)"),
        [
            Msg("agency"),
            Msg("closed"),
            Msg("on time"),
            Msg("late"),
            Msg("extended"),
            Msg("working days, median / longest"),
            Msg("most days late"),
        ],
        lines,
        data=False,
    )
    late = rows[-1].get("late_cases") or []
    if late:
        shown: Msg | Words = Words(late)
        if len(late) > 10:
            shown = plural_msg(
                "{cases} and {n} more (see --json)",
                "{cases} and {n} more (see --json)",
                len(late) - 10,
                cases=Words(late[:10]),
            )
        say(marked("red", Msg("answered late:")) + " " + words(shown))


@app.command(rich_help_panel="Supervision")
def report(
    year: Annotated[int, typer.Option(min=2008, max=2999, help="The calendar year reported (1 Jan - 31 Dec).")],
    agency: Annotated[str | None, typer.Option(help="Only this agency (name or agency code).")] = None,
    fmt: Annotated[
        ReportFormat,
        typer.Option(
            "--format",
            help="table, json, or the national form's layout as csv (UTF-8 with BOM, for Excel) or xlsx.",
        ),
    ] = ReportFormat.TABLE,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the csv or xlsx to this file (xlsx needs it on a terminal)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Same as --format json.")] = False,
    through: Annotated[
        str | None,
        typer.Option(help="Cutoff day in the year (YYYY-MM-DD): the tables as they stood at its end (mid-year)."),
    ] = None,
) -> None:
    """The annual report's tables 三 and 四 (年度报告) from the case archive.

    Fails (exit 1, with the numbers) when 一 + 二 ≠ 三(七) + 四 in any column. Table and JSON add the
    timeliness supplement; if an agency's calendar cannot be built it is left out with a warning.
    With --through the year runs to that day: cases closed later count as carried forward. csv and xlsx
    lay the tables out exactly as the national form prints them (国办公开办函〔2021〕30号).
    """
    if as_json:
        fmt = ReportFormat.JSON
    json_errors = fmt is ReportFormat.JSON
    spreadsheet = fmt in (ReportFormat.CSV, ReportFormat.XLSX)
    if output is not None and not spreadsheet:
        msg = Msg("--output writes the csv or xlsx format; add --format csv or --format xlsx")
        fail(msg, EXIT_BAD_INPUT, json_errors)
    cutoff = day_option(through, "--through", json_errors).isoformat() if through is not None else None
    query = {"agency": agency, "through": cutoff, "format": fmt.value if spreadsheet else "json"}
    try:
        answer = call("GET", f"/v1/reports/{year}", query=query, raw=spreadsheet)
    except CommandFailed as exc:
        failed(exc, json_errors)
    if spreadsheet:
        _write_file(answer.body, output, fmt, json_errors)
        return
    result = answer.body
    if result.get("timeliness_error"):
        sys.stderr.write(words(Msg("warning: {problem}", problem=result["timeliness_error"])) + "\n")
    if fmt is ReportFormat.JSON:
        emit_json(result)
        return
    _print_report(result)
    if result.get("timeliness") is not None:
        _print_timeliness(result["timeliness"])


@app.command(rich_help_panel="Supervision")
def remedy(
    case_id: Annotated[str, typer.Argument(help="Tracking number of the case challenged.")],
    kind: Annotated[RemedyKind, typer.Option(help=f"The remedy (表四 row): {values(REMEDY_ROW_LABELS)}.")],
    result: Annotated[
        RemedyResult,
        typer.Option(help=f"Its result (表四 column): {values(REMEDY_COLUMN_LABELS, only=RemedyResult)}."),
    ],
    by: Annotated[str | None, typer.Option("--by", help="Only with OGI_AUTH=off: who records it.")] = None,
    decided: Annotated[str | None, typer.Option(help="Date of the decision or judgment (YYYY-MM-DD).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Record a reconsideration or lawsuit result for a case (table 四; the latest per case and kind counts)."""
    day = day_option(decided, "--decided", as_json).isoformat() if decided is not None else None
    body = {"kind": kind.value, "result": result.value, "decided": day}
    headers = {"X-Ogi-User": by} if by else {}
    try:
        answer = call(
            "POST",
            f"/v1/cases/{urllib.parse.quote(case_id, safe='')}/remedies",
            body=json.dumps(body).encode(),
            headers=headers,
        )
    except CommandFailed as exc:
        failed(exc, as_json)
    rec = answer.body
    if as_json:
        emit_json(rec)
    else:
        remedy, said = Term("remedy_kind", kind.value), Term("remedy_result", result.value)
        if day:
            line = Msg(
                "{id}: {kind} → {result} (decided {day}), recorded by {by}",
                id=case_id,
                kind=remedy,
                result=said,
                day=day,
                by=rec.get("recorded_by"),
            )
        else:
            line = Msg(
                "{id}: {kind} → {result}, recorded by {by}",
                id=case_id,
                kind=remedy,
                result=said,
                by=rec.get("recorded_by"),
            )
        say(line)
