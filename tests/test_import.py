"""``ogi import``: the dry run, an all-or-nothing import into the archive and running workflows, and re-runs.

On the time-skipping server with an in-process worker (``service.temporal.using``); each test has its
own home and store. Dates are relative to today, so the tests mean the same whenever they run.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment
from typer.testing import CliRunner

from cli import main
from domain.calendar import load_calendar
from domain.case import CaseState, Stage
from domain.clock import beijing_date, subtract_working_days
from domain.config import Role, agency_code
from domain.import_sheet import BY_KEY, INSTRUCTIONS_SHEET
from domain.import_template import CASES_SHEET, instructions_grid, template_grid
from domain.report import COLUMNS
from infra import store
from infra.i18n import speaking, translate
from infra.schema import audit_log, case_numbers, cases
from service import imports, intake, reports
from service.actions import perform
from service.errors import BadInput, Forbidden, ServiceError
from service.identities import Principal, claimed
from service.imports import ImportRefused
from service.spreadsheets import read_sheet
from service.temporal import using
from tests.workflow_support import application, case_worker

pytestmark = pytest.mark.usefixtures("english")  # these tests read the English wording (OGI_LANG=en)

ROOT = Path(__file__).resolve().parent.parent
TODAY = beijing_date(datetime.now(UTC))
Y = TODAY.year - 1
"""A past year: every date of it (and of the year before) is behind us whenever the test runs."""
CALENDAR = load_calendar()
CLERK = claimed("clerk")
AGENCY_CODE = agency_code("六安市民政局")


def working_days_ago(n: int) -> date:
    return subtract_working_days(TODAY, n, CALENDAR)


def row(**changes: Any) -> dict[str, Any]:
    """One sheet row by column key: a natural person's case received in person, with changes."""
    base: dict[str, Any] = {
        "agency": "六安市民政局",
        "channel": "当面提交",
        "applicant_kind": "自然人",
        "applicant_name": "张三",
        "address": "安徽省六安市金安区某路1号",
        "description": "申请公开某文件",
    }
    base.update(changes)
    return {BY_KEY[k].header: (v.isoformat() if isinstance(v, date) else v) for k, v in base.items() if v is not None}


def sheet(*rows: dict[str, Any]) -> Any:
    return imports.sheet_of_records(list(rows))


def closed(ref: str, received: date, closed_on: date, outcome: str = "予以公开", **changes: Any) -> dict[str, Any]:
    return row(external_ref=ref, received=received, stage="已办结", outcome=outcome, closed_on=closed_on, **changes)


def open_case(ref: str, received: date, **changes: Any) -> dict[str, Any]:
    return row(external_ref=ref, received=received, stage=changes.pop("stage", "办理中"), **changes)


def counts() -> dict[str, int]:
    """Rows of the tables an import writes to (numbers, archive, audit log)."""
    with store.engine().connect() as conn:
        return {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (case_numbers, cases, audit_log)
        }


