"""``ogi status``: the applicant's view of a case, by tracking number and query code (办理进度查询)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from temporalio.client import Client

from cli.cases_cmd import fetch_state
from cli.output import JsonOpt, emit_json
from cli.session import run_with_client
from domain.errors import OgiError, Unavailable
from domain.public_status import PublicStatus, public_status
from domain.query_code import code_matches

app = typer.Typer(no_args_is_help=True)
console = Console()


async def lookup(client: Client, case_id: str, code: str) -> PublicStatus:
    """The applicant's view, only for the right code; a wrong code and an unknown case read the same.

    While no worker answers, an existing case says "try later" where an unknown one says "no case":
    that tells only that a tracking number is in use, which sequential numbers tell anyway; the code
    guards what the case holds.
    """
    not_found = OgiError(f"no case {case_id} with that query code; check both against the registration receipt")
    try:
        state = await fetch_state(client, case_id)
    except Unavailable:
        msg = f"the status of case {case_id} cannot be checked right now; try again later"
        raise Unavailable(msg) from None
    except OgiError:
        raise not_found from None
    if not code_matches(code, state.query_code_digest):
        raise not_found
    return public_status(state)


@app.command()
def status(
    case_id: Annotated[str, typer.Argument(help="Tracking number.")],
    code: Annotated[str, typer.Option("--code", help="The query code given at registration (查询码).")],
    as_json: JsonOpt = False,
) -> None:
    """What the applicant may see of a case: stage, due date, what the clock waits for, the outcome."""
    result = run_with_client(lambda client: lookup(client, case_id, code), as_json=as_json)
    if as_json:
        emit_json(result.model_dump(mode="json"))
        return
    console.print(f"[bold]{result.case_id}[/] · {result.agency} · {result.stage}")
    if result.received:
        due = ""
        if result.due:
            due = (
                f" · reply due no earlier than {result.due}"
                if result.due_is_earliest
                else f" · reply due by {result.due}"
            )
            if result.due_provisional:
                due += " (provisional: that year's holidays are not yet announced, so the date may move)"
        console.print(f"received {result.received}{due}")
    if result.clock_stopped:
        console.print("the reply period is stopped while waiting for:")
    for wait in result.waiting_for:
        console.print(f"  · {wait}")
    if result.outcome:
        console.print(f"outcome: {result.outcome}" + (f" (closed {result.closed_on})" if result.closed_on else ""))
