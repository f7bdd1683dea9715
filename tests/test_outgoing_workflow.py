"""Documents leave the case for real, and the other side's periods run from service, never from the notice.

E-mailed through a real SMTP server, queued for post or collection, served on a recorded or presumed day.
On the time-skipping server with an in-process worker; the suite's SMTP server takes every e-mail.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from temporalio.client import WithStartWorkflowOperation, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from domain.calendar import BEIJING, load_calendar
from domain.case import CaseInput, CasePolicy, CaseState, Stage
from domain.clock import beijing_date
from domain.config import ServiceRules
from domain.outcomes import Outcome, Reason
from domain.outgoing import DeliveryStatus, by_ref
from infra.connection import data_converter
from tests.mail_server import Mailbox
from tests.test_delivery import ProviderStub, provider  # noqa: F401 - the provider fixture
from tests.workflow_support import application, case_worker, document_text, settled, start_case, state_of
from worker import sandbox_runner
from workflows.disclosure import DisclosureRequestWorkflow
from workflows.registry import WORKFLOWS

CAL = load_calendar()


async def working_morning(env: WorkflowEnvironment) -> date:
    """10:00 Beijing on the next working day (time skipped there)."""
    day = beijing_date(await env.get_current_time()) + timedelta(days=1)
    while not CAL.is_working_day(day):
        day += timedelta(days=1)
    await skip_to(env, datetime.combine(day, time(10, 0), BEIJING))
    return day


async def skip_to(env: WorkflowEnvironment, instant: datetime) -> None:
    now = await env.get_current_time()
    assert instant > now
    await env.sleep(instant - now)


async def act(handle: WorkflowHandle[Any, Any], name: str, payload: dict[str, Any]) -> CaseState:
    await handle.execute_update(name, payload)
    return await settled(handle)


async def refused(handle: WorkflowHandle[Any, Any], name: str, payload: dict[str, Any]) -> str:
    before = await settled(handle)
    with pytest.raises(WorkflowUpdateFailedError) as info:
        await handle.execute_update(name, payload)
    assert await state_of(handle) == before, "a refused action changed the case"
    return str(info.value.cause)


class TestEmail:
    async def test_the_reply_arrives_by_email_with_its_number_and_the_trail_says_what_the_server_said(
        self, time_skipping_env: WorkflowEnvironment, mailbox: Mailbox
    ) -> None:
        env = time_skipping_env
        async with case_worker(env.client) as queue:
            today = await working_morning(env)
            handle = await start_case(env.client, queue, today)
            await act(handle, "approve", {"by": "li"})
            await handle.execute_update("approve", {"by": "wang"})
            final = await handle.result()
        reply = by_ref(final.outgoing, "reply")
        assert reply is not None and reply.number is not None and reply.number.endswith("号")
        [dispatch] = reply.deliveries
        assert (dispatch.channel, dispatch.status, dispatch.to) == (
            "email",
            DeliveryStatus.DELIVERED,
            "z***@example.com",
        )
        assert dispatch.served_on == today  # e-mail: served the day the server accepted it (by the case's clock)
        messages = [m for m in mailbox.messages(final.id) if reply.number in str(m["Subject"])]
        assert len(messages) == 1
        assert messages[0]["Message-ID"] == dispatch.reference
        [pdf] = [part for part in messages[0].iter_attachments() if part.get_content_type() == "application/pdf"]
        assert pdf.get_content().startswith(b"%PDF")
        trail = [e.detail for e in final.events if e.action == "delivery" and e.detail.startswith("reply")]
        assert trail == [
            f"reply: sent by e-mail to z***@example.com, message-id {dispatch.reference}, served "
            f"{dispatch.served_on.isoformat() if dispatch.served_on else ''}"
        ]
        text = document_text(reply.files[0])
        assert reply.number in text and "年" in text and "月" in text and "日" in text

    async def test_a_refused_address_is_a_failed_delivery_that_needs_the_clerk(
        self, time_skipping_env: WorkflowEnvironment
    ) -> None:
        """The server's 550 is recorded; the fee period does not start; posting it then starts the period."""
        env = time_skipping_env
        async with case_worker(env.client) as queue:
            today = await working_morning(env)
            handle = await start_case(env.client, queue, today, email="refuse-zhang@example.com")
            st = await act(handle, "fee_notice", {"by": "li", "method": "volume", "pages": 250})
            notice = by_ref(st.outgoing, "fee_notice")
            assert notice is not None and notice.awaiting
            [failed] = notice.deliveries
            assert failed.status is DeliveryStatus.FAILED and "550" in failed.detail
            assert st.attention is not None and "fee_notice could not be sent by email" in st.attention
            assert st.fee is not None and st.fee.pay_by is None
            st = await act(
                handle,
                "record_delivery",
                {
                    "by": "desk",
                    "document": "fee_notice",
                    "channel": "post",
                    "sent_on": today.isoformat(),
                    "reference": "EA123456789CN",
                },
            )
        notice = by_ref(st.outgoing, "fee_notice")
        assert notice is not None and not notice.awaiting
        posted = notice.deliveries[-1]
        assert (posted.channel, posted.status, posted.reference) == ("post", DeliveryStatus.SENT, "EA123456789CN")
        assert posted.served_on == today + timedelta(days=7) and posted.presumed
        assert st.fee is not None and st.fee.pay_by is not None
        assert st.fee.pay_by.due == CAL.add_working_days(today + timedelta(days=7), 20)


