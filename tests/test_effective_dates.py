"""Actions recorded with the day they were actually taken (``on``): every clock rule reads that day.

On the time-skipping server with an in-process worker; the cases are received in 2026-03 (past), so
their deadlines have run out by the wall clock, yet what was done in time counts as done in time.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from domain.application import Application
from domain.calendar import load_calendar
from domain.case import CasePolicy, CaseState, Stage
from domain.config import OgiConfig, Role
from domain.intake import policy_for
from tests.workflow_support import application, case_worker, start_case, state_of

RECEIVED = date(2026, 3, 2)
DUE = date(2026, 3, 30)


def refusal(info: pytest.ExceptionInfo[WorkflowUpdateFailedError]) -> str:
    return str(info.value.cause)


async def clocked(handle: Any) -> CaseState:
    """The case once its first clock is computed and its overdue timer (long past) has fired."""
    for _ in range(100):
        state = await state_of(handle)
        if state.clock_view is not None and state.overdue:
            return state
        await asyncio.sleep(0.05)
    return state


class TestContractExample:
    async def test_reply_made_on_the_due_date_and_entered_later_is_on_time(
        self, time_skipping_env: WorkflowEnvironment
    ) -> None:
        """Received 2026-03-02 in person; decided 03-27, released 03-30 (entered months later): on time."""
        env = time_skipping_env
        async with case_worker(env.client) as queue:
            handle = await start_case(env.client, queue, RECEIVED, channel="in_person")
            before = await clocked(handle)
            assert before.clock_view is not None and before.clock_view.due == DUE
            assert before.overdue  # by the wall clock the reply period ran out long ago
            await handle.execute_update("decide", {"by": "li", "outcome": "disclosed", "on": "2026-03-27"})
            await handle.execute_update("approve", {"by": "wang", "on": "2026-03-30"})
            final = await handle.result()
        assert (final.replied_on, final.late, final.overdue) == (DUE, False, False)
        released = next(e for e in final.events if e.action == "approve")
        assert released.on == DUE
        assert released.at.date() > DUE  # recorded when entered

    async def test_the_same_reply_made_a_day_later_is_late(self, time_skipping_env: WorkflowEnvironment) -> None:
        """Released 03-31: late, and still overdue."""
        env = time_skipping_env
        async with case_worker(env.client) as queue:
            handle = await start_case(env.client, queue, RECEIVED, channel="in_person")
            await handle.execute_update("decide", {"by": "li", "outcome": "disclosed", "on": "2026-03-27"})
            await handle.execute_update("approve", {"by": "wang", "on": "2026-03-31"})
            final = await handle.result()
        assert (final.replied_on, final.late, final.overdue) == (date(2026, 3, 31), True, True)


class TestCourtCase:
    async def test_the_sunday_email_of_2017_replied_on_10_july_was_on_time(
        self, time_skipping_env: WorkflowEnvironment
    ) -> None:
        """DOMAIN.md §3: e-mailed Sunday 2017-06-18, 2008 rules; the court upheld a reply on 2017-07-10 as in time.

        Entered years later with the days the actions were taken, the case reaches the court's verdict: on
        time on 07-10, late a day after (the agency that counted from the Sunday would have been wrong).
        """
        env = time_skipping_env
        policy = policy_for(Application.model_validate(application(received="2017-06-18")), OgiConfig())
        assert policy.profile == "2008"  # received before 2019-05-15: the 2008 Regulations govern
        verdicts = {}
        async with case_worker(env.client) as queue:
            for released in ("2017-07-10", "2017-07-11"):
                handle = await start_case(env.client, queue, date(2017, 6, 18), channel="email", policy=policy)
                first = await clocked(handle)
                assert first.clock_view is not None and first.clock_view.due == date(2017, 7, 10)
                await handle.execute_update("decide", {"by": "li", "outcome": "disclosed", "on": "2017-07-06"})
                await handle.execute_update("approve", {"by": "wang", "on": released})
                final = await handle.result()
                verdicts[released] = (final.replied_on, final.late, final.overdue)
        assert verdicts == {
            "2017-07-10": (date(2017, 7, 10), False, False),
            "2017-07-11": (date(2017, 7, 11), True, True),
        }


class TestClockRulesReadTheDayTaken:
    async def test_correction_window_counts_from_receipt_not_today(
        self, time_skipping_env: WorkflowEnvironment
    ) -> None:
        """The correction window counts from receipt to the day the request was made, not to today.

        Made within 7 working days of receipt, it is accepted when entered later; made after them, refused;
        without ``on`` it is judged today, long after.
        """
        env = time_skipping_env
        calendar = load_calendar()
        inside = calendar.add_working_days(RECEIVED, 5)
        outside = calendar.add_working_days(RECEIVED, 9)
        async with case_worker(env.client) as queue:
            late = await start_case(env.client, queue, RECEIVED, channel="in_person")
            with pytest.raises(WorkflowUpdateFailedError) as info:
                await late.execute_update("request_correction", {"by": "li", "items": ["文件名称"]})
            assert "7-working-day window" in refusal(info)
            with pytest.raises(WorkflowUpdateFailedError) as info:
                await late.execute_update(
                    "request_correction", {"by": "li", "items": ["文件名称"], "on": outside.isoformat()}
                )
            assert "7-working-day window" in refusal(info)
            await late.execute_update(
                "request_correction", {"by": "li", "items": ["文件名称"], "on": inside.isoformat()}
            )
            state = await state_of(late)
        assert state.correction is not None and state.correction.requested_on == inside
        # The applicant's period to correct, counted from that day, ran out long ago too: the lapse timer
        # may already have closed the case, and then for exactly that reason.
        assert state.stage in (Stage.AWAITING_CORRECTION, Stage.CLOSED)
        if state.stage is Stage.CLOSED:
            assert [r.value for r in state.reasons] == ["correction_not_made"]

    async def test_extension_before_the_deadline_as_of_its_day(self, time_skipping_env: WorkflowEnvironment) -> None:
        """Extended on 03-25 (before the 03-30 deadline), entered later: accepted, due moves 20 working days."""
        env = time_skipping_env
        people = {"li": [Role.REVIEWER], "zhao": [Role.HEAD]}
        async with case_worker(env.client) as queue:
            handle = await start_case(env.client, queue, RECEIVED, channel="in_person", people=people)
            await clocked(handle)  # registered through intake, a case has its clock from the start
            with pytest.raises(WorkflowUpdateFailedError) as info:
                await handle.execute_update("extend", {"by": "zhao", "reason": "材料较多", "on": "2026-03-31"})
            assert "has passed" in refusal(info)
            await handle.execute_update("extend", {"by": "zhao", "reason": "材料较多", "on": "2026-03-25"})
            state = await state_of(handle)
        assert state.extension is not None and state.extension.on == date(2026, 3, 25)
        assert state.clock_view is not None
        assert state.clock_view.due == load_calendar().add_working_days(DUE, 20)


class TestBounds:
    async def test_future_and_before_the_previous_action_are_refused(
        self, time_skipping_env: WorkflowEnvironment
    ) -> None:
        """``on`` tomorrow, or before the case's previous action, is bad input naming the limit."""
        env = time_skipping_env
        async with case_worker(env.client) as queue:
            handle = await start_case(env.client, queue, RECEIVED, channel="in_person")
            with pytest.raises(WorkflowUpdateFailedError) as info:
                await handle.execute_update("approve", {"by": "li", "on": "2999-01-01"})
            assert "in the future" in refusal(info)
            await handle.execute_update("approve", {"by": "li", "on": "2026-03-20"})
            with pytest.raises(WorkflowUpdateFailedError) as info:
                await handle.execute_update("approve", {"by": "wang", "on": "2026-03-19"})
            assert "before the case's previous action (2026-03-20)" in refusal(info)
            with pytest.raises(WorkflowUpdateFailedError) as info:
                await handle.execute_update("deny", {"by": "wang", "reason": "x", "on": "2026-03-01"})
            assert "previous action" in refusal(info)
            assert (await state_of(handle)).stage is Stage.SECRECY_REVIEW

    async def test_look_back_limit_lets_only_records_users_go_further(
        self, time_skipping_env: WorkflowEnvironment
    ) -> None:
        """With a 30-day look-back, a reviewer may not date an action months back; a records user may."""
        env = time_skipping_env
        async with case_worker(env.client) as queue:
            app = application(received=RECEIVED.isoformat(), channel="in_person")
            policy = CasePolicy(
                lookback_days=30, people={"li": [Role.REVIEWER], "typist": [Role.RECORDS, Role.REVIEWER]}
            )
            from domain.case import CaseInput
            from workflows.disclosure import DisclosureRequestWorkflow

            inp = CaseInput(case_id="T-LOOKBACK", agency_code="TEST", application=app, policy=policy)
            handle = await env.client.start_workflow(
                DisclosureRequestWorkflow.run, inp, id=inp.case_id, task_queue=queue
            )
            with pytest.raises(WorkflowUpdateFailedError) as info:
                await handle.execute_update("approve", {"by": "li", "on": "2026-03-20"})
            assert "more than 30 days back" in refusal(info)
            await handle.execute_update("approve", {"by": "typist", "on": "2026-03-20"})
            assert (await state_of(handle)).stage is Stage.SECRECY_REVIEW
