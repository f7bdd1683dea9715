"""Every path a case can take, run on the time-skipping server to record the histories the replay suite checks.

``python -m tests.history_scenarios NAME`` records a new generation into ``tests/histories/NAME/``; commit it
only together with a workflow change that is guarded by ``workflow.patched`` (see docs/VERSIONING.md).
Earlier generations stay: they are the cases already running when the change is deployed.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from domain.calendar import BEIJING, load_calendar
from domain.clock import beijing_date
from infra.connection import TASK_QUEUE
from tests import mail_server
from tests.conftest import free_port
from tests.workflow_support import NOTICE_2027, application, case_worker, settled, start_case, state_of, time_skipping
from workflows.intake import IntakeWorkflow, intake_workflow_id

HISTORIES = Path(__file__).parent / "histories"

Handle = WorkflowHandle[Any, Any]
Scenario = Callable[[WorkflowEnvironment, str], Awaitable[list[Handle]]]


async def _working_morning(env: WorkflowEnvironment) -> date:
    """Skip to 10:00 Beijing on the next working day; the receipt date of a fresh case."""
    cal = load_calendar()
    day = beijing_date(await env.get_current_time()) + timedelta(days=1)
    while not cal.is_working_day(day):
        day += timedelta(days=1)
    target = datetime.combine(day, time(10), BEIJING)
    await env.sleep(target - await env.get_current_time())
    return day


async def _act(handle: Handle, name: str, payload: dict[str, Any]) -> None:
    """Take the action, then let the case issue and send what it called for (periods run from service)."""
    await handle.execute_update(name, payload)
    if (await state_of(handle)).stage.is_open:
        await settled(handle)


async def _closes(handle: Handle) -> Handle:
    await handle.result()
    return handle


async def happy_path(env: WorkflowEnvironment, queue: str) -> list[Handle]:
    """Approve at review, approve at the secrecy check, reply: disclosed."""
    h = await start_case(env.client, queue, await _working_morning(env))
    await _act(h, "approve", {"by": "li"})
    await _act(h, "approve", {"by": "wang"})
    return [await _closes(h)]


async def refusal_and_send_back(env: WorkflowEnvironment, queue: str) -> list[Handle]:
    """A refused signal, a secrecy send-back, then a partly-disclosed reply with remedies."""
    h = await start_case(env.client, queue, await _working_morning(env))
    await h.signal("approve", {"by": ""})
    await _act(h, "deny", {"by": "li", "reason": "state_secret"})
    await h.signal("approve", {"by": "li"})  # four-eyes: refused, recorded
    await _act(h, "deny", {"by": "wang", "reason": "附件含第三人信息"})
    await _act(h, "decide", {"by": "li", "outcome": "partly_disclosed", "reasons": ["personal_privacy"]})
    await _act(h, "approve", {"by": "wang"})
    return [await _closes(h)]


async def not_held_with_referral(env: WorkflowEnvironment, queue: str) -> list[Handle]:
    """Cannot provide: not held, with the agency that holds it."""
    h = await start_case(env.client, queue, await _working_morning(env))
    await _act(h, "decide", {"by": "li", "outcome": "cannot_provide", "reason": "not_held", "refer_to": "六安市财政局"})
    await _act(h, "approve", {"by": "wang"})
    return [await _closes(h)]


async def correction_restart_extension(env: WorkflowEnvironment, queue: str) -> list[Handle]:
    """Correction stops the clock, the corrected application restarts it, the head extends it once."""
    day = await _working_morning(env)
    h = await start_case(env.client, queue, day)
    await _act(h, "request_correction", {"by": "li", "items": ["请写明文件名称"]})
    await env.sleep(timedelta(days=2))
    await _act(
        h, "submit_correction", {"by": "desk", "received": beijing_date(await env.get_current_time()).isoformat()}
    )
    await _act(h, "extend", {"by": "zhao", "reason": "材料较多", "days": 20})
    await _act(h, "approve", {"by": "li"})
    await _act(h, "approve", {"by": "wang"})
    return [await _closes(h)]


async def correction_abandoned(env: WorkflowEnvironment, queue: str) -> list[Handle]:
    """No correction within its period: closed as abandoned."""
    h = await start_case(env.client, queue, await _working_morning(env))
    await _act(h, "request_correction", {"by": "li", "items": ["请补充身份证明"], "period_days": 3})
    st = await state_of(h)
    assert st.correction is not None and st.correction.respond_by is not None
    await env.sleep(st.correction.respond_by.deadline_at - await env.get_current_time() + timedelta(minutes=1))
    return [await _closes(h)]


async def consultations_lapse(env: WorkflowEnvironment, queue: str) -> list[Handle]:
    """Third party and agency consulted at once; one answers, the other's silence lapses into consent."""
    h = await start_case(env.client, queue, await _working_morning(env))
    await _act(h, "consult", {"by": "li", "kind": "third_party", "party": "某公司"})
    await _act(h, "consult", {"by": "li", "kind": "agency", "party": "六安市财政局"})
    await _act(h, "consultation_answer", {"by": "li", "consultation": "c1", "answer": "objection"})
    # The letter goes by post: the agency's period to answer runs from its presumed service.
    posted = (await settled(h)).outgoing[-1].issued_on.isoformat()
    await _act(h, "record_delivery", {"by": "desk", "document": "consultation_letter:c2", "sent_on": posted})
    st = await state_of(h)
    answer_by = st.consultations[1].answer_by
    assert answer_by is not None
    await env.sleep(answer_by.deadline_at - await env.get_current_time() + timedelta(minutes=1))
    await _act(h, "decide", {"by": "li", "outcome": "not_disclosed", "reason": "trade_secret"})
    await _act(h, "approve", {"by": "wang"})
    return [await _closes(h)]


