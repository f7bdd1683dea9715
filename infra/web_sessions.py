"""Console sessions in the case store: a random id in the cookie, its SHA-256 in the table, idle and absolute ends.

Server-side on purpose: signing out, disabling a user or an idle timeout ends a session at once for
every ``ogi serve`` sharing the store, which a self-contained signed cookie could not do.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update

from infra.schema import web_sessions
from infra.store import engine, read_engine

TOUCH_EVERY = timedelta(seconds=30)
"""``last_seen`` is written at most this often: a page load is a read, not a write, most of the time."""


@dataclass(frozen=True)
class SessionRecord:
    """A live session (or an OIDC sign-in under way) as stored."""

    kind: str
    user_id: str | None
    via: str | None
    csrf: str
    data: dict[str, Any]
    created_at: datetime
    last_seen: datetime


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _aware(when: datetime) -> datetime:
    # SQLite returns naive datetimes for timezone-aware columns; they were written in UTC.
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when


def create(
    kind: str, *, user_id: str | None, via: str | None, data: dict[str, Any], lifetime: timedelta
) -> tuple[str, SessionRecord]:
    """A new session: the raw id for the cookie (never stored) and the record."""
    raw = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    record = SessionRecord(kind, user_id, via, secrets.token_urlsafe(32), data, now, now)
    with engine().begin() as conn:
        conn.execute(
            insert(web_sessions).values(
                id_hash=_hash(raw),
                kind=kind,
                user_id=user_id,
                via=via,
                csrf=record.csrf,
                data=data,
                created_at=now,
                last_seen=now,
                expires_at=now + lifetime,
            )
        )
    return raw, record


def resume(raw: str, kind: str, idle: timedelta) -> SessionRecord | None:
    """The session of a cookie, if it is of ``kind``, not past its end and not idle too long; it is touched."""
    key = _hash(raw)
    now = datetime.now(UTC)
    with read_engine().connect() as conn:
        row = conn.execute(select(web_sessions).where(web_sessions.c.id_hash == key)).first()
    if row is None or row.kind != kind:
        return None
    last_seen = _aware(row.last_seen)
    if now >= _aware(row.expires_at) or now - last_seen >= idle:
        end(raw)
        return None
    if now - last_seen >= TOUCH_EVERY:
        with engine().begin() as conn:
            conn.execute(update(web_sessions).where(web_sessions.c.id_hash == key).values(last_seen=now))
        last_seen = now
    return SessionRecord(
        row.kind, row.user_id, row.via, row.csrf, dict(row.data or {}), _aware(row.created_at), last_seen
    )


def end(raw: str) -> None:
    """Forget a session (sign-out, or a finished OIDC sign-in)."""
    with engine().begin() as conn:
        conn.execute(delete(web_sessions).where(web_sessions.c.id_hash == _hash(raw)))


def end_all_of(user_id: str) -> int:
    """End every session of a user (e.g. after their account is disabled); how many there were."""
    with engine().begin() as conn:
        return int(conn.execute(delete(web_sessions).where(web_sessions.c.user_id == user_id)).rowcount or 0)


def purge(now: datetime | None = None) -> int:
    """Delete sessions past their absolute end; how many."""
    when = now or datetime.now(UTC)
    with engine().begin() as conn:
        return int(conn.execute(delete(web_sessions).where(web_sessions.c.expires_at <= when)).rowcount or 0)
