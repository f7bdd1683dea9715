"""The root of the ``ogi`` command: mounts every command group."""

from __future__ import annotations

import typer

from cli import cases_cmd, codec_server_cmd, dev_cmd, keys_cmd, report_cmd, setup_cmd, supervise_cmd

app = typer.Typer(
    name="ogi",
    no_args_is_help=True,
    add_completion=False,
    help="Government information disclosure on application (政府信息公开 · 依申请公开), run on Temporal.",
)
app.registered_commands += cases_cmd.app.registered_commands
app.registered_commands += supervise_cmd.app.registered_commands
app.registered_commands += report_cmd.app.registered_commands
app.registered_commands += codec_server_cmd.app.registered_commands
app.registered_commands += setup_cmd.app.registered_commands
app.add_typer(dev_cmd.app, name="dev", help="The embedded stack: a persistent dev server, setup and the worker (make run).")
app.add_typer(keys_cmd.app, name="keys", help="Payload encryption keys: create and rotate the key file.")


def run() -> None:
    """Console-script entry point."""
    app()
