"""The clock branches on the time-skipping server: correction, extension, consultation, fee, Art 35.

This module runs its own test server, because it moves time far ahead (into a 2027 notice).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from domain.calendar import BEIJING, load_calendar
from domain.case import CaseState, Stage
from domain.clock import beijing_date
from domain.config import Role
from domain.documents import chinese_date
from domain.outcomes import Outcome, Reason
from tests.workflow_support import (
    NOTICE_2027,
    case_worker,
    document_text,
    settled,
    start_case,
    state_of,
    time_skipping,
)

_NOTICES: list[Path] = []


def calendar() -> Any:
    """The calendar the worker uses: shipped data plus the module's 2027 notice."""
    return load_calendar(None, _NOTICES[0])


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One OGI_HOME for the module, with a 2027 notice loaded."""
    path = tmp_path_factory.mktemp("clock-home")
    (path / "calendar").mkdir()
    (path / "calendar" / "2027.json").write_text(json.dumps(NOTICE_2027), "utf-8")
    _NOTICES[:] = [path / "calendar"]
    return path


@pytest.fixture
async def env(home: Path) -> AsyncIterator[WorkflowEnvironment]:
    """A private time-skipping server: these tests move time forward by months."""
    async with time_skipping() as environment:
        yield environment


@pytest.fixture
async def queue(env: WorkflowEnvironment, home: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[str]:
    """A worker for the test, with the module's OGI_HOME."""
    monkeypatch.setenv("OGI_HOME", str(home))
    async with case_worker(env.client) as name:
        yield name


async def morning_of_next_working_day(env: WorkflowEnvironment) -> date:
    """Skip time to 10:00 Beijing on the next working day and return that day."""
    cal = calendar()
    now = await env.get_current_time()
    day = beijing_date(now) + timedelta(days=1)
    while not cal.is_working_day(day):
        day += timedelta(days=1)
    await skip_to(env, datetime.combine(day, time(10, 0), BEIJING))
    return day


async def skip_to(env: WorkflowEnvironment, instant: datetime) -> None:
    """Move the test server's clock forward to an instant."""
    now = await env.get_current_time()
    assert instant > now, f"cannot go back from {now} to {instant}"
    await env.sleep(instant - now)


async def act(handle: WorkflowHandle[Any, Any], name: str, payload: dict[str, Any]) -> Any:
    """Take the action, and wait until the case has sent what it issued (periods run from service)."""
    result = await handle.execute_update(name, payload)
    await settled(handle)
    return result


async def refused(handle: WorkflowHandle[Any, Any], name: str, payload: dict[str, Any]) -> str:
    before = await settled(handle)
    with pytest.raises(WorkflowUpdateFailedError) as info:
        await act(handle, name, payload)
    assert await state_of(handle) == before, "a refused action changed the case"
    return str(info.value.cause)


def outbox(home: Path, case_id: str) -> list[dict[str, Any]]:
    lines = (home / "outbox.jsonl").read_text("utf-8").splitlines()
    return [n for n in map(json.loads, lines) if n["case_id"] == case_id]


