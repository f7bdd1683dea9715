"""Reviewer actions on a case: who may take them, when, and what they change (their payloads: ``action_models``).

Each action is checked by ``check`` (used by update validators, so a refusal never enters history)
and applied by ``apply`` to a copy of the state, so a refused action changes nothing. Both read the day
the action was taken (``on``) wherever the law counts from a day: never the day it was entered.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from domain import case_routing, service_records
from domain.action_models import (
    Action,
    Approve,
    Assign,
    ConfirmReceipt,
    Consult,
    ConsultationAnswer,
    Decide,
    DecideRequest,
    Deny,
    Extend,
    IssueFeeNotice,
    RecomputeClock,
    RecordDelivery,
    RecordRejection,
    RequestApproval,
    RequestCorrection,
    SetLongerPeriod,
    SettleFee,
    SignFor,
    SubmitCorrection,
    Transfer,
    WaiveFee,
    Withdraw,
)
from domain.actor import Actor
from domain.case import (
    CaseEvent,
    CasePolicy,
    CaseState,
    ClockFacts,
    ClockView,
    Consultation,
    CorrectionRequest,
    Decision,
    Extension,
    FeeNotice,
    LongerPeriod,
    Pause,
    Stage,
)
from domain.clock import beijing_date
from domain.config import Role
from domain.effective_dates import check_effective_day, effective_now
from domain.errors import ActionNotAllowed, MalformedAction
from domain.fees import FeeMethod, count_fee_for, volume_fee
from domain.input_problems import input_problem
from domain.messages import Msg, Term, Words, plural_msg
from domain.outcomes import (
    NEEDS_REASON,
    REASONS,
    REFERRAL_REASONS,
    REVIEW_OUTCOMES,
    WITHHOLDING_REASONS,
    Outcome,
    Reason,
)
from domain.outgoing import by_ref

__all__ = ["ACTIONS", "Action", "ActionResult", "RecordRejection", "acts_as", "apply", "check", "late_verdict", "parse"]

ACTIONS: dict[str, type[Action]] = {
    "approve": Approve,
    "deny": Deny,
    "decide": Decide,
    "confirm_receipt": ConfirmReceipt,
    "withdraw": Withdraw,
    "request_correction": RequestCorrection,
    "submit_correction": SubmitCorrection,
    "extend": Extend,
    "set_longer_period": SetLongerPeriod,
    "consult": Consult,
    "consultation_answer": ConsultationAnswer,
    "fee_notice": IssueFeeNotice,
    "pay_fee": SettleFee,
    "waive_fee": WaiveFee,
    "recompute_clock": RecomputeClock,
    "assign": Assign,
    "transfer": Transfer,
    "sign_for": SignFor,
    "request_approval": RequestApproval,
    "decide_request": DecideRequest,
    "record_delivery": RecordDelivery,
}

AFTER_CLOSE_ACTIONS = frozenset({"record_delivery"})
"""Actions still taken on a closed case: how its reply was served is known only after it went out."""

CLOCK_ACTIONS = frozenset(
    {
        "confirm_receipt",
        "request_correction",
        "submit_correction",
        "extend",
        "set_longer_period",
        "consult",
        "consultation_answer",
        "fee_notice",
        "pay_fee",
        "waive_fee",
        "recompute_clock",
        "decide_request",
    }
)
"""Actions after which the workflow recomputes the clock."""

HANDLING_ACTIONS = frozenset(
    {"approve", "deny", "decide", "request_correction", "consult", "fee_notice", "request_approval"}
)
"""What the department holding a case does: refused while it waits to be signed for after a transfer."""

MAX_PENDING_CONSULTATIONS = 20
EARLIEST_RECEIPT = date(2008, 5, 1)
"""The Regulations took effect on 2008-05-01: no application was received under them before."""


def parse(name: str, payload: Any) -> Action:
    """Validate an action's JSON payload, with an error that names the field and the fix."""
    model = ACTIONS.get(name)
    if model is None:
        msg = Msg("unknown action '{name}'; known actions: {known}", name=name, known=Words(sorted(ACTIONS)))
        raise ActionNotAllowed(msg, "refused.unknown_action")
    if isinstance(payload, BaseModel):
        payload = payload.model_dump(mode="json", exclude_none=True)
    if not isinstance(payload, dict):
        msg = Msg('{name}: the input must be one JSON object such as {{"by": "li"}}', name=name)
        raise ActionNotAllowed(msg, "refused.malformed")
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "input"
        problem = input_problem(err)
        if field == "outcome":
            outcomes = Words(o.value for o in REVIEW_OUTCOMES)
            msg = Msg(
                "{name}: {field}: {problem}; outcomes: {codes}", name=name, field=field, problem=problem, codes=outcomes
            )
        elif field in ("reason", "reasons", "reasons.0") and name in ("decide",):
            codes = Words(r.value for r in Reason)
            msg = Msg(
                "{name}: {field}: {problem}; reason codes: {codes}",
                name=name,
                field=field,
                problem=problem,
                codes=codes,
            )
        else:
            msg = Msg("{name}: {field}: {problem}", name=name, field=field, problem=problem)
        raise MalformedAction(msg, field) from None


