"""The case workflow on the time-skipping test server: every path from registration to reply."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from domain.actions import ActionResult
from domain.calendar import load_calendar
from domain.case import Stage
from domain.clock import beijing_date
from domain.config import Role
from domain.outcomes import Outcome, Reason
from service.actions import perform
from service.identities import claimed
from service.temporal import using
from tests.workflow_support import case_worker, document_text, settled, start_case, state_of


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh OGI_HOME per test, so documents and outbox are the test's own."""
    monkeypatch.setenv("OGI_HOME", str(tmp_path))
    return tmp_path


@pytest.fixture
async def env(time_skipping_env: WorkflowEnvironment, home: Path) -> WorkflowEnvironment:
    """A fresh time-skipping environment, with this test's OGI_HOME set."""
    return time_skipping_env


@pytest.fixture
async def queue(env: WorkflowEnvironment) -> AsyncIterator[str]:
    """A worker running every workflow and activity for the test."""
    async with case_worker(env.client) as name:
        yield name


def outbox(home: Path) -> list[dict[str, Any]]:
    """The notifications the case sent."""
    path = home / "outbox.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]


async def today(env: WorkflowEnvironment) -> date:
    """The agency's date at the test server's current time."""
    return beijing_date(await env.get_current_time())


async def last_working_day(env: WorkflowEnvironment) -> date:
    """The most recent working day on or before today: a receipt date whose clock starts at once."""
    day = await today(env)
    calendar = load_calendar()
    while not calendar.is_working_day(day):
        day -= timedelta(days=1)
    return day


async def update(client: Client, case_id: str, name: str, payload: dict[str, Any]) -> Any:
    """Send an action as an Update."""
    return await client.get_workflow_handle(case_id).execute_update(name, payload)


class TestHappyPath:
    async def test_approved_twice_closes_as_disclosed_with_reply_and_delivery(
        self, env: WorkflowEnvironment, queue: str, home: Path
    ) -> None:
        """Review approval plus a secrecy check by another person closes the case as disclosed."""
        handle = await start_case(env.client, queue, await last_working_day(env))
        st = await state_of(handle)
        assert st.stage is Stage.REVIEW
        assert st.clock_view is not None and st.clock_view.left == 20
        await update(env.client, handle.id, "approve", {"by": "li"})
        assert (await state_of(handle)).stage is Stage.SECRECY_REVIEW
        await update(env.client, handle.id, "approve", {"by": "wang"})
        final = await handle.result()
        assert final.stage is Stage.CLOSED
        assert final.outcome is Outcome.DISCLOSED
        assert final.released_by == "wang"
        reply = Path(final.reply_document or "")
        text = document_text(reply)
        assert "予以公开" in text and handle.id in text and "张三" in text
        assert "行政复议" not in text  # nothing withheld, so no remedies paragraph
        deliveries = [n for n in outbox(home) if n["kind"] == "reply_delivered"]
        assert len(deliveries) == 1 and deliveries[0]["to"] == "applicant" and deliveries[0]["channel"] == "email"
        assert "/" not in json.dumps(deliveries)  # the document by its number, never a file path
        # The acknowledgement is issued and e-mailed alongside the first actions; the reply after both.
        actions = [e.action for e in final.events]
        assert actions[:2] == ["registered", "deadline"]
        assert [a for a in actions if a in ("approve", "replied")] == ["approve", "approve", "replied"]
        assert (actions.count("issued"), actions.count("delivery")) == (2, 2), actions
        replied = next(e for e in final.events if e.action == "replied")
        assert final.reply_document and replied.detail.startswith("reply 六安市民政局依申请〔")


OUTCOME_CASES = [
    ("deny", {"reason": "state_secret"}, Outcome.NOT_DISCLOSED, [Reason.STATE_SECRET], "属于依法确定为国家秘密"),
    ("deny", {"reason": "needs_creation"}, Outcome.CANNOT_PROVIDE, [Reason.NEEDS_CREATION], "另行制作"),
    (
        "decide",
        {"outcome": "partly_disclosed", "reasons": ["personal_privacy"]},
        Outcome.PARTLY_DISCLOSED,
        [Reason.PERSONAL_PRIVACY],
        "个人隐私",
    ),
    (
        "decide",
        {"outcome": "cannot_provide", "reason": "not_held", "refer_to": "六安市财政局"},
        Outcome.CANNOT_PROVIDE,
        [Reason.NOT_HELD],
        "六安市财政局",
    ),
    (
        "decide",
        {
            "outcome": "not_handled",
            "reason": "repeated_request",
            "earlier_reply_number": "六民依申请〔2026〕3号",
            "earlier_reply_date": "2026-03-02",
        },
        Outcome.NOT_HANDLED,
        [Reason.REPEATED_REQUEST],
        "重复申请",
    ),
    ("decide", {"outcome": "already_public"}, Outcome.ALREADY_PUBLIC, [], "已经主动公开"),
    ("decide", {"outcome": "other", "reason": "special_regime"}, Outcome.OTHER, [Reason.SPECIAL_REGIME], "特别规定"),
]


