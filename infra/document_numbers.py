"""Document numbers (文号) and the register of issued documents, in the case store.

Numbers run per agency and year without gaps: each is taken in one transaction with the document it
belongs to, identified by (case, kind, key), so a retried activity gets its number back and a number
once given is never given again. The register then records the date and files of each issued document,
so a later reply can name an earlier reply's 文号 and date (Art 36(6)).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import UTC, date, datetime

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Row, insert, select, update
from sqlalchemy.exc import IntegrityError

from domain.config import format_document_number
from infra.schema import document_counters, documents
from infra.store import engine, read_engine

_lock = threading.Lock()


class StoredFile(BaseModel):
    """One rendition of a document on disk."""

    format: str
    """``pdf`` or ``docx``."""
    path: str
    sha256: str


class IssuedDocument(BaseModel):
    """A document in the register: its number (if its kind has one), date of issue and files."""

    case_id: str
    kind: str
    key: str
    agency_code: str
    number: str | None = None
    year: int | None = None
    seq: int | None = None
    issued_on: date | None = None
    """None while the number is allocated but the document not yet issued."""
    delivery: str | None = None
    files: list[StoredFile] = []
    new: bool = False
    """True when this call allocated the number (False: a retry got its number back)."""


def _issued(row: Row[tuple[object, ...]], *, new: bool = False) -> IssuedDocument:
    m = row._mapping
    return IssuedDocument(
        case_id=m["case_id"],
        kind=m["kind"],
        key=m["doc_key"],
        agency_code=m["agency_code"],
        number=m["number"],
        year=m["year"],
        seq=m["seq"],
        issued_on=m["issued_on"],
        delivery=m["delivery"],
        files=[StoredFile.model_validate(f) for f in m["files"] or []],
        new=new,
    )


def _where(case_id: str, kind: str, key: str) -> ColumnElement[bool]:
    return (documents.c.case_id == case_id) & (documents.c.kind == kind) & (documents.c.doc_key == key)


def allocate_document_number(
    case_id: str,
    kind: str,
    key: str,
    *,
    agency_code: str,
    year: int,
    pattern: str,
    short: str,
) -> IssuedDocument:
    """The document's number: the next of the agency's ``year`` the first time, the same one on every retry.

    ``key`` tells apart documents of one kind in one case (e.g. each consultation letter); ``pattern`` is the
    agency's (``{short}依申请〔{year}〕{seq}号``).
    """
    for _ in range(20):
        try:
            with _lock, engine().begin() as conn:
                row = conn.execute(select(documents).where(_where(case_id, kind, key))).first()
                if row is not None and row.number is not None:
                    return _issued(row)
                bumped = conn.execute(
                    update(document_counters)
                    .where(document_counters.c.agency_code == agency_code, document_counters.c.year == year)
                    .values(last_seq=document_counters.c.last_seq + 1)
                )
                if bumped.rowcount == 0:
                    conn.execute(insert(document_counters).values(agency_code=agency_code, year=year, last_seq=1))
                seq = conn.execute(
                    select(document_counters.c.last_seq).where(
                        document_counters.c.agency_code == agency_code, document_counters.c.year == year
                    )
                ).scalar_one()
                number = format_document_number(pattern, short=short, code=agency_code, year=year, seq=seq)
                values = {"agency_code": agency_code, "year": year, "seq": seq, "number": number}
                if row is None:
                    conn.execute(
                        insert(documents).values(
                            case_id=case_id, kind=kind, doc_key=key, files=[], created_at=datetime.now(UTC), **values
                        )
                    )
                else:  # registered without a number before (an unnumbered kind made numbered later)
                    conn.execute(update(documents).where(_where(case_id, kind, key)).values(**values))
                stored = conn.execute(select(documents).where(_where(case_id, kind, key))).one()
                return _issued(stored, new=True)
        except IntegrityError:
            continue  # a concurrent retry of the same document, or another number at once: read again
    msg = f"could not allocate a document number for {case_id} {kind} {key} (store contention)"
    raise RuntimeError(msg)


def record_issued(
    case_id: str,
    kind: str,
    key: str,
    *,
    agency_code: str,
    issued_on: date,
    files: Iterable[StoredFile],
    delivery: str | None = None,
) -> IssuedDocument:
    """Enter a document as issued on ``issued_on`` with its files (its number, if any, allocated before)."""
    stored = [f.model_dump() for f in files]
    values = {"issued_on": issued_on, "files": stored, "delivery": delivery, "issued_at": datetime.now(UTC)}
    for _ in range(5):
        try:
            with _lock, engine().begin() as conn:
                done = conn.execute(update(documents).where(_where(case_id, kind, key)).values(**values))
                if done.rowcount == 0:
                    conn.execute(
                        insert(documents).values(
                            case_id=case_id,
                            kind=kind,
                            doc_key=key,
                            agency_code=agency_code,
                            created_at=datetime.now(UTC),
                            **values,
                        )
                    )
                row = conn.execute(select(documents).where(_where(case_id, kind, key))).one()
                return _issued(row)
        except IntegrityError:
            continue
    msg = f"could not record {case_id} {kind} {key} as issued (store contention)"
    raise RuntimeError(msg)


def issued_documents(case_id: str) -> list[IssuedDocument]:
    """Every document of a case in the register, numbered ones by number, in the order they were made."""
    query = select(documents).where(documents.c.case_id == case_id).order_by(documents.c.created_at, documents.c.seq)
    with read_engine().connect() as conn:
        return [_issued(r) for r in conn.execute(query)]


def latest_reply(case_ids: Iterable[str]) -> IssuedDocument | None:
    """The last issued reply among these cases (the earlier reply a repeated request names, Art 36(6))."""
    ids = list(case_ids)
    if not ids:
        return None
    query = (
        select(documents)
        .where(documents.c.case_id.in_(ids), documents.c.kind == "reply", documents.c.issued_on.is_not(None))
        .order_by(documents.c.issued_on.desc(), documents.c.seq.desc())
        .limit(1)
    )
    with read_engine().connect() as conn:
        row = conn.execute(query).first()
    return _issued(row) if row is not None else None


def issued_on_day(agency_code: str, day: date, delivery: str | None = None) -> list[IssuedDocument]:
    """The agency's documents issued on ``day`` (by ``delivery`` when given), by number then case."""
    query = select(documents).where(documents.c.agency_code == agency_code, documents.c.issued_on == day)
    if delivery is not None:
        query = query.where(documents.c.delivery == delivery)
    query = query.order_by(
        documents.c.seq.asc().nulls_last(), documents.c.case_id, documents.c.kind, documents.c.doc_key
    )
    with read_engine().connect() as conn:
        return [_issued(r) for r in conn.execute(query)]
