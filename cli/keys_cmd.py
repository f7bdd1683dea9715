"""``ogi keys``: the installation's keys: payload encryption (``new``), signing and audit keys (``rotate``, ``list``).

Rotation adds a key and makes it active; old keys stay, so earlier payloads, tokens, assertions and
audit entries still decrypt and verify. Restart workers and ogi serve afterwards (workers also reload
public keys by themselves within seconds).
"""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from cli.output import EXIT_BAD_INPUT, JsonOpt, emit_json, fail, say, table

app = typer.Typer(no_args_is_help=True, help="Encryption and signing keys: create, rotate, list.")
KEYS_FILE_VAR = "OGI_KEYS_FILE"


@app.callback()
def keys() -> None:
    """The installation's keys: payload encryption, token and assertion signing, the audit log's MAC."""


def _default_file() -> Path:
    from infra.codec import default_keys_file

    configured = os.environ.get(KEYS_FILE_VAR, "").strip()
    return Path(configured) if configured else default_keys_file()


class Purpose(StrEnum):
    """Which key ``ogi keys rotate`` rotates."""

    PAYLOAD = "payload"
    TOKEN = "token"  # noqa: S105 - the name of a key purpose
    ASSERTION = "assertion"
    AUDIT = "audit"


@app.command("rotate")
def rotate(
    purpose: Annotated[Purpose, typer.Argument(help=f"Which key: {', '.join(Purpose)}.")],
    as_json: JsonOpt = False,
) -> None:
    """Add a new key for a purpose and make it active; every old key stays to read and verify what it made."""
    from infra import audit_log, signing_keys

    if purpose is Purpose.PAYLOAD:
        new(file=None, key_id=None, as_json=as_json)
        return
    chosen: signing_keys.Purpose = (
        "token" if purpose is Purpose.TOKEN else ("assertion" if purpose is Purpose.ASSERTION else "audit")
    )
    keyset = signing_keys.rotate(chosen)
    audit_log.append("key_rotated", actor="os:admin", detail={"purpose": purpose.value, "active": keyset.active})
    if as_json:
        emit_json({"purpose": purpose.value, "active": keyset.active, "keys": [k.kid for k in keyset.keys]})
        return
    say(
        f"{purpose.value} key {keyset.active} is now active; kept {', '.join(k.kid for k in keyset.keys[:-1]) or 'none'}"
    )


@app.command("list")
def list_keys(as_json: JsonOpt = False) -> None:
    """Every key of the installation (no key material): purpose, id, algorithm, created, active."""
    from infra.codec import load_keyring
    from infra.signing_keys import key_summary

    rows = key_summary()
    ring = load_keyring()
    if ring is not None:
        rows += [
            {
                "purpose": "payload",
                "kid": kid,
                "alg": ring.algorithm(kid),
                "created": "",
                "active": "yes" if kid == ring.active else "",
            }
            for kid in ring.keys
        ]
    if as_json:
        emit_json({"keys": rows})
        return
    table("keys", ["purpose", "id", "algorithm", "created", "active"], [tuple(r.values()) for r in rows])


@app.command("new")
def new(
    file: Annotated[
        Path | None,
        typer.Option(
            "--file", "-f", help=f"The key file; default ${KEYS_FILE_VAR}, else <OGI_HOME>/keys/payload.json."
        ),
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
    from infra.codec import KEY_VAR, KeyConfigError, new_keys_file

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