class TestPost:
    async def test_a_fee_by_post_never_lapses_before_it_has_run_from_service(
        self, time_skipping_env: WorkflowEnvironment
    ) -> None:
        """Not posted: no period, however long. Posted: presumed served in 7 days. Signed for: from that day."""
        env = time_skipping_env
        async with case_worker(env.client) as queue:
            today = await working_morning(env)
            handle = await start_case(env.client, queue, today, delivery="post")
            st = await act(handle, "fee_notice", {"by": "li", "method": "volume", "pages": 250})
            notice = by_ref(st.outgoing, "fee_notice")
            assert notice is not None and notice.deliveries[0].status is DeliveryStatus.QUEUED
            assert [o.kind for o in st.outgoing].count("service_receipt") == 1  # 送达回证 for the applicant to sign
            assert st.fee is not None and st.fee.pay_by is None
            assert "自收到本通知次日起20个工作日内" in document_text(notice.files[0])
            await env.sleep(timedelta(days=60))
            st = await state_of(handle)
            assert st.stage is Stage.AWAITING_PAYMENT, "the period lapsed before the notice was even posted"
            posted = beijing_date(await env.get_current_time())
            st = await act(
                handle, "record_delivery", {"by": "desk", "document": "fee_notice", "sent_on": posted.isoformat()}
            )
            assert st.fee is not None and st.fee.pay_by is not None
            assert st.fee.pay_by.due == CAL.add_working_days(posted + timedelta(days=7), 20)
            signed = posted + timedelta(days=2)
            await skip_to(env, datetime.combine(signed, time(15, 0), BEIJING))
            st = await act(
                handle, "record_delivery", {"by": "desk", "document": "fee_notice", "served_on": signed.isoformat()}
            )
            assert st.fee is not None and st.fee.pay_by is not None
            assert st.fee.pay_by.due == CAL.add_working_days(signed, 20)
            notice = by_ref(st.outgoing, "fee_notice")
            assert notice is not None and notice.proven and notice.served_on == signed
            assert "day of service is recorded once" in await refused(
                handle, "record_delivery", {"by": "desk", "document": "fee_notice", "served_on": signed.isoformat()}
            )
            await skip_to(env, st.fee.pay_by.deadline_at + timedelta(minutes=1))
            final = await handle.result()
        assert final.outcome is Outcome.OTHER and final.reasons == [Reason.FEE_NOT_PAID]

    async def test_a_consultation_letter_waits_for_posting(self, time_skipping_env: WorkflowEnvironment) -> None:
        env = time_skipping_env
        async with case_worker(env.client) as queue:
            today = await working_morning(env)
            handle = await start_case(env.client, queue, today)
            st = await act(handle, "consult", {"by": "li", "kind": "third_party", "party": "某商贸有限公司"})
            letter = by_ref(st.outgoing, "consultation_letter:c1")
            assert letter is not None and letter.to == "consulted_party"
            assert letter.deliveries[0].channel == "post" and letter.deliveries[0].to == "the consulted party"
            text = document_text(letter.files[0])
            assert "某商贸有限公司" in text and "张三" not in text  # the letter never names the applicant
            assert st.consultations[0].answer_by is None
            st = await act(
                handle,
                "record_delivery",
                {"by": "desk", "document": "consultation_letter:c1", "served_on": today.isoformat()},
            )
        answer_by = st.consultations[0].answer_by
        assert answer_by is not None and answer_by.due == CAL.add_working_days(today, 15)