@pytest.fixture
async def env(
    time_skipping_env: WorkflowEnvironment, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[WorkflowEnvironment]:
    """The service on the time-skipping server, its cases on an in-process worker."""
    async with case_worker(time_skipping_env.client) as queue:
        monkeypatch.setenv("OGI_TASK_QUEUE", queue)
        with using(time_skipping_env.client):
            yield time_skipping_env


async def workflows(env: WorkflowEnvironment, ids: Iterable[str | None]) -> set[str]:
    """Which of ``ids`` have a workflow (the time-skipping server cannot list them)."""
    found: set[str] = set()
    for case_id in ids:
        try:
            await env.client.get_workflow_handle(case_id or "-").describe()
        except RPCError as exc:
            if exc.status is not RPCStatusCode.NOT_FOUND:
                raise
            continue
        found.add(case_id or "-")
    return found


def candidates(code: str = AGENCY_CODE) -> list[str]:
    """The numbers an import of this test's sheets would take."""
    return [store.format_case_id(code, year, seq) for year in (Y - 1, Y, TODAY.year) for seq in range(1, 11)]


async def state_of(env: WorkflowEnvironment, case_id: str) -> CaseState:
    return await env.client.get_workflow_handle(case_id).query("state", result_type=CaseState)


async def replied(env: WorkflowEnvironment, case_id: str) -> CaseState:
    """The case once its reply is made (it then waits for the reply's day of service, a clerk's record)."""
    for _ in range(600):
        state = await state_of(env, case_id)
        if state.stage is Stage.CLOSED:
            return state
        await asyncio.sleep(0.05)
    msg = f"case {case_id} was not replied"
    raise AssertionError(msg)


class TestDryRun:
    async def test_every_refused_row_is_listed_with_its_line_and_nothing_is_written(self) -> None:
        """Lines 3 and 5 are refused (each cell named), lines 2 and 4 would be imported; the store is untouched."""
        store.engine()  # a store that exists, so "untouched" means something
        before = counts()
        plan = await imports.plan_import(
            CLERK,
            sheet(
                closed("A-1", date(Y, 3, 2), date(Y, 3, 20)),
                {**closed("A-2", date(Y, 3, 2), date(Y, 3, 20), channel="飞鸽"), "收到日期": "昨天"},
                open_case("A-3", date(Y, 11, 2)),
                closed("A-4", date(Y, 3, 2), date(Y, 4, 20), extended_on=date(Y, 4, 15)),
            ),
            "cases.csv",
        )
        assert (plan.dry_run, plan.rows, plan.new, plan.refused_rows) == (True, 4, 2, 2)
        assert [(p.line, p.column) for p in plan.refused] == [(3, "申请渠道"), (3, "收到日期"), (5, "延期日期")]
        assert "has passed" in plan.refused[2].message
        assert [(c.line, c.stage, c.case_id) for c in plan.cases] == [(2, Stage.CLOSED, None), (4, Stage.REVIEW, None)]
        assert plan.cases[1].overdue
        assert counts() == before

    async def test_a_chinese_reader_reads_every_refusal_in_chinese(self) -> None:
        """Each rule (a cell's, the columns' together, the case rules' own) is said in Chinese; so is the 422."""
        refused_sheet = sheet(
            {**closed("Z-1", date(Y, 3, 2), date(Y, 3, 20), channel="飞鸽"), "收到日期": "昨天"},
            closed("Z-2", date(Y, 3, 2), date(Y, 4, 20), extended_on=date(Y, 4, 15)),
            {**closed("Z-3", date(Y, 3, 2), date(Y, 3, 20)), "办理结果": ""},
            closed("Z-2", date(Y, 3, 2), date(Y, 3, 20)),
        )
        with speaking("zh"):
            plan = await imports.plan_import(CLERK, refused_sheet, "cases.csv")
            with pytest.raises(ImportRefused) as info:
                await imports.run_import(CLERK, refused_sheet, "cases.csv")
            detail = translate(info.value.message)
        said = {(p.line, p.column): p.message for p in plan.refused}
        assert said[(2, "申请渠道")].startswith("“飞鸽”不在可选值之列：")
        assert said[(2, "收到日期")] == "“昨天”不是日期：请写成 YYYY-MM-DD（或将单元格设为日期格式）"
        assert "期限" in said[(3, "延期日期")]  # the Art 33 rule's own message, in Chinese
        assert said[(4, "办理结果")] == "办理状态为“已办结”时必须填写"
        assert said[(5, "原编号")] == "与第 3 行是同一机关的同一编号：同一案件只导入一次"
        english = re.compile(r"\b(?!YYYY|MM|DD|ogi|import|FILE|dry|run)[A-Za-z]{3,}\b")
        assert [m for m in said.values() if english.search(m)] == []
        assert detail.startswith("4 行中有 4 行不能导入，因此未导入任何案件：第 2 行，申请渠道：“飞鸽”")
        assert "；第 2 行，收到日期：“昨天”不是日期" in detail
        assert not english.search(detail)

    async def test_the_refusal_counts_the_sheets_rows_in_english(self) -> None:
        """One refused row of two: '1 of 2 rows', and the row's own line and rule after it."""
        refused_sheet = sheet(
            closed("Y-1", date(Y, 3, 2), date(Y, 3, 20)), closed("Y-2", date(Y, 3, 2), date(Y, 3, 20), channel="飞鸽")
        )
        with pytest.raises(ImportRefused) as info:
            await imports.run_import(CLERK, refused_sheet, "cases.csv")
        detail = translate(info.value.message, "en")
        assert detail.startswith("1 of 2 rows cannot be imported, so nothing was imported: line 3, 申请渠道: '飞鸽'")
        assert detail.endswith("fix them (ogi import FILE --dry-run lists them all) and import the file again")

    async def test_a_sheet_with_an_unknown_column_is_refused_on_its_header_line(self) -> None:
        """The header's problem is the file's: line 1, the column, the columns ogi knows."""
        plan = await imports.plan_import(
            CLERK, sheet({**open_case("B-1", date(Y, 3, 2)), "延期日其": "2025-01-02"}), "x"
        )
        assert [(p.line, p.column) for p in plan.refused] == [(1, "延期日其")]

    async def test_importing_needs_intake_and_records(self) -> None:
        """A reviewer may not import: the service refuses it (403) before reading a row."""
        reviewer = Principal(actor=CLERK.actor.model_copy(update={"roles": frozenset({Role.REVIEWER, Role.INTAKE})}))
        with pytest.raises(Forbidden) as info:
            await imports.plan_import(reviewer, sheet(row(external_ref="C-1")), "x")
        assert "records" in str(info.value)


HAND_COUNTED = {
    # columns: natural person, commercial enterprise, research institute, social welfare org, legal service body,
    # other, total
    "new": [5, 2, 1, 1, 1, 0, 10],
    "carried_over": [1, 1, 0, 0, 0, 0, 2],
    "disclosed": [2, 0, 0, 0, 0, 0, 2],
    "partly_disclosed": [0, 1, 0, 0, 0, 0, 1],
    "not_disclosed": [1, 0, 0, 0, 0, 0, 1],
    "not_disclosed_1": [1, 0, 0, 0, 0, 0, 1],
    "cannot_provide": [0, 0, 1, 0, 0, 0, 1],
    "cannot_provide_1": [0, 0, 1, 0, 0, 0, 1],
    "other": [1, 1, 0, 0, 1, 0, 3],
    "other_1": [1, 0, 0, 0, 0, 0, 1],
    "other_3": [0, 1, 0, 0, 1, 0, 2],
    "total": [4, 2, 1, 0, 1, 0, 8],
    "carried_forward": [2, 1, 0, 1, 0, 0, 4],
}
"""Year Y of the sheet below plus two cases registered in ogi afterwards, counted by hand (every other row 0)."""


def mid_year_sheet() -> Any:
    """An agency's register as it takes up ogi: last year's leftovers and this year's first half, closed and open."""
    return sheet(
        closed("R-01", date(Y - 1, 12, 15), date(Y, 1, 9)),  # carried over, disclosed
        open_case("R-02", date(Y - 1, 12, 22), applicant_kind="商业企业", applicant_name="某公司"),  # over, forward
        closed("R-03", date(Y, 3, 2), date(Y, 3, 20), handler="li", secrecy_reviewer="wang"),
        closed(
            "R-04",
            date(Y, 3, 5),
            date(Y, 4, 20),
            "部分公开",
            reasons="商业秘密",
            applicant_kind="企业",
            applicant_name="某公司",
            extended_on=date(Y, 3, 27),
            consulted_on=date(Y, 3, 10),
            consultation_kind="第三方",
            consultation_answered_on=date(Y, 3, 20),
        ),
        closed("R-05", date(Y, 4, 1), date(Y, 4, 24), "不予公开", reasons="属于国家秘密"),
        closed(
            "R-06",
            date(Y, 5, 6),
            date(Y, 5, 20),
            "无法提供",
            reasons="本机关不掌握相关政府信息",
            applicant_kind="科研机构",
        ),
        row(
            external_ref="R-07",
            received=date(Y, 5, 11),
            stage="已办结",
            outcome="其他处理",
            reasons="逾期不补正",
            correction_requested_on=date(Y, 5, 13),
        ),
        closed("R-08", date(Y, 6, 1), date(Y, 6, 10), "申请人撤回", applicant_kind="法律服务机构"),
        open_case("R-09", date(Y, 6, 15), applicant_kind="社会公益组织", handler="li"),
        open_case("R-10", date(Y, 12, 28)),
    )


class TestMidYearImport:
    async def test_the_years_report_equals_the_hand_counted_table(self, env: WorkflowEnvironment) -> None:
        """Imported cases (closed in the archive, open running) and cases registered since: one whole year."""
        answer = await imports.run_import(CLERK, mid_year_sheet(), "register.xlsx")
        assert (answer.new, answer.closed, answer.open, answer.refused) == (10, 7, 3, [])
        # Registered in ogi afterwards: one still open, one withdrawn (recorded with the day it happened).
        native, _ = await intake.submit(CLERK, application(received=date(Y, 9, 1).isoformat()))
        other = application(
            received=date(Y, 10, 8).isoformat(),
            applicant={"kind": "commercial_enterprise", "name": "某公司", "address": "某路"},
        )
        withdrawn, _ = await intake.submit(CLERK, other)
        await perform(claimed("desk"), withdrawn.id, "withdraw", {"on": date(Y, 10, 20).isoformat()})
        for _ in range(200):  # a new case reaches the read model with its workflow's first task
            if store.case_record(native.id) is not None:
                break
            await asyncio.sleep(0.05)
        report = (await reports.annual_report(Y, with_timeliness=False)).report
        table = {r.key: [r.counts[c] for c in COLUMNS] for r in report.applications}
        zero = [0] * len(COLUMNS)
        assert {k: v for k, v in table.items() if v != zero} == HAND_COUNTED
        assert report.invariant_problems() == []
        assert native.id not in {c.case_id for c in answer.cases}

    async def test_cases_are_numbered_in_the_year_received_in_order_of_receipt(self, env: WorkflowEnvironment) -> None:
        """Numbers are gap-free per agency and year of receipt, the earlier receipt the lower number."""
        answer = await imports.run_import(CLERK, mid_year_sheet(), "register.xlsx")
        by_ref = {c.original_number: c.case_id or "" for c in answer.cases}
        assert by_ref["R-01"].split("-")[1:] == [str(Y - 1), "000001"]
        assert by_ref["R-02"].split("-")[1:] == [str(Y - 1), "000002"]
        this_year = [by_ref[f"R-{n:02d}"] for n in range(3, 11)]
        assert [int(i.rsplit("-", 1)[1]) for i in this_year] == list(range(1, 9))
        assert all(f"-{Y}-" in i for i in this_year)

    async def test_open_cases_run_as_workflows_at_their_stage_closed_ones_do_not(
        self, env: WorkflowEnvironment
    ) -> None:
        """Three workflows for the three open cases, each overdue at review; the closed ones are in the archive only."""
        answer = await imports.run_import(CLERK, mid_year_sheet(), "register.xlsx")
        open_ids = {c.case_id for c in answer.cases if c.stage is Stage.REVIEW}
        assert await workflows(env, [c.case_id for c in answer.cases]) == open_ids
        for case_id in open_ids:
            assert case_id is not None
            state = await state_of(env, case_id)
            assert (state.stage, state.overdue) == (Stage.REVIEW, True)
        record = store.case_record(next(c.case_id for c in answer.cases if c.original_number == "R-04") or "")
        assert record is not None
        assert (record.status, record.outcome, record.report_row, record.late, record.extended) == (
            "closed",
            "partly_disclosed",
            "partly_disclosed",
            False,
            True,
        )


class TestOpenCasesRunOn:
    async def test_a_case_in_review_keeps_its_due_date_and_a_reply_in_time_is_on_time(
        self, env: WorkflowEnvironment
    ) -> None:
        """Received 3 working days ago: due 20 working days after receipt, assigned; replied today: on time."""
        received = working_days_ago(3)
        answer = await imports.run_import(CLERK, sheet(open_case("D-1", received, handler="li")), "x")
        case = answer.cases[0]
        assert case.due == CALENDAR.add_working_days(received, 20)
        assert case.case_id is not None and case.query_code
        state = await state_of(env, case.case_id)
        assert (state.stage, state.assignee, state.overdue) == (Stage.REVIEW, "li", False)
        assert state.clock_view is not None and state.clock_view.due == case.due
        await perform(claimed("li"), case.case_id, "approve", {})
        await perform(claimed("wang"), case.case_id, "approve", {})
        final = await replied(env, case.case_id)
        assert (final.stage, final.late, final.replied_on) == (Stage.CLOSED, False, TODAY)
        for _ in range(200):  # the read model follows the case a moment after it closes
            record = store.case_record(case.case_id)
            if record is not None and record.status == "closed":
                break
            await asyncio.sleep(0.05)
        assert record is not None and (record.status, record.late) == ("closed", False)

    async def test_an_overdue_case_is_overdue_and_its_reply_late(self, env: WorkflowEnvironment) -> None:
        """Received 30 working days ago and still open: overdue at once, no escalation re-sent; a reply now is late."""
        answer = await imports.run_import(CLERK, sheet(open_case("D-2", working_days_ago(30))), "x")
        case_id = answer.cases[0].case_id or ""
        state = await state_of(env, case_id)
        assert state.overdue and [e.action for e in state.events].count("overdue") == 1
        await perform(claimed("li"), case_id, "approve", {})
        await perform(claimed("wang"), case_id, "approve", {})
        final = await replied(env, case_id)
        assert (final.stage, final.late, final.replied_on) == (Stage.CLOSED, True, TODAY)

    async def test_a_case_awaiting_correction_restarts_its_period_when_corrected(
        self, env: WorkflowEnvironment
    ) -> None:
        """Correction asked 2 working days ago: the clock stands; the corrected application restarts 20 working days."""
        sheet_rows = sheet(
            open_case("D-3", working_days_ago(3), stage="待补正", correction_requested_on=working_days_ago(2))
        )
        case_id = (await imports.run_import(CLERK, sheet_rows, "x")).cases[0].case_id or ""
        state = await state_of(env, case_id)
        assert state.stage is Stage.AWAITING_CORRECTION
        assert state.correction is not None and state.correction.respond_by is not None
        assert state.correction.respond_by.due == CALENDAR.add_working_days(working_days_ago(2), 15)
        await perform(claimed("desk"), case_id, "submit_correction", {"received": TODAY.isoformat()})
        state = await state_of(env, case_id)
        assert state.stage is Stage.REVIEW
        assert state.clock_view is not None
        start = TODAY if CALENDAR.is_working_day(TODAY) else CALENDAR.add_working_days(TODAY, 1)
        assert state.clock_view.due == CALENDAR.add_working_days(start, 20)
        imported = [e for e in state.events if e.action == "request_correction"]
        assert imported[0].on == working_days_ago(2) and imported[0].recorded_by == "clerk"


class TestAllOrNothing:
    async def test_a_refused_import_changes_nothing_in_the_store_or_temporal(self, env: WorkflowEnvironment) -> None:
        """One bad row among good closed and open ones: 422 naming it; no number, no archive row, no event, no workflow."""
        store.engine()
        before = counts()
        bad = sheet(
            closed("E-1", date(Y, 3, 2), date(Y, 3, 20)),
            open_case("E-2", working_days_ago(2)),
            closed("E-3", date(Y, 3, 2), date(Y, 3, 20), secrecy_reviewer="li", handler="li"),
        )
        with pytest.raises(ImportRefused) as info:
            await imports.run_import(CLERK, bad, "x")
        assert info.value.status == 422 and info.value.code == "bad_input.import"
        assert [(e["line"], e["column"]) for e in info.value.errors] == [(4, "保密审查人")]
        assert "nothing was imported" in str(info.value)
        assert counts() == before
        assert await workflows(env, candidates()) == set()

    async def test_running_it_again_imports_nothing_twice(self, env: WorkflowEnvironment) -> None:
        """The same sheet again: every row imported before, no new number, workflow or event."""
        first = await imports.run_import(CLERK, mid_year_sheet(), "x")
        after_first = counts()
        running = await workflows(env, candidates())
        again = await imports.run_import(CLERK, mid_year_sheet(), "x")
        assert (again.new, again.imported_before) == (0, 10)
        assert {c.case_id for c in again.cases} == {c.case_id for c in first.cases}
        assert counts() == after_first
        assert await workflows(env, candidates()) == running and len(running) == 3

    async def test_an_import_stopped_half_way_is_finished_by_running_it_again(
        self, env: WorkflowEnvironment, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Temporal gone after the archive was written: the re-run starts the open cases, numbers stay gap-free."""
        real = imports._start_case
        calls = 0

        async def flaky(*args: Any) -> None:
            nonlocal calls
            calls += 1
            if calls == 1:
                raise imports.Unavailable("Temporal did not answer (test)")
            await real(*args)

        monkeypatch.setattr(imports, "_start_case", flaky)
        with pytest.raises(ServiceError):
            await imports.run_import(CLERK, mid_year_sheet(), "x")
        finished = await imports.run_import(CLERK, mid_year_sheet(), "x")
        assert finished.new + finished.imported_before == 10
        numbers = [n for n in store.numbers() if n.case_id.split("-")[1] == str(Y)]
        assert sorted(int(n.case_id.rsplit("-", 1)[1]) for n in numbers) == list(range(1, 9))
        assert all(n.status == "started" for n in store.numbers())
        assert len(await workflows(env, candidates())) == 3

    async def test_settling_allocations_leaves_an_imports_numbers_alone(self, env: WorkflowEnvironment) -> None:
        """An import's number without a workflow is not voided: its case may be closed in the archive alone."""
        ours = store.allocate_case_number("a", "AA", Y, "r-1", store.import_run_id("a", "r-1"), status="allocated")
        theirs = store.allocate_case_number("a", "AA", Y, "r-2", "svc-1", status="allocated")
        settled = await intake.settle_allocations(timedelta(0))
        assert settled["voided"] == [theirs.case_id]
        assert {n.case_id: n.status for n in store.numbers()} == {ours.case_id: "allocated", theirs.case_id: "void"}


class TestReadingFiles:
    @staticmethod
    def csv_text(*rows: dict[str, Any]) -> str:
        headers = list(rows[0])
        return ",".join(headers) + "\n" + "\n".join(",".join(str(r.get(h, "")) for h in headers) for r in rows)

    @pytest.mark.parametrize(
        ("encoding", "prefix", "named"),
        [
            ("utf-8", b"", "csv utf-8"),
            ("utf-8", b"\xef\xbb\xbf", "csv utf-8"),
            ("gbk", b"", "csv gb18030"),
            ("utf-16", b"", "csv utf-16"),
        ],
    )
    async def test_csv_in_every_encoding_excel_writes(self, encoding: str, prefix: bytes, named: str) -> None:
        """UTF-8 with or without BOM, GBK and UTF-16 read alike."""
        raw = prefix + self.csv_text(closed("J-1", date(Y, 3, 2), date(Y, 3, 20))).encode(encoding)
        plan = await imports.plan_import(CLERK, imports.sheet_of(raw, "x.csv"), "x.csv")
        assert (plan.format, plan.new, plan.refused) == (named, 1, [])

    async def test_a_workbook_with_a_title_above_the_header_and_date_cells(self) -> None:
        """A register's title row is skipped; date-formatted cells are dates; lines are the sheet's row numbers."""
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append([f"{Y}年政府信息公开申请登记台账"])
        good = closed("K-1", date(Y, 3, 2), date(Y, 3, 20))
        sheet.append(list(good))
        sheet.append([datetime(Y, 3, 2) if h in ("收到日期", "办结日期") else v for h, v in good.items()])
        bad = closed("K-2", date(Y, 3, 2), date(Y, 3, 20), channel="飞鸽")
        sheet.append([bad[h] for h in good])
        out = io.BytesIO()
        book.save(out)
        plan = await imports.plan_import(CLERK, imports.sheet_of(out.getvalue(), "x.xlsx"), "x.xlsx")
        assert plan.format == "xlsx"
        assert [(c.line, c.received) for c in plan.cases] == [(3, date(Y, 3, 2))]
        assert [(p.line, p.column) for p in plan.refused] == [(4, "申请渠道")]

    @pytest.mark.parametrize(
        ("raw", "words", "chinese"),
        [
            (b"\xd0\xcf\x11\xe0rest", "Excel 97-2003", "x.xls 是 Excel 97-2003 工作簿（.xls）：请另存为"),
            (b"PK\x03\x04not a zip", "not a readable XLSX", "x.xls 不是可读取的 XLSX 工作簿"),
            (
                b"\x81\x30\xff\xff",
                "neither UTF-8 nor GBK",
                "x.xls 既不是 UTF-8 也不是 GBK 编码的文本（第 1 个字节无法读取）",
            ),
            (b"\n\n", "no header row", "x.xls 没有表头行"),
        ],
    )
    def test_a_file_that_is_no_sheet_is_refused_with_what_to_save_it_as(
        self, raw: bytes, words: str, chinese: str
    ) -> None:
        """An .xls, a broken workbook, bytes of no known encoding, an empty file: 422 with the fix, in either language."""
        with pytest.raises(BadInput) as info:
            imports.sheet_of(raw, "x.xls")
        assert words in str(info.value) and info.value.code == "bad_input.file"
        assert translate(info.value.message, "zh").startswith(chinese)


runner = CliRunner()


class TestCommand:
    def test_dry_run_lists_the_refused_rows_and_exits_2(self, tmp_path: Path) -> None:
        """--dry-run prints each refused row's line, column and rule; exit 2, nothing imported."""
        path = tmp_path / "cases.csv"
        rows = [closed("F-1", date(Y, 3, 2), date(Y, 3, 20)), closed("F-2", date(Y, 3, 2), date(Y, 2, 20))]
        headers = list(rows[0])
        text = ",".join(headers) + "\n" + "\n".join(",".join(str(r.get(h, "")) for h in headers) for r in rows)
        path.write_bytes(text.encode("gbk"))  # as Excel on Chinese Windows saves CSV
        done = runner.invoke(main.app, ["import", str(path), "--dry-run"])
        assert done.exit_code == 2, done.output
        assert "line 3, 办结日期" in done.stdout
        assert "csv gb18030" in done.stdout
        assert counts()["case_numbers"] == 0

    def test_an_import_of_closed_cases_then_again(self, tmp_path: Path) -> None:
        """Closed cases need no Temporal; the second run finds them imported; --json is one object."""
        path = tmp_path / "cases.csv"
        rows = [
            closed("G-1", date(Y, 3, 2), date(Y, 3, 20)),
            closed("G-2", date(Y, 4, 1), date(Y, 4, 10), "申请人撤回"),
        ]
        headers = list(rows[0])
        text = ",".join(headers) + "\n" + "\n".join(",".join(str(r.get(h, "")) for h in headers) for r in rows)
        path.write_text("\ufeff" + text, "utf-8")
        done = runner.invoke(main.app, ["import", str(path), "--json", "--by", "clerk"])
        assert done.exit_code == 0, done.output
        data = json.loads(done.stdout)
        assert (data["new"], data["closed"], data["format"]) == (2, 2, "csv utf-8")
        again = json.loads(runner.invoke(main.app, ["import", str(path), "--json"]).stdout)
        assert (again["new"], again["imported_before"]) == (0, 2)

    def test_a_refused_import_exits_2_with_every_row_on_stderr(self, tmp_path: Path) -> None:
        """Without --dry-run a refused file imports nothing: each row on stderr (JSON: the errors list)."""
        path = tmp_path / "cases.csv"
        r = closed("H-1", date(Y, 3, 2), date(Y, 3, 20), channel="飞鸽")
        path.write_text(",".join(r) + "\n" + ",".join(str(v) for v in r.values()), "utf-8")
        done = runner.invoke(main.app, ["import", str(path)])
        assert done.exit_code == 2
        assert "line 2, 申请渠道: '飞鸽' is not one of" in done.stderr
        done = runner.invoke(main.app, ["import", str(path), "--json"])
        error = json.loads(done.stderr)
        assert (error["code"], error["errors"][0]["line"]) == ("bad_input.import", 2)

    def test_the_committed_template_is_the_one_the_command_writes(self, tmp_path: Path) -> None:
        """examples/import-template.{csv,xlsx} are what ``ogi import --template`` writes (regenerate them with it)."""
        for suffix in ("csv", "xlsx"):
            target = tmp_path / f"t.{suffix}"
            assert runner.invoke(main.app, ["import", "--template", str(target)]).exit_code == 0
            committed = ROOT / "examples" / f"import-template.{suffix}"
            if suffix == "csv":
                assert committed.read_bytes() == target.read_bytes()
            else:
                ours, theirs = read_sheet(target.read_bytes(), "t", 100), read_sheet(committed.read_bytes(), "c", 100)
                assert (ours.headers, ours.rows) == (theirs.headers, theirs.rows)
        assert template_grid().rows[0][0] == "机关"
        assert instructions_grid().rows[2][0] == "列名"
        assert (CASES_SHEET, INSTRUCTIONS_SHEET) == ("案件", "说明")

    async def test_the_template_examples_are_refused_but_otherwise_importable(self) -> None:
        """The example rows are refused as examples only: renumbered, every one would import."""
        raw = (ROOT / "examples" / "import-template.xlsx").read_bytes()
        plan = await imports.plan_import(CLERK, imports.sheet_of(raw, "template"), "template")
        assert {p.message for p in plan.refused} == {"an example row of the template; delete it before importing"}
        renumbered = (ROOT / "examples" / "import-template.csv").read_text("utf-8-sig").replace("示例-", "EX-")
        plan = await imports.plan_import(CLERK, imports.sheet_of(renumbered.encode(), "t"), "t")
        assert plan.refused == [] and plan.new == 4
