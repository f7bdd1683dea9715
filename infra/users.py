"""Users in the case store: local accounts (argon2id passwords, lockout) and users of the identity platform.

There are no default accounts. The first users are made by whoever administers the installation
(``ogi user add``), and a user's roles obey the separation of duties (``domain.actor.duties_conflict``)
unless the configuration switches that off.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import BaseModel
from sqlalchemy import Row, insert, select, update
from sqlalchemy.exc import IntegrityError

from domain.actor import Actor, NameProblem, duties_conflict, name_key, normalize_name
from domain.config import Role
from domain.errors import OgiError
from infra.schema import users
from infra.store import engine, read_engine

MIN_PASSWORD = 10
LOCK_AFTER = 5
"""Failed logins in a row after which an account is locked."""
LOCK_FOR = timedelta(minutes=15)

_hasher = PasswordHasher()  # argon2id, the library's recommended parameters (RFC 9106 second choice)


class UserError(OgiError):
    """A user cannot be added, changed or found as asked; the message says why and what to do."""


class LoginFailed(OgiError):
    """Wrong name or password, a locked or disabled account: one message that does not say which."""


class User(BaseModel):
    """A user as the service sees it (never the password hash)."""

    id: str
    name: str
    display_name: str | None = None
    roles: list[Role]
    agency: str | None = None
    department: str | None = None
    disabled: bool = False
    locked_until: datetime | None = None
    source: str = "local"
    has_password: bool = False

    def actor(self) -> Actor:
        """The verified actor this user acts as."""
        return Actor(
            id=self.id,
            name=self.name,
            roles=frozenset(self.roles),
            verified=True,
            agency=self.agency,
            department=self.department,
        )


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(when: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes for timezone-aware columns; they were written in UTC.
    return when.replace(tzinfo=UTC) if when is not None and when.tzinfo is None else when


def _user(row: Row[Any]) -> User:
    return User(
        id=row.id,
        name=row.name,
        display_name=row.display_name,
        roles=[Role(r) for r in row.roles],
        agency=row.agency,
        department=row.department,
        disabled=row.disabled,
        locked_until=_aware(row.locked_until),
        source=row.source,
        has_password=row.password_hash is not None,
    )


def _roles(roles: list[str] | list[Role], separation: bool) -> list[Role]:
    try:
        parsed = sorted({Role(r) for r in roles})
    except ValueError:
        known = ", ".join(r.value for r in Role)
        msg = f"unknown role among {', '.join(str(r) for r in roles)}; roles: {known}"
        raise UserError(msg) from None
    if not parsed:
        msg = f"a user needs at least one role; roles: {', '.join(r.value for r in Role)}"
        raise UserError(msg)
    if separation and (problem := duties_conflict(parsed)):
        raise UserError(problem)
    return parsed


def _checked_name(name: str) -> str:
    try:
        return normalize_name(name)
    except NameProblem as exc:
        raise UserError(str(exc)) from None


def add_user(
    name: str,
    roles: list[str] | list[Role],
    *,
    agency: str | None = None,
    department: str | None = None,
    display_name: str | None = None,
    separation: bool = True,
) -> User:
    """Add a local user (no password yet: ``set_password``, or tokens only)."""
    clean = _checked_name(name)
    parsed = _roles(roles, separation)
    now = _now()
    row = {
        "id": "u-" + secrets.token_hex(6),
        "name": clean,
        "name_key": clean.casefold(),
        "display_name": display_name,
        "roles": [r.value for r in parsed],
        "agency": agency,
        "department": department,
        "password_hash": None,
        "disabled": False,
        "failed_logins": 0,
        "locked_until": None,
        "source": "local",
        "subject": None,
        "created_at": now,
        "updated_at": now,
    }
    try:
        with engine().begin() as conn:
            conn.execute(insert(users).values(**row))
    except IntegrityError:
        msg = f"a user named {clean!r} exists already (names are compared without regard to case or width)"
        raise UserError(msg) from None
    return find_user(clean)


def find_user(name_or_id: str) -> User:
    """A user by name (any case or width) or id; ``UserError`` when there is none."""
    try:
        key = name_key(name_or_id)
    except NameProblem as exc:
        raise UserError(str(exc)) from None
    with read_engine().connect() as conn:
        row = conn.execute(select(users).where((users.c.name_key == key) | (users.c.id == name_or_id))).first()
    if row is None:
        msg = f"no user {name_or_id!r}; list users with 'ogi user list'"
        raise UserError(msg)
    return _user(row)


def user_by_id(user_id: str) -> User | None:
    """A user by id, or None."""
    with read_engine().connect() as conn:
        row = conn.execute(select(users).where(users.c.id == user_id)).first()
    return _user(row) if row is not None else None


def list_users() -> list[User]:
    """Every user, by name."""
    with read_engine().connect() as conn:
        return [_user(r) for r in conn.execute(select(users).order_by(users.c.name_key))]


def _change(name: str, **values: Any) -> User:
    found = find_user(name)
    with engine().begin() as conn:
        conn.execute(update(users).where(users.c.id == found.id).values(updated_at=_now(), **values))
    return find_user(found.id)


def set_password(name: str, password: str) -> User:
    """Set a user's password (argon2id); it also unlocks the account."""
    if len(password) < MIN_PASSWORD:
        msg = f"a password needs at least {MIN_PASSWORD} characters"
        raise UserError(msg)
    return _change(name, password_hash=_hasher.hash(password), failed_logins=0, locked_until=None)


