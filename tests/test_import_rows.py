"""The import sheet, read and placed on the rules: pure, no store and no Temporal (``domain.import_*``)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from domain.actor import ActorRef
from domain.calendar import load_calendar
from domain.case import CaseInput, CasePolicy, CaseState, Stage
from domain.import_history import UNRECORDED, History, Unplaceable, replay
from domain.import_sheet import BY_KEY, COLUMNS, ImportRow, application_of, external_ref_of, header_keys, read_row
from domain.outcomes import Outcome, Reason

NOW = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)
TODAY = date(2026, 12, 1)
CALENDAR = load_calendar()
HEADERS = {c.key: c.header for c in COLUMNS}
CLERK = ActorRef(id="clerk", name="clerk")


def cells(**changes: Any) -> dict[str, Any]:
    """A closed case disclosed on time, by column key, with changes (None empties a cell)."""
    base: dict[str, Any] = {
        "agency": "六安市民政局",
        "external_ref": "2026-001",
        "channel": "当面提交",
        "applicant_kind": "自然人",
        "applicant_name": "张三",
        "phone": "13800000000",
        "address": "安徽省六安市金安区某路1号",
        "description": "申请公开2025年度城乡最低生活保障资金发放情况",
        "received": "2026-03-02",
        "stage": "已办结",
        "outcome": "予以公开",
        "closed_on": "2026-03-20",
        "handler": "li",
        "secrecy_reviewer": "wang",
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def read(**changes: Any) -> ImportRow:
    row, problems = read_row(7, cells(**changes), TODAY, HEADERS)
    assert row is not None, problems
    return row


def problems(**changes: Any) -> list[tuple[str | None, str]]:
    row, found = read_row(7, cells(**changes), TODAY, HEADERS)
    assert row is None
    assert {p.line for p in found} == {7}
    return [(p.column, str(p.message)) for p in found]


def place(row: ImportRow, policy: CasePolicy | None = None) -> CaseState:
    application, problem = application_of(row)
    assert application is not None, problem
    inp = CaseInput(
        case_id="LAMZ-2026-000001",
        agency_code="LAMZ",
        application=application,
        policy=policy or CasePolicy(),
        registered_by=CLERK,
    )
    return replay(inp, row, CALENDAR, NOW, History(CLERK, {}))


def refusal(row: ImportRow) -> Unplaceable:
    with pytest.raises(Unplaceable) as info:
        place(row)
    return info.value


class TestHeaders:
    def test_chinese_headers_aliases_and_machine_names_are_known(self) -> None:
        """The template's headers, their aliases and the machine names all name their column."""
        keys, found = header_keys(
            ["机关", "原登记编号", "channel", " 申请人类型 ", "申请人*", "申请内容", "收到日期", "状态"]
        )
        assert found == []
        assert list(keys.values()) == [
            "agency",
            "external_ref",
            "channel",
            "applicant_kind",
            "applicant_name",
            "description",
            "received",
            "stage",
        ]

    def test_an_unknown_header_is_refused_not_skipped(self) -> None:
        """A misspelt column would drop its dates silently: it is refused on the header line, with the columns."""
        _, found = header_keys([c.header for c in COLUMNS] + ["延期日其"], line=3)
        assert [(p.line, p.column) for p in found] == [(3, "延期日其")]
        assert "延期日期" in str(found[0].message)

    def test_missing_and_repeated_columns_are_named(self) -> None:
        """Every required column must be there, and once."""
        _, found = header_keys(["机关", "原编号", "原登记编号"])
        named = {p.column: str(p.message) for p in found}
        assert named["原登记编号"] == "names the same column as '原编号'; keep one"
        assert named["申请渠道"] == "this column is missing"
        assert named["办理状态"] == "this column is missing"