def _require_role(actor: Actor, role: Role, what: Msg) -> None:
    if actor.has(role):
        return
    held = Words(Term("role", r.value) for r in sorted(actor.roles or ()))
    msg = Msg(
        "{name} may not {what}: that needs the role '{role}' (roles of {name}: {held})",
        name=actor.name,
        what=what,
        role=Term("role", role.value),
        held=held,
    )
    raise ActionNotAllowed(msg, "forbidden.role")


def acting(action: Action, policy: CasePolicy, actor: Actor | None) -> Actor:
    """The actor an action is checked and recorded under.

    A verified actor (authentication on) must be the one the payload names, so the audit trail can
    never show another name than the user the worker verified; without one, the claimed ``by`` is the
    actor, with the roles the case's configuration gives that name.
    """
    if actor is None:
        return Actor.claimed(action.by, policy.people)
    if action.by.casefold() != actor.name.casefold():
        msg = Msg(
            "the action names {named} but was sent by {sender}; an action is recorded under its sender",
            named=action.by,
            sender=actor.name,
        )
        raise ActionNotAllowed(msg, "forbidden.actor")
    return actor


def _wrong_stage(name: str, state: CaseState, allowed: Msg) -> ActionNotAllowed:
    return ActionNotAllowed(
        Msg(
            "{name} is not possible now: case {id} is at stage '{stage}'; {allowed}",
            name=name,
            id=state.id,
            stage=Term("stage", state.stage.value),
            allowed=allowed,
        ),
        "refused.wrong_stage",
    )


def _decision_from_deny(action: Deny, now: datetime) -> Decision:
    try:
        reason = Reason(action.reason)
    except ValueError:
        msg = Msg(
            "deny: '{reason}' is not a reason code; use one of: {codes}",
            reason=action.reason,
            codes=Words(r.value for r in Reason),
        )
        raise ActionNotAllowed(msg, "refused.reason") from None
    return Decision(outcome=REASONS[reason].outcome, reasons=[reason], by=action.by, note=action.note, at=now)


def _decision_from_decide(action: Decide, now: datetime) -> Decision:
    reasons = list(action.reasons)
    if action.reason is not None and action.reason not in reasons:
        reasons.insert(0, action.reason)
    outcome = action.outcome
    if outcome not in REVIEW_OUTCOMES:
        msg = Msg(
            "decide: outcome '{outcome}' is not a review outcome; use one of {codes}",
            outcome=outcome.value,
            codes=Words(sorted(o.value for o in REVIEW_OUTCOMES)),
        )
        raise ActionNotAllowed(msg, "refused.outcome")
    if outcome in NEEDS_REASON and not reasons:
        msg = Msg(
            "decide: outcome '{outcome}' needs --reason (the legal ground and report sub-row)", outcome=outcome.value
        )
        raise ActionNotAllowed(msg, "refused.reason")
    if outcome not in NEEDS_REASON and reasons:
        msg = Msg("decide: outcome '{outcome}' takes no reason code", outcome=outcome.value)
        raise ActionNotAllowed(msg, "refused.reason")
    for reason in reasons:
        expected = REASONS[reason].outcome
        if outcome is Outcome.PARTLY_DISCLOSED:
            if reason not in WITHHOLDING_REASONS:
                msg = Msg(
                    "decide: '{reason}' cannot justify withholding part of the information; use a withholding "
                    "(not_disclosed) reason (Arts 14-16)",
                    reason=reason.value,
                )
                raise ActionNotAllowed(msg, "refused.reason")
        elif expected is not outcome:
            msg = Msg(
                "decide: reason '{reason}' belongs to outcome '{expected}', not '{outcome}'",
                reason=reason.value,
                expected=expected.value,
                outcome=outcome.value,
            )
            raise ActionNotAllowed(msg, "refused.reason")
    if (action.earlier_reply_number is None) != (action.earlier_reply_date is None):
        msg = Msg("decide: the earlier reply is named by its number and its date: give both, or neither")
        raise ActionNotAllowed(msg, "bad_input.earlier_reply")
    if action.earlier_reply_number is not None and Reason.REPEATED_REQUEST not in reasons:
        msg = Msg(
            "decide: the earlier reply goes with reason '{reason}'; leave it out", reason=Reason.REPEATED_REQUEST.value
        )
        raise ActionNotAllowed(msg, "bad_input.earlier_reply")
    if action.refer_to is not None and not REFERRAL_REASONS & set(reasons):
        msg = Msg(
            "decide: --refer-to names the agency that holds the information, so it goes with reason "
            "'{not_ours}' (Art 36(5)) or '{not_held}'; leave it out for this outcome",
            not_ours=Reason.NOT_OURS.value,
            not_held=Reason.NOT_HELD.value,
        )
        raise ActionNotAllowed(msg, "refused.refer_to")

    return Decision(
        outcome=outcome,
        reasons=reasons,
        by=action.by,
        note=action.note,
        refer_to=action.refer_to,
        access=action.access,
        earlier_reply_number=action.earlier_reply_number,
        earlier_reply_date=action.earlier_reply_date,
        at=now,
    )


