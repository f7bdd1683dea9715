"""The reply clock as the law runs it: start, periods, pauses, restarts, extension (Arts 30-35).

Pure functions over ``ClockFacts`` and a working-day calendar; the workflow never computes dates
itself but asks an activity that calls ``compute_clock`` and records the result in history.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Protocol

from domain.calendar import BEIJING
from domain.case import CasePolicy, ClockFacts, ClockView, Pause
from domain.messages import Msg, plural_msg, recognise

REMINDER_TIME = time(9, 0)


class Calendar(Protocol):
    """The part of the working-day calendar the clock needs."""

    @property
    def version(self) -> str: ...

    def is_working_day(self, d: date) -> bool: ...

    def add_working_days(self, start: date, n: int) -> date: ...

    def working_days_between(self, a: date, b: date) -> int: ...

    def deadline_at(self, d: date) -> datetime: ...

    def provisional_reason(self, start: date, end: date) -> str | None: ...


def beijing_date(instant: datetime) -> date:
    """The agency's calendar date at an instant (Beijing time, UTC+8)."""
    return instant.astimezone(BEIJING).date()


def effective_receipt(
    received: date, calendar: Calendar, *, rest_day_moves: bool = True, after_hours: bool = False
) -> date:
    """The day counting starts after (DOMAIN.md §3).

    An application received on a rest day is treated as received on the next working day
    (configurable); a make-up working day (调休) is a working day for receipt too. One received after
    the office-hours cut-off is treated as received on the next working day as well.
    """
    if after_hours or (rest_day_moves and not calendar.is_working_day(received)):
        return calendar.add_working_days(received, 1)
    return received


def _merged(pauses: list[Pause], today: date) -> list[tuple[date, date]]:
    """Pause intervals as half-open day ranges (since, until], open ones running to today, merged."""
    spans = sorted((p.since, p.until if p.until is not None else max(today, p.since)) for p in pauses)
    merged: list[tuple[date, date]] = []
    for since, until in spans:
        if merged and since <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], until))
        else:
            merged.append((since, until))
    return merged


def excluded_working_days(pauses: list[Pause], today: date, calendar: Calendar) -> int:
    """Working days not counted because the clock stood still (overlapping pauses count once).

    The day a pause starts still counts (the agency acted that day); counting resumes the day
    after the pause ends, mirroring the rule that the day of receipt is not counted.
    """
    return sum(calendar.working_days_between(a, b) for a, b in _merged(pauses, today))


def _stops_in_time(
    pauses: list[Pause], start: date, total: int, today: date, calendar: Calendar
) -> tuple[list[Pause], list[Pause]]:
    """The stops that came while the period ran, and those that came after it had run out.

    Only a period still running can be stopped (Art 32, 34: consultation time is not counted *in*
    the period): a consultation or fee notice after the last day cures nothing, so it moves no deadline.
    Each stop is judged on its own against the deadline as the earlier stops left it, before any
    merging, so a late stop cannot ride in on one that merely touches it.
    """
    in_time: list[Pause] = []
    late: list[Pause] = []
    for pause in sorted(pauses, key=lambda p: p.since):
        due = calendar.add_working_days(start, total + excluded_working_days(in_time, today, calendar))
        (late if pause.since > due else in_time).append(pause)
    return in_time, late


def subtract_working_days(end: date, n: int, calendar: Calendar) -> date:
    """The working day from which ``end`` is the n-th working day after."""
    day = end
    while True:
        day -= timedelta(days=1)
        if calendar.working_days_between(day, end) >= n and calendar.is_working_day(day):
            return day


