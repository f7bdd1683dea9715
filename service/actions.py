"""Reviewer actions: sent as Updates under the verified user, previewed without sending, refusals recorded.

An action's Update id is stable for a retry (the caller's idempotency key, else the action, the case's
revision and the payload's digest), so a retry after a timeout is applied once. A refusal reaches the
caller with its stable code, and is recorded: in the store's audit log (authentication on), or in the
case's own trail (authentication off, as any Temporal client would see it).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
from datetime import UTC, date, datetime, time
from typing import Any

from pydantic import BaseModel
from temporalio.client import WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError, WorkflowUpdateStage
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from domain import actions
from domain.actions import ACTIONS, ActionResult
from domain.actor import Actor
from domain.calendar import BEIJING, CalendarError, load_calendar
from domain.clock import beijing_date
from domain.errors import MalformedAction
from domain.messages import Msg, Text, Words
from domain.preview import Preview, preview
from infra import audit_log, store
from infra.i18n import translate
from infra.paths import notices_dir
from infra.settings import settings
from service.cases import case_policy, fetch_state, not_found, said_clock, wait_seconds
from service.errors import BadInput, NotFound, Refused, ServiceError, Unavailable, from_code
from service.identities import Principal, acting_for
from service.temporal import acting_as, client

LIST_FIELDS = {"items": "item", "reasons": "reason"}
"""Payload lists whose CLI option is repeated under a singular name."""


class Accepted(BaseModel):
    """A fire-and-forget action the case accepted (``?wait=false``): where to ask for its result."""

    id: str
    action: str
    update_id: str
    poll: str


def action_name(raw: str) -> str:
    """The action's name from a URL or command (``request-correction`` or ``request_correction``)."""
    name = raw.replace("-", "_")
    if name not in ACTIONS:
        msg = Msg("unknown action '{name}'; actions: {known}", name=raw, known=Words(sorted(ACTIONS)))
        raise NotFound(msg, "not_found.action")
    return name


def payload_for(name: str, fields: dict[str, Any], actor: Actor) -> dict[str, Any]:
    """The action's payload: its fields (empty ones dropped) and ``by`` = the acting user; checked here first."""
    if "by" in fields and settings().auth_on:
        msg = Msg("'by' is set from your credentials; leave it out (a records user names a colleague with acted_by)")
        raise BadInput(msg, "bad_input.by", field="by")
    payload = {k: v for k, v in fields.items() if v is not None and v != [] and k != "by"}
    payload["by"] = actor.name
    try:
        actions.parse(name, payload)
    except MalformedAction as exc:
        raise BadInput(exc.message, field=exc.field) from None
    return payload


def update_id(name: str, payload: dict[str, Any], revision: int | None, key: str | None) -> str:
    """The Update id of an action: the same for a retry of the same action, so it is applied once.

    The payload enters only as a digest: Update ids are stored in history unencrypted.
    """
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]
    if key is not None:
        return f"{name}-k-{hashlib.sha256(key.encode()).hexdigest()[:16]}-{digest}"
    return f"{name}-{revision if revision is not None else 'x'}-{digest}"


def _cause(exc: BaseException) -> tuple[str, str | None, str, Text]:
    """Message, type and code of the ApplicationError under an update failure, and the message to say.

    The message to say is the refusal's template and values where the case sent them (its details
    after the code), else its English text.
    """
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ApplicationError):
            code = str(cause.details[0]) if cause.details else "refused"
            said: Text = cause.message
            if len(cause.details) > 1 and isinstance(cause.details[1], dict):
                with contextlib.suppress(TypeError, ValueError, KeyError):
                    said = Msg.from_json(cause.details[1])
            return cause.message, cause.type, code, said
        cause = cause.__cause__
    return str(exc), None, "refused", str(exc)


def refused(reason: Text) -> Msg:
    """The message of a refusal the case sent: ``refused: <its reason>``."""
    return Msg("refused: {reason}", reason=reason)


def _record_refusal(actor: Actor, case_id: str, name: str, message: str, code: str) -> None:
    audit_log.append(
        "action_refused",
        actor_id=actor.id,
        actor=actor.name,
        case_id=case_id,
        action=name,
        detail={"at": datetime.now(UTC).isoformat(), "detail": message, "code": code},
    )


async def perform(
    principal: Principal,
    case_id: str,
    name: str,
    fields: dict[str, Any],
    *,
    acted_by: str | None = None,
    idempotency_key: str | None = None,
    wait: bool = True,
) -> ActionResult | Accepted:
    """Send an action as an Update under the verified user; its result, or (``wait=False``) where to poll."""
    name = action_name(name)
    actor = acting_for(principal, acted_by)
    payload = payload_for(name, fields, actor)
    row = await asyncio.to_thread(_row_revision, case_id)
    uid = update_id(name, payload, row, idempotency_key)
    temporal = await client()
    handle = temporal.get_workflow_handle(case_id)
    timeout = wait_seconds()
    try:
        with acting_as(actor):
            if not wait:
                await asyncio.wait_for(
                    handle.start_update(
                        name, payload, id=uid, wait_for_stage=WorkflowUpdateStage.ACCEPTED, result_type=ActionResult
                    ),
                    timeout=timeout,
                )
                return Accepted(id=case_id, action=name, update_id=uid, poll=f"/v1/cases/{case_id}/updates/{uid}")
            return await asyncio.wait_for(
                handle.execute_update(name, payload, id=uid, result_type=ActionResult), timeout=timeout
            )
    except WorkflowUpdateFailedError as exc:
        message, kind, code, said = _cause(exc)
        if kind not in ("ActionNotAllowed", "Unauthenticated", "Forbidden"):
            code = "refused"
        await _report_refusal(actor, case_id, name, message, code, payload)
        raise from_code(code, refused(said)) from None
    except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
        msg = Msg(
            "no worker answered for case {id} within {seconds} s; the action may still be applied "
            "when a worker catches up; check 'ogi show {id}' before sending it again",
            id=case_id,
            seconds=f"{timeout:.0f}",
        )
        raise Unavailable(msg) from None
    except RPCError as exc:
        raise _rpc_error(exc, case_id) from None