def _reasons_have_their_facts(name: str, decision: Decision, state: CaseState) -> None:
    """Refuse a reason whose facts the case does not hold: the report row would count what never happened."""
    for reason in decision.reasons:
        if reason is Reason.UNCLEAR_AFTER_CORRECTION and (
            state.correction is None or state.correction.corrected_on is None
        ):
            msg = Msg(
                "{name}: '{reason}' needs a corrected application on the case (Art 30), and this case has "
                "none; request a correction first, or choose another reason",
                name=name,
                reason=reason.value,
            )
            raise ActionNotAllowed(msg, "refused.reason_facts")
        if reason is Reason.CORRECTION_NOT_MADE and state.correction is None:
            msg = Msg(
                "{name}: '{reason}' needs a correction request on the case, and none was sent",
                name=name,
                reason=reason.value,
            )
            raise ActionNotAllowed(msg, "refused.reason_facts")
        if (
            reason is Reason.REPEATED_REQUEST
            and state.served_periods
            and not state.same_content_as
            and decision.earlier_reply_number is None
        ):
            msg = Msg(
                "{name}: a repeated-request reply (Art 36(6)) names the earlier reply; no earlier case of this "
                "applicant with the same content is on record, so give it: decide --outcome not_handled --reason "
                "repeated_request --earlier-reply-number NUMBER --earlier-reply-date YYYY-MM-DD",
                name=name,
            )
            raise ActionNotAllowed(msg, "bad_input.earlier_reply")
        if reason is Reason.FEE_NOT_PAID and state.fee is None:
            msg = Msg(
                "{name}: '{reason}' needs a fee notice on the case, and none was sent "
                "(an unpaid notice closes the case by itself when its period runs out)",
                name=name,
                reason=reason.value,
            )
            raise ActionNotAllowed(msg, "refused.reason_facts")


def check(
    name: str, payload: Any, state: CaseState, policy: CasePolicy, now: datetime, actor: Actor | None = None
) -> Action:
    """Refuse an action that is malformed, at the wrong stage, by the wrong person or out of time.

    ``actor`` is the verified sender (authentication on); without it the claimed ``by`` acts. Returns
    the parsed action; raises ``ActionNotAllowed`` with the reason otherwise. Never mutates.
    """
    action = parse(name, payload)
    who = acting(action, policy, actor)
    if not state.stage.is_open and name not in AFTER_CLOSE_ACTIONS:
        if state.outcome is not None:
            msg = Msg(
                "case {id} is closed ({outcome}); no further action is possible",
                id=state.id,
                outcome=Term("outcome", state.outcome.value),
            )
        else:
            msg = Msg("case {id} is closed (no outcome); no further action is possible", id=state.id)
        raise ActionNotAllowed(msg, "refused.closed")
    if action.on is not None:
        check_effective_day(name, action.on, state, policy, who, now)
    now = effective_now(action.on, now)  # from here on, every rule reads the day the action was taken
    if state.pending_department is not None and name in HANDLING_ACTIONS:
        msg = Msg(
            "{name} is not possible now: case {id} was transferred to {department}, which "
            "signs for it (sign_for) before anyone handles it",
            name=name,
            id=state.id,
            department=state.pending_department,
        )
        raise ActionNotAllowed(msg, "refused.awaiting_sign_for")
    match action:
        case Approve() | Deny() if state.stage is Stage.REVIEW:
            _require_role(who, Role.REVIEWER, Msg("decide at substantive review"))
            if isinstance(action, Deny):
                _reasons_have_their_facts(name, _decision_from_deny(action, now), state)
        case Approve() | Deny() if state.stage is Stage.SECRECY_REVIEW:
            _require_role(who, Role.SECRECY_REVIEWER, Msg("sign the secrecy and privacy check"))
            assert state.decision is not None
            if isinstance(action, Approve) and action.access is not None:
                msg = Msg(
                    "approve: the access text is part of the answer proposed at review; the secrecy check signs "
                    "that answer as it is (deny sends it back to be changed)"
                )
                raise ActionNotAllowed(msg, "refused.access_at_secrecy_check")
            if who.same_person(state.decision.by_id, state.decision.by):
                msg = Msg(
                    "{name} proposed this answer, so {name} cannot also sign its secrecy check: "
                    "a different person must approve or deny (four-eyes rule)",
                    name=who.name,
                )
                raise ActionNotAllowed(msg, "refused.four_eyes")
        case Approve() | Deny():
            raise _wrong_stage(name, state, Msg("approve and deny act at 'review' and 'secrecy_review'"))
        case Decide():
            if state.stage is not Stage.REVIEW:
                raise _wrong_stage(name, state, Msg("an outcome is decided at 'review'"))
            _require_role(who, Role.REVIEWER, Msg("decide at substantive review"))
            _reasons_have_their_facts(name, _decision_from_decide(action, now), state)
        case ConfirmReceipt():
            if state.stage is not Stage.AWAITING_RECEIPT:
                raise _wrong_stage(name, state, Msg("receipt is confirmed only while 'awaiting_receipt'"))
            _require_role(who, Role.INTAKE, Msg("confirm receipt"))
            registered = registered_on(state) or beijing_date(now)
            # A receipt may precede registration (a letter registered the next morning), never by a year: a
            # date that far back is a typo, and one outside the calendar could not be counted at all.
            earliest = max(EARLIEST_RECEIPT, registered - timedelta(days=366))
            _day_between(
                name, "received", action.received, earliest, Msg("a year before registration"), beijing_date(now)
            )
        case Withdraw():
            if state.stage is Stage.REPLYING:
                raise _wrong_stage(name, state, Msg("the reply is already being sent"))
            _require_role(who, Role.INTAKE, Msg("record a withdrawal"))

        case Assign() | Transfer() | SignFor() | RequestApproval() | DecideRequest():
            case_routing.check(name, action, state, policy, now, who, _underlying_check)
        case RecordDelivery():
            service_records.check(action, state, now, who)
        case _:
            _check_clock_action(name, action, state, policy, now, who)
    return action


