"""The case store on SQLite and on a real PostgreSQL: same numbers, same archive, same errors.

Processes, not threads, race here: within one process allocation is serialised by a lock, so only
separate processes exercise the database's own locking and the retry on a lost insert.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select, update

from domain.application import ApplicantKind, Channel
from domain.case import Stage
from domain.report import CaseRecord, RemedyKind, RemedyResult, build_report
from infra import store
from infra.schema import case_numbers
from infra.store import StoreUnavailable, store_label, store_url
from tests.store_support import sql_rows


def _allocate_many(url: str, worker: int, count: int) -> list[str]:
    os.environ["OGI_DATABASE_URL"] = url
    store.reset_engines()
    return _allocate(worker, count)


def _allocate(worker: int, count: int) -> list[str]:
    mark = store.ApplicantMark(month="2026-03", applicant_key="same-person", content_key=f"c{worker}")
    return [
        store.allocate_case_number("局", "RACE", 2026, f"w{worker}-{n}", f"run-{worker}-{n}", applicant=mark).case_id
        for n in range(count)
    ]


def _migrate_fresh(url: str) -> int:
    os.environ["OGI_DATABASE_URL"] = url
    store.reset_engines()
    return store.migrate(store.engine())


def _processes(n: int) -> ProcessPoolExecutor:
    # spawn: a fork would inherit the parent's engine and its open connections.
    return ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("spawn"))


class TestConcurrentProcesses:
    def test_four_processes_allocate_gap_free_numbers(self, store_url: str) -> None:
        """4 processes x 15 registrations at once: numbers 1..60, none twice; the applicant's ranks 1..60."""
        with _processes(4) as pool:
            ids = [i for batch in pool.map(_allocate_many, [store_url] * 4, range(4), [15] * 4) for i in batch]
        assert sorted(ids) == [store.format_case_id("RACE", 2026, n) for n in range(1, 61)]
        ranks = sql_rows(store_url, "SELECT applicant_month_rank FROM case_numbers ORDER BY applicant_month_rank")
        assert [r[0] for r in ranks] == list(range(1, 61))
        assert sql_rows(store_url, "SELECT requests FROM applicant_months") == [(60,)]

    def test_processes_starting_together_migrate_once(self, store_url: str) -> None:
        """Workers and CLI commands opening a fresh store at once: every one sees the latest schema, applied once."""
        with _processes(4) as pool:
            versions = list(pool.map(_migrate_fresh, [store_url] * 4))
        assert versions == [store.SCHEMA_VERSION] * 4
        applied = sql_rows(store_url, "SELECT version FROM schema_version ORDER BY version")
        assert [r[0] for r in applied] == list(range(1, store.SCHEMA_VERSION + 1))

    def test_threads_of_one_worker_share_the_engine(self, store_url: str) -> None:
        """The worker's activity threads: 8 threads x 10 registrations, gap-free."""
        with ThreadPoolExecutor(max_workers=8) as pool:
            ids = [case_id for batch in pool.map(_allocate, range(8), [10] * 8) for case_id in batch]
        assert sorted(ids) == [store.format_case_id("RACE", 2026, n) for n in range(1, 81)]

    def test_a_read_does_not_queue_behind_an_open_write(self, store_url: str) -> None:
        """While a write transaction is open, a read (a token's user, a listing) answers from the last commit.

        On SQLite a read once began as a writer does (BEGIN IMMEDIATE), so every API request queued for
        the write lock behind the registrations and archive writes of every process.
        """
        (case_id,) = _allocate(0, 1)
        seen: list[str] = []
        read_done = threading.Event()

        def read() -> None:
            with store.read_engine().connect() as conn:
                seen.append(conn.execute(select(case_numbers.c.status)).scalar_one())
            read_done.set()

        reader = threading.Thread(target=read)
        with store.engine().begin() as conn:
            conn.execute(update(case_numbers).where(case_numbers.c.case_id == case_id).values(status="voided"))
            reader.start()
            finished_while_open = read_done.wait(10)
        reader.join()
        assert finished_while_open, "the read waited for the write transaction to end"
        assert seen == ["started"]
        assert sql_rows(store_url, "SELECT status FROM case_numbers") == [("voided",)]


def _record(case_id: str, **changes: object) -> CaseRecord:
    base = CaseRecord(
        case_id=case_id,
        agency="六安市民政局",
        agency_code="LAMZ",
        applicant_kind=ApplicantKind.NATURAL_PERSON,
        channel=Channel.ONLINE,
        received=date(2025, 3, 3),
        registered_at=datetime(2025, 3, 3, 1, 30, tzinfo=UTC),
        due=date(2025, 3, 24),
        stage=Stage.CLOSED,
        status="closed",
        outcome="disclosed",
        reasons=[],
        report_row="disclosed",
        closed_at=datetime(2025, 3, 20, 8, 15, 30, tzinfo=UTC),
        overdue=False,
        extended=False,
        revision=4,
    )
    return base.model_copy(update=changes)