async def _report_refusal(
    actor: Actor, case_id: str, name: str, message: str, code: str, payload: dict[str, Any]
) -> None:
    if settings().auth_on:
        await asyncio.to_thread(_record_refusal, actor, case_id, name, message, code)
        return
    # Authentication off: the case's own trail takes it, as for any Temporal client (it may have closed).
    temporal = await client()
    with contextlib.suppress(RPCError):
        await temporal.get_workflow_handle(case_id).signal(
            "record_rejection", {"by": payload.get("by", "unknown"), "action": name, "reason": message}
        )


def _row_revision(case_id: str) -> int | None:
    try:
        row = store.case_record(case_id)
    except store.StoreUnavailable:
        return None
    return row.revision if row is not None else None


def _rpc_error(exc: RPCError, case_id: str) -> ServiceError:
    if exc.status is RPCStatusCode.NOT_FOUND:
        if "completed" in exc.message or "closed" in exc.message:
            return Refused(closed(case_id), "refused.closed")
        return not_found(case_id)
    if exc.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED):
        return Unavailable(Msg("Temporal did not answer: {detail}", detail=exc.message))
    if exc.status is RPCStatusCode.FAILED_PRECONDITION:
        return Refused(closed(case_id), "refused.closed")
    return Refused(Msg("Temporal refused the request: {detail}", detail=exc.message))


def closed(case_id: str) -> Msg:
    """The refusal of anything on a closed case."""
    return Msg("case {id} is closed; no further action is possible", id=case_id)


async def update_result(case_id: str, uid: str) -> ActionResult | None:
    """The result of a fire-and-forget action, or None while it is still being applied."""
    temporal = await client()
    handle = temporal.get_workflow_handle(case_id).get_update_handle(uid, result_type=ActionResult)
    try:
        return await asyncio.wait_for(handle.result(), timeout=1.0)
    except TimeoutError:
        return None
    except WorkflowUpdateFailedError as exc:
        _message, _kind, code, said = _cause(exc)
        raise from_code(code, refused(said)) from None
    except RPCError as exc:
        raise _rpc_error(exc, case_id) from None


def imagined_now(as_of: date | None) -> datetime:
    """Now, or noon Beijing time of the ``as_of`` day (which may not be before today)."""
    now = datetime.now(UTC)
    if as_of is None:
        return now
    today = beijing_date(now)
    if as_of < today:
        msg = Msg(
            "as_of {day} is before today ({today}); a preview imagines an action from today on", day=as_of, today=today
        )
        raise BadInput(msg, "bad_input.date", field="as_of")
    return now if as_of == today else datetime.combine(as_of, time(12), BEIJING)


async def preview_action(
    principal: Principal,
    case_id: str,
    name: str,
    fields: dict[str, Any],
    *,
    acted_by: str | None = None,
    as_of: date | None = None,
) -> Preview:
    """What the action would do to the case (accepted or refused, stage, clock), computed here; nothing sent."""
    name = action_name(name)
    actor = acting_for(principal, acted_by)
    payload = payload_for(name, fields, actor)
    now = imagined_now(as_of)
    state = await fetch_state(case_id)
    if not state.stage.is_open:
        return Preview(
            case_id=case_id,
            action=name,
            as_of=beijing_date(now),
            accepted=False,
            refusal=translate(closed(case_id)),
            refusal_code="refused.closed",
            stage_before=state.stage,
            stage_after=state.stage,
        )
    policy = await case_policy(case_id)
    try:
        calendar = await asyncio.to_thread(load_calendar, policy.region, notices_dir())
    except CalendarError as exc:
        raise Unavailable(Msg("cannot preview on the calendar: {detail}", detail=exc.message)) from None

    verified = actor if settings().auth_on else None
    try:
        found = preview(name, payload, state, policy, now, calendar, actor=verified, say=translate)
    except CalendarError as exc:
        # A day far ahead can put the action's periods past the calendar's last year: the day asked for is the
        # problem, not the server.
        msg = Msg(
            "{action} cannot be imagined on {day}: {detail}; choose an earlier as_of day",
            action=name,
            day=beijing_date(now),
            detail=exc.message,
        )
        raise BadInput(msg, "bad_input.date", field="as_of") from None
    return found.model_copy(
        update={
            "clock_before": said_clock(found.clock_before) if found.clock_before else None,
            "clock_after": said_clock(found.clock_after) if found.clock_after else None,
        }
    )
