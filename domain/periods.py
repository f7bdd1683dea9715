"""The short periods inside a case (correction, consultation, payment): which need an end, and setting it.

Shared by the workflow, which asks an activity for the ends, and by action previews, which compute them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from domain.case import CaseState, Deadline, Stage
from domain.clock import Calendar
from domain.config import RulesProfile, ServiceRules
from domain.outgoing import period_start


def periods_without_end(
    state: CaseState, rules: RulesProfile, service: ServiceRules | None = None
) -> dict[str, tuple[date, int]]:
    """Every period begun but not yet given its end: key → (day it starts after, working days).

    For a case that runs the other side's periods from service (``state.served_periods``), a period
    named in ``service.periods_from_service`` starts after the day its document was served (proven or
    presumed); until that day is known it has no end, so nothing lapses before it has run from service.
    """
    from_service = set(service.periods_from_service) if service is not None and state.served_periods else set()

    def start(period: str, key: str, default: date) -> date | None:
        if period not in from_service:
            return default
        return period_start(state.outgoing, period, key)

    periods: dict[str, tuple[date, int]] = {}
    starts: list[tuple[str, date | None, int]] = []
    if state.correction and state.correction.respond_by is None:
        corr = state.correction
        starts.append(("correction", start("correction", "main", corr.requested_on), corr.period_days))
    for c in state.consultations:
        if c.answer_by is None and c.pending:
            starts.append((c.id, start("consultation", c.id, c.sent), rules.consultation_days))
    if state.fee and state.fee.pay_by is None and state.fee.settled_on is None:
        starts.append(("fee", start("fee", "main", state.fee.issued), rules.fee_payment_days))
    for key, day, days in starts:
        if day is not None:
            periods[key] = (day, days)
    return periods


def period_deadline(calendar: Calendar, start: date, days: int) -> Deadline:
    """The end of ``days`` working days counted after ``start``: its last day and the 24:00 instant."""
    due = calendar.add_working_days(start, days)
    return Deadline(
        due=due,
        deadline_at=calendar.deadline_at(due),
        calendar_version=calendar.version,
        provisional=calendar.provisional_reason(start, due) is not None,
    )


def running_period_ends(state: CaseState) -> dict[str, Deadline]:
    """The ends of the periods still running, by key (``correction``, a consultation's id, ``fee``)."""
    ends: dict[str, Deadline] = {}
    corr = state.correction
    if state.stage is Stage.AWAITING_CORRECTION and corr and corr.corrected_on is None and corr.respond_by:
        ends["correction"] = corr.respond_by
    for c in state.consultations:
        if c.pending and c.answer_by:
            ends[c.id] = c.answer_by
    fee = state.fee
    if state.stage is Stage.AWAITING_PAYMENT and fee and fee.settled_on is None and fee.pay_by:
        ends["fee"] = fee.pay_by
    return ends


def reopen_period_ends(state: CaseState) -> dict[str, Deadline]:
    """Clear the end of every period still running, so it is computed again; the old ends by key.

    After a new holiday notice the ends of running periods may move, as the reply deadline does;
    periods already over keep the end they ran to.
    """
    old = running_period_ends(state)
    set_period_ends(state, dict.fromkeys(old))
    return old


def set_period_ends(state: CaseState, ends: Mapping[str, Deadline | None]) -> None:
    """Write the computed ends into ``state`` (a copy the caller owns); None clears one."""
    if state.correction and "correction" in ends:
        state.correction.respond_by = ends["correction"]
    for c in state.consultations:
        if c.id in ends:
            c.answer_by = ends[c.id]
    if state.fee and "fee" in ends:
        state.fee.pay_by = ends["fee"]
