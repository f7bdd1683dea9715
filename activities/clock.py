"""Deadline computation: the calendar and the clock rules, run outside the workflow and recorded."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel
from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.calendar import CalendarError, load_calendar
from domain.case import CasePolicy, ClockFacts, ClockView, Deadline
from domain.clock import clock_under
from domain.periods import period_deadline
from infra.paths import notices_dir


class ClockRequest(BaseModel):
    """The facts of a case's clock, the policy it runs under and the agency's date today."""

    facts: ClockFacts
    policy: CasePolicy
    today: date


def clock_for(request: ClockRequest) -> ClockView:
    """Compute the clock with the calendar currently loaded (shipped data plus loaded notices)."""
    calendar = load_calendar(request.policy.region, notices_dir())
    return clock_under(request.policy, request.facts, calendar, request.today)


def _final(exc: CalendarError) -> ApplicationError:
    # Retrying cannot move a date into the calendar's range: fail once, so the case can refuse or flag it.
    return ApplicationError(str(exc), type="CalendarError", non_retryable=True)


@activity.defn(name="compute_clock")
def compute_clock_activity(request: ClockRequest) -> ClockView:
    """Due date, days used and left, reminders and the explanation, with the calendar version used."""
    try:
        return clock_for(request)
    except CalendarError as exc:
        raise _final(exc) from None


class PeriodStart(BaseModel):
    """A period of working days counted from the day after ``start``."""

    start: date
    days: int


class PeriodsRequest(BaseModel):
    """Periods to turn into deadlines on one region's calendar."""

    region: str | None = None
    periods: dict[str, PeriodStart]


@activity.defn(name="period_deadlines")
def period_deadlines(request: PeriodsRequest) -> dict[str, Deadline]:
    """The end of each period (correction, consultation, payment) as a date and a 24:00 instant."""
    try:
        calendar = load_calendar(request.region, notices_dir())
        return {key: period_deadline(calendar, p.start, p.days) for key, p in request.periods.items()}
    except CalendarError as exc:
        raise _final(exc) from None