def _underlying_check(
    name: str, payload: dict[str, Any], state: CaseState, policy: CasePolicy, now: datetime, who: Actor
) -> Action:
    """Check the action a request stands for (an extension, a longer period, a waiver) as ``who`` would take it."""
    # ``who`` is already resolved (verified, or claimed with its configured roles): checked as exactly them.
    return check(name, payload, state, policy, now, who)


def _check_clock_action(
    name: str, action: Action, state: CaseState, policy: CasePolicy, now: datetime, who: Actor
) -> None:
    today = beijing_date(now)
    view = state.clock_view
    match action:
        case RequestCorrection():
            if state.stage is not Stage.REVIEW:
                raise _wrong_stage(name, state, Msg("a correction is requested during 'review'"))
            _require_role(who, Role.REVIEWER, Msg("request a correction"))
            if state.correction is not None:
                msg = Msg(
                    "a correction was already requested on {day}; "
                    "Art 30 allows one request listing every item — decide the case instead "
                    "(e.g. cannot_provide / unclear_after_correction)",
                    day=state.correction.requested_on,
                )
                raise ActionNotAllowed(msg, "refused.once")
            if view is None or view.correction_notice_by is None or now >= view.correction_notice_by:
                end = (
                    view.correction_notice_by.astimezone(view.deadline_at.tzinfo)
                    if view and view.correction_notice_by
                    else None
                )
                if end is not None:
                    msg = Msg(
                        "the 7-working-day window for a correction request (Art 30) ended at {end} Beijing time; "
                        "decide the case instead",
                        end=end.strftime("%Y-%m-%d %H:%M"),
                    )
                else:
                    msg = Msg(
                        "the 7-working-day window for a correction request (Art 30) has not started; "
                        "decide the case instead"
                    )
                raise ActionNotAllowed(msg, "refused.out_of_time")
        case SubmitCorrection():
            if state.stage is not Stage.AWAITING_CORRECTION or state.correction is None:
                raise _wrong_stage(
                    name, state, Msg("a corrected application is registered while 'awaiting_correction'")
                )
            _require_role(who, Role.INTAKE, Msg("register a corrected application"))
            _day_between(
                name,
                "received",
                action.received,
                state.correction.requested_on,
                Msg("the correction was requested"),
                today,
            )
        case Extend():
            if state.stage not in (Stage.REVIEW, Stage.SECRECY_REVIEW):
                raise _wrong_stage(name, state, Msg("the reply period is extended during 'review' or 'secrecy_review'"))
            _require_role(who, policy.extension_approver, Msg("approve an extension (Art 33 ¶2)"))
            if state.extension is not None:
                msg = Msg(
                    "the reply period was already extended on {day}; Art 33 allows one extension",
                    day=state.extension.on,
                )
                raise ActionNotAllowed(msg, "refused.once")
            if view is None:
                raise _wrong_stage(name, state, Msg("the clock has not started"))
            if _deadline_passed(view, now):
                msg = Msg(
                    "the reply deadline {due} has passed; Art 33 allows an extension only before the deadline",
                    due=view.due,
                )
                raise ActionNotAllowed(msg, "refused.out_of_time")
            if action.days is not None and action.days > policy.rules.extension_days:
                msg = Msg(
                    "extend: at most {most} working days (Art 33 ¶2), not {days}",
                    most=policy.rules.extension_days,
                    days=action.days,
                )
                raise ActionNotAllowed(msg, "refused.too_long")
            if state.longer_period is not None and not policy.rules.extension_after_longer_period:
                msg = Msg(
                    "extend: a longer reply period of {days} working days was set on "
                    "{day} (Art 35); it replaces the Art 33 period, so no extension "
                    "is added on top (an agency that allows it sets extension_after_longer_period = true)",
                    days=state.longer_period.days,
                    day=state.longer_period.on,
                )
                raise ActionNotAllowed(msg, "refused.longer_period_set")
        case SetLongerPeriod():
            if state.stage not in (Stage.REVIEW, Stage.SECRECY_REVIEW):
                raise _wrong_stage(name, state, Msg("a longer period is set during 'review'"))
            _require_role(who, Role.HEAD, Msg("set a longer reply period (Art 35)"))
            if state.longer_period is not None:
                msg = Msg("a longer period was already set on {day}", day=state.longer_period.on)
                raise ActionNotAllowed(msg, "refused.once")
            if state.clock is None or action.days <= state.clock.reply_days:
                current = state.clock.reply_days if state.clock else policy.rules.reply_days
                msg = Msg(
                    "set_longer_period: {days} working days is not longer than the {current} already allowed",
                    days=action.days,
                    current=current,
                )
                raise ActionNotAllowed(msg, "refused.too_short")
            if view is not None and _deadline_passed(view, now):
                msg = Msg(
                    "set_longer_period: the reply deadline {due} has passed; a longer period "
                    "(Art 35) is set and told to the applicant within the reply period, not after it",
                    due=view.due,
                )
                raise ActionNotAllowed(msg, "refused.out_of_time")
        case Consult():
            if state.stage is not Stage.REVIEW:
                raise _wrong_stage(name, state, Msg("consultations are sent during 'review'"))
            _require_role(who, Role.REVIEWER, Msg("send a consultation"))
            if sum(c.pending for c in state.consultations) >= MAX_PENDING_CONSULTATIONS:
                msg = Msg("at most {most} consultations may be pending at once", most=MAX_PENDING_CONSULTATIONS)
                raise ActionNotAllowed(msg, "refused.too_many")
        case ConsultationAnswer():
            _require_role(who, Role.REVIEWER, Msg("record a consultation's answer"))
            found = next((c for c in state.consultations if c.id == action.consultation), None)
            if found is None:
                msg = Msg(
                    "no consultation '{consultation}' on case {id} (consultations: {known})",
                    consultation=action.consultation,
                    id=state.id,
                    known=Words(c.id for c in state.consultations),
                )
                raise ActionNotAllowed(msg, "refused.no_consultation")
            if not found.pending:
                msg = Msg(
                    "consultation {consultation} was already closed on {day} ({answer})",
                    consultation=found.id,
                    day=found.answered_on,
                    answer=Term("party_answer", found.answer or ""),
                )
                raise ActionNotAllowed(msg, "refused.once")
        case IssueFeeNotice():
            if state.stage is not Stage.REVIEW:
                raise _wrong_stage(name, state, Msg("a fee notice is sent during 'review'"))
            _require_role(who, Role.REVIEWER, Msg("send a fee notice"))
            if state.fee is not None:
                msg = Msg("a fee notice was already sent on {day}; one per application", day=state.fee.issued)
                raise ActionNotAllowed(msg, "refused.once")
            if view is not None and _deadline_passed(view, now):
                msg = Msg(
                    "fee_notice: the reply deadline {due} has passed; a fee notice goes out "
                    "within the reply period (State Council Office letter 2020 No. 109), so none may be sent now",
                    due=view.due,
                )
                raise ActionNotAllowed(msg, "refused.out_of_time")
            fee_amount(action, state)
        case SettleFee() | WaiveFee():
            if state.stage is not Stage.AWAITING_PAYMENT:
                raise _wrong_stage(name, state, Msg("a fee is settled while 'awaiting_payment'"))
            if isinstance(action, WaiveFee):
                _require_role(who, Role.HEAD, Msg("waive a fee"))
            else:
                _require_role(who, Role.INTAKE, Msg("record a payment"))
            if isinstance(action, SettleFee) and action.paid_on is not None:
                assert state.fee is not None
                _day_between(name, "paid_on", action.paid_on, state.fee.issued, Msg("the fee notice was sent"), today)
        case RecomputeClock():
            _require_role(who, Role.HEAD, Msg("recompute the deadline on a new calendar"))
            if state.clock is None:
                raise _wrong_stage(name, state, Msg("the clock has not started"))
        case _:
            msg = Msg("{name} is not handled by this case", name=name)
            raise ActionNotAllowed(msg, "refused.unknown_action")


