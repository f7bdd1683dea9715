"""The durable case store (SQLAlchemy): tracking-number allocation, the case archive and remedies.

SQLite under ``OGI_HOME`` by default; PostgreSQL in production by ``OGI_DATABASE_URL``
(``postgresql://`` means psycopg 3, the ``ogi[postgres]`` extra). Allocation is one transaction,
so numbers are unique and gap-free. The tables and their migrations are ``infra.schema``'s: processes
that write (the worker, ``ogi serve``, ``ogi setup``/``ogi migrate``) bring the store up to date on
first connection; read-only commands use ``read_engine``, which refuses a store that does not exist
or is behind, instead of creating or migrating one.
"""

from __future__ import annotations

import functools
import hashlib
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, NoSuchModuleError

from domain.report import CaseRecord, RemedyKind, RemedyRecord, RemedyResult
from infra.paths import database_url
from infra.schema import (
    SCHEMA_VERSION,
    applicant_months,
    applicant_requests,
    case_numbers,
    cases,
    counters,
    installation_keys,
    migrate,
    remedies,
    stored_version,
)

_lock = threading.Lock()


def _now() -> datetime:
    return datetime.now(UTC)


_engines: dict[str, Engine] = {}
_readers: dict[str, Engine] = {}
"""Each store's engine as readers use it (``read_engine``): the same pool, transactions that only read."""
_engines_lock = threading.Lock()
_READS = "ogi_reads"
"""Execution option of ``read_engine``'s connections: their transactions begin without the write lock."""


class StoreUnavailable(RuntimeError):
    """``OGI_DATABASE_URL`` cannot be used as given: not a URL, or no driver for its database."""


def store_url(raw: str) -> URL:
    """The SQLAlchemy URL a ``OGI_DATABASE_URL`` value means; ``postgresql://`` takes psycopg 3."""
    try:
        url = make_url(raw)
    except ArgumentError:
        # The value itself is not repeated: it may hold a password.
        msg = (
            "OGI_DATABASE_URL is not a database URL: use sqlite:////absolute/path/ogi.sqlite "
            "or postgresql://USER:PASSWORD@HOST:5432/DATABASE"
        )
        raise StoreUnavailable(msg) from None
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def store_label(raw: str) -> str:
    """The store's URL for messages, password masked."""
    try:
        return store_url(raw).render_as_string(hide_password=True)
    except StoreUnavailable:
        return "OGI_DATABASE_URL (not a URL)"


class StoreMissing(StoreUnavailable):
    """A read-only command was pointed at a store that does not exist or is behind this ogi's schema."""


def _connect(raw: str, *, create: bool) -> Engine:
    url = store_url(raw)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            path = Path(url.database)
            if not path.exists():
                if not create:
                    msg = (
                        f"no case store at {path}: ogi keeps its data in OGI_HOME ({path.parent}); run the command "
                        "where 'make run' keeps it, set OGI_HOME to the folder holding ogi.sqlite (or "
                        "OGI_DATABASE_URL to the store), or set it up with 'ogi setup'"
                    )
                    raise StoreMissing(msg)
                path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                # Private from the start: SQLite gives its WAL and journal files the database's mode.
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        eng = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(eng, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            # WAL lets readers run beside the writer; the writer lock is taken at BEGIN IMMEDIATE.
            dbapi_conn.isolation_level = None
            dbapi_conn.execute("PRAGMA journal_mode=WAL")

        @event.listens_for(eng, "begin")
        def _begin(conn):  # type: ignore[no-untyped-def]
            # A reader (``read_engine``) begins deferred: under WAL it reads its snapshot beside a writer
            # instead of queueing for the write lock behind every writer of every process.
            conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(_READS) else "BEGIN IMMEDIATE")

        return eng
    try:
        return create_engine(url, pool_pre_ping=True)
    except (NoSuchModuleError, ImportError) as exc:
        shipped = url.drivername == "postgresql+psycopg"
        remedy = (
            "install ogi with its postgres extra: pip install 'ogi[postgres]'"
            if shipped
            else f"install the driver '{url.drivername}' names, or write postgresql:// to use psycopg (ogi[postgres])"
        )
        msg = f"no driver for the store at {url.render_as_string(hide_password=True)} ({exc}); {remedy}"
        raise StoreUnavailable(msg) from exc


