"""Administration on this machine: users and tokens, sign-in for the ogi command, the audit log, migrations.

``user``, ``token``, ``audit`` and ``migrate`` act on the installation's own store and keys (the home's
``keys/`` folder is readable by its owner only), never through the API: they are what an administrator
runs where ogi is installed. ``login`` and ``logout`` keep a user's token for the ogi command.
"""

from __future__ import annotations

import getpass
import json
import os
import re
import sys
from pathlib import Path
from typing import Annotated

import typer

from cli.backend import CommandFailed, call, token_file
from cli.helptext import completion, values
from cli.output import EXIT_BAD_INPUT, EXIT_REFUSED, JsonOpt, emit_json, fail, failed, say, table
from domain.messages import Msg
from domain.vocabulary import ROLE_LABELS

users_app = typer.Typer(
    no_args_is_help=True, help="Users of this installation (local accounts): add, list, passwords, roles."
)
token_app = typer.Typer(no_args_is_help=True, help="Bearer tokens for users (administrators, on this machine).")
audit_app = typer.Typer(no_args_is_help=True, help="The tamper-evident audit log: verify, list, export.")
app = typer.Typer(no_args_is_help=True)

NameArg = Annotated[str, typer.Argument(help="The user's name (compared without regard to case or width).")]
ROLES = values(ROLE_LABELS)


def _admin(action: str, actor: str, detail: dict[str, object]) -> None:
    from infra import audit_log

    audit_log.append(action, actor=actor[:64], detail=detail)


def _os_user() -> str:
    try:
        return "os:" + getpass.getuser()
    except (KeyError, OSError):
        return "os:unknown"


def _user_json(user: object) -> dict[str, object]:
    return user.model_dump(mode="json")  # type: ignore[attr-defined, no-any-return]