def registered_on(state: CaseState) -> date | None:
    """The Beijing day the case was registered (登记), from its first audit entry."""
    first = next((e for e in state.events if e.action == "registered"), None)
    return beijing_date(first.at) if first is not None else None


def _day_between(name: str, field: str, day: date, earliest: date, since: Msg, today: date) -> None:
    """Refuse a day in the future, or before the event it must follow."""
    if day > today:
        msg = Msg(
            "{name}: {field} {day} is in the future (today is {today})", name=name, field=field, day=day, today=today
        )
        raise ActionNotAllowed(msg, "bad_input.date")
    if day < earliest:
        msg = Msg(
            "{name}: {field} {day} is before {since} ({earliest})",
            name=name,
            field=field,
            day=day,
            since=since,
            earliest=earliest,
        )
        raise ActionNotAllowed(msg, "bad_input.date")


def _deadline_passed(view: ClockView, now: datetime) -> bool:
    """Whether the reply period has run out; never while the clock stands still (it cannot run out then)."""
    return not view.paused and now >= view.deadline_at


def fee_amount(action: IssueFeeNotice, state: CaseState) -> tuple[int, int]:
    """The fee of a notice and the quantity it is based on; refuses a notice for no fee."""
    if action.method is FeeMethod.COUNT:
        if action.pages is not None:
            msg = Msg("fee_notice: the count method takes no pages; one method per application (No. 109 Art 3)")
            raise ActionNotAllowed(msg, "refused.fee_method")
        if state.applicant_month_rank is None:
            msg = Msg(
                "fee_notice: the count method needs the applicant's applications this month, but this applicant "
                "gave no identity number, phone or e-mail at registration and was not counted; use the volume method"
            )
            raise ActionNotAllowed(msg, "refused.fee_method")
        quantity = state.applicant_month_rank
        amount = count_fee_for(quantity)
        if amount == 0:
            msg = Msg(
                "fee_notice: no fee is due (this is the applicant's application no. {n} this month; "
                "the first 10 in a calendar month are free), so no notice may be sent",
                n=quantity,
            )
            raise ActionNotAllowed(msg, "refused.no_fee")
    else:
        if action.pages is None:
            msg = Msg("fee_notice: the volume method needs pages")
            raise ActionNotAllowed(msg, "refused.fee_method")
        quantity = action.pages
        amount = volume_fee(quantity)
        if amount == 0:
            msg = plural_msg(
                "fee_notice: no fee is due ({n} page; up to 30 pages are free), so no notice may be sent",
                "fee_notice: no fee is due ({n} pages; up to 30 pages are free), so no notice may be sent",
                quantity,
            )
            raise ActionNotAllowed(msg, "refused.no_fee")
    return amount, quantity