def engine() -> Engine:
    """The engine of a process that writes: the store created and migrated on first use in this process."""
    url = database_url()
    with _engines_lock:
        if url not in _engines:
            eng = _connect(url, create=True)
            migrate(eng)
            _engines[url] = eng
        return _engines[url]


def read_engine() -> Engine:
    """The engine to read with: never creates or migrates; a missing or older store is ``StoreMissing``.

    Its transactions are for reading only: on SQLite they begin without taking the write lock, so a
    read answers from the last commit beside a writer instead of queueing behind it.
    """
    url = database_url()
    with _engines_lock:
        if url not in _readers:
            _readers[url] = _reader_of(url)
        return _readers[url]


def _reader_of(url: str) -> Engine:
    """The reading view of the process's engine of ``url``, connected without creating the store.

    The caller holds ``_engines_lock``. A store connected here first is checked to be at this schema version.
    """
    if url in _engines:
        return _engines[url].execution_options(**{_READS: True})
    eng = _connect(url, create=False)
    reader = eng.execution_options(**{_READS: True})
    version = stored_version(reader)
    if version is None or version < SCHEMA_VERSION:
        eng.dispose()
        where = store_label(url)
        msg = (
            f"the case store at {where} has not been set up; run 'ogi setup' (or start 'make run')"
            if version is None
            else f"the case store at {where} is at schema version {version}, this ogi needs {SCHEMA_VERSION}: "
            "run 'ogi migrate' (or restart the worker, which migrates it)"
        )
        raise StoreMissing(msg)
    _engines[url] = eng
    return reader


def reset_engines() -> None:
    """Close every engine of this process, as a restart would (tests; after changing ``OGI_DATABASE_URL``)."""
    with _engines_lock:
        for eng in _engines.values():
            eng.dispose()
        _engines.clear()
        _readers.clear()
        _claimed.clear()


def holds_pseudonyms() -> bool:
    """Whether applications were already counted under some applicant key (or a key was recorded)."""
    with engine().connect() as conn:
        counted = conn.execute(select(applicant_months.c.month).limit(1)).first()
        recorded = conn.execute(select(installation_keys.c.name).limit(1)).first()
    return counted is not None or recorded is not None


class KeyMismatch(RuntimeError):
    """This process holds another key than the one the store's pseudonyms were made with."""


_claimed: set[tuple[str, str, str]] = set()


def claim_key(name: str, fingerprint: str) -> None:
    """Record the key's fingerprint on first use; refuse a different key afterwards (once checked, cached)."""
    url = database_url()
    if (url, name, fingerprint) in _claimed:
        return
    for _ in range(5):
        try:
            with engine().begin() as conn:
                stored = conn.execute(
                    select(installation_keys.c.fingerprint).where(installation_keys.c.name == name)
                ).scalar_one_or_none()
                if stored is None:
                    conn.execute(
                        insert(installation_keys).values(name=name, fingerprint=fingerprint, recorded_at=_now())
                    )
                elif stored != fingerprint:
                    msg = (
                        f"this worker's {name} key (fingerprint {fingerprint}) is not the one the case store at "
                        f"{store_label(url)} was made with (fingerprint {stored}); give every worker the same key: "
                        "the same OGI_APPLICANT_KEY, or a copy of applicant.key from a worker that registered "
                        "earlier applications"
                    )
                    raise KeyMismatch(msg)
            _claimed.add((url, name, fingerprint))
            return
        except IntegrityError:
            continue  # another worker recorded its key at the same moment: compare with it
    msg = f"could not record the {name} key's fingerprint in the case store (store contention)"
    raise RuntimeError(msg)