class TestOutcomes:
    @pytest.mark.parametrize(("action", "payload", "outcome", "reasons", "phrase"), OUTCOME_CASES)
    async def test_each_outcome_class_reaches_its_reply(
        self,
        env: WorkflowEnvironment,
        queue: str,
        action: str,
        payload: dict[str, Any],
        outcome: Outcome,
        reasons: list[Reason],
        phrase: str,
    ) -> None:
        """Every outcome class closes with its reason codes and a reply that says what the law requires."""
        handle = await start_case(env.client, queue, await last_working_day(env))
        await update(env.client, handle.id, action, {"by": "li", **payload})
        await update(env.client, handle.id, "approve", {"by": "wang"})
        final = await handle.result()
        assert final.outcome is outcome
        assert final.reasons == reasons
        text = document_text(final.reply_document or "")
        assert phrase in text
        withholding = outcome not in (Outcome.DISCLOSED, Outcome.ALREADY_PUBLIC)
        assert ("行政复议" in text) is withholding
        if outcome in (Outcome.NOT_DISCLOSED, Outcome.PARTLY_DISCLOSED):
            assert "应当先申请行政复议" in text  # reconsideration first since 2024-01-01


class TestSecrecyCheck:
    async def test_secrecy_denial_sends_back_to_review_and_a_new_decision_goes_through(
        self, env: WorkflowEnvironment, queue: str
    ) -> None:
        """A secrecy reviewer's denial returns the case to review; the next decision is checked again."""
        handle = await start_case(env.client, queue, await last_working_day(env))
        await update(env.client, handle.id, "approve", {"by": "li"})
        await update(env.client, handle.id, "deny", {"by": "wang", "reason": "附件含第三人身份证号，需去标识化"})
        st = await state_of(handle)
        assert st.stage is Stage.REVIEW and st.decision is None
        assert [e for e in st.events if e.action == "deny"][-1].detail.startswith("sent back to review")
        await update(
            env.client, handle.id, "decide", {"by": "li", "outcome": "partly_disclosed", "reason": "personal_privacy"}
        )
        await update(env.client, handle.id, "approve", {"by": "wang"})
        final = await handle.result()
        assert final.outcome is Outcome.PARTLY_DISCLOSED

    async def test_same_person_cannot_sign_the_secrecy_check(self, env: WorkflowEnvironment, queue: str) -> None:
        """The person who proposed the answer is refused at the secrecy check and the case is unchanged."""
        handle = await start_case(env.client, queue, await last_working_day(env))
        await update(env.client, handle.id, "approve", {"by": "li"})
        before = await settled(handle)
        with pytest.raises(WorkflowUpdateFailedError) as info:
            await update(env.client, handle.id, "approve", {"by": "li"})
        assert "four-eyes" in str(info.value.cause)
        assert await state_of(handle) == before