class TestCorrection:
    async def test_allowed_on_working_day_7_refused_on_day_8(self, env: WorkflowEnvironment, queue: str) -> None:
        """A correction may be requested up to the 7th working day after receipt, not on the 8th."""
        cal = calendar()
        today = await morning_of_next_working_day(env)
        day7 = await start_case(env.client, queue, _working_days_before(cal, today, 7))
        day8 = await start_case(env.client, queue, _working_days_before(cal, today, 8))
        await act(day7, "request_correction", {"by": "li", "items": ["申请内容不明确：请写明文件名称或文号"]})
        assert (await state_of(day7)).stage is Stage.AWAITING_CORRECTION
        message = await refused(day8, "request_correction", {"by": "li", "items": ["x"]})
        assert "7-working-day window" in message

    async def test_only_once_and_notice_lists_every_item(
        self, env: WorkflowEnvironment, queue: str, home: Path
    ) -> None:
        """The notice lists every item with the period; a second request after the correction is refused."""
        today = await morning_of_next_working_day(env)
        handle = await start_case(env.client, queue, today)
        items = ["请写明所需信息的文件名称", "请补充身份证明"]
        await act(handle, "request_correction", {"by": "li", "items": items, "period_days": 10})
        st = await state_of(handle)
        assert st.correction is not None and st.correction.respond_by is not None
        assert st.clock_view is not None and st.clock_view.paused
        notice = document_text(st.documents[-1])
        assert "补正告知书" in notice and all(item in notice for item in items) and "10个工作日" in notice
        assert "第三十条" in notice and chinese_date(st.correction.respond_by.due) in notice
        await act(handle, "submit_correction", {"by": "desk", "received": today.isoformat()})
        message = await refused(handle, "request_correction", {"by": "li", "items": ["again"]})
        assert "already requested" in message

    async def test_not_corrected_in_time_closes_as_abandoned(self, env: WorkflowEnvironment, queue: str) -> None:
        """No corrected application within the period closes the case under 其他处理 1."""
        today = await morning_of_next_working_day(env)
        handle = await start_case(env.client, queue, today)
        await act(handle, "request_correction", {"by": "li", "items": ["请写明文号"], "period_days": 3})
        st = await state_of(handle)
        assert st.correction is not None and st.correction.respond_by is not None
        await skip_to(env, st.correction.respond_by.deadline_at + timedelta(minutes=1))
        final = await handle.result()
        assert final.outcome is Outcome.OTHER and final.reasons == [Reason.CORRECTION_NOT_MADE]

    async def test_restart_from_a_make_up_saturday(self, env: WorkflowEnvironment, queue: str) -> None:
        """A corrected application received on a make-up Saturday restarts the 20 days from that Saturday."""
        await skip_to(env, datetime(2027, 2, 18, 10, 0, tzinfo=BEIJING))
        handle = await start_case(env.client, queue, date(2027, 2, 18))
        await act(handle, "request_correction", {"by": "li", "items": ["请补充文号"]})
        await skip_to(env, datetime(2027, 2, 20, 10, 0, tzinfo=BEIJING))
        await act(handle, "submit_correction", {"by": "desk", "received": "2027-02-20", "channel": "in_person"})
        st = await state_of(handle)
        assert calendar().is_working_day(date(2027, 2, 20))
        assert st.stage is Stage.REVIEW and st.clock is not None and st.clock.restarts == 1
        assert st.clock_view is not None
        assert st.clock_view.effective_receipt == date(2027, 2, 20)
        assert st.clock_view.due == calendar().add_working_days(date(2027, 2, 20), 20)
        assert not st.clock_view.provisional  # the 2027 notice is loaded


class TestExtension:
    async def test_head_extends_once_before_the_deadline(
        self, env: WorkflowEnvironment, queue: str, home: Path
    ) -> None:
        """The head extends by up to 20 working days once; the notice gives the new due date."""
        people = {"li": [Role.REVIEWER], "zhao": [Role.HEAD], "wang": [Role.SECRECY_REVIEWER]}
        today = await morning_of_next_working_day(env)
        handle = await start_case(env.client, queue, today, people=people)
        due = (await state_of(handle)).clock_view.due  # type: ignore[union-attr]
        assert "needs the role 'head'" in await refused(handle, "extend", {"by": "li", "reason": "材料较多"})
        assert "at most 20" in await refused(handle, "extend", {"by": "zhao", "reason": "材料较多", "days": 25})
        await act(handle, "extend", {"by": "zhao", "reason": "需要调取档案，材料较多", "days": 20})
        st = await state_of(handle)
        assert st.clock_view is not None
        cal = calendar()
        assert st.clock_view.due == cal.add_working_days(due, 20)
        notice = document_text(st.documents[-1])
        assert "延期答复告知书" in notice and chinese_date(st.clock_view.due) in notice and "第三十三条第二款" in notice
        assert "one extension" in await refused(handle, "extend", {"by": "zhao", "reason": "again", "days": 1})

    async def test_extension_after_the_deadline_is_refused(self, env: WorkflowEnvironment, queue: str) -> None:
        """Once the deadline has passed, an extension is refused and the case stays overdue."""
        cal = calendar()
        today = await morning_of_next_working_day(env)
        handle = await start_case(env.client, queue, _working_days_before(cal, today, 21))
        for _ in range(20):
            if (await state_of(handle)).overdue:
                break
            await env.sleep(1)
        message = await refused(handle, "extend", {"by": "zhao", "reason": "too late"})
        assert "has passed" in message
        assert (await state_of(handle)).overdue