@dataclass(frozen=True)
class Allocation:
    """A tracking number, or the existing case when the external reference was seen before."""

    case_id: str
    duplicate: bool
    applicant_month_rank: int | None = 1
    """The application's place among its applicant's at the agency in its calendar month (1 = first);
    None when intake had no applicant to count (or the case predates counting)."""
    same_content_as: tuple[str, ...] = ()
    """Earlier cases of the same applicant at the agency asking for the same content, oldest first."""
    status: str = "started"
    """``allocated`` until its case is known to be started (then ``started``)."""


@dataclass(frozen=True)
class ApplicantMark:
    """How intake recognises an application's applicant and content again: pseudonyms, never the text."""

    month: str
    """``YYYY-MM`` of receipt (or registration, while receipt is unconfirmed)."""
    applicant_key: str
    content_key: str


def format_case_id(agency_code: str, year: int, seq: int) -> str:
    """A readable tracking number: agency code, year, six-digit sequence (e.g. ``LAMZ-2026-000042``)."""
    return f"{agency_code}-{year}-{seq:06d}"


def _count_request(conn: Connection, agency_code: str, mark: ApplicantMark) -> int:
    """Add one application to the applicant's month at the agency; its place in that month."""
    where = (
        (applicant_months.c.agency_code == agency_code)
        & (applicant_months.c.month == mark.month)
        & (applicant_months.c.applicant_key == mark.applicant_key)
    )
    bumped = conn.execute(update(applicant_months).where(where).values(requests=applicant_months.c.requests + 1))
    if bumped.rowcount == 0:
        row = {"agency_code": agency_code, "month": mark.month, "applicant_key": mark.applicant_key, "requests": 1}
        conn.execute(insert(applicant_months).values(**row))
    rank: int = conn.execute(select(applicant_months.c.requests).where(where)).scalar_one()
    return rank


def _same_content(conn: Connection, agency_code: str, mark: ApplicantMark, case_id: str) -> tuple[str, ...]:
    """The applicant's cases at the agency with the same content registered before ``case_id``."""
    t = applicant_requests
    own = select(t.c.created_at).where(t.c.case_id == case_id).scalar_subquery()
    query = (
        select(t.c.case_id)
        .where(
            t.c.agency_code == agency_code,
            t.c.applicant_key == mark.applicant_key,
            t.c.content_key == mark.content_key,
            t.c.case_id != case_id,
            (t.c.created_at < own) | own.is_(None),
        )
        .order_by(t.c.created_at, t.c.case_id)
    )
    return tuple(conn.execute(query).scalars())


@dataclass(frozen=True)
class NumberRequest:
    """What allocating one tracking number needs (see ``allocate_case_number``)."""

    agency: str
    agency_code: str
    year: int
    external_ref: str
    intake_run_id: str
    applicant: ApplicantMark | None = None
    status: str = "started"


def allocate_case_number(
    agency: str,
    agency_code: str,
    year: int,
    external_ref: str,
    intake_run_id: str,
    applicant: ApplicantMark | None = None,
    status: str = "started",
) -> Allocation:
    """The next gap-free number for the agency and year, idempotent for one intake run.

    A retry of the same intake run gets its number back; another run with the same external
    reference learns the existing case instead of a new number. With ``applicant`` the application
    is also counted in its applicant's month, once, and matched against their earlier requests.
    ``status`` is ``allocated`` when the caller starts the case itself and reports it (``mark_started``).
    """
    request = NumberRequest(agency, agency_code, year, external_ref, intake_run_id, applicant, status)
    return allocate_case_numbers([request])[0]


def allocate_case_numbers(requests: list[NumberRequest]) -> list[Allocation]:
    """``allocate_case_number`` for many applications in one transaction, in order (an import's batch)."""
    for _ in range(20):
        try:
            with _lock, engine().begin() as conn:
                return [_allocate(conn, request) for request in requests]
        except IntegrityError:
            continue  # a concurrent intake took the number or the reference first: read again
    msg = "could not allocate a tracking number after 20 attempts (store contention)"
    raise RuntimeError(msg)


