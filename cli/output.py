"""How every command speaks: one JSON object on stdout, or one clear error line on stderr."""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

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