class TestConsultation:
    async def test_third_party_and_agency_at_once_pause_then_lapse(
        self, env: WorkflowEnvironment, queue: str, home: Path
    ) -> None:
        """Two consultations at once stop the clock; one answers, the other's silence lapses after 15 working days."""
        today = await morning_of_next_working_day(env)
        handle = await start_case(env.client, queue, today)
        await act(handle, "consult", {"by": "li", "kind": "third_party", "party": "某商贸有限公司"})
        await act(handle, "consult", {"by": "li", "kind": "agency", "party": "六安市财政局"})
        st = await state_of(handle)
        assert [c.id for c in st.consultations] == ["c1", "c2"]
        assert st.clock_view is not None and st.clock_view.paused
        letters = [document_text(p) for p in st.documents]
        assert "第三十二条" in letters[-2] and "由本机关依照《条例》的规定决定" in letters[-2]
        assert "第三十四条" in letters[-1] and "视为同意公开" in letters[-1]
        # The letters go by post: no period runs before they are posted.
        assert st.consultations[1].answer_by is None
        await act(
            handle,
            "record_delivery",
            {"by": "desk", "document": "consultation_letter:c2", "sent_on": today.isoformat()},
        )
        await env.sleep(timedelta(days=3))
        await act(handle, "consultation_answer", {"by": "li", "consultation": "c1", "answer": "objection"})
        st = await state_of(handle)
        assert st.clock_view is not None and st.clock_view.paused
        answer_by = st.consultations[1].answer_by
        assert answer_by is not None
        await skip_to(env, answer_by.deadline_at + timedelta(minutes=1))
        st = await state_of(handle)
        c2 = st.consultations[1]
        assert c2.answer == "deemed_consent" and st.consultations[0].answer == "objection"
        assert st.clock_view is not None and not st.clock_view.paused
        cal = calendar()
        # Presumed served 7 days after posting; 15 working days to answer from then.
        assert answer_by.due == cal.add_working_days(today + timedelta(days=7), 15)
        stopped = cal.working_days_between(today, answer_by.due)
        assert st.clock_view.due == cal.add_working_days(today, 20 + stopped)
        assert "unknown" not in json.dumps([n["to"] for n in outbox(home, handle.id)])


class TestFees:
    async def test_fee_pauses_clock_then_paid(self, env: WorkflowEnvironment, queue: str, home: Path) -> None:
        """A fee notice by pages stops the clock; payment resumes it with the paused days added."""
        today = await morning_of_next_working_day(env)
        handle = await start_case(env.client, queue, today)
        assert "no fee is due" in await refused(handle, "fee_notice", {"by": "li", "method": "volume", "pages": 30})
        assert "no fee is due" in await refused(handle, "fee_notice", {"by": "li", "method": "count"})
        await act(handle, "fee_notice", {"by": "li", "method": "volume", "pages": 250})
        st = await state_of(handle)
        assert st.stage is Stage.AWAITING_PAYMENT and st.fee is not None and st.fee.amount == 4700
        notice = document_text(st.documents[-1])
        assert "收费通知书" in notice and "4,700" in notice and "109号" in notice
        assert "次日起20个工作日内" in notice and "$" not in notice
        await env.sleep(timedelta(days=7))
        await act(handle, "pay_fee", {"by": "desk"})
        st = await state_of(handle)
        assert st.stage is Stage.REVIEW and st.clock_view is not None and not st.clock_view.paused
        cal = calendar()
        paid = beijing_date(await env.get_current_time())
        assert st.clock_view.due == cal.add_working_days(today, 20 + cal.working_days_between(today, paid))

    async def test_unpaid_fee_closes_as_abandoned(self, env: WorkflowEnvironment, queue: str) -> None:
        """No payment within 20 working days closes the case under 其他处理 2."""
        today = await morning_of_next_working_day(env)
        handle = await start_case(env.client, queue, today)
        await act(handle, "fee_notice", {"by": "li", "method": "volume", "pages": 40})
        st = await state_of(handle)
        assert st.fee is not None and st.fee.pay_by is not None and st.fee.amount == 100
        await skip_to(env, st.fee.pay_by.deadline_at + timedelta(minutes=1))
        final = await handle.result()
        assert final.outcome is Outcome.OTHER and final.reasons == [Reason.FEE_NOT_PAID]


class TestExcessiveAndWithdrawal:
    async def test_head_sets_longer_period_for_excessive_requests(self, env: WorkflowEnvironment, queue: str) -> None:
        """Art 35: the head sets a longer reply period with a reason; the notice states it."""
        today = await morning_of_next_working_day(env)
        handle = await start_case(env.client, queue, today)
        assert "not longer" in await refused(handle, "set_longer_period", {"by": "zhao", "reason": "x", "days": 20})
        await act(handle, "set_longer_period", {"by": "zhao", "reason": "申请数量明显超过合理范围", "days": 60})
        st = await state_of(handle)
        assert st.clock_view is not None
        assert st.clock_view.due == calendar().add_working_days(today, 60)
        assert "第三十五条" in document_text(st.documents[-1])

    async def test_withdrawal_while_awaiting_payment_closes(self, env: WorkflowEnvironment, queue: str) -> None:
        """The applicant may withdraw at any stage before the reply."""
        today = await morning_of_next_working_day(env)
        handle = await start_case(env.client, queue, today)
        await act(handle, "fee_notice", {"by": "li", "method": "volume", "pages": 40})
        await act(handle, "withdraw", {"by": "desk"})
        final: CaseState = await handle.result()
        assert final.outcome is Outcome.WITHDRAWN


def _working_days_before(calendar: Any, day: date, n: int) -> date:
    """The receipt date from which ``day`` is the n-th working day."""
    start = day
    while calendar.working_days_between(start, day) < n or not calendar.is_working_day(start):
        start -= timedelta(days=1)
    return start