async def fee_paid_and_fee_unpaid(env: WorkflowEnvironment, queue: str) -> list[Handle]:
    """One fee paid (the clock resumes), one left unpaid (closed as abandoned)."""
    day = await _working_morning(env)
    paid = await start_case(env.client, queue, day)
    unpaid = await start_case(env.client, queue, day)
    await _act(paid, "fee_notice", {"by": "li", "method": "volume", "pages": 250})
    await _act(unpaid, "fee_notice", {"by": "li", "method": "volume", "pages": 40})
    await env.sleep(timedelta(days=3))
    await _act(paid, "pay_fee", {"by": "desk"})
    st = await state_of(unpaid)
    assert st.fee is not None and st.fee.pay_by is not None
    await env.sleep(st.fee.pay_by.deadline_at - await env.get_current_time() + timedelta(minutes=1))
    await _act(paid, "approve", {"by": "li"})
    await _act(paid, "approve", {"by": "wang"})
    return [await _closes(paid), await _closes(unpaid)]


async def longer_period_and_withdrawal(env: WorkflowEnvironment, queue: str) -> list[Handle]:
    """Art 35 longer period, a waived fee, then withdrawal."""
    h = await start_case(env.client, queue, await _working_morning(env))
    await _act(h, "set_longer_period", {"by": "zhao", "reason": "本月第40件申请", "days": 60})
    await _act(h, "fee_notice", {"by": "li", "method": "volume", "pages": 120})
    await _act(h, "waive_fee", {"by": "zhao", "reason": "经济困难"})
    await _act(h, "withdraw", {"by": "desk"})
    return [await _closes(h)]


async def overdue_then_replied(env: WorkflowEnvironment, queue: str) -> list[Handle]:
    """Reminders, overdue at 24:00 of the last day with an escalation, then the late reply."""
    h = await start_case(env.client, queue, await _working_morning(env))
    st = await state_of(h)
    assert st.clock_view is not None
    await env.sleep(st.clock_view.deadline_at - await env.get_current_time() + timedelta(hours=1))
    await _act(h, "recompute_clock", {"by": "system"})
    await _act(h, "approve", {"by": "li"})
    await _act(h, "approve", {"by": "wang"})
    return [await _closes(h)]


async def awaiting_receipt_then_intake(env: WorkflowEnvironment, queue: str) -> list[Handle]:
    """An online application confirmed later, and an application registered through IntakeWorkflow."""
    day = await _working_morning(env)
    h = await start_case(env.client, queue, None)
    await _act(h, "confirm_receipt", {"by": "desk", "received": day.isoformat()})
    app = application(received=day.isoformat())
    intake = await env.client.start_workflow(
        IntakeWorkflow.run, app, id=intake_workflow_id(app.agency, app.external_ref), task_queue=queue
    )
    result = await intake.result()
    case = env.client.get_workflow_handle(result.id)
    await _act(case, "approve", {"by": "li"})
    await _act(case, "approve", {"by": "wang"})
    return [h, intake, await _closes(case)]


