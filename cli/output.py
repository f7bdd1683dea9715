"""How every command speaks: one JSON document on stdout, or text and tables; errors as one line on stderr.

Text goes to a terminal with colour and wrapping; when stdout is a pipe or a file nothing wraps and
tables become tab-separated lines, so a suggested command stays one line and a spreadsheet reads the
rows. Errors carry the service's stable ``code`` beside the message (``--json``: ``{"error", "code"}``).

Words are in the reader's language (``OGI_LANG``: Chinese unless ``en``): lines, table titles and
headers, and errors take a ``Msg``; JSON keys, codes and enumeration values stay as they are.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from domain.messages import Msg, Text
from infra.i18n import translate

if TYPE_CHECKING:
    from rich.console import Console

    from cli.backend import CommandFailed

EXIT_REFUSED = 1
EXIT_BAD_INPUT = 2
EXIT_UNAVAILABLE = 3


def emit_json(obj: Any) -> None:
    """Print one JSON document on stdout."""
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")


def fail(message: Text, code: int = EXIT_BAD_INPUT, as_json: bool = False, error_code: str | None = None) -> NoReturn:
    """Print one error line on stderr (JSON with ``--json``) and exit with ``code``."""
    kind = error_code or {EXIT_BAD_INPUT: "bad_input", EXIT_UNAVAILABLE: "unavailable"}.get(code, "refused")
    said = translate(message)
    if as_json:
        sys.stderr.write(json.dumps({"error": said, "code": kind}, ensure_ascii=False) + "\n")
    else:
        sys.stderr.write(translate(Msg("error: {message}", message=said)) + "\n")
    raise typer.Exit(code)


def failed(exc: CommandFailed, as_json: bool) -> NoReturn:
    """Report a request the service refused, with its code and the exit code its status means."""
    fail(str(exc), exc.exit_code, as_json, exc.code)


def is_terminal() -> bool:
    """Whether stdout is a terminal (colours, wrapping, tables drawn)."""
    return sys.stdout.isatty()


@functools.cache
def console() -> Console:
    """The command's rich console: on a pipe, no colour and no wrapping."""
    from rich.console import Console

    if is_terminal():
        return Console()
    return Console(width=100_000, no_color=True, highlight=False, soft_wrap=True)


def say(text: Text) -> None:
    """Print one line in the reader's language (rich markup allowed; stripped on a pipe)."""
    console().print(translate(text))


def words(text: Text) -> str:
    """A message in the reader's language, as text to print or join."""
    return translate(text)


def marked(style: str, text: Text) -> str:
    """A message in the reader's language in a rich style (``yellow``, ``bold``, ``red``, ``dim``)."""
    return f"[{style}]{translate(text)}[/]"


def table(
    title: Text,
    columns: Sequence[Text],
    rows: Sequence[Sequence[Any]],
    *,
    first_no_wrap: bool = True,
    data: bool = True,
) -> None:
    """A table on a terminal; on a pipe, a listing's lines tab-separated, a form's table drawn at full width.

    A data table (a listing) becomes a header and one tab-separated line per row, its title on stderr; a
    document's table (the report's form) keeps its title and is drawn whole.
    """
    heading = translate(title)
    headers = [translate(c) for c in columns]
    if not is_terminal() and data:
        if heading:
            sys.stderr.write(heading + "\n")
        sys.stdout.write("\t".join(headers) + "\n")
        for row in rows:
            sys.stdout.write("\t".join("" if v is None else translate(v) for v in row) + "\n")
        return
    from rich.table import Table

    drawn = Table(title=heading, title_justify="left")
    for index, name in enumerate(headers):
        drawn.add_column(name, no_wrap=first_no_wrap and index == 0, overflow="fold")
    for row in rows:
        drawn.add_row(*("" if v is None else translate(v) for v in row))
    console().print(drawn)


JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document instead of text or a table.")]
"""The ``--json`` flag every command takes (ARCHITECTURE.md contract)."""

DryRunOpt = Annotated[
    bool,
    typer.Option("--dry-run", help="Show what the action would do (refused or not, stage, due date); send nothing."),
]
AsOfOpt = Annotated[
    str | None,
    typer.Option("--as-of", help="With --dry-run: imagine the action on this day (YYYY-MM-DD, today or later)."),
]


def day_option(text: str, option: str, as_json: bool) -> date:
    """A YYYY-MM-DD option value, or exit 2 with one line naming the option."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(Msg("{option} '{text}' is not a date; use YYYY-MM-DD", option=option, text=text), as_json=as_json)