class TestReadingCells:
    def test_a_full_row_reads_into_its_facts(self) -> None:
        """Labels become codes, dates dates, names user names."""
        row = read(channel="邮寄", applicant_kind="律师事务所", reasons=None, received=datetime(2026, 3, 2, 0, 0))
        assert (row.channel.value, row.applicant_kind.value, row.stage, row.outcome) == (
            "signed_post",
            "legal_service_body",
            Stage.CLOSED,
            Outcome.DISCLOSED,
        )
        assert (row.received, row.closed_on, row.handler) == (date(2026, 3, 2), date(2026, 3, 20), "li")

    @pytest.mark.parametrize("text", ["2026-03-02", "2026/3/2", "2026.03.02", "2026年3月2日", date(2026, 3, 2)])
    def test_dates_in_the_forms_staff_write_them(self, text: object) -> None:
        """ISO, slashes, dots and 年月日 are one date."""
        assert read(received=text).received == date(2026, 3, 2)

    @pytest.mark.parametrize(
        ("changes", "column", "words"),
        [
            ({"received": "2026-02-30"}, "收到日期", "is not a date"),
            ({"received": "2027-01-04"}, "收到日期", "is in the future"),
            ({"channel": "飞鸽"}, "申请渠道", "is not one of: 当面提交"),
            ({"stage": "答复送达"}, "办理状态", "not importable"),
            ({"reasons": "国家秘密；不知道"}, "理由", "'不知道' is not a reason"),
            ({"fee_quantity": "三页"}, "收费数量", "whole number"),
            ({"handler": "li si"}, "承办人", "not a usable user name"),
        ],
    )
    def test_a_bad_cell_names_its_line_column_and_rule(self, changes: dict[str, Any], column: str, words: str) -> None:
        """Each bad cell is its own problem, on the row's line, under its header."""
        found = problems(**changes)
        assert any(c == column and words in m for c, m in found), found

    def test_every_bad_cell_of_a_row_is_listed(self) -> None:
        """Problems are collected, not stopped at the first."""
        found = problems(channel="飞鸽", received="昨天", stage=None)
        assert {c for c, _ in found} == {"申请渠道", "收到日期", "办理状态"}

    def test_personal_data_never_enters_a_message(self) -> None:
        """A name too long, a bad phone, a bad e-mail: the message names the column and the rule, not the text."""
        assert problems(applicant_name="张" * 300) == [("申请人", "longer than 200 characters")]
        row = read(phone="call-me-13800000000", email="zhangsan-at-example")
        application, problem = application_of(row)
        assert application is None and problem is not None
        assert problem.column in ("联系电话", "电子邮箱")
        said = str(problem.message)
        assert "13800000000" not in said and "zhangsan" not in said

    @pytest.mark.parametrize(
        ("changes", "column"),
        [
            ({"closed_on": None}, "办结日期"),
            ({"stage": "办理中"}, "办理结果"),
            ({"outcome": None}, "办理结果"),
            ({"correction_received_on": "2026-03-10"}, "补正告知日期"),
            ({"consulted_on": "2026-03-04"}, "征求意见对象"),
            ({"fee_notice_on": "2026-03-04", "fee_method": "按量"}, "收费数量"),
            ({"extended_on": "2026-02-27"}, "延期日期"),
            ({"stage": "待确认收到", "outcome": None, "closed_on": None}, "办理状态"),
            ({"received": None}, "收到日期"),
        ],
    )
    def test_the_columns_must_agree(self, changes: dict[str, Any], column: str) -> None:
        """A closed case has its date, an open one no outcome, a date its pair, nothing before receipt."""
        assert column in {c for c, _ in problems(**changes)}

    def test_an_original_number_with_other_characters_imports_under_a_stable_reference(self) -> None:
        """六民〔2026〕3号 is kept as the original number; the reference is a digest, the same every time."""
        ref = external_ref_of("六民依申〔2026〕3号")
        assert ref.startswith("imp-") and ref == external_ref_of("六民依申〔2026〕3号")
        assert external_ref_of("2026-001") == "2026-001"


