"""An imported case's history placed on the rules: the state it stands in today, or why it cannot be placed.

A row's dated steps (correction, consultation, extension, fee, the decision and its secrecy check,
a withdrawal) are taken in order by the same ``actions.check`` and ``actions.apply`` as a running
case, each as of the day it was taken (``on``); between them, what a running case does by itself
happens when it would have (a period running out, the reply deadline passing: ``periods.agenda``).
So an imported case holds exactly the state, clock and audit trail it would hold had it run in ogi
from its receipt, and a history the rules refuse is refused with the rule's own message.

Every event is recorded at the moment of the import (``at``), entered by the importing user
(``recorded_by``), with the day it happened (``on``). Steps the row names nobody for are recorded
under ``UNRECORDED``: the import does not claim that the importing user took them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from domain import actions
from domain.actor import Actor, ActorRef
from domain.case import CaseEvent, CaseInput, CasePolicy, CaseState, Stage, new_case
from domain.clock import Calendar, beijing_date, clock_change, clock_under
from domain.effective_dates import effective_now
from domain.errors import ActionNotAllowed, OgiError
from domain.fees import FeeMethod
from domain.import_sheet import BY_KEY, ImportRow
from domain.listing_sheet import STAGE_LABELS
from domain.messages import Msg, Term, Text
from domain.outcomes import Outcome, Reason
from domain.periods import agenda, period_deadline, periods_without_end, set_period_ends

UNRECORDED = "未记录"
"""The name a step is recorded under when the row does not say who took it."""
CORRECTION_ITEMS = ["见原补正告知书（导入）"]
"""What an imported correction request lists: its items are in the original notice, not the register."""
CONSULTED_PARTY = {"third_party": "第三方（导入）", "agency": "有关机关（导入）"}
"""Who an imported consultation went to: the register's party may be a person, so it is not carried over."""
EXTENSION_REASON = "未记录（导入）"


class Unplaceable(OgiError):
    """A row's history the rules refuse: the column whose step could not be taken, and why."""

    def __init__(self, key: str, message: Text) -> None:
        super().__init__(message)
        self.key = key

    @property
    def column(self) -> str:
        """The header of the column at fault."""
        return BY_KEY[self.key].header


@dataclass(frozen=True)
class Step:
    """One dated action of a row's history."""

    on: date | None
    rank: int
    name: str
    payload: dict[str, Any]
    actor: Actor
    key: str
    """The column the step comes from (where a refusal is reported)."""


class History:
    """The people of one row's history: who each step is recorded under."""

    def __init__(self, importer: ActorRef, people: dict[str, ActorRef]) -> None:
        self.importer = importer
        self.people = people
        """Names the row gives (handler, secrecy reviewer), resolved to their stable ids by the caller."""

    def actor(self, name: str | None, slot: str) -> Actor:
        """The actor of a step: the person the row names, or ``UNRECORDED``.

        Each unnamed slot is its own "person", so the four-eyes rule compares only people the row names.
        Roles are not checked: the import vouches for what happened.
        """
        ref = self.people.get(name) if name else None
        if ref is None:
            ref = (
                ActorRef(id=name.casefold(), name=name) if name else ActorRef(id=f"unrecorded:{slot}", name=UNRECORDED)
            )
        return Actor(id=ref.id, name=ref.name, roles=None, verified=False, recorded_by=self.importer)


def steps_of(row: ImportRow, history: History) -> list[Step]:
    """The row's actions in the order they were taken (by day; on one day, in the order of the procedure)."""
    handler = history.actor(row.handler, "handler")
    out: list[Step] = []

    def step(on: date | None, name: str, payload: dict[str, Any], actor: Actor, key: str) -> None:
        body = {**payload, "by": actor.name}
        if on is not None:
            body["on"] = on.isoformat()
        out.append(Step(on, len(out), name, body, actor, key))

    if row.correction_requested_on:
        step(
            row.correction_requested_on,
            "request_correction",
            {"items": CORRECTION_ITEMS},
            handler,
            "correction_requested_on",
        )
    if row.correction_received_on:
        received = row.correction_received_on.isoformat()
        step(
            row.correction_received_on,
            "submit_correction",
            {"received": received},
            history.actor(None, "intake"),
            "correction_received_on",
        )
    if row.consulted_on and row.consultation_kind:
        party = CONSULTED_PARTY[row.consultation_kind]
        step(row.consulted_on, "consult", {"kind": row.consultation_kind, "party": party}, handler, "consulted_on")
    if row.consultation_answered_on:
        answer = {"consultation": "c1", "answer": "opinion"}
        step(row.consultation_answered_on, "consultation_answer", answer, handler, "consultation_answered_on")
    if row.extended_on:
        reason = row.extension_reason or EXTENSION_REASON
        step(row.extended_on, "extend", {"reason": reason}, history.actor(None, "head"), "extended_on")
    if row.fee_notice_on and row.fee_method:
        fee: dict[str, Any] = {"method": row.fee_method.value}
        if row.fee_method is FeeMethod.VOLUME:
            fee["pages"] = row.fee_quantity
        step(row.fee_notice_on, "fee_notice", fee, handler, "fee_notice_on")
    if row.fee_paid_on:
        paid = {"paid_on": row.fee_paid_on.isoformat()}
        step(row.fee_paid_on, "pay_fee", paid, history.actor(None, "intake"), "fee_paid_on")
    if row.outcome is Outcome.WITHDRAWN:
        step(row.closed_on, "withdraw", {}, history.actor(None, "intake"), "closed_on")
    elif row.outcome is not None and row.closes_by_lapse is None:
        decided: dict[str, Any] = {"outcome": row.outcome.value, "reasons": [r.value for r in row.reasons]}
        step(row.closed_on, "decide", decided, handler, "outcome")
        if row.stage is Stage.CLOSED:
            step(row.closed_on, "approve", {}, history.actor(row.secrecy_reviewer, "secrecy"), "secrecy_reviewer")
    return sorted(out, key=lambda s: (s.on is None, s.on or date.min, s.rank))