class TestAcknowledgement:
    async def test_an_agency_may_issue_no_acknowledgement_on_registration_or_on_receipt(
        self, time_skipping_env: WorkflowEnvironment
    ) -> None:
        """With acknowledge_receipt off, neither a case in review from the start nor a confirmed receipt gets one."""
        env = time_skipping_env
        policy = CasePolicy(service=ServiceRules(acknowledge_receipt=False))
        async with case_worker(env.client) as queue:
            today = await working_morning(env)
            at_once = await start_case(env.client, queue, today, policy=policy)
            later = await start_case(env.client, queue, None, policy=policy)
            await later.execute_update("confirm_receipt", {"by": "desk", "received": today.isoformat()})
            confirmed = await settled(later, acknowledges=False)
            default = await settled(await start_case(env.client, queue, today))
            st = await settled(at_once, acknowledges=False)
        assert [o.kind for o in default.outgoing] == ["acknowledgement"]  # the default issues one
        assert st.outgoing == [] and confirmed.outgoing == []
        assert confirmed.stage is Stage.REVIEW and not any(e.action == "issued" for e in st.events + confirmed.events)

    async def test_an_action_that_arrives_with_the_start_does_not_cost_the_acknowledgement(
        self, time_skipping_env: WorkflowEnvironment
    ) -> None:
        """The proposal sent together with the start runs first; the case is still acknowledged, once."""
        env = time_skipping_env
        async with case_worker(env.client) as queue:
            today = await working_morning(env)
            app = application(received=today.isoformat())
            case_id = "T-" + uuid.uuid4().hex[:8].upper()
            inp = CaseInput(case_id=case_id, agency_code="TEST", application=app, policy=CasePolicy())
            start = WithStartWorkflowOperation(
                DisclosureRequestWorkflow.run,
                inp,
                id=case_id,
                task_queue=queue,
                id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            )
            await env.client.execute_update_with_start_workflow("approve", {"by": "li"}, start_workflow_operation=start)
            handle = await start.workflow_handle()
            st = await settled(handle)
            history = await handle.fetch_history()
        assert st.stage is Stage.SECRECY_REVIEW
        assert [o.kind for o in st.outgoing] == ["acknowledgement"]
        # What a case records when its first action comes with the start replays (a worker restart).
        replayed = await Replayer(
            workflows=WORKFLOWS, workflow_runner=sandbox_runner(), data_converter=data_converter()
        ).replay_workflow(history, raise_on_replay_failure=False)
        assert replayed.replay_failure is None, replayed.replay_failure


class TestRecordDelivery:
    async def test_bad_records_are_refused_and_change_nothing(self, time_skipping_env: WorkflowEnvironment) -> None:
        env = time_skipping_env
        async with case_worker(env.client) as queue:
            today = await working_morning(env)
            handle = await start_case(env.client, queue, today, delivery="post")
            await act(handle, "fee_notice", {"by": "li", "method": "volume", "pages": 250})
            cases = [
                ({"document": "reply", "sent_on": today.isoformat()}, "issued no document 'reply'"),
                ({"document": "fee_notice", "sent_on": (today + timedelta(days=1)).isoformat()}, "after today"),
                ({"document": "fee_notice", "sent_on": (today - timedelta(days=1)).isoformat()}, "before fee_notice"),
                ({"document": "fee_notice"}, "give sent_on"),
                ({"document": "fee_notice", "failed": "退回", "served_on": today.isoformat()}, "either failed"),
            ]
            for payload, fragment in cases:
                assert fragment in await refused(handle, "record_delivery", {"by": "desk", **payload})


class TestReplyService:
    async def test_a_reply_to_collect_keeps_the_case_until_it_is_collected_and_late_can_follow_service(
        self, time_skipping_env: WorkflowEnvironment
    ) -> None:
        """Closed when made; the workflow waits for the day of collection, which the verdict then reads."""
        env = time_skipping_env
        policy = CasePolicy(late_judged_by="served")
        async with case_worker(env.client) as queue:
            today = await working_morning(env)
            handle = await start_case(env.client, queue, today, delivery="collect", policy=policy)
            st = await settled(handle)
            assert st.clock_view is not None
            due = st.clock_view.due
            await act(handle, "approve", {"by": "li"})
            await handle.execute_update("approve", {"by": "wang"})
            for _ in range(100):
                st = await state_of(handle)
                if st.stage is Stage.CLOSED:
                    break
                await asyncio.sleep(0.05)
            assert st.stage is Stage.CLOSED and st.late is False
            reply = by_ref(st.outgoing, "reply")
            assert reply is not None and reply.awaiting and not reply.proven
            describe = await handle.describe()
            assert describe.status is not None and describe.status.name == "RUNNING"
            collected = CAL.add_working_days(due, 2)
            await skip_to(env, datetime.combine(collected, time(11, 0), BEIJING))
            await handle.execute_update(
                "record_delivery", {"by": "desk", "document": "reply", "served_on": collected.isoformat()}
            )
            final = await handle.result()
        reply = by_ref(final.outgoing, "reply")
        assert reply is not None and reply.served_on == collected and reply.proven
        assert final.late is True  # judged by the day of service, as this policy says

    async def test_a_reply_entered_after_the_fact_is_not_sent_again(
        self, time_skipping_env: WorkflowEnvironment, mailbox: Mailbox
    ) -> None:
        env = time_skipping_env
        async with case_worker(env.client) as queue:
            handle = await start_case(env.client, queue, date(2026, 3, 2), channel="in_person")
            await settled(handle)
            await handle.execute_update("decide", {"by": "li", "outcome": "disclosed", "on": "2026-03-27"})
            await handle.execute_update("approve", {"by": "wang", "on": "2026-03-30"})
            for _ in range(100):
                st = await state_of(handle)
                if by_ref(st.outgoing, "reply") is not None and st.stage is Stage.CLOSED:
                    break
                await asyncio.sleep(0.05)
        reply = by_ref(st.outgoing, "reply")
        assert reply is not None and reply.issued_on == date(2026, 3, 30)
        assert reply.deliveries[0].status is DeliveryStatus.QUEUED and not reply.deliveries[0].automatic
        assert "entered after the fact" in reply.deliveries[0].detail
        assert not [m for m in mailbox.messages(st.id) if "答复书" in str(m["Subject"])]