async def recompute_moves_period_end(env: WorkflowEnvironment, queue: str) -> list[Handle]:
    """A correction period reaching 2027; the 2027 notice is loaded and the case recomputed; then withdrawn."""
    h = await start_case(env.client, queue, await _working_morning(env))
    await _act(h, "request_correction", {"by": "li", "items": ["请写明文件名称"], "period_days": 60})
    notices = Path(os.environ["OGI_HOME"]) / "calendar"
    notices.mkdir(parents=True, exist_ok=True)
    installed = notices / "2027.json"
    installed.write_text(json.dumps(NOTICE_2027), "utf-8")
    try:
        await _act(h, "recompute_clock", {"by": "admin"})
    finally:
        installed.unlink()  # the scenarios after this one count on the shipped calendar
    await _act(h, "withdraw", {"by": "desk"})
    return [await _closes(h)]


async def imported_at_secrecy_check(env: WorkflowEnvironment, queue: str) -> list[Handle]:
    """A case imported with its history (``ogi import``: started from the replayed state), then released."""
    from domain.actor import ActorRef
    from domain.case import CaseInput
    from domain.import_history import History, replay
    from domain.import_sheet import BY_KEY, application_of, read_row
    from workflows.disclosure import DisclosureRequestWorkflow

    day = await _working_morning(env)
    now = await env.get_current_time()
    cells = {
        "agency": "六安市民政局",
        "external_ref": "IMP-1",
        "channel": "当面提交",
        "applicant_kind": "自然人",
        "applicant_name": "张三",
        "address": "安徽省六安市金安区某路1号",
        "description": "申请公开某文件",
        "received": day,
        "stage": "保密审查",
        "outcome": "部分公开",
        "reasons": "个人隐私",
        "handler": "li",
    }
    row, problems = read_row(2, cells, day, {k: c.header for k, c in BY_KEY.items()})
    assert row is not None, problems
    app, _ = application_of(row)
    assert app is not None
    clerk = ActorRef(id="clerk", name="clerk")
    inp = CaseInput(case_id="IMP-2026-000001", agency_code="IMP", application=app, registered_by=clerk)
    state = replay(inp, row, load_calendar(), now, History(clerk, {}))
    resumed = inp.model_copy(update={"resume": state, "clock": state.clock_view})
    h = await env.client.start_workflow(DisclosureRequestWorkflow.run, resumed, id=inp.case_id, task_queue=queue)
    await _act(h, "approve", {"by": "wang"})
    return [await _closes(h)]


SCENARIOS: dict[str, Scenario] = {
    f.__name__: f
    for f in (
        happy_path,
        refusal_and_send_back,
        not_held_with_referral,
        correction_restart_extension,
        correction_abandoned,
        consultations_lapse,
        fee_paid_and_fee_unpaid,
        longer_period_and_withdrawal,
        overdue_then_replied,
        awaiting_receipt_then_intake,
        recompute_moves_period_end,
        imported_at_secrecy_check,
    )
}


async def record(client: Client, name: str, handles: list[Handle], into: Path) -> list[Path]:
    """Write each workflow's history as JSON, named after the scenario."""
    into.mkdir(parents=True, exist_ok=True)
    written = []
    for i, handle in enumerate(handles):
        history = await client.get_workflow_handle(handle.id).fetch_history()
        path = into / f"{name}-{i}.json"
        path.write_text(history.to_json(), "utf-8")
        written.append(path)
    return written


async def record_all(into: Path) -> list[Path]:
    """Run every scenario on a fresh time-skipping server each and record the histories."""
    written: list[Path] = []
    for name, scenario in SCENARIOS.items():
        async with time_skipping() as env, case_worker(env.client) as queue:
            written += await record(env.client, name, await scenario(env, queue), into)
    return written


def main() -> None:
    """Record a new generation of histories (run after an intended, patched workflow change)."""
    if len(sys.argv) != 2:
        sys.stderr.write("usage: python -m tests.history_scenarios GENERATION  (e.g. 2026-12-documents)\n")
        raise SystemExit(2)
    into = HISTORIES / sys.argv[1]
    into.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("OGI_HOME", tempfile.mkdtemp(prefix="ogi-histories-"))
    os.environ.setdefault("OGI_TASK_QUEUE", TASK_QUEUE)
    # Committed histories replay under any key: recorded without payload encryption (the codec is not
    # what they check, and a key made for one recording would be lost with it).
    os.environ["OGI_ENCRYPTION"] = "off"
    os.environ.pop("OGI_KEYS_FILE", None)
    # The cases e-mail their documents, as under the test suite: to a real SMTP server on loopback.
    controller, _ = mail_server.start(free_port())
    os.environ["OGI_SMTP_URL"] = f"smtp://127.0.0.1:{controller.port}"
    os.environ["OGI_MAIL_FROM"] = "gongkai@lamz.example.gov.cn"
    try:
        for path in asyncio.run(record_all(into)):
            sys.stdout.write(f"{path}\n")
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
