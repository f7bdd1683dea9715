"""How every command speaks: one JSON object on stdout, or one clear error line on stderr."""

from __future__ import annotations

import json
import sys
from datetime import date
from typing import Annotated, Any, NoReturn

import typer


def emit_json(obj: Any) -> None:
    """Print one JSON object on stdout."""
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")


def fail(message: str, code: int = 2, as_json: bool = False) -> NoReturn:
    """Print one error line on stderr (JSON with ``--json``) and exit with ``code``."""
    if as_json:
        sys.stderr.write(json.dumps({"error": message}, ensure_ascii=False) + "\n")
    else:
        sys.stderr.write(f"error: {message}\n")
    raise typer.Exit(code)


JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text or a table.")]
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
        fail(f"{option} '{text}' is not a date; use YYYY-MM-DD", as_json=as_json)