class TestRefusals:
    @pytest.mark.parametrize(
        ("name", "payload", "fragment"),
        [
            ("decide", {"by": "li", "outcome": "not_disclosed"}, "needs --reason"),
            (
                "decide",
                {"by": "li", "outcome": "not_disclosed", "reason": "not_held"},
                "belongs to outcome 'cannot_provide'",
            ),
            (
                "decide",
                {"by": "li", "outcome": "partly_disclosed", "reason": "repeated_request"},
                "cannot justify withholding",
            ),
            ("deny", {"by": "li", "reason": "because"}, "is not a reason code"),
            ("deny", {"by": "li"}, "reason: Field required"),
            ("approve", {}, "by: Field required"),
            ("approve", {"by": "li", "colour": "red"}, "colour: Extra inputs are not permitted"),
            ("approve", "li", "must be one JSON object"),
            ("confirm_receipt", {"by": "li", "received": "2026-01-05"}, "only while 'awaiting_receipt'"),
        ],
    )
    async def test_bad_action_is_refused_with_reason_and_changes_nothing(
        self, env: WorkflowEnvironment, queue: str, name: str, payload: Any, fragment: str
    ) -> None:
        """A malformed or wrong-stage action is refused with a reason a clerk can act on; state is unchanged."""
        handle = await start_case(env.client, queue, await last_working_day(env))
        before = await settled(handle)
        with pytest.raises(WorkflowUpdateFailedError) as info:
            await update(env.client, handle.id, name, payload)
        assert fragment in str(info.value.cause)
        assert await state_of(handle) == before

    async def test_refused_signal_is_recorded_as_rejected_and_changes_nothing_else(
        self, env: WorkflowEnvironment, queue: str
    ) -> None:
        """A refused fire-and-forget signal lands in the audit trail as refused, and nothing else changes."""
        handle = await start_case(env.client, queue, await last_working_day(env))
        await update(env.client, handle.id, "approve", {"by": "li"})
        before = await settled(handle)
        await handle.signal("approve", {"by": "li"})
        await handle.signal("decide", {"by": "zhou", "outcome": "disclosed"})
        after = await state_of(handle)
        refused = after.events[len(before.events) :]
        assert [(e.action, e.accepted) for e in refused] == [("approve", False), ("decide", False)]
        assert after.model_copy(update={"events": before.events}) == before

    async def test_accepted_signal_acts_like_the_update(self, env: WorkflowEnvironment, queue: str) -> None:
        """Signals with the same names drive the case like updates do."""
        handle = await start_case(env.client, queue, await last_working_day(env))
        await handle.signal("approve", {"by": "li"})
        await handle.signal("approve", {"by": "wang"})
        final = await handle.result()
        assert final.outcome is Outcome.DISCLOSED

    async def test_closed_case_refuses_every_action(self, env: WorkflowEnvironment, queue: str) -> None:
        """Once withdrawn, the case refuses further actions."""
        handle = await start_case(env.client, queue, await last_working_day(env))
        await update(env.client, handle.id, "withdraw", {"by": "desk", "note": "电话撤回"})
        final = await handle.result()
        assert final.outcome is Outcome.WITHDRAWN and final.stage is Stage.CLOSED
        assert final.reply_document is None

    async def test_roles_are_enforced_when_configured(self, env: WorkflowEnvironment, queue: str) -> None:
        """With people configured, only a secrecy reviewer may sign the secrecy check."""
        people = {"li": [Role.REVIEWER], "zhou": [Role.REVIEWER], "wang": [Role.SECRECY_REVIEWER]}
        handle = await start_case(env.client, queue, await last_working_day(env), people=people)
        await update(env.client, handle.id, "approve", {"by": "li"})
        with pytest.raises(WorkflowUpdateFailedError) as info:
            await update(env.client, handle.id, "approve", {"by": "zhou"})
        assert "secrecy_reviewer" in str(info.value.cause)
        await update(env.client, handle.id, "approve", {"by": "wang"})
        assert (await handle.result()).outcome is Outcome.DISCLOSED


class TestClock:
    async def test_overdue_exactly_after_24_00_of_the_last_working_day(
        self, env: WorkflowEnvironment, queue: str, home: Path
    ) -> None:
        """The case turns overdue only after 24:00 Beijing time of its due date, escalates once, and stays open."""
        handle = await start_case(env.client, queue, await last_working_day(env))
        st = await state_of(handle)
        assert st.clock_view is not None
        deadline = st.clock_view.deadline_at
        now = await env.get_current_time()
        await env.sleep((deadline - now) - timedelta(minutes=1))
        assert not (await state_of(handle)).overdue
        await env.sleep(timedelta(minutes=2))
        st = await state_of(handle)
        assert st.overdue and st.stage is Stage.REVIEW
        kinds = [n["kind"] for n in outbox(home) if n["case_id"] == handle.id]
        assert kinds.count("overdue_escalation") == 1
        assert kinds.count("overdue_notice") == 1  # the reviewer too, on new cases (patch overdue-notice-to-reviewer)
        assert kinds.count("due_reminder") == 2  # 5 and 2 working days before
        await update(env.client, handle.id, "approve", {"by": "li"})
        await update(env.client, handle.id, "approve", {"by": "wang"})
        assert (await handle.result()).outcome is Outcome.DISCLOSED

    async def test_backdated_receipt_across_national_day_is_overdue_at_once(
        self, env: WorkflowEnvironment, queue: str, home: Path
    ) -> None:
        """Received 2024-09-27, the 20 working days run past the National Day holiday to 2024-10-30; long past, the case is overdue at start."""
        handle = await start_case(env.client, queue, date(2024, 9, 27))
        st = await state_of(handle)
        for _ in range(20):
            if st.overdue:
                break
            await env.sleep(1)
            st = await state_of(handle)
        assert st.clock_view is not None and st.clock_view.due == date(2024, 10, 30)
        assert st.overdue
        assert any(e.action == "overdue" for e in st.events)
        assert [n["kind"] for n in outbox(home)].count("overdue_escalation") == 1

    async def test_awaiting_receipt_starts_the_clock_on_confirmation(
        self, env: WorkflowEnvironment, queue: str
    ) -> None:
        """An online application without a receipt date waits; confirmation starts the 20 working days."""
        handle = await start_case(env.client, queue, None)
        st = await state_of(handle)
        assert st.stage is Stage.AWAITING_RECEIPT and st.clock_view is None
        with pytest.raises(WorkflowUpdateFailedError):
            await update(env.client, handle.id, "approve", {"by": "li"})
        day = await last_working_day(env)
        await update(env.client, handle.id, "confirm_receipt", {"by": "desk", "received": day.isoformat()})
        st = await state_of(handle)
        assert st.stage is Stage.REVIEW and st.received == day
        assert st.clock_view is not None
        assert st.clock_view.due == load_calendar().add_working_days(day, 20)

    async def test_future_confirmation_is_refused(self, env: WorkflowEnvironment, queue: str) -> None:
        """Receipt cannot be confirmed for a date after today."""
        handle = await start_case(env.client, queue, None)
        tomorrow = (await today(env)) + timedelta(days=2)
        with pytest.raises(WorkflowUpdateFailedError) as info:
            await update(env.client, handle.id, "confirm_receipt", {"by": "desk", "received": tomorrow.isoformat()})
        assert "in the future" in str(info.value.cause)


