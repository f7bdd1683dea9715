"""One case as staff see it: its state (by query while it runs, its result once closed), and the case view.

The view is what ``ogi show --json`` prints and ``GET /v1/cases/{id}`` returns: the state, the audit
trail with the refusals the service recorded beside it, and, for roles that may see it, the
application with its personal data (each such read written to the audit log).
"""

from __future__ import annotations

import asyncio
from typing import Any, TypeVar

from temporalio.client import WorkflowExecutionStatus, WorkflowHandle
from temporalio.service import RPCError, RPCStatusCode

from domain.application import Application, intake_warning
from domain.calendar import provisional_reason_message
from domain.case import CasePolicy, CaseState, ClockView, Stage
from domain.clock import explanation_line
from domain.messages import Msg
from domain.outgoing import Outgoing, pending_sends
from infra import audit_log
from infra.i18n import translate
from infra.settings import settings
from infra.store import StoreUnavailable
from service.errors import Forbidden, NotFound, Unavailable
from service.identities import Principal
from service.temporal import client

T = TypeVar("T")


def wait_seconds() -> float:
    """How long to wait for the worker (``OGI_WAIT_SECONDS``)."""
    return settings().wait_seconds


def no_worker(case_id: str) -> Unavailable:
    """The error when no worker answers for a case in time."""
    return Unavailable(
        Msg(
            "no worker answered for case {id} within {seconds} s; is the worker running?",
            id=case_id,
            seconds=f"{wait_seconds():.0f}",
        )
    )


async def ask(handle: WorkflowHandle[Any, Any], query: str, result_type: type[T]) -> T:
    """A query to a running case; no worker to answer it (a timeout, here or at the server) is ``Unavailable``."""
    try:
        return await asyncio.wait_for(handle.query(query, result_type=result_type), timeout=wait_seconds())
    except TimeoutError:
        raise no_worker(handle.id) from None
    except RPCError as exc:
        # The server gives up on a query nobody polls for before we do, with one of these.
        if exc.status in (RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.FAILED_PRECONDITION) or (
            "no poller" in exc.message or "Timeout expired" in exc.message
        ):
            raise no_worker(handle.id) from None
        if exc.status is RPCStatusCode.NOT_FOUND:
            raise not_found(handle.id) from None
        raise


def not_found(case_id: str) -> NotFound:
    """The error for a tracking number with no case."""
    return NotFound(Msg("no case '{id}'; list cases with 'ogi list' (GET /v1/cases)", id=case_id))


async def fetch_state(case_id: str) -> CaseState:
    """The case's state: by query while it runs, from its result once closed."""
    temporal = await client()
    handle = temporal.get_workflow_handle(case_id)
    try:
        desc = await handle.describe()
    except RPCError as exc:
        if exc.status is RPCStatusCode.NOT_FOUND:
            raise not_found(case_id) from None
        if exc.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED):
            raise Unavailable(Msg("Temporal did not answer: {detail}", detail=exc.message)) from None
        raise
    if desc.workflow_type != "DisclosureRequestWorkflow":
        raise not_found(case_id)
    if desc.status is WorkflowExecutionStatus.COMPLETED:
        final: CaseState = await temporal.get_workflow_handle(case_id, result_type=CaseState).result()
        return final
    if desc.status is WorkflowExecutionStatus.CONTINUED_AS_NEW:
        return await ask(temporal.get_workflow_handle(case_id), "state", CaseState)
    return await ask(handle, "state", CaseState)


async def case_policy(case_id: str) -> CasePolicy:
    """The configuration the case runs under."""
    temporal = await client()
    return await ask(temporal.get_workflow_handle(case_id), "policy", CasePolicy)


