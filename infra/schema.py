"""The case store's schema: every table, and the migrations that bring any store up to date.

A migration, once released, never changes; a later one that alters a table checks the live schema
first, since a fresh store is created from the current table definitions. Every process that writes
brings the store up to date on its first connection, in one transaction (SQLite ``BEGIN IMMEDIATE``,
PostgreSQL an advisory lock), so workers and commands started together never race.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    Date,
    DateTime,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.exc import DBAPIError, IntegrityError

metadata = MetaData()

counters = Table(
    "case_counters",
    metadata,
    Column("agency_code", String(16), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("last_seq", Integer, nullable=False),
)

case_numbers = Table(
    "case_numbers",
    metadata,
    Column("case_id", String(40), primary_key=True),
    Column("agency_code", String(16), nullable=False),
    Column("year", Integer, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("agency", String(100), nullable=False),
    Column("external_ref", String(100), nullable=False),
    Column("intake_run_id", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("applicant_month_rank", Integer, nullable=True),
    Column("status", String(10), nullable=False, server_default="started"),
    Column("void_reason", String(500), nullable=True),
    Column("voided_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("agency", "external_ref", name="uq_case_numbers_ref"),
    UniqueConstraint("agency_code", "year", "seq", name="uq_case_numbers_seq"),
)

applicant_months = Table(
    "applicant_months",
    metadata,
    Column("agency_code", String(16), primary_key=True),
    Column("month", String(7), primary_key=True),
    Column("applicant_key", String(64), primary_key=True),
    Column("requests", Integer, nullable=False),
)
"""Applications per applicant (a keyed pseudonym, never the identity) per agency and calendar month."""

applicant_requests = Table(
    "applicant_requests",
    metadata,
    Column("case_id", String(40), primary_key=True),
    Column("agency_code", String(16), nullable=False),
    Column("applicant_key", String(64), nullable=False),
    Column("content_key", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_applicant_requests_same", "agency_code", "applicant_key", "content_key"),
)
"""What each applicant asked for (keyed pseudonyms): finds an application repeating an earlier one."""

NUMBER_STATUSES = ("allocated", "started", "void")
"""A tracking number is allocated, then its case started; one whose intake failed is void with the reason."""

cases = Table(
    "cases",
    metadata,
    Column("case_id", String(40), primary_key=True),
    Column("agency", String(100), nullable=False),
    Column("agency_code", String(16), nullable=False),
    Column("applicant_kind", String(40), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("received", Date, nullable=True),
    Column("registered_at", DateTime(timezone=True), nullable=False),
    Column("due", Date, nullable=True),
    Column("stage", String(30), nullable=False),
    Column("status", String(10), nullable=False),
    Column("outcome", String(30), nullable=True),
    Column("reasons", JSON, nullable=False),
    Column("report_row", String(30), nullable=True),
    Column("closed_at", DateTime(timezone=True), nullable=True),
    Column("overdue", Boolean, nullable=False),
    Column("extended", Boolean, nullable=False),
    Column("revision", Integer, nullable=False),
    Column("archived_at", DateTime(timezone=True), nullable=False),
    Column("clock_paused", Boolean, nullable=False, server_default="0"),
    Column("attention", String(500), nullable=True),
    Column("assignee", String(64), nullable=True),
    Column("department", String(100), nullable=True),
    Column("proposed_by_id", String(80), nullable=True),
    Column("applicant_masked", String(40), nullable=True),
    Column("subject", String(120), nullable=True),
    Column("replied_on", Date, nullable=True),
    Column("late", Boolean, nullable=True),
    Column("pending_department", String(100), nullable=True),
    Column("pending_request", String(20), nullable=True),
    Column("awaiting_delivery", Integer, nullable=False, server_default="0"),
    Column("reply_served_on", Date, nullable=True),
    Index("ix_cases_agency", "agency"),
    Index("ix_cases_closed_at", "closed_at"),
    Index("ix_cases_open_due", "status", "due", "case_id"),
    Index("ix_cases_stage_due", "stage", "due", "case_id"),
    Index("ix_cases_overdue", "overdue", "status"),
)
"""The case archive and read model: one row per case (``domain.read_model.CaseRow``), upserted by case id
at every change. The report reads its counting facts; listings and queues read the rest (the applicant's
name only masked, the request's first words)."""

remedies = Table(
    "remedies",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(40), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("result", String(20), nullable=False),
    Column("decided", Date, nullable=True),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("recorded_by", String(64), nullable=True),
    Index("ix_remedies_case", "case_id", "kind"),
)
"""Reconsideration and lawsuit results (table 四), append-only: the latest per case and kind counts."""

installation_keys = Table(
    "installation_keys",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)
"""Fingerprints of the keys the stored pseudonyms were made with: every worker must use the same."""

users = Table(
    "users",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("name", String(64), nullable=False),
    Column("name_key", String(64), nullable=False, unique=True),
    Column("display_name", String(100), nullable=True),
    Column("roles", JSON, nullable=False),
    Column("agency", String(100), nullable=True),
    Column("department", String(100), nullable=True),
    Column("password_hash", String(200), nullable=True),
    Column("disabled", Boolean, nullable=False),
    Column("failed_logins", Integer, nullable=False),
    Column("locked_until", DateTime(timezone=True), nullable=True),
    Column("source", String(10), nullable=False),
    Column("subject", String(200), nullable=True, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
"""Users: local accounts (password: argon2id) and users seen from the identity platform (``subject``)."""

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("actor_id", String(80), nullable=True),
    Column("actor", String(64), nullable=True),
    Column("case_id", String(40), nullable=True),
    Column("action", String(64), nullable=True),
    Column("detail", Text, nullable=False),
    Column("entry_key", String(120), nullable=True, unique=True),
    Column("key_id", String(20), nullable=False),
    Column("prev", String(64), nullable=False),
    Column("mac", String(64), nullable=False),
    Index("ix_audit_case", "case_id", "seq"),
    Index("ix_audit_kind_at", "kind", "at"),
)
"""The tamper-evident audit log: each entry's MAC covers its content and the previous entry's MAC."""

notifications = Table(
    "notifications",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("case_id", String(40), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("recipient", String(64), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("detail", Text, nullable=False),
    Column("status", String(10), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("claimed_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    Index("ix_notifications_case", "case_id"),
)
"""The once-per-key ledger of notifications, shared by every worker: ``sending`` until the sink took it."""

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("kind", String(12), nullable=False),
    Column("user_id", String(40), nullable=True),
    Column("via", String(10), nullable=True),
    Column("csrf", String(64), nullable=False),
    Column("data", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Index("ix_web_sessions_user", "user_id"),
    Index("ix_web_sessions_expires", "expires_at"),
)
"""Console sessions, server side: the cookie carries a random id, the store only its SHA-256, so a copy of
the store opens no session. ``kind`` is ``session`` (signed in) or ``login`` (an OIDC sign-in under way)."""

document_counters = Table(
    "document_counters",
    metadata,
    Column("agency_code", String(16), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("last_seq", Integer, nullable=False),
)
"""The last document number (文号) sequence per agency and year: gap-free, one transaction per number."""

documents = Table(
    "documents",
    metadata,
    Column("case_id", String(40), primary_key=True),
    Column("kind", String(40), primary_key=True),
    Column("doc_key", String(80), primary_key=True),
    Column("agency_code", String(16), nullable=False),
    Column("year", Integer, nullable=True),
    Column("seq", Integer, nullable=True),
    Column("number", String(120), nullable=True),
    Column("issued_on", Date, nullable=True),
    Column("delivery", String(20), nullable=True),
    Column("files", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("issued_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("agency_code", "year", "seq", name="uq_documents_seq"),
    Index("ix_documents_issued", "agency_code", "issued_on"),
)
"""Every document a case issued or was given a number for: (case, kind, key) is one document, so a retried
activity gets its number back; ``files`` (path and sha256 of each rendition) once it is issued."""

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)

_CASE_FIELDS = [c.name for c in cases.columns if c.name != "archived_at"]


def _m1_tracking_numbers(conn: Connection) -> None:
    # Stores made before versioning already have these tables: checkfirst adopts them.
    counters.create(conn, checkfirst=True)
    case_numbers.create(conn, checkfirst=True)


def _m2_case_archive(conn: Connection) -> None:
    cases.create(conn, checkfirst=True)
    remedies.create(conn, checkfirst=True)


def _m3_applicant_pseudonyms(conn: Connection) -> None:
    applicant_months.create(conn, checkfirst=True)
    applicant_requests.create(conn, checkfirst=True)
    if "applicant_month_rank" not in {c["name"] for c in inspect(conn).get_columns("case_numbers")}:
        conn.execute(text("ALTER TABLE case_numbers ADD COLUMN applicant_month_rank INTEGER"))


def _m4_key_fingerprints(conn: Connection) -> None:
    installation_keys.create(conn, checkfirst=True)


def _m5_remedy_recorder(conn: Connection) -> None:
    remedies.create(conn, checkfirst=True)  # a store whose version 2 was hand-made may lack it
    if "recorded_by" not in {c["name"] for c in inspect(conn).get_columns("remedies")}:
        conn.execute(text("ALTER TABLE remedies ADD COLUMN recorded_by VARCHAR(64)"))


def _m6_identities_audit_read_model(conn: Connection) -> None:
    users.create(conn, checkfirst=True)
    audit_log.create(conn, checkfirst=True)
    cases.create(conn, checkfirst=True)  # a store whose version 2 was hand-made may lack it
    _add_columns(conn, case_numbers, ("status", "void_reason", "voided_at"))
    _add_columns(
        conn,
        cases,
        ("clock_paused", "attention", "assignee", "department", "proposed_by_id", "applicant_masked", "subject"),
    )
    for index in cases.indexes:
        index.create(conn, checkfirst=True)


def _m9_documents(conn: Connection) -> None:
    document_counters.create(conn, checkfirst=True)
    documents.create(conn, checkfirst=True)


def _add_columns(conn: Connection, table: Table, names: tuple[str, ...]) -> None:
    """Add the named columns of ``table`` that the live table lacks (as the current definition has them)."""
    have = {c["name"] for c in inspect(conn).get_columns(table.name)}
    for name in names:
        if name in have:
            continue
        column = table.c[name]
        kind = column.type.compile(dialect=conn.dialect)
        default = ""
        if column.server_default is not None:
            value = column.server_default.arg  # type: ignore[attr-defined]
            if isinstance(column.type, Boolean):
                value = "true" if value == "1" else "false"
                default = f" NOT NULL DEFAULT {value}"
            else:
                default = f" NOT NULL DEFAULT '{value}'"
        conn.execute(text(f"ALTER TABLE {table.name} ADD COLUMN {name} {kind}{default}"))


def _m7_notification_ledger(conn: Connection) -> None:
    notifications.create(conn, checkfirst=True)


def _m8_effective_dates_and_routing(conn: Connection) -> None:
    _add_columns(conn, cases, ("replied_on", "late", "pending_department", "pending_request"))


def _m10_deliveries(conn: Connection) -> None:
    _add_columns(conn, cases, ("awaiting_delivery", "reply_served_on"))


def _m11_web_sessions(conn: Connection) -> None:
    web_sessions.create(conn, checkfirst=True)


MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "tracking numbers", _m1_tracking_numbers),
    (2, "case archive and remedies", _m2_case_archive),
    (3, "applicant pseudonyms: applications per month, repeated content", _m3_applicant_pseudonyms),
    (4, "fingerprints of the pseudonym key", _m4_key_fingerprints),
    (5, "who recorded each remedy result", _m5_remedy_recorder),
    (6, "users, the audit log, void numbers, the read model's listing columns", _m6_identities_audit_read_model),
    (7, "the notification ledger, shared by every worker", _m7_notification_ledger),
    (8, "reply dates and verdicts, transfers and requests in the read model", _m8_effective_dates_and_routing),
    (9, "document numbers (文号) and issued documents", _m9_documents),
    (10, "documents awaiting delivery and the reply's day of service in the read model", _m10_deliveries),
    (11, "console sessions, server side", _m11_web_sessions),
]
"""Every schema change, in order; append only."""

SCHEMA_VERSION = MIGRATIONS[-1][0]


def migrate(eng: Engine) -> int:
    """Apply the migrations the store lacks, in one transaction; the store's version afterwards."""
    last: Exception | None = None
    for _ in range(5):
        try:
            with eng.begin() as conn:
                if conn.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(7240153)"))  # serialise concurrent migrators
                schema_version.create(conn, checkfirst=True)
                done = set(conn.execute(select(schema_version.c.version)).scalars())
                for version, name, step in MIGRATIONS:
                    if version in done:
                        continue
                    step(conn)
                    conn.execute(insert(schema_version).values(version=version, name=name, applied_at=_now()))
                return max(done | {v for v, _, _ in MIGRATIONS})
        except (IntegrityError, DBAPIError) as exc:
            last = exc  # another process migrated at the same moment, or the store was busy: try again
    msg = f"could not bring the store at {eng.url!r} to schema version {SCHEMA_VERSION}: {last}"
    raise RuntimeError(msg) from last


def stored_version(eng: Engine) -> int | None:
    """The schema version a store is at; None for a database ogi never set up."""
    with eng.connect() as conn:
        if not inspect(conn).has_table(schema_version.name):
            return None
        found = conn.execute(select(schema_version.c.version).order_by(schema_version.c.version.desc())).first()
    return int(found[0]) if found else None


def _now() -> datetime:
    return datetime.now(UTC)
