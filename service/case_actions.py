"""Which actions a user may take on a case now, found by asking the case's own rules, for any action defined.

For every action of ``domain.actions.ACTIONS`` the case's ``check`` runs on a copy of its state with a
stand-in payload (each required field given a value of its type): a refusal for the stage, the role or
a closed case means the action is not for this user now; a refusal of the action as such (already done
once, out of time, four-eyes) is shown with its reason; anything else is offered, and the real payload
is checked again when the user previews or sends it. New actions appear without any change here.
"""

from __future__ import annotations

import types
import typing
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from domain import actions
from domain.actions import ACTIONS
from domain.case import CasePolicy, CaseState
from domain.clock import beijing_date
from domain.errors import ActionNotAllowed, MalformedAction
from domain.outcomes import Reason
from infra.settings import settings
from service.cases import case_policy, fetch_state
from service.identities import Principal

SHOWN_CODES = ("refused.once", "refused.out_of_time", "refused.four_eyes")
"""Refusals of the action itself: listed as unavailable, with the case's reason."""
NOT_OFFERED = frozenset({"recompute_clock"})
"""Actions run for every open case by ``ogi calendar recompute``, not one case at a time."""


class Offer(BaseModel):
    """An action and whether this user may take it now (and, if not, why)."""

    name: str
    available: bool
    reason: str | None = None


def unwrap(annotation: Any) -> tuple[Any, bool]:
    """The field's base type and whether it may be left empty."""
    optional = False
    origin = typing.get_origin(annotation)
    while origin is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
        origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        optional = len(args) < len(typing.get_args(annotation))
        return unwrap(args[0])[0], optional
    return annotation, optional


def constraint(annotation: Any, key: str) -> Any:
    """A constraint (``ge``, ``le``, ``max_length``) from an ``Annotated`` anywhere inside the annotation."""
    stack = [annotation]
    while stack:
        current = stack.pop()
        for meta in getattr(current, "__metadata__", ()):
            found = getattr(meta, key, None)
            if found is None:
                found = next((getattr(m, key) for m in getattr(meta, "metadata", ()) if hasattr(m, key)), None)
            if found is not None:
                return found
        stack.extend(typing.get_args(current))
    return None


def _bound(info: FieldInfo, kind: str) -> int | None:
    for meta in info.metadata:
        found = getattr(meta, kind, None)
        if isinstance(found, int):
            return found
    found = constraint(info.annotation, kind)
    return found if isinstance(found, int) else None


def sample_value(base: Any, info: FieldInfo, today: date, state: CaseState | None = None, name: str = "") -> Any:
    """A value of the field's type that its own constraints accept (a stand-in, never sent).

    Two fields name things the case holds, so their stand-in comes from the case: a consultation id (the
    first one still out) and a refusal's reason code (a free-text field that must also read as a code).
    """
    origin = typing.get_origin(base)
    if origin is Literal:
        return typing.get_args(base)[0]
    if origin is list:
        inner = typing.get_args(base)[0] if typing.get_args(base) else str
        return [sample_value(unwrap(inner)[0], FieldInfo(), today)]
    if isinstance(base, type) and issubclass(base, Enum):
        return next(iter(base)).value
    if base is date:
        return today.isoformat()
    if base is bool:
        return False
    if base is int:
        return _bound(info, "ge") or _bound(info, "gt") or 1
    pattern = next((getattr(m, "pattern", None) for m in info.metadata if getattr(m, "pattern", None)), None)
    if pattern == r"^c[0-9]{1,3}$":
        pending = [c.id for c in state.consultations if c.pending] if state is not None else []
        return pending[0] if pending else "c0"
    if name == "reason":
        return next(iter(Reason)).value
    return "x"


def sample_payload(name: str, who: str, today: date, state: CaseState | None = None) -> dict[str, Any]:
    """The stand-in payload of an action: each required field with a value of its type."""
    model = ACTIONS[name]
    payload: dict[str, Any] = {"by": who}
    for field, info in model.model_fields.items():
        if field == "by" or not info.is_required():
            continue
        payload[field] = sample_value(unwrap(info.annotation)[0], info, today, state, field)
    return payload


def _choices(base: Any) -> list[Any]:
    if typing.get_origin(base) is Literal:
        return list(typing.get_args(base))
    if isinstance(base, type) and issubclass(base, Enum):
        return [m.value for m in base]
    return []


def stand_ins(name: str, who: str, today: date, state: CaseState | None = None) -> list[dict[str, Any]]:
    """Payloads to try: the required fields alone, then every field filled, each choice of a choice field in turn.

    One stand-in may hit a refusal of its own values (a fee notice by count when this month's applications
    are free): the action is offered when any of them would be accepted.
    """
    model = ACTIONS[name]
    base = sample_payload(name, who, today, state)
    full = dict(base)
    choices: list[tuple[str, list[Any]]] = []
    for field, info in model.model_fields.items():
        if field == "by":
            continue
        kind = unwrap(info.annotation)[0]
        if field not in full:
            # An optional number at its largest: the one that makes a quantity count (pages for a fee).
            upper = _bound(info, "le") if kind is int else None
            full[field] = upper if upper is not None else sample_value(kind, info, today, state, field)
        if found := _choices(kind):
            choices.append((field, found))
    out = [base, full]
    out += [{**full, field: value} for field, values in choices for value in values]
    return out


def offers_for(state: CaseState, policy: CasePolicy, principal: Principal, now: datetime) -> list[Offer]:
    """Every action, with whether this user may take it on ``state`` now (pure: no call leaves the process)."""
    actor = principal.actor if settings().auth_on else None
    today = beijing_date(now)
    out: list[Offer] = []
    for name in ACTIONS:
        if name in NOT_OFFERED:
            continue
        first: ActionNotAllowed | None = None
        for payload in stand_ins(name, principal.actor.name, today, state):
            try:
                actions.check(name, payload, state, policy, now, actor)
            except MalformedAction:
                first = None  # the stand-in did not fit the model: the form and its preview will say what does
                break
            except ActionNotAllowed as exc:
                first = first or exc
                if (exc.code or "").startswith(("refused.wrong_stage", "refused.closed", "forbidden")):
                    break  # no payload changes the stage, the role or a closed case
                continue
            first = None
            break
        if first is None:
            out.append(Offer(name=name, available=True))
        elif (first.code or "").startswith(SHOWN_CODES):
            out.append(Offer(name=name, available=False, reason=str(first)))
    return out


async def available_actions(principal: Principal, case_id: str) -> list[Offer]:
    """The actions this user may take on the case now, and those refused for a reason worth showing."""
    state = await fetch_state(case_id)
    if not state.stage.is_open:
        return []
    policy = await case_policy(case_id)
    return offers_for(state, policy, principal, datetime.now(UTC))