def _allocate(conn: Connection, r: NumberRequest) -> Allocation:
    applicant, agency_code, year = r.applicant, r.agency_code, r.year
    row = conn.execute(
        select(
            case_numbers.c.case_id,
            case_numbers.c.intake_run_id,
            case_numbers.c.applicant_month_rank,
            case_numbers.c.status,
        ).where(case_numbers.c.agency == r.agency, case_numbers.c.external_ref == r.external_ref)
    ).first()
    if row is not None:
        return Allocation(
            case_id=row.case_id,
            duplicate=row.intake_run_id != r.intake_run_id,
            applicant_month_rank=row.applicant_month_rank,
            same_content_as=_same_content(conn, agency_code, applicant, row.case_id) if applicant else (),
            status=row.status,
        )
    bumped = conn.execute(
        update(counters)
        .where(counters.c.agency_code == agency_code, counters.c.year == year)
        .values(last_seq=counters.c.last_seq + 1)
    )
    if bumped.rowcount == 0:
        conn.execute(insert(counters).values(agency_code=agency_code, year=year, last_seq=1))
    seq = conn.execute(
        select(counters.c.last_seq).where(counters.c.agency_code == agency_code, counters.c.year == year)
    ).scalar_one()
    case_id = format_case_id(agency_code, year, seq)
    rank: int | None = None
    same: tuple[str, ...] = ()
    if applicant is not None:
        rank = _count_request(conn, agency_code, applicant)
        same = _same_content(conn, agency_code, applicant, case_id)
        conn.execute(
            insert(applicant_requests).values(
                case_id=case_id,
                agency_code=agency_code,
                applicant_key=applicant.applicant_key,
                content_key=applicant.content_key,
                created_at=datetime.now(UTC),
            )
        )
    conn.execute(
        insert(case_numbers).values(
            case_id=case_id,
            agency_code=agency_code,
            year=year,
            seq=seq,
            agency=r.agency,
            external_ref=r.external_ref,
            intake_run_id=r.intake_run_id,
            created_at=datetime.now(UTC),
            applicant_month_rank=rank,
            status=r.status,
        )
    )
    return Allocation(
        case_id=case_id, duplicate=False, applicant_month_rank=rank, same_content_as=same, status=r.status
    )


def mark_started(*case_ids: str) -> None:
    """Record that the cases of allocated numbers are started (idempotent), in one transaction."""
    if not case_ids:
        return
    with engine().begin() as conn:
        conn.execute(
            update(case_numbers)
            .where(case_numbers.c.case_id.in_(case_ids), case_numbers.c.status == "allocated")
            .values(status="started")
        )


IMPORT_RUN_PREFIX = "import:"
"""The ``intake_run_id`` of a number an import allocated (``ogi import``): a run of the import finishes it."""


def import_run_id(agency: str, external_ref: str) -> str:
    """The registration id of an imported case: the same for every run of the import, so a re-run finds its numbers."""
    digest = hashlib.sha256(f"{agency}\x00{external_ref}".encode()).hexdigest()[:40]
    return IMPORT_RUN_PREFIX + digest


@dataclass(frozen=True)
class RefRecord:
    """The case a (agency, external reference) was registered as, by which registration, and its number's status."""

    case_id: str
    intake_run_id: str
    status: str


def registered_refs(refs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], RefRecord]:
    """The cases already registered under some (agency, external_ref) pairs; none in a store not set up yet."""
    wanted = set(refs)
    if not wanted:
        return {}
    try:
        eng = read_engine()
    except StoreMissing:
        return {}  # nothing registered yet (a store behind the schema is migrated and read by the import itself)
    found: dict[tuple[str, str], RefRecord] = {}
    t = case_numbers
    by_ref = sorted({ref for _, ref in wanted})
    with eng.connect() as conn:
        for start in range(0, len(by_ref), 500):
            chunk = by_ref[start : start + 500]
            query = select(t.c.agency, t.c.external_ref, t.c.case_id, t.c.intake_run_id, t.c.status).where(
                t.c.external_ref.in_(chunk)
            )
            for r in conn.execute(query):
                if (r.agency, r.external_ref) in wanted:
                    found[(r.agency, r.external_ref)] = RefRecord(r.case_id, r.intake_run_id, r.status)
    return found


