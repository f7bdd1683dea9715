"""``ogi keys``: create and rotate the payload encryption key file (``OGI_KEYS_FILE``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from cli.output import EXIT_BAD_INPUT, JsonOpt, emit_json, fail
from infra.codec import KEY_VAR, KEYS_FILE_VAR, KeyConfigError, new_keys_file
from infra.paths import ogi_home

app = typer.Typer(no_args_is_help=True, help="Payload encryption keys: create and rotate the key file.")


@app.callback()
def keys() -> None:
    """Payload encryption keys: create and rotate the key file named by OGI_KEYS_FILE."""


def _default_file() -> Path:
    configured = os.environ.get(KEYS_FILE_VAR, "").strip()
    return Path(configured) if configured else ogi_home() / "keys.json"


@app.command("new")
def new(
    file: Annotated[
        Path | None,
        typer.Option("--file", "-f", help=f"The key file; default ${KEYS_FILE_VAR}, else <OGI_HOME>/keys.json."),
    ] = None,
    key_id: Annotated[
        str | None, typer.Option("--id", help="Id of the new key; default the next of k1, k2, ...")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a new key and make it active, keeping every old key so earlier cases stay readable.

    Creates the file (mode 0600) when it does not exist. Restart workers and clients afterwards so they
    encrypt with the new key and can read payloads others wrote with it.
    """
    path = (file or _default_file()).resolve()
    existed = path.exists()
    try:
        new_id, ring = new_keys_file(path, key_id)
    except KeyConfigError as exc:
        fail(str(exc), EXIT_BAD_INPUT, as_json)
    except OSError as exc:
        fail(f"cannot write keys file {path}: {exc.strerror}", EXIT_BAD_INPUT, as_json)
    kept = sorted(k for k in ring.keys if k != new_id)
    if as_json:
        emit_json(
            {"file": str(path), "active": new_id, "keys": sorted(ring.keys), "created": not existed, "kept": kept}
        )
        return
    action = "created" if not existed else "rotated"
    typer.echo(f"{action} {path}: key '{new_id}' is now active" + (f"; kept {', '.join(kept)}" if kept else ""))
    if not existed and kept:
        typer.echo(f"carried over the {KEY_VAR} key as '{kept[0]}'; unset {KEY_VAR} once {KEYS_FILE_VAR} is set")
    typer.echo(f"set {KEYS_FILE_VAR}={path} for every worker, ogi command and codec server, then restart them")
