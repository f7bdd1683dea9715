"""Intake (登记): read and bound an application, register it once, and start its case under its number.

Every check that can fail runs before a tracking number is taken: the document's size, depth and
characters, its fields, the agency's configuration, the applicant key and the first deadline. Then the
number is allocated and the case started with id = number (idempotent: a start that finds the case
running is the same case). A start that cannot reach Temporal leaves the number allocated: the same
application sent again resumes it, and numbers left allocated for long are voided with the reason
(``settle_allocations``), so the sequence never has an unexplained gap.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import BaseModel
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from activities.intake import RegisterRequest, Registration, register
from domain.actor import ActorRef
from domain.application import Application, intake_warning
from domain.calendar import CalendarError
from domain.case import CaseInput
from domain.clock import beijing_date
from domain.config import ConfigError, Role
from domain.errors import ApplicationRejected
from domain.messages import Msg
from infra import store
from infra.applicant_secret import ApplicantKeyError
from infra.connection import task_queue
from infra.i18n import translate
from infra.settings import settings
from service.errors import BadInput, Unavailable
from service.identities import Principal
from service.temporal import acting_as, client
from workflows import search_attributes as sa
from workflows.disclosure import DisclosureRequestWorkflow, day_start

STALE_ALLOCATION = timedelta(hours=1)
"""How long a number may stay allocated without its case before it is voided."""


class SubmitAnswer(BaseModel):
    """The answer to a submitted application (``POST /v1/cases``, ``ogi submit``); ``warnings`` in the reader's language."""

    id: str
    received: date | None
    due: date | None
    query_code: str
    """For the applicant (查询码): with the tracking number, it looks up the case's status."""
    duplicate: bool = False
    """The same agency and external reference were registered before: this is that case, as it now stands."""
    warnings: list[str] = []
    provisional: bool = False
    calendar_version: str | None = None


def _today() -> date:
    return beijing_date(datetime.now(UTC))


async def submit(principal: Principal, application: Application) -> tuple[SubmitAnswer, bool]:
    """Register an application and start its case; the answer, and whether a case was created by this call."""
    principal.require(Role.INTAKE, what=Msg("register applications"))
    registration = await asyncio.to_thread(_register, application)
    if registration.duplicate and registration.status == "started":
        return _duplicate_answer(registration, application), False
    policy = registration.policy.model_copy(
        update={"verified_actors": settings().auth_on, "sms_notices": bool(settings().sms_provider)}
    )
    inp = CaseInput(
        case_id=registration.case_id,
        agency_code=registration.agency_code,
        application=application,
        policy=policy,
        intake_warnings=registration.warnings,
        clock=registration.clock,
        applicant_month_rank=registration.applicant_month_rank,
        same_content_as=registration.same_content_as,
        query_code_digest=registration.query_code_digest,
        registered_by=ActorRef(id=principal.actor.id, name=principal.actor.name),
    )
    created = await _start_case(principal, inp, application)
    await asyncio.to_thread(store.mark_started, registration.case_id)
    if not created:
        if not registration.duplicate and not await _started_after(registration):
            msg = Msg(
                "tracking number {id} is already used by another case in this namespace: the "
                "case store (OGI_DATABASE_URL) is not the one this namespace's cases were numbered with; point "
                "every worker and ogi serve of the namespace at the same store",
                id=registration.case_id,
            )
            raise Unavailable(msg, "unavailable.store_mismatch")
        return _duplicate_answer(registration, application), False
    clock = registration.clock
    answer = SubmitAnswer(
        id=registration.case_id,
        received=application.received,
        due=clock.due if clock else None,
        query_code=registration.query_code,
        warnings=said_warnings(registration.warnings),
        provisional=clock.provisional if clock else False,
        calendar_version=clock.calendar_version if clock else None,
    )
    return answer, True


def said_warnings(warnings: list[str]) -> list[str]:
    """A case's intake warnings (kept as English sentences) in the reader's language."""
    return [translate(intake_warning(w)) for w in warnings]


def _register(application: Application) -> Registration:
    try:
        return register(
            RegisterRequest(application=application, today=_today()), f"svc-{uuid.uuid4().hex}", status="allocated"
        )
    except (ApplicationRejected, CalendarError) as exc:
        raise BadInput(exc.message, "bad_input.application") from None
    except (ConfigError, ApplicantKeyError, store.KeyMismatch) as exc:
        msg = Msg("registration is not possible here: {detail}", detail=str(exc))
        raise Unavailable(msg, "unavailable.configuration") from None