def void_number(case_id: str, reason: str) -> bool:
    """Void an allocated number whose case was never started, with the reason; False if it was started.

    The number stays in the sequence (no unexplained gap); its external reference is freed, so the
    intake system can submit the application again and get a new number.
    """
    with engine().begin() as conn:
        row = conn.execute(
            select(case_numbers.c.external_ref, case_numbers.c.status).where(case_numbers.c.case_id == case_id)
        ).first()
        if row is None or row.status != "allocated":
            return False
        conn.execute(
            update(case_numbers)
            .where(case_numbers.c.case_id == case_id)
            .values(
                status="void",
                external_ref=f"void:{case_id}",
                void_reason=f"{reason} (external_ref {row.external_ref})"[:500],
                voided_at=_now(),
            )
        )
    return True


@dataclass(frozen=True)
class NumberRecord:
    """A tracking number's entry: who asked for it, when, and what became of it."""

    case_id: str
    agency: str
    status: str
    created_at: datetime
    void_reason: str | None = None
    voided_at: datetime | None = None
    intake_run_id: str = ""

    @property
    def imported(self) -> bool:
        """Whether an import allocated it (its case may be closed in the archive, without a workflow)."""
        return self.intake_run_id.startswith(IMPORT_RUN_PREFIX)


def numbers(status: str | None = None, older_than: datetime | None = None) -> list[NumberRecord]:
    """Tracking numbers in order, optionally of one status and allocated before ``older_than``."""
    query = select(case_numbers).order_by(case_numbers.c.agency_code, case_numbers.c.year, case_numbers.c.seq)
    if status is not None:
        query = query.where(case_numbers.c.status == status)
    if older_than is not None:
        query = query.where(case_numbers.c.created_at < older_than)
    with read_engine().connect() as conn:
        return [
            NumberRecord(
                case_id=r.case_id,
                agency=r.agency,
                status=r.status,
                created_at=r.created_at,
                void_reason=r.void_reason,
                voided_at=r.voided_at,
                intake_run_id=r.intake_run_id,
            )
            for r in conn.execute(query)
        ]


# -- the case archive --

_CASE_FIELDS = [c.name for c in cases.columns if c.name != "archived_at"]


def _case_row(record: CaseRecord) -> dict[str, object]:
    row: dict[str, object] = record.model_dump(mode="python")
    for key in ("applicant_kind", "channel", "stage"):
        row[key] = str(row[key])
    row["archived_at"] = _now()
    return row


def upsert_case_record(record: CaseRecord) -> bool:
    """Insert or replace the case's archive row; False (nothing written) when the stored revision is newer."""
    return upsert_case_records([record])[0]


def upsert_case_records(records: list[CaseRecord]) -> list[bool]:
    """``upsert_case_record`` for many distinct cases in one transaction (an import's batch), 100 per statement."""
    with engine().begin() as conn:
        return upsert_case_records_on(conn, records)


def upsert_case_records_on(conn: Connection, records: list[CaseRecord]) -> list[bool]:
    """``upsert_case_records`` inside a transaction the caller holds (the archive writes its audit entries in it)."""
    if conn.dialect.name not in ("sqlite", "postgresql"):
        return [_upsert_portably(conn, record) for record in records]
    written: set[str] = set()
    for start in range(0, len(records), 100):
        rows = [_case_row(r) for r in records[start : start + 100]]
        # One statement, built once, for every batch: one case's row at every action, or an import's 100.
        statement = _upsert_statement(conn.dialect.name, tuple(rows[0]))
        written.update(conn.execute(statement, rows).scalars())
    return [r.case_id in written for r in records]


