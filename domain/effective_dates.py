"""The day an action was actually taken (``on``): its bounds, and the instant the rules read in its place.

A reply signed on the last day and entered the next morning was made on time; a correction request
made yesterday must be judged by yesterday's window. Every rule that counts from a day therefore reads
the effective day: noon Beijing time of ``on`` stands for "when it happened" (half a day from any
24:00 deadline, so a comparison never meets a tie), while the audit trail keeps when it was recorded.
"""

from __future__ import annotations

from datetime import date, datetime, time

from domain.actor import Actor
from domain.calendar import BEIJING
from domain.case import CasePolicy, CaseState
from domain.clock import beijing_date
from domain.config import Role
from domain.errors import ActionNotAllowed
from domain.messages import Msg

NOON = time(12)


def effective_now(on: date | None, now: datetime) -> datetime:
    """The instant the rules read: now, or noon Beijing time of an earlier day the action was taken."""
    if on is None or on >= beijing_date(now):
        return now
    return datetime.combine(on, NOON, BEIJING)


def last_effective_day(state: CaseState) -> date | None:
    """The day of the case's latest action by a person (system events follow from those, they do not bound)."""
    days: list[date] = []
    for event in state.events:
        if not event.accepted or event.by == "system":
            continue
        if event.action == "registered":
            # A case effectively starts on its receipt, which may precede its registration.
            registered = event.on or beijing_date(event.at)
            days.append(min(registered, state.received) if state.received else registered)
            continue
        days.append(event.on or beijing_date(event.at))
    return max(days) if days else None


def check_effective_day(name: str, on: date, state: CaseState, policy: CasePolicy, who: Actor, now: datetime) -> None:
    """Refuse an ``on`` day in the future, before the case's previous action, or beyond the look-back."""
    today = beijing_date(now)
    if on > today:
        msg = Msg("{name}: on {on} is in the future (today is {today} in Beijing)", name=name, on=on, today=today)
        raise ActionNotAllowed(msg, "bad_input.date")
    previous = last_effective_day(state)
    if previous is not None and on < previous:
        msg = Msg(
            "{name}: on {on} is before the case's previous action ({previous}); "
            "actions are entered in the order they were taken",
            name=name,
            on=on,
            previous=previous,
        )
        raise ActionNotAllowed(msg, "bad_input.date")
    limit = policy.lookback_days
    if limit is not None and (today - on).days > limit:
        entering_for_someone = who.recorded_by is not None
        if not entering_for_someone and not (who.roles is not None and Role.RECORDS in who.roles):
            msg = Msg(
                "{name}: on {on} is more than {limit} days back; this agency lets only a records "
                "user enter actions that old (acted_by names the colleague who took it)",
                name=name,
                on=on,
                limit=limit,
            )

            raise ActionNotAllowed(msg, "forbidden.lookback")