class TestRoundTrip:
    def test_records_read_back_equal_with_utc_times(self, store_url: str) -> None:
        """What is archived reads back equal, times in UTC to the second, on either database."""
        records = [
            _record("LAMZ-2025-000001"),
            _record(
                "LAMZ-2025-000002",
                stage=Stage.REVIEW,
                status="open",
                outcome=None,
                report_row=None,
                closed_at=None,
                due=None,
                reasons=[],
            ),
            _record("LAMZ-2025-000003", outcome="cannot_provide", reasons=["not_held"], report_row="cannot_provide_1"),
        ]
        for record in records:
            assert store.upsert_case_record(record) is True
        store.reset_engines()
        back = store.case_records()
        assert back == records
        assert all(r.registered_at.tzinfo is not None for r in back)

    def test_remedies_and_the_report_from_the_store(self, store_url: str) -> None:
        """Remedy results are kept in order; the report built from the store equals the one built from memory."""
        records = [_record(f"LAMZ-2025-00000{n}") for n in range(1, 4)]
        for record in records:
            store.upsert_case_record(record)
        store.record_remedy(records[0].case_id, RemedyKind.RECONSIDERATION, RemedyResult.PENDING, None)
        store.record_remedy(records[0].case_id, RemedyKind.RECONSIDERATION, RemedyResult.MAINTAINED, date(2025, 6, 1))
        store.record_remedy(records[1].case_id, RemedyKind.LAWSUIT, RemedyResult.CORRECTED, date(2025, 9, 1))
        kept = store.remedy_records()
        assert [(r.case_id[-1], r.result) for r in kept] == [
            ("1", RemedyResult.PENDING),
            ("1", RemedyResult.MAINTAINED),
            ("2", RemedyResult.CORRECTED),
        ]
        assert [r.seq for r in kept] == sorted(r.seq for r in kept)
        assert store.remedy_records([records[1].case_id]) == kept[2:]
        from_store = build_report(store.case_records(), 2025, None, kept)
        in_memory = build_report(records, 2025, None, kept)
        assert from_store == in_memory
        from_store.check()


class TestStoreUrl:
    def test_postgresql_means_psycopg(self) -> None:
        """A plain postgresql:// (or postgres://) URL takes psycopg 3, the driver ogi installs."""
        assert store_url("postgresql://ogi:pw@db:5432/ogi").drivername == "postgresql+psycopg"
        assert store_url("postgres://ogi@db/ogi").drivername == "postgresql+psycopg"
        assert store_url("postgresql+psycopg://ogi@db/ogi").drivername == "postgresql+psycopg"
        assert store_url("sqlite:////srv/ogi/ogi.sqlite").drivername == "sqlite"

    def test_not_a_url_says_what_to_write_without_echoing_it(self) -> None:
        """A value that is no URL is refused with both accepted forms; the value (maybe a password) is not repeated."""
        with pytest.raises(StoreUnavailable) as caught:
            store_url("s3cret-password-typed-in-the-wrong-variable")
        message = str(caught.value)
        assert "s3cret" not in message
        assert "sqlite:////" in message
        assert "postgresql://" in message
        assert store_label("s3cret-password") == "OGI_DATABASE_URL (not a URL)"

    def test_label_masks_the_password(self) -> None:
        """Messages name the store without its password."""
        label = store_label("postgresql://ogi:hunter2@db.internal:5432/ogi")
        assert "hunter2" not in label
        assert "db.internal:5432/ogi" in label

    def test_missing_driver_names_the_extra_to_install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A driver that is not installed is one message naming the package to install, password masked."""
        monkeypatch.setenv("OGI_DATABASE_URL", "postgresql+pg8000://ogi:hunter2@127.0.0.1:1/ogi")
        store.reset_engines()
        with pytest.raises(StoreUnavailable) as caught:
            store.engine()
        message = str(caught.value)
        assert "install the driver 'postgresql+pg8000' names" in message
        assert "write postgresql:// to use psycopg (ogi[postgres])" in message
        assert "hunter2" not in message

    def test_unreachable_server_is_an_error_naming_the_store(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Nothing listens: the error names the store (password masked) and the schema version it wanted."""
        from tests.conftest import free_port

        monkeypatch.setenv("OGI_DATABASE_URL", f"postgresql://ogi:hunter2@127.0.0.1:{free_port()}/ogi")
        store.reset_engines()
        with pytest.raises(RuntimeError) as caught:
            store.engine()
        message = str(caught.value)
        assert "hunter2" not in message
        assert f"schema version {store.SCHEMA_VERSION}" in message