async def _started_after(registration: Registration) -> bool:
    """Whether the case found under a freshly allocated number was started since (by a concurrent duplicate).

    A case started before its number was allocated here belongs to another store's numbering.
    """
    temporal = await client()
    described = await temporal.get_workflow_handle(registration.case_id).describe()
    allocated = registration.allocated_at
    return allocated is None or described.start_time >= allocated - timedelta(seconds=5)


def _duplicate_answer(registration: Registration, application: Application) -> SubmitAnswer:
    """The first answer for an application registered before, with its due date as the case now stands."""
    row = store.case_record(registration.case_id)
    clock = registration.clock
    return SubmitAnswer(
        id=registration.case_id,
        received=row.received if row else application.received,
        due=row.due if row else (clock.due if clock else None),
        query_code=registration.query_code,
        duplicate=True,
        warnings=said_warnings(registration.warnings),
        provisional=clock.provisional if clock else False,
        calendar_version=clock.calendar_version if clock else None,
    )


def _search_attributes(application: Application, inp: CaseInput) -> TypedSearchAttributes:
    pairs: list[SearchAttributePair[Any]] = [
        SearchAttributePair(sa.STAGE, "review" if application.received else "awaiting_receipt"),
        SearchAttributePair(sa.AGENCY, application.agency),
        SearchAttributePair(sa.CHANNEL, application.channel.value),
        SearchAttributePair(sa.OVERDUE, False),
        SearchAttributePair(sa.CLOCK_PAUSED, False),
    ]
    if application.received:
        pairs.append(SearchAttributePair(sa.RECEIVED_AT, day_start(application.received)))
    if inp.clock:
        pairs.append(SearchAttributePair(sa.DUE_AT, inp.clock.deadline_at))
        pairs.append(SearchAttributePair(sa.DUE_DAY, inp.clock.due.isoformat()))
    return TypedSearchAttributes(pairs)


def case_summary(inp: CaseInput) -> str:
    """The case's line in Temporal's Web UI: no personal data, readable without opening it."""
    app = inp.application
    due = f"due {inp.clock.due.isoformat()}" if inp.clock else "awaiting receipt"
    return f"{inp.case_id} · {app.agency} · {app.channel.value} · {due}"


async def _start_case(principal: Principal, inp: CaseInput, application: Application) -> bool:
    """Start the case workflow (id = tracking number); False when it was started before."""
    return await start_case_workflow(
        principal,
        inp,
        _search_attributes(application, inp),
        case_summary(inp),
        lambda detail: Msg(
            "Temporal did not answer while starting case {id} ({detail}); send the same "
            "application again (same external_ref) to finish its registration under the same number",
            id=inp.case_id,
            detail=detail,
        ),
    )


async def start_case_workflow(
    principal: Principal,
    inp: CaseInput,
    search_attributes: TypedSearchAttributes,
    summary: str,
    unavailable: Callable[[str], Msg | str],
) -> bool:
    """Start a case's workflow as ``principal`` (id = tracking number); False when it was started before.

    When Temporal does not answer, ``unavailable(detail)`` tells the caller how to finish the start.
    """
    temporal = await client()
    try:
        with acting_as(principal.actor):
            await temporal.start_workflow(
                DisclosureRequestWorkflow.run,
                inp,
                id=inp.case_id,
                task_queue=task_queue(),
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
                search_attributes=search_attributes,
                static_summary=summary,
            )
    except WorkflowAlreadyStartedError:
        return False
    except RPCError as exc:
        if exc.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED):
            raise Unavailable(unavailable(exc.message)) from None
        raise
    return True


async def settle_allocations(older_than: timedelta = STALE_ALLOCATION) -> dict[str, list[str]]:
    """Numbers allocated long ago: started cases are marked started, the others voided with the reason."""
    cutoff = datetime.now(UTC) - older_than
    pending = await asyncio.to_thread(store.numbers, "allocated", cutoff)
    temporal = await client()
    started: list[str] = []
    voided: list[str] = []
    for number in pending:
        try:
            await temporal.get_workflow_handle(number.case_id).describe()
        except RPCError as exc:
            if exc.status is not RPCStatusCode.NOT_FOUND:
                raise
            if number.imported:
                continue  # an imported case may be closed in the archive alone; running the import again settles it
            reason = (
                f"the case was never started: registration stopped after the number was taken "
                f"(allocated {number.created_at:%Y-%m-%d %H:%M} UTC) and the intake system did not send it again"
            )
            if await asyncio.to_thread(store.void_number, number.case_id, reason):
                voided.append(number.case_id)
            continue
        await asyncio.to_thread(store.mark_started, number.case_id)
        started.append(number.case_id)
    return {"started": started, "voided": voided}
