"""Who holds a case and who must approve: assignment (分派), transfer (转办) and sign-for (签收), and requests to the head.

A case belongs to a department and, within it, to a handler. Transferred to another department of
the agency, it waits until that department signs for it before anyone handles it. A handler does not
extend a case or waive a fee alone: they request it with the reason, and the head approves (the
extension, longer period or waiver then takes effect, under the head's name) or declines.
Referring an applicant to another agency is an outcome (Art 36(5)), not a transfer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from domain.action_models import Action, Assign, DecideRequest, RequestApproval, SignFor, Transfer
from domain.actor import Actor
from domain.case import CasePolicy, CaseState, PendingRequest
from domain.clock import beijing_date
from domain.config import Role
from domain.errors import ActionNotAllowed
from domain.messages import Msg, Term, Words

UNDERLYING = {"extension": "extend", "longer_period": "set_longer_period", "fee_waiver": "waive_fee"}
"""The action a granted request stands for."""

CheckUnderlying = Callable[[str, dict[str, Any], CaseState, CasePolicy, datetime, Actor], Action]
ApplyUnderlying = Callable[[str, dict[str, Any], CaseState, CasePolicy, datetime, Actor], tuple[CaseState, str]]


def need_any_role(who: Actor, roles: tuple[Role, ...], what: Msg) -> None:
    """Refuse ``what`` unless ``who`` holds one of ``roles``, naming the roles needed and held."""
    if any(who.has(r) for r in roles):
        return
    held = Words(Term("role", r.value) for r in sorted(who.roles or ()))
    if len(roles) == 1:
        msg = Msg(
            "{name} may not {what}: that needs the role {role} (roles of {name}: {held})",
            name=who.name,
            what=what,
            role=Term("role", roles[0].value),
            held=held,
        )
    else:
        msg = Msg(
            "{name} may not {what}: that needs one of the roles {roles} (roles of {name}: {held})",
            name=who.name,
            what=what,
            roles=Words(Term("role", r.value) for r in roles),
            held=held,
        )
    raise ActionNotAllowed(msg, "forbidden.role")


def underlying_payload(request: PendingRequest, who: Actor, action: Action) -> dict[str, Any]:
    """The payload of the action a request stands for, taken by ``who``."""
    payload: dict[str, Any] = {"by": who.name, "reason": request.reason}
    if request.kind != "fee_waiver" and request.days is not None:
        payload["days"] = request.days
    if action.on is not None:
        payload["on"] = action.on.isoformat()
    return payload


def check(
    name: str,
    action: Action,
    state: CaseState,
    policy: CasePolicy,
    now: datetime,
    who: Actor,
    check_underlying: CheckUnderlying,
) -> None:
    """Refuse an assignment, transfer, sign-for or request that is not possible now; return quietly otherwise."""
    match action:
        case Assign():
            need_any_role(who, (Role.HEAD, Role.INTAKE), Msg("assign a case"))
            if state.pending_department is not None:
                msg = Msg(
                    "assign: case {id} waits for {department} to sign for it; it assigns it then",
                    id=state.id,
                    department=state.pending_department,
                )
                raise ActionNotAllowed(msg, "refused.awaiting_sign_for")
        case Transfer():
            need_any_role(who, (Role.HEAD, Role.INTAKE), Msg("transfer a case to another department"))
            if action.department == (state.pending_department or state.department):
                msg = Msg("transfer: case {id} is with {department} already", id=state.id, department=action.department)
                raise ActionNotAllowed(msg, "refused.once")
        case SignFor():
            if state.pending_department is None:
                msg = Msg("sign_for: case {id} was not transferred; there is nothing to sign for", id=state.id)
                raise ActionNotAllowed(msg, "refused.wrong_stage")
            need_any_role(who, (Role.HEAD, Role.REVIEWER, Role.INTAKE), Msg("sign for a transferred case"))
            if who.verified and who.department is not None and who.department != state.pending_department:
                msg = Msg(
                    "{name} works in {department}; case {id} was transferred to {pending}, which signs for it",
                    name=who.name,
                    department=who.department,
                    id=state.id,
                    pending=state.pending_department,
                )
                raise ActionNotAllowed(msg, "forbidden.department")
        case RequestApproval():
            need_any_role(who, (Role.REVIEWER,), Msg("ask the head for an approval"))
            if state.pending_request is not None:
                pending = state.pending_request
                msg = Msg(
                    "request_approval: a request for {kind} from {day} awaits the head",
                    kind=Term("approval_kind", pending.kind),
                    day=pending.on,
                )
                raise ActionNotAllowed(msg, "refused.once")
            if action.kind == "longer_period" and action.days is None:
                msg = Msg("request_approval: a longer period (Art 35) needs the days asked for")
                raise ActionNotAllowed(msg, "bad_input")
            # The request must be one the head could grant now: checked as the head would take it.
            head = Actor(id="head-check", name=who.name, roles=frozenset(Role), verified=who.verified)
            asked = PendingRequest(
                kind=action.kind, by=who.name, reason=action.reason, days=action.days, on=action.on or beijing_date(now)
            )
            check_underlying(UNDERLYING[action.kind], underlying_payload(asked, who, action), state, policy, now, head)
        case DecideRequest():
            request = state.pending_request
            if request is None:
                msg = Msg("decide_request: no request awaits a decision on case {id}", id=state.id)
                raise ActionNotAllowed(msg, "refused.wrong_stage")
            role = policy.extension_approver if request.kind == "extension" else Role.HEAD
            need_any_role(who, (role,), Msg("decide a request for {kind}", kind=Term("approval_kind", request.kind)))
            if action.approve:
                check_underlying(
                    UNDERLYING[request.kind], underlying_payload(request, who, action), state, policy, now, who
                )
        case _:
            msg = Msg("{name} is not a routing action", name=name)
            raise ActionNotAllowed(msg, "refused.unknown_action")


def apply(
    name: str,
    action: Action,
    new: CaseState,
    policy: CasePolicy,
    now: datetime,
    who: Actor,
    apply_underlying: ApplyUnderlying,
) -> tuple[CaseState, str]:
    """Apply an accepted routing action to ``new`` (a copy); the state and the audit line."""
    match action:
        case Assign():
            new.assignee, new.assignee_id = action.to, None
            return new, f"assigned to {action.to}"
        case Transfer():
            new.pending_department = action.department
            new.assignee = new.assignee_id = None
            return new, f"transferred to {action.department}: {action.reason}"
        case SignFor():
            department = new.pending_department
            new.department, new.pending_department = department, None
            return new, f"signed for by {department}"
        case RequestApproval():
            new.pending_request = PendingRequest(
                kind=action.kind,
                by=who.name,
                by_id=who.id,
                reason=action.reason,
                days=action.days,
                on=action.on or beijing_date(now),
            )
            days = f", {action.days} working days" if action.days else ""
            return new, f"asks the head to approve {action.kind.replace('_', ' ')}{days}: {action.reason}"
        case DecideRequest():
            request = new.pending_request
            assert request is not None
            new.pending_request = None
            if not action.approve:
                note = f": {action.note}" if action.note else ""
                return new, f"declined the request for {request.kind.replace('_', ' ')}{note}"
            granted, detail = apply_underlying(
                UNDERLYING[request.kind], underlying_payload(request, who, action), new, policy, now, who
            )
            return granted, f"approved {request.by}'s request: {detail}"
        case _:
            msg = Msg("{name} cannot be applied", name=name)
            raise ActionNotAllowed(msg, "refused.unknown_action")
