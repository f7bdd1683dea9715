"""The case archive: the record builder, the idempotent ``archive_case`` upsert and the versioned schema."""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy.exc import DBAPIError
from temporalio.client import Client
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment

from activities.archive import ArchiveRequest, archive_case, case_row, record_from_state
from domain.application import Application
from domain.case import CaseInput, CaseState, ClockView, Extension, Stage, new_case
from domain.outcomes import Outcome, Reason
from domain.read_model import CaseRow
from domain.report import CaseRecord
from infra import audit_log, store
from infra.schema import SCHEMA_VERSION, migrate
from tests.store_support import sql_rows, sql_run, table_names

DATA = Path(__file__).parent / "data"
REGISTERED = datetime(2025, 3, 3, 1, 30, tzinfo=UTC)


def application_data() -> dict[str, object]:
    """The intake contract's example application, as a dict."""
    data: dict[str, object] = json.loads((DATA / "application.json").read_text("utf-8"))
    return data


def a_case(**changes: object) -> CaseState:
    """A freshly registered case built from the example application, with changes to its state."""
    inp = CaseInput(
        case_id="LAMZ-2025-000001", agency_code="LAMZ", application=Application.model_validate(application_data())
    )
    state = new_case(inp, REGISTERED)
    return state.model_copy(update=changes)


def closed(outcome: Outcome, reasons: list[Reason]) -> CaseState:
    """The example case closed with an outcome."""
    return a_case(stage=Stage.CLOSED, outcome=outcome, reasons=reasons, closed_at=datetime(2025, 3, 20, 8, tzinfo=UTC))


class TestRecordFromState:
    def test_open_case_record(self) -> None:
        """A registered case's record has its ids, kind, channel, dates and no outcome yet."""
        record = record_from_state(a_case())
        assert (record.case_id, record.agency, record.agency_code) == ("LAMZ-2025-000001", "六安市民政局", "LAMZ")
        assert (record.applicant_kind.value, record.channel.value) == ("natural_person", "online")
        assert record.received == date(2026, 11, 20)
        assert record.registered_at == REGISTERED
        assert (record.stage, record.status, record.outcome, record.report_row) == (Stage.REVIEW, "open", None, None)
        assert record.revision == 1

    @pytest.mark.parametrize(
        ("outcome", "reasons", "special", "row"),
        [
            (Outcome.ALREADY_PUBLIC, [], "other_3", "disclosed"),
            (Outcome.DISCLOSED, [], "other_3", "disclosed"),
            (Outcome.PARTLY_DISCLOSED, [Reason.PERSONAL_PRIVACY], "other_3", "partly_disclosed"),
            (Outcome.NOT_DISCLOSED, [Reason.STATE_SECRET], "other_3", "not_disclosed_1"),
            (Outcome.NOT_DISCLOSED, [Reason.TRADE_SECRET], "other_3", "not_disclosed_4"),
            (Outcome.CANNOT_PROVIDE, [Reason.NEEDS_CREATION], "other_3", "cannot_provide_2"),
            (Outcome.NOT_HANDLED, [Reason.CONFIRM_OR_REISSUE], "other_3", "not_handled_5"),
            (Outcome.OTHER, [Reason.FEE_NOT_PAID], "other_3", "other_2"),
            (Outcome.OTHER, [Reason.SPECIAL_REGIME], "not_disclosed_2", "not_disclosed_2"),
            (Outcome.WITHDRAWN, [], "other_3", "other_3"),
        ],
    )
    def test_closed_case_gets_its_report_row(
        self, outcome: Outcome, reasons: list[Reason], special: str, row: str
    ) -> None:
        """A closed case's record carries the one report row its outcome and first reason count in."""
        record = record_from_state(closed(outcome, reasons), special)
        assert record.report_row == row
        assert record.outcome == outcome.value
        assert record.status == "closed"
        assert record.closed_at == datetime(2025, 3, 20, 8, tzinfo=UTC)

    def test_outcome_without_needed_reason_gets_no_row(self) -> None:
        """A refusal closed without its reason code gets no row (the report names it) instead of failing."""
        assert record_from_state(closed(Outcome.NOT_DISCLOSED, [])).report_row is None

    def test_clock_and_extension_facts(self) -> None:
        """Due date, overdue and extended come from the clock view and the extension."""
        view = ClockView(
            effective_receipt=date(2025, 3, 3),
            due=date(2025, 4, 1),
            deadline_at=datetime(2025, 4, 1, 16, tzinfo=UTC),
            used=3,
            left=17,
            paused=False,
            calendar_version="test",
        )
        ext = Extension(by="head", reason="complex", days=20, on=date(2025, 3, 20))
        record = record_from_state(a_case(clock_view=view, overdue=True, extension=ext))
        assert (record.due, record.overdue, record.extended) == (date(2025, 4, 1), True, True)

    def test_registered_at_given_wins(self) -> None:
        """The workflow passes its start time as the registration time."""
        start = datetime(2025, 3, 4, tzinfo=UTC)
        assert record_from_state(a_case(), "other_3", start).registered_at == start

    @pytest.mark.parametrize(
        "personal",
        [
            "张三",
            "34150219800101001X",
            "13800000000",
            "安徽省六安市金安区某路1号",
            "zhangsan@example.com",
            "最低生活保障",
        ],
    )
    def test_record_holds_no_personal_data(self, personal: str) -> None:
        """Name, identity number, phone, address, e-mail and the request text never reach the record."""
        assert personal in json.dumps(application_data(), ensure_ascii=False)
        state = closed(Outcome.NOT_DISCLOSED, [Reason.PERSONAL_PRIVACY])
        assert personal not in record_from_state(state).model_dump_json()

    def test_record_fields_are_the_archive_columns(self) -> None:
        """The record has exactly the non-personal fields the archive stores."""
        assert set(CaseRecord.model_fields) == {
            "case_id", "agency", "agency_code", "applicant_kind", "channel", "received", "registered_at", "due",
            "stage", "status", "outcome", "reasons", "report_row", "closed_at", "overdue", "extended", "revision",
            "replied_on", "late",
        }  # fmt: skip


