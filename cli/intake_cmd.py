"""Intake (登记): ``ogi submit`` registers an application; ``validate`` and ``schema`` need no server."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from cli.backend import CommandFailed, call
from cli.output import EXIT_BAD_INPUT, JsonOpt, emit_json, fail, failed, marked, say, words
from domain.messages import Msg, Words

app = typer.Typer(no_args_is_help=True)

FileArg = Annotated[str, typer.Argument(help="Application JSON file, or - for stdin.")]


def read_file(source: str, as_json: bool) -> bytes:
    """The bytes of an application file (``-`` for stdin), or exit 2 naming the problem."""
    try:
        return sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    except OSError as exc:
        fail(Msg("cannot read {file}: {reason}", file=source, reason=exc.strerror or ""), EXIT_BAD_INPUT, as_json)


def to_correct(warning: str) -> Msg:
    """An intake warning (as the service said it) as a line: what a correction request should ask for."""
    label = Msg("to correct:")  # on a line of its own: Babel does not look inside another Msg's values
    return Msg("{label} {item}", label=marked("yellow", label), item=warning)


@app.command(rich_help_panel="Intake")
def submit(file: FileArg, as_json: JsonOpt = False) -> None:
    """Register an application and start its case (登记); the same external_ref again answers the first case."""
    raw = read_file(file, as_json)
    try:
        answer = call("POST", "/v1/cases", body=raw)
    except CommandFailed as exc:
        failed(exc, as_json)
    result = answer.body
    if as_json:
        emit_json(result)
        return
    due = result["due"] or words(Msg("starts when receipt is confirmed"))
    case = f"[bold]{result['id']}[/]"
    if result.get("duplicate"):
        say(Msg("already registered as {id} (same external_ref) · due {due}", id=case, due=due))
    else:
        say(
            Msg(
                "registered {id} · received {received} · due {due}",
                id=case,
                received=result["received"] or "—",
                due=due,
            )
        )
    say(Msg("query code for the applicant: {code}", code=f"[bold]{result['query_code']}[/]"))
    say(Msg("the applicant's view: {command}", command=f"ogi status {result['id']} --code {result['query_code']}"))
    for warning in result.get("warnings", []):
        say(to_correct(warning))


@app.command(rich_help_panel="Intake")
def validate(file: FileArg, as_json: JsonOpt = False) -> None:
    """Check an application document without submitting it (no server needed)."""
    from service.application_input import parse_application
    from service.errors import ServiceError

    try:
        application = parse_application(read_file(file, as_json), file)
    except ServiceError as exc:
        fail(exc.message, EXIT_BAD_INPUT, as_json, exc.code)
    missing = application.missing_items()
    if as_json:
        emit_json({"valid": True, "missing_items": [words(m) for m in missing]})
        return
    if not missing:
        say(Msg("valid application"))
        return
    say(Msg("valid application; to correct: {items}", items=Words(missing)))


@app.command(rich_help_panel="Intake")
def schema(
    document: Annotated[str, typer.Argument(help="Which document: application.")] = "application",
) -> None:
    """Print the JSON Schema of a document the outside world sends (generated from the models)."""
    if document != "application":
        fail(Msg("unknown document '{document}'; known: application", document=document), EXIT_BAD_INPUT)
    from domain.application import Application

    emit_json(Application.model_json_schema())