class TestPlacingTheHistory:
    def test_a_reply_on_time_closes_on_its_day_and_is_on_time(self) -> None:
        """Received 03-02, replied 03-20: closed that day, due 03-30, not late; every event dated, entered by the clerk."""
        state = place(read())
        assert (state.stage, state.outcome, state.replied_on, state.late, state.overdue) == (
            Stage.CLOSED,
            Outcome.DISCLOSED,
            date(2026, 3, 20),
            False,
            False,
        )
        assert state.clock_view is not None and state.clock_view.due == date(2026, 3, 30)
        assert state.closed_at is not None and state.closed_at.date() == date(2026, 3, 20)
        actions = [(e.action, e.by, e.on) for e in state.events]
        assert actions[:3] == [
            ("registered", "clerk", None),
            ("decide", "li", date(2026, 3, 20)),
            ("approve", "wang", date(2026, 3, 20)),
        ]
        assert actions[-1][0] == "imported"
        assert all(e.at == NOW for e in state.events)
        assert all(e.recorded_by == "clerk" for e in state.events if e.action in ("decide", "approve"))

    def test_a_late_reply_is_late_and_was_overdue(self) -> None:
        """Replied 03-31, a day after the due date: late, and the deadline turned it overdue on the way."""
        state = place(read(closed_on="2026-03-31"))
        assert (state.late, state.overdue) == (True, True)
        assert "overdue" in [e.action for e in state.events]

    def test_an_extension_after_the_deadline_is_refused_with_the_rule(self) -> None:
        """Art 33: an extension comes before the deadline; the rule's own message names the column."""
        error = refusal(read(extended_on="2026-03-31", closed_on="2026-04-20"))
        assert error.column == "延期日期"
        assert "has passed" in str(error)

    def test_an_extension_in_time_moves_the_due_date(self) -> None:
        """Extended 03-27: due 20 working days later, and a reply on 04-20 is on time."""
        state = place(read(extended_on="2026-03-27", closed_on="2026-04-20"))
        assert state.clock_view is not None
        assert state.clock_view.due == CALENDAR.add_working_days(date(2026, 3, 30), 20)
        assert (state.late, state.extension is not None) == (False, True)

    def test_the_secrecy_check_needs_another_person_when_both_are_named(self) -> None:
        """The four-eyes rule holds between the people the row names."""
        error = refusal(read(secrecy_reviewer="li"))
        assert error.column == "保密审查人"
        assert "four-eyes" in str(error)

    def test_unnamed_steps_are_recorded_as_not_recorded(self) -> None:
        """Nobody named: the decision and its check are recorded under 未记录, not under the importing clerk."""
        state = place(read(handler=None, secrecy_reviewer=None))
        assert [e.by for e in state.events if e.action in ("decide", "approve")] == [UNRECORDED, UNRECORDED]

    def test_a_reason_of_the_wrong_outcome_is_refused(self) -> None:
        """不予公开 with 本机关不掌握: the decide rule refuses it under 理由's outcome."""
        error = refusal(read(outcome="不予公开", reasons="本机关不掌握相关政府信息"))
        assert error.column == "办理结果"
        assert "belongs to outcome" in str(error)

    def test_an_uncorrected_application_closes_when_its_period_runs_out(self) -> None:
        """Correction asked 03-04, none made: closed as abandoned at the end of the 15 working days (report row 六1)."""
        row = read(
            outcome="其他处理", reasons="逾期不补正", closed_on=None, correction_requested_on="2026-03-04", handler="li"
        )
        state = place(row)
        end = CALENDAR.add_working_days(date(2026, 3, 4), 15)
        assert (state.stage, state.reasons) == (Stage.CLOSED, [Reason.CORRECTION_NOT_MADE])
        assert state.closed_at is not None and state.closed_at == CALENDAR.deadline_at(end)

    def test_a_correction_received_after_the_period_is_refused(self) -> None:
        """The application was abandoned before the correction came: the row cannot be placed."""
        row = read(correction_requested_on="2026-03-04", correction_received_on="2026-04-20", closed_on="2026-04-30")
        error = refusal(row)
        assert error.column == "补正收到日期"
        assert "closed by itself" in str(error)

    def test_an_unanswered_consultation_lapses_and_stops_the_clock_meanwhile(self) -> None:
        """Third party consulted 03-04, silent: 15 working days not counted, then the agency decides."""
        state = place(read(consulted_on="2026-03-04", consultation_kind="第三方", closed_on="2026-04-20"))
        consultation = state.consultations[0]
        assert (consultation.answer, consultation.answered_on) == (
            "lapsed",
            CALENDAR.add_working_days(date(2026, 3, 4), 15),
        )
        assert state.clock_view is not None and state.clock_view.due > date(2026, 3, 30)
        assert state.late is False

    def test_a_stage_the_dates_contradict_is_refused(self) -> None:
        """办理中 with a correction requested and none received: the dates put it in correction (or closed)."""
        row = read(
            stage="办理中", outcome=None, closed_on=None, received="2026-11-24", correction_requested_on="2026-11-26"
        )
        error = refusal(row)
        assert error.column == "办理状态"
        assert "待补正" in str(error)

    def test_an_open_case_comes_up_to_today_overdue_and_assigned(self) -> None:
        """Received in March, still being handled: overdue now (its reminders count as fired), assigned to li."""
        state = place(read(stage="办理中", outcome=None, closed_on=None))
        assert (state.stage, state.overdue, state.assignee) == (Stage.REVIEW, True, "li")
        assert state.clock_view is not None
        assert any(key.startswith("deadline:") for key in state.fired)
        assert all(key in state.fired for key in (f"reminder:{at.isoformat()}" for at in state.clock_view.reminders_at))

    def test_an_answer_awaiting_the_secrecy_check_keeps_its_proposer(self) -> None:
        """At 保密审查 the case holds li's proposal, so li cannot sign its check later."""
        state = place(read(stage="保密审查", closed_on=None, received="2026-11-24"))
        assert state.stage is Stage.SECRECY_REVIEW
        assert state.decision is not None and (state.decision.by, state.decision.outcome) == ("li", Outcome.DISCLOSED)

    def test_a_fee_by_count_uses_the_place_the_notice_states(self) -> None:
        """按件, the applicant's 12th that month: ¥100; paid, the case goes on."""
        row = read(fee_notice_on="2026-03-04", fee_method="按件", fee_quantity="12", fee_paid_on="2026-03-06")
        rank = row.fee_quantity
        application, _ = application_of(row)
        assert application is not None
        inp = CaseInput(case_id="X", agency_code="LAMZ", application=application, applicant_month_rank=rank)
        state = replay(inp, row, CALENDAR, NOW, History(ActorRef(id="clerk", name="clerk"), {}))
        assert state.fee is not None and (state.fee.amount, state.fee.settlement) == (100, "paid")

    def test_an_application_awaiting_confirmation_has_no_clock_yet(self) -> None:
        """Online, receipt not confirmed: registered and assigned, the clock starts on confirmation."""
        state = place(read(channel="互联网渠道", received=None, stage="待确认收到", outcome=None, closed_on=None))
        assert (state.stage, state.clock_view, state.assignee) == (Stage.AWAITING_RECEIPT, None, "li")

    def test_an_unpaid_fee_waits_then_closes_the_case_when_its_period_ends(self) -> None:
        """A fee notice in the period: awaiting payment, clock stopped; one from September unpaid: closed (六2)."""
        fee = {"fee_method": "按量", "fee_quantity": "120", "outcome": None, "closed_on": None}
        state = place(read(received="2026-11-24", stage="待缴费", fee_notice_on="2026-11-25", **fee))
        assert state.fee is not None and state.fee.pay_by is not None and state.clock_view is not None
        assert (state.stage, state.fee.amount, state.clock_view.paused) == (Stage.AWAITING_PAYMENT, 1100, True)
        assert state.fee.pay_by.due == CALENDAR.add_working_days(date(2026, 11, 25), 20)
        old = read(
            received="2026-09-01", fee_notice_on="2026-09-03", **{**fee, "outcome": "其他处理"}, reasons="逾期未缴费"
        )
        closed = place(old)
        assert (closed.stage, closed.reasons) == (Stage.CLOSED, [Reason.FEE_NOT_PAID])

    def test_a_withdrawal_closes_on_its_day(self) -> None:
        """申请人撤回 on 03-10: other row 3, closed that day."""
        state = place(read(outcome="申请人撤回", closed_on="2026-03-10", handler=None, secrecy_reviewer=None))
        assert (state.outcome, state.reasons) == (Outcome.WITHDRAWN, [Reason.OTHER])
        assert state.closed_at is not None and state.closed_at.date() == date(2026, 3, 10)


def test_every_column_has_a_header_and_is_documented_once() -> None:
    """Headers and keys are unique, so a header names one column."""
    assert len({c.header for c in COLUMNS}) == len(COLUMNS) == len(BY_KEY)