class _Replay:
    """One row's case as it is replayed: the state, and the rules' calendar and policy."""

    def __init__(self, state: CaseState, policy: CasePolicy, calendar: Calendar, now: datetime) -> None:
        self.state = state
        self.policy = policy
        self.calendar = calendar
        self.now = now
        """The moment of the import: when every event is recorded."""

    def clock(self, why: str, day: date, instant: datetime) -> None:
        """Compute the clock as of ``day``, as the workflow does after a clock action (an audit line if it moved)."""
        st = self.state
        if st.clock is None:
            return
        view = clock_under(self.policy, st.clock, self.calendar, day)
        detail = clock_change(st.clock_view, view, why)
        st.clock_view = view
        if detail:
            st.events.append(CaseEvent(at=instant, action="deadline", by="system", detail=detail))
        if st.overdue and view.deadline_at > instant:
            st.overdue = False

    def period_ends(self) -> None:
        """Give every period the last action began its end on the calendar."""
        periods = periods_without_end(self.state, self.policy.rules)
        ends = {key: period_deadline(self.calendar, start, days) for key, (start, days) in periods.items()}
        set_period_ends(self.state, ends)

    def advance(self, until: datetime) -> None:
        """What the case does by itself up to ``until``, as its workflow would have.

        Reminders pass, the deadline turns it overdue, a period runs out (a consultation lapses; an
        uncorrected or unpaid application is closed as abandoned).
        """
        while True:
            due = sorted((at, key) for at, key in agenda(self.state) if key not in self.state.fired and at <= until)
            if not due:
                return
            at, key = due[0]
            self.state.fired.append(key)
            kind, _, rest = key.partition(":")
            if kind == "deadline":
                actions.turn_overdue(self.state, at)
            elif kind == "correction":
                self.state = actions.close_abandoned(self.state, Reason.CORRECTION_NOT_MADE, at)
            elif kind == "fee":
                self.state = actions.close_abandoned(self.state, Reason.FEE_NOT_PAID, at)
            elif kind == "consultation":
                self.state = actions.expire_consultation(self.state, rest, at)
                self.clock(f"consultation {rest} lapsed", beijing_date(at), at)

    def take(self, step: Step) -> None:
        """Take one step as of its day: refused with the rule's message, applied with its periods and clock."""
        instant = effective_now(step.on, self.now)
        self.advance(instant)
        if not self.state.stage.is_open:
            raise Unplaceable(step.key, _closed_before(self.state, step))
        try:
            action = actions.check(step.name, step.payload, self.state, self.policy, self.now, step.actor)
            new = actions.apply(step.name, action, self.state, self.now, self.policy, step.actor)
        except ActionNotAllowed as exc:
            raise Unplaceable(step.key, exc.message) from None
        self.state = new
        self.period_ends()
        sent_as = actions.acts_as(step.name, action, self.state)
        if step.name in actions.CLOCK_ACTIONS:
            self.clock(sent_as.replace("_", " "), beijing_date(instant), instant)
        if self.state.stage is Stage.REPLYING:
            self.state = actions.close_replied(self.state, instant, None)


def _closed_before(state: CaseState, step: Step) -> Msg:
    reason = Term("reason", state.reasons[0].value) if state.reasons else Msg("closed")
    closed = beijing_date(state.closed_at).isoformat() if state.closed_at else "?"
    when = step.on.isoformat() if step.on else Msg("today")
    return Msg(
        "the case had closed by itself on {closed} ({reason}) before this step ({when})",
        closed=closed,
        reason=reason,
        when=when,
    )