class TestRepeatedRequest:
    async def test_the_earlier_reply_is_needed_when_none_is_on_record(
        self, time_skipping_env: WorkflowEnvironment
    ) -> None:
        env = time_skipping_env
        async with case_worker(env.client) as queue:
            handle = await start_case(env.client, queue, await working_morning(env))
            message = await refused(
                handle, "decide", {"by": "li", "outcome": "not_handled", "reason": "repeated_request"}
            )
            assert "--earlier-reply-number" in message
            await act(
                handle,
                "decide",
                {
                    "by": "li",
                    "outcome": "not_handled",
                    "reason": "repeated_request",
                    "earlier_reply_number": "六民依申请〔2026〕3号",
                    "earlier_reply_date": "2026-03-02",
                },
            )
            await handle.execute_update("approve", {"by": "wang"})
            final = await handle.result()
        text = document_text(final.reply_document or "")
        assert "六民依申请〔2026〕3号" in text and "2026年3月2日" in text


@pytest.fixture
def sms(provider: str, monkeypatch: pytest.MonkeyPatch) -> str:  # noqa: F811 - the imported fixture
    """An Alibaba-like SMS provider on loopback that checks each request's signature."""
    for name, value in {
        "OGI_SMS_PROVIDER": "aliyun",
        "OGI_SMS_ACCESS_KEY_ID": "LTAItest",
        "OGI_SMS_ACCESS_KEY_SECRET": ProviderStub.secret,
        "OGI_SMS_SIGN_NAME": "六安市民政局",
        "OGI_SMS_TEMPLATE": "SMS_123456789",
        "OGI_SMS_BASE_URL": provider,
    }.items():
        monkeypatch.setenv(name, value)
    return provider


class TestSmsQuietHours:
    async def test_a_ready_notice_waits_for_the_sending_hours(
        self, time_skipping_env: WorkflowEnvironment, sms: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Outside the hours the text is held, on the case's own timer, and sent once they begin."""
        env = time_skipping_env
        now = (await env.get_current_time()).astimezone(BEIJING)
        opens = (now + timedelta(hours=3)).replace(minute=0, second=0, microsecond=0)
        monkeypatch.setenv("OGI_SMS_HOURS", f"{opens:%H:%M}-{opens + timedelta(hours=2):%H:%M}")
        policy = CasePolicy(sms_notices=True, service=ServiceRules())
        async with case_worker(env.client) as queue:
            handle = await start_case(env.client, queue, beijing_date(now), delivery="collect", policy=policy)
            await handle.execute_update("approve", {"by": "li"})
            await handle.execute_update("approve", {"by": "wang"})
            held = None
            for _ in range(200):
                st = await state_of(handle)
                reply = by_ref(st.outgoing, "reply")
                texts = [d for d in reply.deliveries if d.channel == "sms"] if reply else []
                if texts and texts[0].not_before is not None:
                    held = texts[0]
                    break
                await asyncio.sleep(0.05)
            assert held is not None and held.not_before == opens.astimezone(UTC)
            assert not ProviderStub.received, "an SMS went out in the quiet hours"
            await skip_to(env, opens + timedelta(minutes=5))
            for _ in range(200):
                st = await state_of(handle)
                reply = by_ref(st.outgoing, "reply")
                assert reply is not None
                sent = [d for d in reply.deliveries if d.channel == "sms" and d.status is DeliveryStatus.SENT]
                if sent:
                    break
                await asyncio.sleep(0.05)
        assert sent and sent[0].to == "138****0000"
        assert [p["PhoneNumbers"] for p in ProviderStub.received] == ["13800000000"]