def state_json(state: CaseState) -> dict[str, Any]:
    """The ``ogi show --json`` object (ARCHITECTURE.md contract plus details)."""
    view = state.clock_view
    return {
        "id": state.id,
        "agency": state.agency,
        "stage": state.stage.value,
        "status": state.status,
        "received": state.received.isoformat() if state.received else None,
        "due": view.due.isoformat() if view else None,
        "deadline_at": view.deadline_at.isoformat() if view else None,
        "overdue": state.overdue,
        "outcome": state.outcome.value if state.outcome else None,
        "reasons": [r.value for r in state.reasons],
        "decision": state.decision.model_dump(mode="json") if state.decision else None,
        "clock": said_clock(view).model_dump(mode="json") if view else None,
        "intake_warnings": [translate(intake_warning(w)) for w in state.intake_warnings],
        "same_content_as": state.same_content_as,
        "correction": state.correction.model_dump(mode="json") if state.correction else None,
        "extension": state.extension.model_dump(mode="json") if state.extension else None,
        "longer_period": state.longer_period.model_dump(mode="json") if state.longer_period else None,
        "consultations": [c.model_dump(mode="json") for c in state.consultations],
        "fee": state.fee.model_dump(mode="json") if state.fee else None,
        "documents": list(state.documents),
        "reply_document": state.reply_document,
        "attention": state.attention,
        "replied_on": state.replied_on.isoformat() if state.replied_on else None,
        "late": state.late,
        "assignee": state.assignee,
        "department": state.department,
        "pending_department": state.pending_department,
        "pending_request": state.pending_request.model_dump(mode="json") if state.pending_request else None,
        "outgoing": [outgoing_json(doc) for doc in state.outgoing],
        # Still doing what its last action called for: the reply, a notice to issue, an e-mail to send.
        "busy": state.stage is Stage.REPLYING or bool(state.to_issue or pending_sends(state.outgoing)),
        "events": [e.model_dump(mode="json") for e in state.events],
    }


def said_clock(view: ClockView) -> ClockView:
    """A clock with its explanation and provisional reason (kept in English) in the reader's language."""
    reason = view.provisional_reason
    return view.model_copy(
        update={
            "explanation": [translate(explanation_line(line)) for line in view.explanation],
            "provisional_reason": translate(provisional_reason_message(reason)) if reason else reason,
        }
    )


def outgoing_json(doc: Outgoing) -> dict[str, Any]:
    """An issued document for ``ogi show --json``: number, files, each delivery and the day of service."""
    data = doc.model_dump(mode="json")
    served = doc.served_on
    data |= {
        "ref": doc.ref,
        "served_on": served.isoformat() if served else None,
        "service_proven": doc.proven,
        "awaiting": doc.awaiting,
    }
    return data


def _refusals(case_id: str) -> list[dict[str, Any]]:
    """Refusals the service recorded for a case (with authentication on they are not in its history)."""
    try:
        found = audit_log.entries(case_id=case_id, kinds=["action_refused"])
    except StoreUnavailable:
        return []
    return [
        {
            "at": e.detail.get("at", e.at.isoformat()),
            "action": e.action,
            "by": e.actor,
            "by_id": e.actor_id,
            "accepted": False,
            "detail": e.detail.get("detail", ""),
            "source": "audit_log",
        }
        for e in found
        if e.entry_key is None  # entries with a key came from the case's own trail, already in its events
    ]


async def case_view(principal: Principal, case_id: str, *, personal: bool = False) -> dict[str, Any]:
    """The case as ``ogi show --json`` shows it; with ``personal``, the application too (roles that may see it).

    Reading personal data is an explicit, audited act: asked for, it is refused (403) to roles that may
    not see it, and each read is an entry in the audit log.
    """
    state = await fetch_state(case_id)
    view = state_json(state)
    refused = await asyncio.to_thread(_refusals, case_id)
    if refused:
        view["events"] = sorted([*view["events"], *refused], key=lambda e: str(e["at"]))
    if personal:
        if not principal.sees_personal_data:
            msg = Msg(
                "{name} may not see applicants' personal data (roles: supervisor and administrators)",
                name=principal.actor.name,
            )

            raise Forbidden(msg, "forbidden.personal_data")
        temporal = await client()
        application = await ask(temporal.get_workflow_handle(case_id), "application", Application)
        view["application"] = application.model_dump(mode="json")
        await asyncio.to_thread(
            audit_log.append,
            "personal_data_read",
            actor_id=principal.actor.id,
            actor=principal.actor.name,
            case_id=case_id,
            detail={"via": principal.via, "fields": sorted(application.applicant.model_fields_set)},
        )
    return view