@functools.cache
def _upsert_statement(dialect: str, columns: tuple[str, ...]) -> Any:
    """INSERT … ON CONFLICT DO UPDATE of the rows bound to it, newer revisions only; RETURNING the ids written.

    RETURNING, not rowcount: psycopg reports -1 for an upsert; a skipped update returns no row.
    """
    ins = sqlite.insert(cases) if dialect == "sqlite" else postgresql.insert(cases)
    return ins.on_conflict_do_update(
        index_elements=[cases.c.case_id],
        set_={k: ins.excluded[k] for k in columns if k != "case_id"},
        where=cases.c.revision <= ins.excluded.revision,
    ).returning(cases.c.case_id)


def _upsert_portably(conn: Connection, record: CaseRecord) -> bool:
    row = _case_row(record)
    changes = {k: v for k, v in row.items() if k != "case_id"}
    updated = conn.execute(
        update(cases).where(cases.c.case_id == record.case_id, cases.c.revision <= record.revision).values(**changes)
    )
    if updated.rowcount:
        return True
    if conn.execute(select(cases.c.case_id).where(cases.c.case_id == record.case_id)).first() is not None:
        return False
    conn.execute(insert(cases).values(**row))
    return True


def case_records(agency: str | None = None) -> list[CaseRecord]:
    """Every archived record, or one agency's (by name or code), in case-id order."""
    query = select(*(cases.c[name] for name in _CASE_FIELDS)).order_by(cases.c.case_id)
    if agency is not None:
        query = query.where((cases.c.agency == agency) | (cases.c.agency_code == agency))
    with read_engine().connect() as conn:
        return [CaseRecord.model_validate(dict(r._mapping)) for r in conn.execute(query)]


def archived_agencies() -> list[tuple[str, str]]:
    """The agencies (name, code) with at least one archived case, by name."""
    query = select(cases.c.agency, cases.c.agency_code).distinct().order_by(cases.c.agency)
    with read_engine().connect() as conn:
        return [(r.agency, r.agency_code) for r in conn.execute(query)]


def case_record(case_id: str) -> CaseRecord | None:
    """One archived record, if the case is in the archive."""
    query = select(*(cases.c[name] for name in _CASE_FIELDS)).where(cases.c.case_id == case_id)
    with read_engine().connect() as conn:
        row = conn.execute(query).first()
    return CaseRecord.model_validate(dict(row._mapping)) if row is not None else None


# -- remedies --


def record_remedy(
    case_id: str, kind: RemedyKind, result: RemedyResult, decided: date | None, by: str | None = None
) -> RemedyRecord:
    """Append a remedy result for a case (the latest per case and kind is the one table 四 counts)."""
    at = _now()
    row = {
        "case_id": case_id,
        "kind": kind.value,
        "result": result.value,
        "decided": decided,
        "recorded_at": at,
        "recorded_by": by,
    }
    with engine().begin() as conn:
        seq = conn.execute(insert(remedies).values(**row).returning(remedies.c.id)).scalar_one()
    return RemedyRecord(
        case_id=case_id, kind=kind, result=result, decided=decided, recorded_at=at, seq=seq, recorded_by=by
    )


def remedy_records(case_ids: Iterable[str] | None = None) -> list[RemedyRecord]:
    """Every recorded remedy result, or those of the given cases, in the order recorded."""
    query = select(remedies).order_by(remedies.c.id)
    with read_engine().connect() as conn:
        rows = list(conn.execute(query))
    wanted = set(case_ids) if case_ids is not None else None
    return [
        RemedyRecord(
            case_id=r.case_id,
            kind=RemedyKind(r.kind),
            result=RemedyResult(r.result),
            decided=r.decided,
            recorded_at=r.recorded_at,
            seq=r.id,
            recorded_by=r.recorded_by,
        )
        for r in rows
        if wanted is None or r.case_id in wanted
    ]