def apply(
    name: str,
    action: Action,
    state: CaseState,
    now: datetime,
    policy: CasePolicy | None = None,
    actor: Actor | None = None,
) -> CaseState:
    """The state after an action that ``check`` accepted; the input state is left untouched."""
    policy = policy or CasePolicy()
    who = acting(action, policy, actor)
    recorded_at = now
    now = effective_now(action.on, now)
    new = state.model_copy(deep=True)
    detail = ""
    match action:
        case Approve() if state.stage is Stage.REVIEW:
            new.decision = Decision(
                outcome=Outcome.DISCLOSED, by=who.name, by_id=who.id, note=action.note, access=action.access, at=now
            )
            new.stage = Stage.SECRECY_REVIEW
            detail = "proposed: disclosed"
        case Deny() if state.stage is Stage.REVIEW:
            new.decision = _decision_from_deny(action, now).model_copy(update={"by_id": who.id})
            new.stage = Stage.SECRECY_REVIEW
            detail = f"proposed: {new.decision.outcome.value} ({action.reason})"
        case Decide():
            new.decision = _decision_from_decide(action, now).model_copy(update={"by_id": who.id})
            new.stage = Stage.SECRECY_REVIEW
            detail = f"proposed: {new.decision.outcome.value}" + (
                f" ({', '.join(r.value for r in new.decision.reasons)})" if new.decision.reasons else ""
            )
        case Approve() if state.stage is Stage.SECRECY_REVIEW:
            assert new.decision is not None
            new.released_by = action.by
            new.stage = Stage.REPLYING
            new.replied_on = beijing_date(now)
            detail = f"secrecy check passed; reply released as {new.decision.outcome.value}"
            view = new.clock_view
            if new.overdue and view is not None and new.replied_on <= view.due:
                # Made on time, entered after the deadline passed: the case was never late.
                new.overdue = False
                detail += f"; made on {new.replied_on.isoformat()}, within the due date {view.due.isoformat()}"
        case Deny() if state.stage is Stage.SECRECY_REVIEW:
            new.decision = None
            new.stage = Stage.REVIEW
            detail = f"sent back to review: {action.reason}"
        case ConfirmReceipt():
            new.received = action.received
            new.clock = ClockFacts(received=action.received, reply_days=policy.rules.reply_days)
            new.stage = Stage.REVIEW
            detail = f"receipt confirmed for {action.received.isoformat()}"
        case Withdraw():
            new.decision = None
            new.outcome = Outcome.WITHDRAWN
            new.reasons = [Reason.OTHER]
            new.stage = Stage.CLOSED
            new.closed_at = now
            detail = "withdrawn by the applicant"
        case Assign() | Transfer() | SignFor() | RequestApproval() | DecideRequest():
            new, detail = case_routing.apply(name, action, new, policy, now, who, _underlying_apply)
        case RecordDelivery():
            found = by_ref(new.outgoing, action.document)
            before = found.served_on if found else None
            doc, detail = service_records.apply(action, new, policy)
            detail += service_records.count_again_from_service(new, doc, before, policy)
            if doc.kind == "reply" and new.replied_on is not None and not new.stage.is_open:
                new.late = late_verdict(new, policy)
        case _:
            detail = _apply_clock_action(name, action, new, policy, now)
    taken_on = beijing_date(now)
    new.events.append(
        CaseEvent(
            at=recorded_at,
            on=taken_on if taken_on < beijing_date(recorded_at) else None,
            action=name,
            by=who.name,
            by_id=who.id,
            verified=who.verified,
            recorded_by=who.recorded_by.name if who.recorded_by else None,
            detail=detail,
        )
    )
    return new