def compute_clock(
    facts: ClockFacts,
    calendar: Calendar,
    today: date,
    *,
    rest_day_moves: bool = True,
    correction_notice_days: int = 7,
    reminder_days: list[int] | None = None,
) -> ClockView:
    """Due date, working days used and left, and the trace of how they follow from the facts."""
    start = effective_receipt(facts.received, calendar, rest_day_moves=rest_day_moves, after_hours=facts.after_hours)
    period = facts.longer_period_days or facts.reply_days
    total = period + facts.extension_days
    in_time, late = _stops_in_time(facts.pauses, start, total, today, calendar)
    excluded = excluded_working_days(in_time, today, calendar)
    due = calendar.add_working_days(start, total + excluded)
    paused = any(p.until is None for p in in_time)
    counted_until = min(today, due)
    elapsed = calendar.working_days_between(start, counted_until)
    paused_so_far = excluded_working_days([p for p in facts.pauses if p.since < counted_until], counted_until, calendar)
    used = max(0, elapsed - paused_so_far)
    if facts.after_hours:
        kind = _RECEIPT_KINDS[2]
    else:
        kind = _RECEIPT_KINDS[0] if start == facts.received else _RECEIPT_KINDS[1]
    lines = [Msg("received {day} ({kind})", day=facts.received, kind=kind)]
    if start != facts.received:
        lines.append(Msg("treated as received on the next working day, {day}", day=start))
    if facts.restarts:
        lines.append(
            plural_msg(
                "period restarted {n} time on receipt of a corrected application (Art 30)",
                "period restarted {n} times on receipt of a corrected application (Art 30)",
                facts.restarts,
            )
        )
    if facts.longer_period_days:
        lines.append(Msg("longer reply period of {days} working days set (Art 35)", days=facts.longer_period_days))
    else:
        lines.append(Msg("reply period {days} working days from the day after receipt (Art 33)", days=facts.reply_days))
    if facts.extension_days:
        lines.append(
            plural_msg(
                "extended by {n} working day (Art 33 ¶2)",
                "extended by {n} working days (Art 33 ¶2)",
                facts.extension_days,
            )
        )
    for pause in facts.pauses:
        end = Msg("to {day}", day=pause.until) if pause.until else Msg("and still stopped")
        lines.append(
            Msg("clock stopped for {kind} from {day} {end}", kind=pause_kind(pause.kind), day=pause.since, end=end)
        )
    if excluded:
        lines.append(
            plural_msg(
                "{n} working day not counted while the clock stood still",
                "{n} working days not counted while the clock stood still",
                excluded,
            )
        )
    for pause in late:
        lines.append(
            Msg(
                "the stop from {day} began after the period had run out: it does not extend the deadline",
                day=pause.since,
            )
        )
    lines.append(Msg("due {day} at 24:00 Beijing time", day=due))
    # Kept in English (the view is recorded in the case's history); ``explanation_line`` says it again.
    explanation = [str(line) for line in lines]

    reminders = [
        datetime.combine(subtract_working_days(due, n, calendar), REMINDER_TIME, BEIJING)
        for n in sorted(set(reminder_days or []), reverse=True)
    ]
    notice_by = calendar.deadline_at(calendar.add_working_days(start, correction_notice_days))
    return ClockView(
        effective_receipt=start,
        due=due,
        deadline_at=calendar.deadline_at(due),
        used=used,
        left=total - used,
        paused=paused,
        provisional=calendar.provisional_reason(facts.received, due) is not None,
        provisional_reason=calendar.provisional_reason(facts.received, due),
        calendar_version=calendar.version,
        explanation=explanation,
        reminders_at=reminders,
        correction_notice_by=notice_by,
    )


def clock_under(policy: CasePolicy, facts: ClockFacts, calendar: Calendar, today: date) -> ClockView:
    """``compute_clock`` with the receipt rule, correction window and reminders of the case's policy."""
    return compute_clock(
        facts,
        calendar,
        today,
        rest_day_moves=policy.rest_day_moves_to_next_working_day,
        correction_notice_days=policy.rules.correction_notice_days,
        reminder_days=policy.reminders.before_due_working_days,
    )


def clock_change(previous: ClockView | None, view: ClockView, why: str) -> str:
    """The audit line for a newly computed clock: the first due date, a moved one, or "" when nothing moved."""
    if previous is None:
        return f"due {view.due.isoformat()} ({why}; calendar {view.calendar_version})"
    if previous.due == view.due and previous.calendar_version == view.calendar_version:
        return ""
    detail = f"due moved from {previous.due.isoformat()} to {view.due.isoformat()} ({why})"
    if previous.calendar_version != view.calendar_version:
        detail += f"; calendar {previous.calendar_version} → {view.calendar_version}"
    return detail


_RECEIPT_KINDS = (Msg("working day"), Msg("rest day"), Msg("after the office-hours cut-off"))
_PAUSE_KINDS = (Msg("correction"), Msg("fee"), Msg("consultation {id}"))
_ENDS = (Msg("to {day}"), Msg("and still stopped"))


def pause_kind(kind: str) -> Msg | str:
    """What stopped the clock (``correction``, ``fee``, ``consultation c1``), as a message."""
    return recognise(kind, _PAUSE_KINDS) or kind


_EXPLANATION = (
    Msg("received {day} ({kind})"),
    Msg("treated as received on the next working day, {day}"),
    plural_msg(
        "period restarted {n} time on receipt of a corrected application (Art 30)",
        "period restarted {n} times on receipt of a corrected application (Art 30)",
        2,
    ),
    Msg("longer reply period of {days} working days set (Art 35)"),
    Msg("reply period {days} working days from the day after receipt (Art 33)"),
    plural_msg("extended by {n} working day (Art 33 ¶2)", "extended by {n} working days (Art 33 ¶2)", 2),
    Msg("clock stopped for {kind} from {day} {end}"),
    plural_msg(
        "{n} working day not counted while the clock stood still",
        "{n} working days not counted while the clock stood still",
        2,
    ),
    Msg("the stop from {day} began after the period had run out: it does not extend the deadline"),
    Msg("due {day} at 24:00 Beijing time"),
)


def explanation_line(text: str) -> Msg | str:
    """A line of a clock's explanation (kept in English in the case) as a message again; other text unchanged.

    Cases computed before the lines were messages said "restarted 2 time(s)": that wording is recognised too.
    """
    text = text.replace(" time(s) on receipt", " times on receipt")
    nested = {"kind": (*_RECEIPT_KINDS, *_PAUSE_KINDS), "end": _ENDS}
    for template in _EXPLANATION:
        forms = [template.text] if template.plural is None else [template.text, template.plural]
        for form in forms:
            found = recognise(text, [Msg.from_template(form, {})], nested)
            if found is None:
                continue
            if template.plural is None:
                return found
            n = int(str(found.params["n"]))
            return Msg.from_template(template.text, {**found.params, "n": n}, template.plural, n)
    return text
