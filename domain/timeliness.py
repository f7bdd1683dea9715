"""Timeliness of one year's replies per agency (办理时效): on time, late, extended, working days taken.

A supervisor's supplement to the annual report, not part of the 30号 form: the 督办 list of cases
answered late and how often each agency extends. Pure: the caller hands in archived records and a
calendar per agency (regions differ in holidays).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from statistics import median
from typing import NamedTuple

from pydantic import BaseModel

from domain.calendar import WorkingCalendar
from domain.report import CaseRecord, period_end

TOTAL = "total"
"""The ``agency`` of the row that sums every agency."""


class Timeliness(BaseModel):
    """One agency's cases closed in the year after their receipt was confirmed (a clock ran)."""

    agency: str
    closed: int
    on_time: int
    late: int
    """Closed after the reply deadline had passed (the case's own overdue judgement, pauses respected)."""
    extended: int
    """Cases whose reply period was extended (Art 33 ¶2)."""
    median_working_days: float | None
    """Working days from receipt to close, pauses included; None when nothing closed."""
    max_working_days: int | None
    most_days_late: int | None
    """Calendar days between the due day and the close of the latest late case; None when none was late."""
    late_cases: list[str]
    """Tracking numbers of the late cases, for follow-up (督办)."""


class _Closed(NamedTuple):
    record: CaseRecord
    received: date
    closed: date


def _row(agency: str, cases: list[_Closed], calendar_for: Callable[[CaseRecord], WorkingCalendar]) -> Timeliness:
    taken: list[int] = []
    days_late: list[int] = []
    late: list[str] = []
    for rec, received, closed in cases:
        taken.append(calendar_for(rec).working_days_between(received, closed))
        # The case's own judgement, not close > due: a case closed while its clock stood still (fee not
        # paid, correction not made) keeps a due date that stopped moving, yet was never late. A reply's
        # verdict counts the day it was made, even when entered later.
        if rec.late if rec.late is not None else rec.overdue:
            late.append(rec.case_id)
            if rec.due is not None:
                days_late.append(max(0, (closed - rec.due).days))
    return Timeliness(
        agency=agency,
        closed=len(cases),
        on_time=len(cases) - len(late),
        late=len(late),
        extended=sum(c.record.extended for c in cases),
        median_working_days=float(median(taken)) if taken else None,
        max_working_days=max(taken) if taken else None,
        most_days_late=max(days_late) if days_late else None,
        late_cases=sorted(late),
    )


def timeliness(
    records: list[CaseRecord],
    year: int,
    calendar_for: Callable[[CaseRecord], WorkingCalendar],
    through: date | None = None,
) -> list[Timeliness]:
    """One row per agency with a case closed in ``year`` (to the cutoff day), by name, then the ``total`` row.

    Cases closed without a confirmed receipt never had a reply period, so they are left out.
    """
    last = period_end(year, through)
    chosen = [
        _Closed(r, r.received, r.replied_on or r.closed_day)
        for r in records
        if r.received is not None and r.closed_day is not None and date(year, 1, 1) <= r.closed_day <= last
    ]
    by_agency: dict[str, list[_Closed]] = {}
    for case in chosen:
        by_agency.setdefault(case.record.agency, []).append(case)
    rows = [_row(agency, by_agency[agency], calendar_for) for agency in sorted(by_agency)]
    return [*rows, _row(TOTAL, chosen, calendar_for)]