def _pause(new: CaseState, kind: str, key: str, since: date) -> None:
    assert new.clock is not None
    new.clock.pauses.append(Pause(kind=kind, key=key, since=since))


def _resume(new: CaseState, key: str, until: date) -> None:
    assert new.clock is not None
    for pause in new.clock.pauses:
        if pause.key == key and pause.until is None:
            pause.until = max(until, pause.since)


def _apply_clock_action(name: str, action: Action, new: CaseState, policy: CasePolicy, now: datetime) -> str:
    """Apply an action of the clock (Arts 30-35, fees) to ``new``, a copy; return the audit detail."""
    today = beijing_date(now)
    match action:
        case RequestCorrection():
            days = action.period_days or policy.rules.correction_period_days
            new.correction = CorrectionRequest(
                by=action.by, items=list(action.items), requested_on=today, period_days=days
            )
            new.stage = Stage.AWAITING_CORRECTION
            _pause(new, "correction", "correction", today)
            return f"correction requested ({len(action.items)} items, {days} working days)"
        case SubmitCorrection():
            assert new.correction is not None
            assert new.clock is not None
            new.correction.corrected_on = action.received
            new.correction.channel = action.channel
            # The period starts afresh (Art 30); what still stops it (a pending consultation) stops the new
            # one from its first day, and an extension or longer period already granted stays granted.
            still_stopped = [
                p.model_copy(update={"since": action.received})
                for p in new.clock.pauses
                if p.until is None and p.key != "correction"
            ]
            new.clock = ClockFacts(
                received=action.received,
                reply_days=new.clock.reply_days,
                longer_period_days=new.clock.longer_period_days,
                extension_days=new.clock.extension_days,
                restarts=new.clock.restarts + 1,
                pauses=still_stopped,
            )
            # ``received`` stays the original receipt: the annual report counts the application in the
            # year it was first received, and the reply cites that day.
            new.stage = Stage.REVIEW
            return f"corrected application received {action.received.isoformat()}; reply period restarts (Art 30)"
        case Extend():
            assert new.clock is not None
            days = action.days or policy.rules.extension_days
            new.extension = Extension(by=action.by, reason=action.reason, days=days, on=today)
            new.clock.extension_days = days
            return f"extended by {days} working days: {action.reason}"
        case SetLongerPeriod():
            assert new.clock is not None
            new.longer_period = LongerPeriod(by=action.by, reason=action.reason, days=action.days, on=today)
            new.clock.longer_period_days = action.days
            return f"longer reply period of {action.days} working days (Art 35): {action.reason}"
        case Consult():
            cid = f"c{len(new.consultations) + 1}"
            new.consultations.append(
                Consultation(id=cid, kind=action.kind, party=action.party, by=action.by, sent=today)
            )
            if policy.rules.consultation_excluded and action.kind in policy.rules.consultation_excluded_kinds:
                _pause(new, f"consultation {cid}", cid, today)
            article = "Art 32" if action.kind == "third_party" else "Art 34"
            return f"consultation {cid} sent to {action.party} ({action.kind}, {article})"
        case ConsultationAnswer():
            found = next(c for c in new.consultations if c.id == action.consultation)
            found.answered_on = today
            found.answer = action.answer
            found.note = action.note
            _resume(new, found.id, today)
            return f"consultation {found.id} answered: {action.answer}"
        case IssueFeeNotice():
            amount, quantity = fee_amount(action, new)
            new.fee = FeeNotice(
                by=action.by, method=action.method.value, quantity=quantity, amount=amount, issued=today
            )
            new.stage = Stage.AWAITING_PAYMENT
            if policy.rules.fee_pauses_clock:
                _pause(new, "fee", "fee", today)
            return f"fee notice sent: ¥{amount} by {action.method.value}"
        case SettleFee() | WaiveFee():
            assert new.fee is not None
            settled = action.paid_on if isinstance(action, SettleFee) and action.paid_on else today
            new.fee.settled_on = settled
            new.fee.settlement = "paid" if isinstance(action, SettleFee) else "waived"
            _resume(new, "fee", settled)
            new.stage = Stage.REVIEW
            return f"fee {new.fee.settlement}" + (f": {action.reason}" if isinstance(action, WaiveFee) else "")
        case RecomputeClock():
            return "clock recomputed with the calendar now loaded"
        case _:
            msg = Msg("{name} cannot be applied", name=name)
            raise ActionNotAllowed(msg, "refused.unknown_action")


REFUSALS_PER_SENDER_HOUR = 20
"""Refusal entries one sender may add to a case's trail in an hour; more are counted on the last one."""
_REFUSAL_LOOKBACK = 64
"""How many of the latest events a refusal is compared with: bounded, so recording costs the same at any length."""