def archived(record: CaseRecord, *events_of: CaseState) -> ArchiveRequest:
    """What the workflow hands the archive activity for a record (with a case's events for the audit log)."""
    events = events_of[0].events if events_of else []
    return ArchiveRequest(row=CaseRow(**record.model_dump()), events=events)


class TestArchiveCase:
    def test_upsert_is_idempotent(self, store_url: str) -> None:
        """Archiving the same record twice (a retry) leaves one row."""
        record = record_from_state(a_case())
        env = ActivityEnvironment()
        assert env.run(archive_case, archived(record)) is True
        assert env.run(archive_case, archived(record)) is True
        assert sql_rows(store_url, "SELECT case_id, stage FROM cases") == [("LAMZ-2025-000001", "review")]

    def test_later_stage_updates_the_row(self, store_url: str) -> None:
        """Archiving at close replaces the open record: still one row, now closed with its row."""
        env = ActivityEnvironment()
        env.run(archive_case, archived(record_from_state(a_case())))
        later = closed(Outcome.CANNOT_PROVIDE, [Reason.NOT_HELD])
        later.events.append(later.events[0].model_copy(update={"action": "replied"}))
        env.run(archive_case, archived(record_from_state(later)))
        assert sql_rows(store_url, "SELECT stage, status, report_row, revision FROM cases") == [
            ("closed", "closed", "cannot_provide_1", 2)
        ]

    def test_older_revision_never_replaces_a_newer_one(self, store_url: str) -> None:
        """A stale write (an old attempt finishing late) is ignored and reported as such."""
        env = ActivityEnvironment()
        newer = record_from_state(a_case()).model_copy(update={"revision": 5, "stage": Stage.SECRECY_REVIEW})
        assert env.run(archive_case, archived(newer)) is True
        assert env.run(archive_case, archived(record_from_state(a_case()))) is False
        assert sql_rows(store_url, "SELECT stage, revision FROM cases") == [("secrecy_review", 5)]

    def test_a_batch_writes_each_row_unless_a_newer_one_is_stored(self, store_url: str) -> None:
        """An import's batch (more than one statement's 100 rows): each row written, a stored newer one kept."""
        base = record_from_state(a_case())
        batch = [base.model_copy(update={"case_id": f"LAMZ-2025-{i:06d}", "revision": 2}) for i in range(1, 151)]
        newer = batch[120].model_copy(update={"revision": 9, "stage": Stage.SECRECY_REVIEW})
        assert store.upsert_case_records([newer]) == [True]
        written = store.upsert_case_records(batch)
        assert written == [i != 120 for i in range(150)]
        assert sql_rows(store_url, "SELECT COUNT(*), MAX(revision) FROM cases") == [(150, 9)]
        assert store.case_record(newer.case_id) == newer

    def test_archive_survives_a_restart(self, store_url: str) -> None:
        """After the engine is disposed (a restart), a new engine on the same file reads the record back."""
        record = record_from_state(closed(Outcome.DISCLOSED, []))
        ActivityEnvironment().run(archive_case, archived(record))
        store.reset_engines()
        assert store.case_records() == [record]
        assert store.case_record(record.case_id) == record
        assert store.case_record("nope") is None

    def test_events_enter_the_audit_log_once(self, store_url: str) -> None:
        """The case's events go to the audit log keyed by position: a retried archive adds none twice."""
        state = a_case()
        env = ActivityEnvironment()
        env.run(archive_case, archived(record_from_state(state), state))
        env.run(archive_case, archived(record_from_state(state), state))
        logged = audit_log.entries(case_id=state.id)
        assert [(e.kind, e.action, e.entry_key) for e in logged] == [("case_event", "registered", f"{state.id}:0")]
        assert audit_log.verify().ok

    def test_row_is_never_written_without_its_audit_entries(self, store_url: str) -> None:
        """The row and the events' entries share one transaction: when the entries cannot be written, neither is the row."""
        store.engine()
        if store_url.startswith("sqlite"):
            sql_run(
                store_url, "CREATE TRIGGER refuse BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
        else:
            sql_run(
                store_url,
                "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$ LANGUAGE plpgsql",
                "CREATE TRIGGER refuse BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse()",
            )
        state = a_case()
        with pytest.raises((RuntimeError, DBAPIError)):
            ActivityEnvironment().run(archive_case, archived(record_from_state(state), state))
        assert sql_rows(store_url, "SELECT case_id FROM cases") == []
        sql_run(store_url, "DROP TRIGGER refuse" + ("" if store_url.startswith("sqlite") else " ON audit_log"))
        assert ActivityEnvironment().run(archive_case, archived(record_from_state(state), state)) is True
        assert sql_rows(store_url, "SELECT case_id FROM cases") == [(state.id,)]
        assert [e.entry_key for e in audit_log.entries(case_id=state.id)] == [f"{state.id}:0"]

    def test_read_model_row_masks_the_applicant(self, store_url: str) -> None:
        """The listing row shows the applicant masked and the request's first words, never the ID number."""
        state = a_case()
        application = Application.model_validate(application_data())
        row = case_row(state, application, "other_3", REGISTERED)
        assert row.applicant_masked == application.applicant.name[0] + "*" * min(len(application.applicant.name) - 1, 3)
        assert row.subject and application.description.startswith(row.subject.rstrip("…"))
        ActivityEnvironment().run(archive_case, ArchiveRequest(row=row))
        assert sql_rows(store_url, "SELECT applicant_masked, subject FROM cases") == [
            (row.applicant_masked, row.subject)
        ]
        assert application.applicant.id_number not in json.dumps(
            sql_rows(store_url, "SELECT * FROM cases"), default=str
        )

    def test_records_filtered_by_agency_name_or_code(self, store_url: str) -> None:
        """case_records() filters by agency name or code."""
        ActivityEnvironment().run(archive_case, archived(record_from_state(a_case())))
        assert len(store.case_records("六安市民政局")) == len(store.case_records("LAMZ")) == 1
        assert store.case_records("OTHER") == []


class TestMigrations:
    def test_fresh_store_is_at_the_latest_version_once(self, store_url: str) -> None:
        """A fresh store gets every migration once; a restart applies none again."""
        store.engine()
        store.reset_engines()
        assert migrate(store.engine()) == SCHEMA_VERSION
        versions = sql_rows(store_url, "SELECT version FROM schema_version ORDER BY version")
        assert [r[0] for r in versions] == list(range(1, SCHEMA_VERSION + 1))

    def test_store_from_before_versioning_is_adopted(self, store_url: str) -> None:
        """A store made by the unversioned code keeps its tracking numbers and gains the archive tables."""
        sql_run(
            store_url,
            "CREATE TABLE case_counters (agency_code VARCHAR(16), year INTEGER, last_seq INTEGER NOT NULL, "
            "PRIMARY KEY (agency_code, year))",
            "INSERT INTO case_counters VALUES ('LAMZ', 2025, 41)",
        )
        allocation = store.allocate_case_number("六安市民政局", "LAMZ", 2025, "ref-1", "run-1")
        assert allocation.case_id == "LAMZ-2025-000042"
        assert {"case_counters", "case_numbers", "cases", "remedies", "schema_version"} <= table_names(store_url)


def _temporal_binary() -> str | None:
    here = Path(sys.executable).parent / "temporal"
    return str(here) if here.exists() else shutil.which("temporal")


@pytest_asyncio.fixture(scope="module")
async def dev_client() -> AsyncIterator[Client]:
    """A dev server with the case search attributes, and a client with ogi's data converter."""
    from infra.connection import data_converter
    from workflows.search_attributes import ALL_KEYS

    async with await WorkflowEnvironment.start_local(
        data_converter=data_converter(), search_attributes=ALL_KEYS, dev_server_existing_path=_temporal_binary()
    ) as env:
        yield env.client


@pytest.mark.e2e
class TestArchiveFromTheWorkflow:
    async def test_case_is_archived_open_then_closed_once(
        self, dev_client: Client, store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A running case is in the archive; after withdrawal its one row is closed with row (六) 3."""
        from tests.workflow_support import case_worker, start_case

        monkeypatch.setenv("OGI_HOME", str(tmp_path))
        store.engine()  # the worker process sets the store up when it starts
        async with case_worker(dev_client) as queue:
            handle = await start_case(dev_client, queue, date.today())
            for _ in range(100):
                if store.case_record(handle.id) is not None:
                    break
                await asyncio.sleep(0.1)
            opened = store.case_record(handle.id)
            assert opened is not None
            assert (opened.status, opened.report_row) == ("open", None)
            await handle.execute_update("withdraw", {"by": "clerk"})
            await handle.result()
        archived = store.case_records()
        assert [r.case_id for r in archived] == [handle.id]
        assert (archived[0].status, archived[0].outcome, archived[0].report_row) == ("closed", "withdrawn", "other_3")
        assert archived[0].closed_at is not None