def replay(inp: CaseInput, row: ImportRow, calendar: Calendar, now: datetime, history: History) -> CaseState:
    """The state of ``row``'s case today, its history taken step by step on the rules; ``Unplaceable`` if refused.

    ``inp`` is the case as registered (the application, the policy of its receipt date); ``now`` the
    moment of the import. An open case is brought up to ``now`` (reminders and a deadline already past
    count as fired: the import sends no reminder or escalation for them) and assigned to its handler.
    """
    policy = inp.policy
    state = new_case(inp, now)
    # From here on it runs as any new case does: its next documents issued, its periods from their service.
    state.served_periods = True
    run = _Replay(state, policy, calendar, now)
    if state.clock is not None and row.received is not None:
        try:
            state.clock_view = clock_under(policy, state.clock, calendar, row.received)
        except OgiError as exc:
            raise Unplaceable("received", exc.message) from None
    try:
        for step in steps_of(row, history):
            run.take(step)
        run.advance(now)
        if row.stage.is_open:
            run.clock("imported", beijing_date(now), now)
            if row.handler and run.state.stage.is_open:
                run.take(
                    Step(
                        None,
                        0,
                        "assign",
                        {"by": history.importer.name, "to": row.handler},
                        _importer(history),
                        "handler",
                    )
                )
    except OgiError as exc:
        if isinstance(exc, Unplaceable):
            raise
        raise Unplaceable("received", exc.message) from None
    final = run.state
    _check_stage(row, final)
    _recorded_now(final, now)
    final.events.append(
        CaseEvent(
            at=now,
            action="imported",
            by="system",
            recorded_by=history.importer.name,
            detail=f"imported from line {row.line} (original number {row.original_number})",
        )
    )
    return final


def _importer(history: History) -> Actor:
    ref = history.importer
    return Actor(id=ref.id, name=ref.name, roles=None, verified=False)


def _check_stage(row: ImportRow, state: CaseState) -> None:
    """Refuse a row whose dates put its case elsewhere than its 办理状态 says, or close it another way."""
    lapse = row.closes_by_lapse
    if state.stage is row.stage:
        if lapse is not None and state.reasons != [lapse]:
            msg = Msg("the case closed as {outcome}, not by the period running out", outcome=_outcome(state))
            raise Unplaceable("reasons", msg)
        last = _last_day(state, lapse)
        if last is not None and row.closed_on is not None and row.closed_on < last:
            msg = Msg("{day} is before the period ran out (its last day: {last})", day=row.closed_on, last=last)
            raise Unplaceable("closed_on", msg)
        return
    said, found = STAGE_LABELS[row.stage], STAGE_LABELS[state.stage]
    if not state.stage.is_open:
        reason = Term("reason", state.reasons[0].value) if state.reasons else _outcome(state)
        closed = beijing_date(state.closed_at).isoformat() if state.closed_at else "?"
        msg = Msg(
            "the row says {said}, but its dates close the case on {closed} ({reason}): import it as {found} with that outcome",
            said=said,
            closed=closed,
            reason=reason,
            found=found,
        )
        raise Unplaceable("stage", msg)
    last = _last_day(state, lapse)
    if lapse is not None and last is not None:
        if lapse is Reason.CORRECTION_NOT_MADE:
            msg = Msg(
                "the period for the correction runs until {last}: the case is not closed yet; import it as {found}",
                last=last,
                found=found,
            )
        else:
            msg = Msg(
                "the period for payment runs until {last}: the case is not closed yet; import it as {found}",
                last=last,
                found=found,
            )
        raise Unplaceable("stage", msg)
    msg = Msg(
        "the row says {said}, but its dates put the case at {found}; check {status} and the dates",
        said=said,
        found=found,
        status=BY_KEY["stage"].header,
    )
    raise Unplaceable("stage", msg)


def _outcome(state: CaseState) -> Term | str:
    return Term("outcome", state.outcome.value) if state.outcome else "?"


def _last_day(state: CaseState, lapse: Reason | None) -> date | None:
    """The last day of the period whose running out closes the case for ``lapse``."""
    if lapse is Reason.CORRECTION_NOT_MADE and state.correction and state.correction.respond_by:
        return state.correction.respond_by.due
    if lapse is Reason.FEE_NOT_PAID and state.fee and state.fee.pay_by:
        return state.fee.pay_by.due
    return None


def _recorded_now(state: CaseState, now: datetime) -> None:
    """Every event after the registration recorded at the import, each keeping the day it happened as ``on``."""
    today = beijing_date(now)
    for event in state.events[1:]:
        if event.at != now:
            day = beijing_date(event.at)
            event.on = event.on or (day if day < today else None)
            event.at = now