def acts_as(name: str, action: Action, state: CaseState) -> str:
    """The action whose notice and clock an accepted action brings: a granted request stands for what it asked."""
    if isinstance(action, DecideRequest) and action.approve and state.pending_request is not None:
        return case_routing.UNDERLYING[state.pending_request.kind]
    return name


def late_verdict(state: CaseState, policy: CasePolicy | None = None) -> bool | None:
    """Whether a case's reply came after its due date (pauses counted); None without a reply or a clock.

    Judged by the day the reply was made (作出), or, where the policy says so, the day it was served
    (送达; the day it was made while no service day is known).
    """
    view = state.clock_view
    if state.replied_on is None or view is None:
        return None
    day = state.replied_on
    if policy is not None and policy.late_judged_by == "served":
        reply = by_ref(state.outgoing, "reply")
        day = (reply.served_on if reply else None) or day
    return day > view.due and not view.paused


def _underlying_apply(
    name: str, payload: dict[str, Any], state: CaseState, policy: CasePolicy, now: datetime, who: Actor
) -> tuple[CaseState, str]:
    """Apply the action a granted request stands for, as the head who granted it; the state and its audit line."""
    action = parse(name, payload)
    applied = apply(name, action, state, now, policy, who)
    return applied, applied.events.pop().detail


def record_refusal(state: CaseState, name: str, by: str, reason: str, now: datetime) -> CaseState:
    """Add a refused action to ``state``'s audit trail, in place; nothing else changes.

    A refusal repeating one of the latest (same action, sender and reason) is counted on that entry, and
    a sender past ``REFUSALS_PER_SENDER_HOUR`` entries in the hour is counted on their last one, so a
    flood of refusals grows the trail by a bounded number of entries at a constant cost each.
    """
    sender = (by or "unknown")[:64]
    hour_ago = now.timestamp() - 3600
    recent = [e for e in state.events[-_REFUSAL_LOOKBACK:] if not e.accepted and e.at.timestamp() >= hour_ago]
    same = next((e for e in reversed(recent) if (e.action, e.by, e.detail) == (name, sender, reason)), None)
    if same is None and sum(e.by == sender for e in recent) >= REFUSALS_PER_SENDER_HOUR:
        same = next(e for e in reversed(recent) if e.by == sender)
    if same is not None:
        same.count += 1
        return state
    state.events.append(CaseEvent(at=now, action=name, by=sender, accepted=False, detail=reason))
    return state


class ActionResult(BaseModel):
    """What an accepted action returns to the caller."""

    id: str
    stage: Stage
    status: Literal["open", "closed"]
    detail: str = ""
    due: date | None = None
    extra: dict[str, Any] = Field(default_factory=dict)


def turn_overdue(state: CaseState, now: datetime) -> str:
    """Mark ``state`` (in place) overdue: its reply deadline passed without a reply; the audit line."""
    view = state.clock_view
    assert view is not None
    state.overdue = True
    detail = f"reply due {view.due.isoformat()} not sent"
    state.events.append(CaseEvent(at=now, action="overdue", by="system", detail=detail))
    return detail


def close_replied(
    state: CaseState,
    now: datetime,
    document: str | None,
    policy: CasePolicy | None = None,
    detail: str | None = None,
) -> CaseState:
    """Close a case whose reply was made (答复): the decision becomes its outcome, with the late verdict."""
    decision = state.decision
    assert decision is not None
    new = state.model_copy(deep=True)
    new.outcome = decision.outcome
    new.reasons = list(decision.reasons)
    new.reply_document = document
    new.stage = Stage.CLOSED
    new.closed_at = now
    new.late = late_verdict(new, policy)
    text = detail or f"reply sent: {decision.outcome.value}"
    new.events.append(CaseEvent(at=now, action="replied", by="system", detail=text))
    return new


def close_abandoned(state: CaseState, reason: Reason, now: datetime) -> CaseState:
    """Close a case the applicant abandoned: correction not made (Art 30) or fee not paid (109号)."""
    new = state.model_copy(deep=True)
    new.decision = None
    new.outcome = Outcome.OTHER
    new.reasons = [reason]
    new.stage = Stage.CLOSED
    new.closed_at = now
    new.events.append(CaseEvent(at=now, action="abandoned", by="system", detail=REASONS[reason].label))
    return new


def expire_consultation(state: CaseState, consultation_id: str, now: datetime) -> CaseState:
    """A consultation's 15 working days ran out; the clock runs again.

    A third party's silence leaves the decision to the agency (Art 32); another agency's silence is
    consent (Art 34).
    """
    new = state.model_copy(deep=True)
    found = next(c for c in new.consultations if c.id == consultation_id)
    assert found.answer_by is not None
    found.answered_on = found.answer_by.due
    found.answer = "lapsed" if found.kind == "third_party" else "deemed_consent"
    _resume(new, found.id, found.answer_by.due)
    rule = "the agency decides by law (Art 32)" if found.kind == "third_party" else "deemed consent (Art 34)"
    new.events.append(
        CaseEvent(at=now, action="consultation_lapsed", by="system", detail=f"{found.id} unanswered: {rule}")
    )
    return new
