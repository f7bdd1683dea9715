"""What an action would do to a case, without doing it: accepted or refused, the stage, and the clock.

A reviewer's what-if ("if I extend", "if the applicant answers on D", "if the third party answers on
D": when is the reply due?). It runs the same ``check`` and ``apply`` as the workflow on a copy of the
case and computes the clock on the case's calendar, as of any day.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel

from domain import actions
from domain.actor import Actor
from domain.case import CasePolicy, CaseState, ClockView, Deadline, Stage
from domain.clock import Calendar, beijing_date, clock_under
from domain.errors import ActionNotAllowed
from domain.messages import Msg, Translate
from domain.periods import period_deadline, periods_without_end, running_period_ends


class Preview(BaseModel):
    """The outcome of an action that was not taken."""

    case_id: str
    action: str
    as_of: date
    """The day the action was imagined on (Beijing date)."""
    accepted: bool
    refusal: str | None = None
    """Why the case would refuse it, when it would (in the reader's language)."""
    refusal_code: str | None = None
    """The refusal's stable code (``refused.four_eyes``, ``bad_input.date``, ...), when it would be refused."""
    detail: str = ""
    """The audit line the action would write."""
    stage_before: Stage
    stage_after: Stage
    clock_before: ClockView | None = None
    clock_after: ClockView | None = None
    periods: dict[str, Deadline] = {}
    """Periods the action would begin (correction, consultation, payment) and when each would end."""
    not_simulated: list[str] = []
    """What the case would do by itself before the imagined day (a period running out), which a preview
    does not play: by then the case may stand elsewhere and refuse or treat the action differently."""
    calendar_note: str | None = None
    """Set when the case's due date was computed on another calendar than the one previewed on."""

    @property
    def due_moves_by(self) -> int | None:
        """Calendar days the due date would move (negative: earlier); None without a clock before and after."""
        if self.clock_before is None or self.clock_after is None:
            return None
        return (self.clock_after.due - self.clock_before.due).days


def _runs_out_before(state: CaseState, day: date, clock: ClockView | None) -> list[Msg]:
    """Periods of the case that end before ``day``, each with what the case does when it ends."""
    out: list[Msg] = []
    for key, end in running_period_ends(state).items():
        if end.due >= day:
            continue
        if key == "correction":
            out.append(
                Msg("the correction period ends {due}: the application is then deemed abandoned (Art 30)", due=end.due)
            )
        elif key == "fee":
            out.append(
                Msg("the payment period ends {due}: the application is then closed as fee not paid", due=end.due)
            )
        else:
            out.append(
                Msg("consultation {key} ends {due}: it then lapses and the agency decides", key=key, due=end.due)
            )
    # The clock as previewed (this calendar, that day), so the line agrees with the "before" shown beside it.
    if clock is not None and not clock.paused and not state.overdue and clock.due < day:
        out.append(Msg("the reply is due {due}: the case is then overdue and escalated", due=clock.due))
    return out


def _calendar_note(state: CaseState, calendar: Calendar) -> Msg | None:
    view = state.clock_view
    if view is None or view.calendar_version == calendar.version:
        return None
    return Msg(
        "the case's due date {due} was computed on calendar {version}; this preview uses "
        "{current} (notices installed since): `ogi calendar recompute` brings the case onto it",
        due=view.due,
        version=view.calendar_version,
        current=calendar.version,
    )


def preview(
    name: str,
    payload: Any,
    state: CaseState,
    policy: CasePolicy,
    now: datetime,
    calendar: Calendar,
    *,
    actor: Actor | None = None,
    say: Translate = str,
) -> Preview:
    """The action ``name`` with ``payload`` imagined at ``now`` on ``state``; ``state`` is left untouched.

    Before and after are both computed on ``calendar`` as of the imagined day, so their difference is
    the action's alone. ``say`` puts the preview's sentences in the reader's language (English by default).
    """
    today = beijing_date(now)
    before = clock_under(policy, state.clock, calendar, today) if state.clock else None
    note = _calendar_note(state, calendar)
    common = {
        "case_id": state.id,
        "action": name,
        "as_of": today,
        "stage_before": state.stage,
        "clock_before": before,
        "not_simulated": [say(line) for line in _runs_out_before(state, today, before)],
        "calendar_note": say(note) if note is not None else None,
    }
    try:
        action = actions.check(name, payload, state, policy, now, actor)
    except ActionNotAllowed as exc:
        return Preview(
            **common,
            accepted=False,
            refusal=say(exc.message),
            refusal_code=exc.code,
            stage_after=state.stage,
            clock_after=before,
        )

    new = actions.apply(name, action, state, now, policy, actor)
    periods = {
        key: period_deadline(calendar, start, days)
        for key, (start, days) in periods_without_end(new, policy.rules, policy.service).items()
    }
    after = clock_under(policy, new.clock, calendar, today) if new.clock else None
    return Preview(
        **common,
        accepted=True,
        detail=new.events[-1].detail,
        stage_after=new.stage,
        clock_after=after,
        periods=periods,
    )
