"""The root of the ``ogi`` command: mounts every command group, in panels by who uses them.

Command modules import only what their options need; each command imports the rest when it runs, so
``ogi --help`` and the calendar commands never pay for the Temporal SDK.
"""

from __future__ import annotations

import json
import os
import sys
import time

import typer

from cli import (
    actions_cmd,
    admin_cmd,
    calendar_cmd,
    codec_server_cmd,
    delivery_cmd,
    dev_cmd,
    doctor_cmd,
    import_cmd,
    intake_cmd,
    keys_cmd,
    report_cmd,
    serve_cmd,
    setup_cmd,
    show_cmd,
    supervise_cmd,
    templates_cmd,
)
from cli.helptext import show_flags_as_flags

CORE_LOG_GRACE_S = 0.1
"""How long a command that used the Temporal client waits at exit for the core's forwarded log lines."""

show_flags_as_flags()
app = typer.Typer(
    name="ogi",
    no_args_is_help=True,
    add_completion=True,
    rich_markup_mode="rich",
    help="Government information disclosure on application (政府信息公开 · 依申请公开), run on Temporal.",
)
for module in (
    intake_cmd,
    import_cmd,
    show_cmd,
    actions_cmd,
    supervise_cmd,
    report_cmd,
    serve_cmd,
    setup_cmd,
    doctor_cmd,
    codec_server_cmd,
):
    app.registered_commands += module.app.registered_commands
app.registered_commands += admin_cmd.app.registered_commands
app.registered_commands += delivery_cmd.files_app.registered_commands
app.add_typer(
    delivery_cmd.app,
    name="delivery",
    help="How documents went out: record posting and service, the post room's daily batch.",
    rich_help_panel="Intake",
)
app.add_typer(
    calendar_cmd.app,
    name="calendar",
    help="Working days on the Chinese holiday calendar; new notices.",
    rich_help_panel="Calendar",
)
app.add_typer(admin_cmd.users_app, name="user", rich_help_panel="Admin")
app.add_typer(admin_cmd.token_app, name="token", rich_help_panel="Admin")
app.add_typer(admin_cmd.audit_app, name="audit", rich_help_panel="Admin")
app.add_typer(
    keys_cmd.app, name="keys", help="Encryption and signing keys: create, rotate, list.", rich_help_panel="Admin"
)
app.add_typer(
    templates_cmd.app,
    name="templates",
    help="Document templates: check an agency's own before installing them.",
    rich_help_panel="Admin",
)
app.add_typer(
    dev_cmd.app,
    name="dev",
    help="The embedded stack of make run: Temporal, the worker, ogi serve, the codec server.",
    rich_help_panel="Admin",
)


def run() -> None:
    """Console-script entry point.

    Exits with ``os._exit`` after flushing: the Temporal client's native runtime can abort the interpreter's
    shutdown (PyGILState_Release) when a command ends while its threads are alive, turning a clean exit code
    into SIGABRT. Nothing is left to clean up at that point.
    """
    code: int = 0
    try:
        result = app(standalone_mode=False)
        code = result if isinstance(result, int) else 0
    except typer.Exit as exc:
        code = exc.exit_code
    except typer.TyperException as exc:
        # Usage errors in one line, like every other bad input: what is wrong and where to look.
        ctx = getattr(exc, "ctx", None)
        if type(exc).__name__ == "NoArgsIsHelpError" and ctx is not None:
            sys.stdout.write(ctx.get_help() + "\n")
            code = 0
        else:
            from cli.usage import usage_message
            from domain.messages import Msg
            from infra.i18n import translate

            problem = usage_message(exc)
            message = (
                Msg("{problem} (see '{command} --help')", problem=problem, command=ctx.command_path) if ctx else problem
            )
            said = translate(message)
            if "--json" in sys.argv[1:]:
                sys.stderr.write(json.dumps({"error": said, "code": "bad_input"}, ensure_ascii=False) + "\n")
            else:
                sys.stderr.write(translate(Msg("error: {message}", message=said)) + "\n")
            code = exc.exit_code
    except typer.Abort:
        sys.stderr.write(_said("aborted") + "\n")
        code = 130
    except KeyboardInterrupt:
        sys.stderr.write(_said("interrupted") + "\n")
        code = 130
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except Exception as exc:
        # A bad OGI_* value is the operator's input, said in one line like any other (exit 2), not a traceback.
        if type(exc).__name__ != "SettingsError":
            raise
        from domain.messages import Msg
        from infra.i18n import translate

        sys.stderr.write(translate(Msg("error: {message}", message=str(exc))) + "\n")
        code = 2
    _let_core_logs_arrive()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _let_core_logs_arrive() -> None:
    """Give the Temporal core's last log lines (a payload warning) time to reach stderr before ``os._exit``.

    The core forwards its logs in batches every 10 ms from its own threads; a command that exits at once
    would drop the last batch. Only a process that started the Temporal runtime waits.
    """
    connection = sys.modules.get("infra.connection")
    if connection is not None and connection.runtime.cache_info().currsize:
        time.sleep(CORE_LOG_GRACE_S)


def _said(word: str) -> str:
    from domain.messages import Msg
    from infra.i18n import translate

    return translate(Msg("aborted") if word == "aborted" else Msg("interrupted"))


if __name__ == "__main__":
    run()