def set_disabled(name: str, disabled: bool) -> User:
    """Disable (or enable again) a user: a disabled user's tokens and sessions stop working at once."""
    return _change(name, disabled=disabled)


def set_roles(name: str, roles: list[str], *, separation: bool = True) -> User:
    """Replace a user's roles (checked against the separation of duties)."""
    return _change(name, roles=[r.value for r in _roles(roles, separation)])


def check_password(name: str, password: str) -> User:
    """The user whose name and password these are; ``LoginFailed`` otherwise (and a failure counted)."""
    refused = LoginFailed("wrong user name or password, or the account is locked or disabled")
    try:
        key = name_key(name)
    except NameProblem:
        raise refused from None
    with engine().begin() as conn:
        row = conn.execute(select(users).where(users.c.name_key == key)).first()
        locked = _aware(row.locked_until) if row is not None else None
        usable = row is not None and not row.disabled and row.password_hash is not None
        if row is None or not usable or (locked is not None and locked > _now()):
            _hasher.hash(password)  # the same work as a real check: timing tells no names apart
            ok = False
        else:
            try:
                ok = _hasher.verify(row.password_hash, password)
            except (VerificationError, InvalidHashError):
                ok = False
            failures = 0 if ok else row.failed_logins + 1
            lock = _now() + LOCK_FOR if failures >= LOCK_AFTER else None
            if (failures, lock) != (row.failed_logins, locked):
                conn.execute(
                    update(users)
                    .where(users.c.id == row.id)
                    .values(failed_logins=0 if lock else failures, locked_until=lock)
                )
    # Outside the transaction: the failure count above is committed before the refusal is raised.
    if not ok or row is None:
        raise refused
    return _user(row)


def seen_oidc_user(subject: str, name: str, roles: list[Role], agency: str | None, department: str | None) -> User:
    """Record (or refresh) a user of the identity platform, so assignments and acted_by can name them."""
    clean = _checked_name(name)
    now = _now()
    with engine().begin() as conn:
        row = conn.execute(select(users).where(users.c.subject == subject)).first()
        values = {
            "name": clean,
            "name_key": clean.casefold(),
            "roles": [r.value for r in roles],
            "agency": agency,
            "department": department,
            "updated_at": now,
        }
        if row is None:
            conn.execute(
                insert(users).values(
                    id="o-" + secrets.token_hex(6),
                    subject=subject,
                    source="oidc",
                    password_hash=None,
                    disabled=False,
                    failed_logins=0,
                    locked_until=None,
                    created_at=now,
                    **values,
                )
            )
        elif row.roles != values["roles"] or row.name != clean or row.department != department:
            conn.execute(update(users).where(users.c.id == row.id).values(**values))
        found = conn.execute(select(users).where(users.c.subject == subject)).one()
    return _user(found)