class TestRetriedActions:
    async def test_a_retry_before_the_first_is_applied_is_applied_once(
        self, env: WorkflowEnvironment, queue: str
    ) -> None:
        """The same consultation sent twice on the same case state (a retry after a timeout): one consultation."""
        handle = await start_case(env.client, queue, await last_working_day(env))
        payload = {"kind": "third_party", "party": "某商贸有限公司"}
        with using(env.client):
            first, again = await asyncio.gather(
                perform(claimed("li"), handle.id, "consult", payload),
                perform(claimed("li"), handle.id, "consult", payload),
            )
        assert first == again
        st = await state_of(handle)
        assert [c.id for c in st.consultations] == ["c1"]
        assert [e.action for e in st.events].count("consult") == 1

    async def test_the_same_action_on_a_later_state_is_a_new_action(self, env: WorkflowEnvironment, queue: str) -> None:
        """Li approves, the secrecy check sends it back, li approves again with the same words: applied again."""
        handle = await start_case(env.client, queue, await last_working_day(env))
        with using(env.client):
            await perform(claimed("li"), handle.id, "approve", {})
            await perform(claimed("wang"), handle.id, "deny", {"reason": "需去标识化"})
            again = await perform(claimed("li"), handle.id, "approve", {})
        assert isinstance(again, ActionResult)
        assert again.stage is Stage.SECRECY_REVIEW
        assert [e.action for e in (await state_of(handle)).events].count("approve") == 2


class TestReplyTellsTheApplicant:
    async def test_access_goes_into_the_reply_and_the_note_stays_inside(
        self, env: WorkflowEnvironment, queue: str
    ) -> None:
        """Where, how and when to get the information is printed in the reply; the reviewer's note is not."""
        handle = await start_case(env.client, queue, await last_working_day(env))
        await update(
            env.client,
            handle.id,
            "approve",
            {"by": "li", "note": "内部：已核对原件", "access": "请于5个工作日内到本机关政务服务窗口领取纸质件"},
        )
        with pytest.raises(WorkflowUpdateFailedError):
            await update(env.client, handle.id, "approve", {"by": "wang", "access": "改为邮寄"})
        await update(env.client, handle.id, "approve", {"by": "wang"})
        text = document_text((await handle.result()).reply_document or "")
        assert "获取方式、途径和时间：请于5个工作日内到本机关政务服务窗口领取纸质件" in text
        assert "已核对原件" not in text and "改为邮寄" not in text

    async def test_not_handled_names_the_right_channel(self, env: WorkflowEnvironment, queue: str) -> None:
        """A petition is not handled as a disclosure request; the reply says where to take it."""
        handle = await start_case(env.client, queue, await last_working_day(env))
        await update(
            env.client,
            handle.id,
            "decide",
            {"by": "li", "outcome": "not_handled", "reason": "petition_or_complaint", "access": "请向六安市信访局提出"},
        )
        await update(env.client, handle.id, "approve", {"by": "wang"})
        text = document_text((await handle.result()).reply_document or "")
        assert "办理途径：请向六安市信访局提出" in text
