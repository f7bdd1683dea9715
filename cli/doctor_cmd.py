"""``ogi doctor``: what is wrong with this installation and how to fix it (run where ogi is installed)."""

from __future__ import annotations

import typer

from cli.output import JsonOpt, emit_json, say

app = typer.Typer(no_args_is_help=True)
MARK = {"ok": "[green]  ok[/]", "warn": "[yellow]warn[/]", "fail": "[red]fail[/]"}


@app.command(rich_help_panel="Admin")
def doctor(as_json: JsonOpt = False) -> None:
    """Check Temporal (and its TLS exposure), the worker, the store, the keys, the read model; exit 1 on a failure."""
    import asyncio

    from service.doctor import run

    report = asyncio.run(run())
    if as_json:
        emit_json(report)
    else:
        for finding in report["findings"]:
            say(f"{MARK[finding['status']]}  {finding['check']}: {finding['detail']}")
    if report["status"] == "fail":
        raise typer.Exit(1)
