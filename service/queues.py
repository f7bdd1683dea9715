"""The console's work queues (工作台): which cases wait on whom, by role, as read-model listings.

Each queue is a ``listings.Query`` built for the viewer: the secrecy queue never offers a case whose
answer the viewer proposed (four-eyes), "my cases" and "my department" are the viewer's own. A user
sees only the queues of the roles they hold.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from domain.case import Stage
from domain.config import Role
from infra import case_listing
from infra.store import StoreUnavailable
from service import listings
from service.errors import Forbidden, NotFound, Unavailable
from service.identities import Principal
from service.listings import CasePage, Query

DUE_SOON_DAYS = 5
"""The 即将到期 window in working days (the first reminder's distance by default)."""

CASE_ROLES = (Role.INTAKE, Role.REVIEWER, Role.SECRECY_REVIEWER, Role.HEAD, Role.RECORDS)
WATCHERS = (*CASE_ROLES, Role.SUPERVISOR)


@dataclass(frozen=True)
class QueueDef:
    """One work queue: its key, the roles it is for, and the query it lists for a viewer."""

    key: str
    roles: tuple[Role, ...]
    query: Callable[[Principal, int], Query]


def _stage(stage: Stage, clock_paused: bool | None = None) -> Callable[[Principal, int], Query]:
    def build(_: Principal, __: int) -> Query:
        return Query(stage=stage, clock_paused=clock_paused)

    return build


QUEUES: tuple[QueueDef, ...] = (
    QueueDef("receipt", (Role.INTAKE,), _stage(Stage.AWAITING_RECEIPT)),
    QueueDef("correction", (Role.INTAKE,), _stage(Stage.AWAITING_CORRECTION)),
    QueueDef("review", (Role.REVIEWER,), _stage(Stage.REVIEW, clock_paused=False)),
    # At review or after a proposal, a clock standing still means a consultation is out (Arts 32, 34).
    QueueDef(
        "consulting",
        (Role.REVIEWER,),
        lambda _, __: Query(stages=(Stage.REVIEW, Stage.SECRECY_REVIEW), clock_paused=True),
    ),
    QueueDef("payment", (Role.INTAKE, Role.REVIEWER), _stage(Stage.AWAITING_PAYMENT)),
    QueueDef(
        "secrecy",
        (Role.SECRECY_REVIEWER,),
        lambda p, _: Query(stage=Stage.SECRECY_REVIEW, not_proposed_by=p.actor.id),
    ),
    QueueDef("approval", (Role.HEAD,), lambda _, __: Query(awaiting_approval=True)),
    # Replied cases too: a reply to post or to collect still waits for the clerk.
    QueueDef("delivery", (Role.INTAKE, Role.RECORDS), lambda _, __: Query(awaiting_delivery=True)),
    QueueDef("due_soon", WATCHERS, lambda _, days: Query(due_within=days)),
    QueueDef("overdue", WATCHERS, lambda _, __: Query(overdue=True)),
    QueueDef("mine", CASE_ROLES, lambda p, _: Query(assignee=p.actor.name)),
    QueueDef("department", CASE_ROLES, lambda p, _: Query(department=p.actor.department or "")),
)
BY_KEY = {q.key: q for q in QUEUES}


def queues_for(principal: Principal) -> list[QueueDef]:
    """The queues of the roles the viewer holds (every queue when roles are not enforced)."""
    found = [q for q in QUEUES if any(principal.has(r) for r in q.roles)]
    if principal.actor.department is None:
        found = [q for q in found if q.key != "department"]
    return found


def queue_for(principal: Principal, key: str) -> QueueDef:
    """A queue the viewer may open; ``NotFound`` for an unknown one, ``Forbidden`` for another role's."""
    found = BY_KEY.get(key)
    if found is None:
        raise NotFound(f"no work queue '{key[:40]}'", "not_found.queue")
    if found not in queues_for(principal):
        need = " or ".join(r.value for r in found.roles)
        raise Forbidden(f"the queue '{key}' is for the role {need}", "forbidden.role")
    return found


@dataclass(frozen=True)
class Narrowing:
    """What the viewer narrowed a queue to, and how it is sorted."""

    agency: str | None = None
    channel: str | None = None
    descending: bool = False
    due_days: int = DUE_SOON_DAYS


def _query(principal: Principal, key: str, narrowing: Narrowing) -> Query:
    query = queue_for(principal, key).query(principal, narrowing.due_days)
    query.agency = narrowing.agency or None
    if narrowing.channel:
        from domain.application import Channel

        try:
            query.channel = Channel(narrowing.channel)
        except ValueError:
            query.channel = None
    query.descending = narrowing.descending
    return query


async def queue_page(
    principal: Principal, key: str, narrowing: Narrowing, limit: int, after: str | None = None
) -> CasePage:
    """One page of a queue, sorted by due date (keyset cursor in ``next``)."""
    return await listings.list_cases(_query(principal, key, narrowing), limit, after)


def _counts_now(principal: Principal, defs: list[QueueDef], due_days: int) -> dict[str, int]:
    calendars = listings.calendars_or_fail()
    out: dict[str, int] = {}
    try:
        for q in defs:
            filters, _ = listings.filters_for(q.query(principal, due_days), calendars)
            out[q.key] = case_listing.total(filters)
    except StoreUnavailable as exc:
        raise Unavailable(str(exc), "unavailable.store") from None
    return out


async def queue_counts(principal: Principal, due_days: int = DUE_SOON_DAYS) -> dict[str, int]:
    """How many cases wait in each of the viewer's queues."""
    return await asyncio.to_thread(_counts_now, principal, queues_for(principal), due_days)
