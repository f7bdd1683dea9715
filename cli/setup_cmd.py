"""``ogi setup``: prepare a namespace for ogi by registering the contract's search attributes (idempotent)."""

from __future__ import annotations

from typing import TypedDict

import typer
from temporalio.client import Client

from cli.output import JsonOpt, emit_json
from cli.session import run_with_client
from workflows.search_attributes import ALL_KEYS, register_search_attributes

app = typer.Typer(no_args_is_help=True)


class SetupResult(TypedDict):
    """What ``ogi setup`` did."""

    namespace: str
    added: list[str]
    present: list[str]


async def setup_namespace(client: Client) -> SetupResult:
    """Register what is missing and report what was added and what was already there."""
    added = await register_search_attributes(client)
    present = [key.name for key in ALL_KEYS if key.name not in added]
    return {"namespace": client.namespace, "added": added, "present": present}


@app.command()
def setup(
    as_json: JsonOpt = False,
) -> None:
    """Register the search attributes ogi needs (DueAt, Stage, Overdue, ...) in the namespace; safe to repeat."""
    result = run_with_client(setup_namespace, as_json=as_json)
    if as_json:
        emit_json(result)
        return
    added = result["added"]
    if added:
        typer.echo(f"namespace {result['namespace']}: registered {', '.join(added)}")
    else:
        typer.echo(f"namespace {result['namespace']}: all {len(ALL_KEYS)} search attributes already present")
