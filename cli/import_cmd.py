"""``ogi import``: bring an agency's existing cases into ogi from the import template (XLSX or CSV), through the API.

Every row or none: a file with a refused row imports nothing and exits 2 with each row's line, column
and rule. ``--dry-run`` lists the same without importing; ``--template FILE`` writes the empty template.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.backend import CommandFailed, call
from cli.output import EXIT_BAD_INPUT, JsonOpt, emit_json, fail, is_terminal, marked, say, table, words
from domain.messages import Msg, Term, plural_msg

app = typer.Typer(no_args_is_help=True)

IMPORT_TIMEOUT_S = 3600.0
"""How long the command waits for a large import (10,000 rows take about a minute)."""
SHOWN = 50
"""Cases listed one by one; a larger import prints its counts (``--json`` lists them all)."""
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _where(problem: dict[str, Any]) -> str:
    if problem.get("column"):
        where = Msg(
            "line {line}, {column}: {problem}",
            line=problem["line"],
            column=problem["column"],
            problem=problem["message"],
        )
    else:
        where = Msg("line {line}: {problem}", line=problem["line"], problem=problem["message"])
    return words(where)


def _write_template(target: str, as_json: bool) -> None:
    from domain.import_sheet import INSTRUCTIONS_SHEET
    from domain.import_template import CASES_SHEET, instructions_grid, template_grid
    from service.spreadsheets import csv_bytes, xlsx_bytes

    path = Path(target)
    if path.suffix.lower() == ".csv":
        data = csv_bytes(template_grid())
    elif path.suffix.lower() == ".xlsx":
        data = xlsx_bytes([(CASES_SHEET, template_grid()), (INSTRUCTIONS_SHEET, instructions_grid())])
    else:
        fail(Msg("--template {file}: name a .xlsx or a .csv file", file=target), EXIT_BAD_INPUT, as_json)
    try:
        path.write_bytes(data)
    except OSError as exc:
        fail(Msg("cannot write {file}: {reason}", file=target, reason=exc.strerror or ""), EXIT_BAD_INPUT, as_json)
    if as_json:
        emit_json({"template": str(path)})
    else:
        msg = Msg(
            "template written to {file}: fill in one row per case (the sheet {sheet} documents each column)",
            file=str(path),
            sheet=INSTRUCTIONS_SHEET,
        )
        say(msg)


@app.command("import", rich_help_panel="Intake")
def import_cases(
    file: Annotated[str | None, typer.Argument(help="The filled-in template: .xlsx, or .csv in UTF-8 or GBK.")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List what would be imported and every row refused; import nothing.")
    ] = False,
    template: Annotated[
        str | None, typer.Option("--template", help="Write the template (.xlsx or .csv) to this file and stop.")
    ] = None,
    by: Annotated[
        str | None, typer.Option("--by", help="Only with OGI_AUTH=off: who imports (entered every imported event).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Bring existing cases into ogi (迁移): closed ones into the archive, open ones running at their stage.

    All rows or none: any row that cannot be placed is listed with its line, column and rule, and nothing
    is imported (exit 2). A row imported before is skipped, so an import stopped half-way is finished by
    running it again. Needs the roles intake and records.
    """
    if template is not None:
        _write_template(template, as_json)
        return
    if file is None:
        fail(
            Msg("give the file to import (ogi import FILE), or --template FILE for the empty template"),
            EXIT_BAD_INPUT,
            as_json,
        )
    try:
        raw = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    except OSError as exc:
        fail(Msg("cannot read {file}: {reason}", file=file, reason=exc.strerror or ""), EXIT_BAD_INPUT, as_json)
    kind = XLSX if raw.startswith(b"PK\x03\x04") else "text/csv"
    source = "stdin" if file == "-" else Path(file).name
    try:
        answer = call(
            "POST",
            "/v1/imports",
            query={"dry_run": dry_run, "source": source},
            body=raw,
            headers={"Content-Type": kind, **({"X-Ogi-User": by} if by else {})},
            timeout=IMPORT_TIMEOUT_S,
        )
    except CommandFailed as exc:
        _refused(exc, as_json)
    plan: dict[str, Any] = answer.body
    if as_json:
        emit_json(plan)
    else:
        _print(plan)
    if plan["refused"]:
        raise typer.Exit(EXIT_BAD_INPUT)


def _refused(exc: CommandFailed, as_json: bool) -> None:
    if as_json:
        import json

        body = {"error": str(exc), "code": exc.code, "errors": exc.errors}
        sys.stderr.write(json.dumps(body, ensure_ascii=False) + "\n")
        raise typer.Exit(exc.exit_code)
    if exc.errors:
        rows = len({e["line"] for e in exc.errors})
        msg = plural_msg(
            "{n} row cannot be imported; nothing was imported",
            "{n} rows cannot be imported; nothing was imported",
            rows,
        )
        sys.stderr.write(words(Msg("error: {message}", message=msg)) + "\n")
        for problem in exc.errors:
            sys.stderr.write(f"  {_where(problem)}\n")
        raise typer.Exit(exc.exit_code)
    fail(str(exc), exc.exit_code, False, exc.code)


def _print(plan: dict[str, Any]) -> None:
    counts = {
        "rows": plural_msg("{n} row", "{n} rows", plan["rows"]),
        "cases": plural_msg("{n} case", "{n} cases", plan["new"]),
        "closed": plan["closed"],
        "open": plan["open"],
    }
    if plan["dry_run"]:
        summary = Msg(
            "{rows} — would import {cases} ({closed} closed into the archive, {open} open at their stage)", **counts
        )
    else:
        summary = Msg(
            "{rows} — imported {cases} ({closed} closed into the archive, {open} open at their stage)", **counts
        )
    line = f"{plan['source']} ({plan['format']}): " + words(summary)
    if plan["imported_before"]:
        line += words(Msg("; {n} imported before", n=plan["imported_before"]))
    if plan["refused_rows"]:
        line += "; " + marked("red", Msg("{n} refused", n=plan["refused_rows"]))
    say(line)
    if plan["refused"]:
        for problem in plan["refused"]:
            say(f"  {_where(problem)}")
        say(Msg("nothing is imported while any row is refused: fix the rows above and run the command again"))
        return
    cases = plan["cases"]
    if len(cases) > SHOWN and is_terminal():
        say(Msg("(--json lists the {n} cases)", n=len(cases)))
        return
    rows = [
        [
            c["line"],
            c["original_number"],
            c["case_id"] or "",
            Term("stage", c["stage"]) if c["stage"] else c["status"],
            c["due"] or "",
            Term("outcome", c["outcome"]) if c["outcome"] else "",
        ]
        for c in cases
    ]
    columns = [Msg("line"), Msg("original number"), Msg("case"), Msg("stage"), Msg("due"), Msg("outcome")]
    table("", columns, rows)
