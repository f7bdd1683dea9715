"""The audit log in the case store: every action, refusal, personal-data read and administrative change.

Entries are chained: each one's MAC covers its own content and the previous entry's MAC, under the
installation's audit key (HMAC-SHA256, or HMAC-SM3 with the SM suite). Deleting, editing or reordering
an entry breaks the chain from there on, and without the key the chain cannot be recomputed to hide
it; ``ogi audit verify`` walks it. The log lives beside the case archive, so it outlasts Temporal's
retention; nothing edits it, and entries are appended under one lock so the chain stays a line.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection, func, insert, select, text
from sqlalchemy.exc import IntegrityError

from infra.crypto import mac
from infra.schema import audit_log
from infra.signing_keys import KeySet, load_private
from infra.store import engine, read_engine

GENESIS = "0" * 64
"""The ``prev`` of the first entry."""


class AuditEntry(BaseModel):
    """One entry of the audit log."""

    seq: int
    at: datetime
    kind: str
    """e.g. ``action``, ``action_refused``, ``personal_data_read``, ``user_added``, ``login_failed``."""
    actor_id: str | None = None
    actor: str | None = None
    case_id: str | None = None
    action: str | None = None
    detail: dict[str, Any] = {}
    entry_key: str | None = None
    key_id: str
    prev: str
    mac: str


class ChainReport(BaseModel):
    """What ``verify`` found: the entries checked, and the first that breaks the chain, if any."""

    entries: int
    ok: bool
    broken_at: int | None = None
    reason: str | None = None


def _content(seq: int, at: datetime, kind: str, fields: dict[str, Any], detail: str) -> bytes:
    body = {"seq": seq, "at": at.astimezone(UTC).isoformat(), "kind": kind, **fields, "detail": detail}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _mac(keys: KeySet, kid: str, prev: str, content: bytes) -> str:
    key = keys.get(kid)
    if key is None:
        msg = f"audit key {kid} is not in the audit key file"
        raise KeyError(msg)
    return mac(key.alg, base64.b64decode(key.private or ""), prev.encode() + content).hex()


def _lock(conn: Connection) -> None:
    # SQLite's BEGIN IMMEDIATE already holds the only write lock; PostgreSQL needs one for the chain.
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(7240154)"))


def append(
    kind: str,
    *,
    actor_id: str | None = None,
    actor: str | None = None,
    case_id: str | None = None,
    action: str | None = None,
    detail: dict[str, Any] | None = None,
    entry_key: str | None = None,
) -> int | None:
    """Append one entry; its sequence number, or None when ``entry_key`` is already in the log (a retry)."""
    return append_many([(kind, actor_id, actor, case_id, action, detail or {}, entry_key)])[0]


Pending = tuple[str, str | None, str | None, str | None, str | None, dict[str, Any], str | None]
"""kind, actor_id, actor, case_id, action, detail, entry_key."""


def append_many(entries: list[Pending], *, alongside: Callable[[Connection], object] | None = None) -> list[int | None]:
    """Append entries in order in one transaction; a ``None`` for each whose ``entry_key`` is there already.

    ``alongside(conn)`` writes in the same transaction, before the entries (the archive's row of the case):
    one commit for both, and the row is never written without its entries. It runs again on a retry.
    """
    keys = load_private("audit")
    kid = keys.active
    out: list[int | None] = []
    for _ in range(5):
        try:
            with engine().begin() as conn:
                if entries:
                    _lock(conn)  # taken before the row is written, as every appender takes it first
                if alongside is not None:
                    alongside(conn)
                if not entries:
                    return []  # the row alone: the chain is not touched, so its lock is not needed
                last = conn.execute(
                    select(audit_log.c.seq, audit_log.c.mac).order_by(audit_log.c.seq.desc()).limit(1)
                ).first()
                seq, prev = (last.seq, last.mac) if last is not None else (0, GENESIS)
                wanted = [e[6] for e in entries if e[6] is not None]
                have = (
                    set(conn.execute(select(audit_log.c.entry_key).where(audit_log.c.entry_key.in_(wanted))).scalars())
                    if wanted
                    else set()
                )
                out = []
                rows: list[dict[str, Any]] = []
                for kind, actor_id, actor, case_id, action, detail, entry_key in entries:
                    if entry_key is not None and entry_key in have:
                        out.append(None)
                        continue
                    seq += 1
                    at = datetime.now(UTC)
                    text_detail = json.dumps(detail, sort_keys=True, ensure_ascii=False, default=str)
                    fields = {
                        "actor_id": actor_id,
                        "actor": actor,
                        "case_id": case_id,
                        "action": action,
                        "entry_key": entry_key,
                    }
                    digest = _mac(keys, kid, prev, _content(seq, at, kind, fields, text_detail))
                    rows.append(
                        {"seq": seq, "at": at, "kind": kind, "detail": text_detail, "key_id": kid, "prev": prev}
                        | {"mac": digest, **fields}
                    )
                    prev = digest
                    out.append(seq)
                    if entry_key is not None:
                        have.add(entry_key)
                if rows:
                    conn.execute(insert(audit_log), rows)  # one statement for the lot (an import's batch)
            return out
        except IntegrityError:
            continue  # another writer took the sequence number first: read the chain's end again
    msg = "could not append to the audit log after 5 attempts (store contention)"
    raise RuntimeError(msg)


def _entry(row: Any) -> AuditEntry:
    at = row.at if row.at.tzinfo is not None else row.at.replace(tzinfo=UTC)
    return AuditEntry(
        seq=row.seq,
        at=at,
        kind=row.kind,
        actor_id=row.actor_id,
        actor=row.actor,
        case_id=row.case_id,
        action=row.action,
        detail=json.loads(row.detail),
        entry_key=row.entry_key,
        key_id=row.key_id,
        prev=row.prev,
        mac=row.mac,
    )


def entries(
    *,
    case_id: str | None = None,
    kinds: list[str] | None = None,
    after: int = 0,
    limit: int | None = None,
) -> list[AuditEntry]:
    """Entries in order, optionally of one case and of some kinds, after sequence number ``after``."""
    query = select(audit_log).where(audit_log.c.seq > after).order_by(audit_log.c.seq)
    if case_id is not None:
        query = query.where(audit_log.c.case_id == case_id)
    if kinds:
        query = query.where(audit_log.c.kind.in_(kinds))
    if limit is not None:
        query = query.limit(limit)
    with read_engine().connect() as conn:
        return [_entry(r) for r in conn.execute(query)]


def count(kind: str | None = None) -> int:
    """How many entries the log holds (of one kind)."""
    query = select(func.count()).select_from(audit_log)
    if kind is not None:
        query = query.where(audit_log.c.kind == kind)
    with read_engine().connect() as conn:
        return int(conn.execute(query).scalar_one())


def _walk(batch: int = 1000) -> Iterator[AuditEntry]:
    after = 0
    while True:
        chunk = entries(after=after, limit=batch)
        yield from chunk
        if len(chunk) < batch:
            return
        after = chunk[-1].seq


def verify() -> ChainReport:
    """Walk the whole chain: every entry's MAC, its link to the one before, no gap in the numbering."""
    keys = load_private("audit", create=False)
    prev, expected, checked = GENESIS, 1, 0
    for entry in _walk():
        checked += 1
        if entry.seq != expected:
            return ChainReport(entries=checked, ok=False, broken_at=expected, reason=f"entry {expected} is missing")
        if entry.prev != prev:
            return ChainReport(
                entries=checked, ok=False, broken_at=entry.seq, reason="does not follow the entry before it"
            )
        fields = {
            "actor_id": entry.actor_id,
            "actor": entry.actor,
            "case_id": entry.case_id,
            "action": entry.action,
            "entry_key": entry.entry_key,
        }
        detail = json.dumps(entry.detail, sort_keys=True, ensure_ascii=False, default=str)
        try:
            digest = _mac(keys, entry.key_id, prev, _content(entry.seq, entry.at, entry.kind, fields, detail))
        except KeyError as exc:
            return ChainReport(entries=checked, ok=False, broken_at=entry.seq, reason=str(exc))
        if digest != entry.mac:
            return ChainReport(entries=checked, ok=False, broken_at=entry.seq, reason="its content was changed")
        prev, expected = entry.mac, entry.seq + 1
    return ChainReport(entries=checked, ok=True)