@users_app.command("add")
def user_add(
    name: NameArg,
    role: Annotated[
        list[str], typer.Option(help=f"A role (repeat for several): {ROLES}.", autocompletion=completion(ROLE_LABELS))
    ],
    agency: Annotated[str | None, typer.Option(help="The agency the user works for.")] = None,
    department: Annotated[str | None, typer.Option(help="The department within it.")] = None,
    display_name: Annotated[str | None, typer.Option("--display-name", help="The name shown in the console.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a user with roles; the separation of duties (等保 三员) is checked."""
    from domain.config import ConfigError, load_config
    from infra import users
    from infra.paths import config_path

    try:
        separation = load_config(config_path()).separation_of_duties
    except ConfigError as exc:
        fail(str(exc), EXIT_BAD_INPUT, as_json)
    try:
        user = users.add_user(
            name, role, agency=agency, department=department, display_name=display_name, separation=separation
        )
    except users.UserError as exc:
        fail(str(exc), EXIT_BAD_INPUT, as_json, "bad_input.user")
    _admin("user_added", _os_user(), {"user": user.name, "id": user.id, "roles": [r.value for r in user.roles]})
    if as_json:
        emit_json(_user_json(user))
        return
    say(f"added {user.name} ({user.id}) · roles {', '.join(r.value for r in user.roles)}")
    say(f"next: 'ogi user passwd {user.name}' for a password, or 'ogi token issue --user {user.name}' for a token")


@users_app.command("passwd")
def user_passwd(
    name: NameArg,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Set a user's password (argon2id); asked twice at a terminal, or read from stdin."""
    from infra import users

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass(f"new password for {name}: ")
        if getpass.getpass("again: ") != password:
            fail(Msg("the two passwords differ; nothing was changed"), EXIT_BAD_INPUT, as_json)
    try:
        user = users.set_password(name, password)
    except users.UserError as exc:
        fail(str(exc), EXIT_BAD_INPUT, as_json, "bad_input.user")
    _admin("password_set", _os_user(), {"user": user.name, "id": user.id})
    if as_json:
        emit_json(_user_json(user))
    else:
        say(f"password set for {user.name}")


@users_app.command("list")
def user_list(as_json: JsonOpt = False) -> None:
    """Every user with roles, agency, department and state."""
    from infra import users
    from infra.store import StoreUnavailable

    try:
        found = users.list_users()
    except StoreUnavailable as exc:
        fail(str(exc), EXIT_BAD_INPUT, as_json, "unavailable.store")
    if as_json:
        emit_json({"users": [_user_json(u) for u in found]})
        return
    rows = [
        (
            u.name,
            u.id,
            ", ".join(r.value for r in u.roles),
            u.agency or "",
            u.department or "",
            "disabled" if u.disabled else ("locked" if u.locked_until else "active"),
        )
        for u in found
    ]
    table("users", ["name", "id", "roles", "agency", "department", "state"], rows)


def _set_disabled(name: str, disabled: bool, as_json: bool) -> None:
    from infra import users

    try:
        user = users.set_disabled(name, disabled)
    except users.UserError as exc:
        fail(str(exc), EXIT_BAD_INPUT, as_json, "bad_input.user")
    _admin("user_disabled" if disabled else "user_enabled", _os_user(), {"user": user.name, "id": user.id})
    if as_json:
        emit_json(_user_json(user))
    else:
        say(f"{user.name} {'disabled: their tokens stop working now' if disabled else 'enabled'}")


@users_app.command("disable")
def user_disable(name: NameArg, as_json: JsonOpt = False) -> None:
    """Disable a user: their tokens and sessions stop working at once."""
    _set_disabled(name, True, as_json)


@users_app.command("enable")
def user_enable(name: NameArg, as_json: JsonOpt = False) -> None:
    """Enable a disabled user again."""
    _set_disabled(name, False, as_json)


@users_app.command("roles")
def user_roles(
    name: NameArg,
    role: Annotated[
        list[str],
        typer.Option(help=f"The user's roles from now on (repeat): {ROLES}.", autocompletion=completion(ROLE_LABELS)),
    ],
    as_json: JsonOpt = False,
) -> None:
    """Replace a user's roles (checked against the separation of duties)."""
    from domain.config import load_config
    from infra import users
    from infra.paths import config_path

    try:
        user = users.set_roles(name, role, separation=load_config(config_path()).separation_of_duties)
    except users.UserError as exc:
        fail(str(exc), EXIT_BAD_INPUT, as_json, "bad_input.user")
    _admin("roles_changed", _os_user(), {"user": user.name, "roles": [r.value for r in user.roles]})
    if as_json:
        emit_json(_user_json(user))
    else:
        say(f"{user.name}: roles {', '.join(r.value for r in user.roles)}")


_TTL = re.compile(r"^(\d+)([smhd])$")


def _seconds(ttl: str) -> int:
    match = _TTL.match(ttl.strip())
    if match is None:
        fail(Msg("--ttl '{ttl}' is not a duration; write e.g. 30m, 8h or 7d", ttl=ttl), EXIT_BAD_INPUT)
    return int(match.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]


@token_app.command("issue")
def token_issue(
    user: Annotated[str, typer.Option("--user", help="Whose token.")],
    ttl: Annotated[str, typer.Option(help="How long it is valid: 30m, 8h, 7d (at most 30d).")] = "8h",
) -> None:
    """Print a bearer token for a user, alone on stdout; needs the installation's token key (keys/token.json)."""
    from infra import users
    from infra.signing_keys import KeyFileError
    from service.errors import ServiceError
    from service.identities import issue_token

    try:
        token = issue_token(user, _seconds(ttl))
    except (users.UserError, ServiceError) as exc:
        fail(str(exc), EXIT_BAD_INPUT)
    except (KeyFileError, PermissionError) as exc:
        fail(
            Msg(
                "cannot read the installation's token key: {detail}; tokens are issued where ogi is installed",
                detail=exc,
            ),
            EXIT_REFUSED,
        )
    _admin("token_issued", _os_user(), {"user": user, "ttl": ttl})
    sys.stdout.write(token + "\n")


@app.command(rich_help_panel="Admin")
def login(
    user: Annotated[str | None, typer.Option("--user", help="Your user name (asked when left out).")] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Sign in to ogi serve with your password; the token is kept for later commands (mode 0600)."""
    name = user or input("user: ")
    password = sys.stdin.readline().rstrip("\n") if password_stdin else getpass.getpass("password: ")
    try:
        answer = call(
            "POST", "/v1/auth/token", body=json.dumps({"username": name, "password": password}).encode(), token=""
        ).body
    except CommandFailed as exc:
        failed(exc, as_json)
    path = token_file()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(answer["access_token"] + "\n")
    if as_json:
        emit_json({"user": name, "token_file": str(path), "expires_in": answer["expires_in"]})
    else:
        say(f"signed in as {name}; the token is kept in {path} for {answer['expires_in'] // 3600} h")


@app.command(rich_help_panel="Admin")
def logout() -> None:
    """Forget the token ogi login kept."""
    Path(token_file()).unlink(missing_ok=True)
    say("signed out")


@audit_app.command("verify")
def audit_verify(as_json: JsonOpt = False) -> None:
    """Check the whole audit log: every entry's MAC and its link to the one before (exit 1 if broken)."""
    from infra import audit_log
    from infra.signing_keys import KeyFileError
    from infra.store import StoreUnavailable

    try:
        result = audit_log.verify()
    except (KeyFileError, StoreUnavailable) as exc:
        fail(str(exc), EXIT_BAD_INPUT, as_json)
    if as_json:
        emit_json(result.model_dump())
    elif result.ok:
        say(f"audit log intact: {result.entries} entries")
    else:
        say(f"[red]audit log broken at entry {result.broken_at}[/]: {result.reason}")
    if not result.ok:
        raise typer.Exit(EXIT_REFUSED)


@audit_app.command("list")
def audit_list(
    case: Annotated[str | None, typer.Option("--case", help="Only this case's entries.")] = None,
    kind: Annotated[list[str] | None, typer.Option(help="Only these kinds (repeat).")] = None,
    after: Annotated[int, typer.Option(help="Entries after this sequence number.")] = 0,
    limit: Annotated[int, typer.Option(min=1, max=100_000)] = 100,
    as_json: JsonOpt = False,
) -> None:
    """Entries of the audit log in order."""
    from infra import audit_log

    found = audit_log.entries(case_id=case, kinds=kind, after=after, limit=limit)
    if as_json:
        emit_json({"entries": [e.model_dump(mode="json") for e in found]})
        return
    rows = [
        (e.seq, e.at.isoformat(timespec="seconds"), e.kind, e.actor or "", e.case_id or "", e.action or "")
        for e in found
    ]
    table("audit log", ["seq", "at (UTC)", "kind", "actor", "case", "action"], rows)


@audit_app.command("export")
def audit_export(
    file: Annotated[Path, typer.Argument(help="Where to write the entries (JSON lines), - for stdout.")],
) -> None:
    """Write every entry as JSON lines, for the records system or an external archive."""
    from infra import audit_log

    out = sys.stdout if str(file) == "-" else file.open("w", encoding="utf-8")
    after = 0
    written = 0
    while True:
        chunk = audit_log.entries(after=after, limit=1000)
        for entry in chunk:
            out.write(entry.model_dump_json() + "\n")
        written += len(chunk)
        if len(chunk) < 1000:
            break
        after = chunk[-1].seq
    if out is not sys.stdout:
        out.close()
        say(f"exported {written} entries to {file}")


@app.command(rich_help_panel="Admin")
def migrate(as_json: JsonOpt = False) -> None:
    """Bring the case store to this ogi's schema (the worker and ogi setup do it too)."""
    from infra import store
    from infra.paths import database_url
    from infra.schema import migrate

    try:
        version = migrate(store.engine())
    except store.StoreUnavailable as exc:
        fail(str(exc), EXIT_BAD_INPUT, as_json)
    if as_json:
        emit_json({"store": store.store_label(database_url()), "schema_version": version})
    else:
        say(f"the case store at {store.store_label(database_url())} is at schema version {version}")
