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
from domain.errors import ActionNotAllowed
from infra.settings import settings
from service.cases import case_policy, fetch_state
from service.identities import Principal

HIDDEN_CODES = ("refused.wrong_stage", "refused.closed", "forbidden")
"""Refusals that mean the action is simply not this user's now: not offered at all."""
SHOWN_CODES = ("refused.once", "refused.out_of_time", "refused.four_eyes")
"""Refusals of the action itself: listed as unavailable, with the case's reason."""
NOT_OFFERED = frozenset({"recompute_clock"})
"""Actions run for every open case by ``ogi calendar recompute``, not one case at a time."""


class Offer(BaseModel):
    """An action and whether this user may take it now (and, if not, why)."""

    name: str
    available: bool
    reason: str | None = None


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """The field's base type and whether it may be left empty."""
    optional = False
    origin = typing.get_origin(annotation)
    while origin is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
        origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        optional = len(args) < len(typing.get_args(annotation))
        return _unwrap(args[0])[0], optional
    return annotation, optional


def _bound(info: FieldInfo, kind: str) -> int | None:
    for meta in info.metadata:
        found = getattr(meta, kind, None)
        if isinstance(found, int):
            return found
    return None


def sample_value(base: Any, info: FieldInfo, today: date) -> Any:
    """A value of the field's type that its own constraints accept (a stand-in, never sent)."""
    origin = typing.get_origin(base)
    if origin is Literal:
        return typing.get_args(base)[0]
    if origin is list:
        inner = typing.get_args(base)[0] if typing.get_args(base) else str
        return [sample_value(_unwrap(inner)[0], FieldInfo(), today)]
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
        return "c1"
    return "x"


def sample_payload(name: str, who: str, today: date) -> dict[str, Any]:
    """The stand-in payload of an action: each required field with a value of its type."""
    model = ACTIONS[name]
    payload: dict[str, Any] = {"by": who}
    for field, info in model.model_fields.items():
        if field == "by" or not info.is_required():
            continue
        payload[field] = sample_value(_unwrap(info.annotation)[0], info, today)
    return payload


def offers_for(state: CaseState, policy: CasePolicy, principal: Principal, now: datetime) -> list[Offer]:
    """Every action, with whether this user may take it on ``state`` now (pure: no call leaves the process)."""
    actor = principal.actor if settings().auth_on else None
    today = beijing_date(now)
    out: list[Offer] = []
    for name in ACTIONS:
        if name in NOT_OFFERED:
            continue
        try:
            actions.check(name, sample_payload(name, principal.actor.name, today), state, policy, now, actor)
        except ActionNotAllowed as exc:
            code = exc.code or "refused"
            if code.startswith(HIDDEN_CODES):
                continue
            if code.startswith(SHOWN_CODES):
                out.append(Offer(name=name, available=False, reason=str(exc)))
                continue
        out.append(Offer(name=name, available=True))
    return out


async def available_actions(principal: Principal, case_id: str) -> list[Offer]:
    """The actions this user may take on the case now, and those refused for a reason worth showing."""
    state = await fetch_state(case_id)
    if not state.stage.is_open:
        return []
    policy = await case_policy(case_id)
    return offers_for(state, policy, principal, datetime.now(UTC))
