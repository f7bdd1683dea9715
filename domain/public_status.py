"""What an applicant may see of their case (办理进度查询): the stage, the due date, and what the clock waits for.

Nothing internal: no reviewer ids, no notes, no reasons under discussion. When the clock stands still
the view says why and until when, so the applicant knows whether the next move is theirs.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from domain.case import CaseState, Stage
from domain.clock import beijing_date
from domain.messages import Msg, Translate
from domain.outcomes import Outcome

STAGE_LABELS: dict[Stage, Msg] = {
    Stage.AWAITING_RECEIPT: Msg("waiting for the agency to confirm receipt"),
    Stage.REVIEW: Msg("being handled"),
    Stage.AWAITING_CORRECTION: Msg("waiting for your correction"),
    Stage.SECRECY_REVIEW: Msg("being handled"),  # the secrecy check is internal
    Stage.AWAITING_PAYMENT: Msg("waiting for your payment"),
    Stage.REPLYING: Msg("the reply is being sent"),
    Stage.CLOSED: Msg("closed"),
}
"""What the applicant reads for each stage (in their language: Chinese by default)."""

PUBLIC_STAGES: dict[Stage, Stage] = {Stage.SECRECY_REVIEW: Stage.REVIEW}
"""The stage an applicant is told: the secrecy check is internal, so it shows as review."""

OUTCOME_LABELS: dict[Outcome, Msg] = {
    Outcome.ALREADY_PUBLIC: Msg("already made public"),
    Outcome.DISCLOSED: Msg("disclosed"),
    Outcome.PARTLY_DISCLOSED: Msg("partly disclosed"),
    Outcome.NOT_DISCLOSED: Msg("not disclosed"),
    Outcome.CANNOT_PROVIDE: Msg("cannot be provided"),
    Outcome.NOT_HANDLED: Msg("not handled"),
    Outcome.OTHER: Msg("handled otherwise"),
    Outcome.WITHDRAWN: Msg("withdrawn"),
}
"""The outcome as the applicant reads it (the Chinese catalog has the law's own words)."""


class PublicStatus(BaseModel):
    """The applicant's view of a case."""

    case_id: str
    agency: str
    stage: str
    """In the reader's language (Chinese by default); the secrecy check shows as being handled."""
    stage_code: str | None = None
    """The stage as a code (``review`` during the internal secrecy check too), for programs."""
    received: date | None
    due: date | None
    """Last day of the reply period as it stands; None before receipt is confirmed, while a correction is
    awaited (the period starts afresh from the corrected application, Art 30) and once closed."""
    due_is_earliest: bool = False
    """The clock stands still: ``due`` moves one working day later for each working day it waits."""
    due_provisional: bool = False
    """``due`` reaches a year whose holidays are not yet announced, so it may still move."""
    clock_stopped: bool
    waiting_for: list[str]
    """What the clock waits for, each with its last day: the applicant's correction or payment, a consultation."""
    outcome: str | None = None
    """In the reader's language."""
    outcome_code: str | None = None
    """The outcome as a code (``disclosed``, ``partly_disclosed``, ...), for programs."""
    closed_on: date | None = None


def _waits(state: CaseState) -> list[Msg]:
    waits: list[Msg] = []
    if state.stage is Stage.AWAITING_CORRECTION and state.correction is not None:
        by = state.correction.respond_by
        waits.append(
            Msg(
                "your correction by {due}: {items} (the reply period starts afresh when the agency receives it)",
                due=by.due if by else "—",
                # The items are the agency's own words to the applicant (written in Chinese).
                items="；".join(state.correction.items),
            )
        )
    if state.stage is Stage.AWAITING_PAYMENT and state.fee is not None:
        by = state.fee.pay_by
        waits.append(Msg("payment of ¥{amount:,} by {due}", amount=state.fee.amount, due=by.due if by else "—"))
    for c in state.consultations:
        if c.pending:
            by = c.answer_by
            due = by.due if by else "—"
            if c.kind == "third_party":
                waits.append(Msg("the opinion of a third party, at the latest {due}", due=due))
            else:
                waits.append(Msg("the opinion of another agency, at the latest {due}", due=due))
    return waits


def public_status(state: CaseState, say: Translate = str) -> PublicStatus:
    """The applicant's view of ``state``, its words said with ``say`` (English unless a translator is given)."""
    view = state.clock_view
    open_ = state.stage.is_open
    stopped = bool(view and view.paused and open_)
    restarts = state.stage is Stage.AWAITING_CORRECTION
    return PublicStatus(
        case_id=state.id,
        agency=state.agency,
        stage=say(STAGE_LABELS[state.stage]),
        stage_code=PUBLIC_STAGES.get(state.stage, state.stage).value,
        received=state.received,
        due=view.due if view and open_ and not restarts else None,
        due_is_earliest=stopped and not restarts,
        due_provisional=bool(view and view.provisional and open_ and not restarts),
        clock_stopped=stopped,
        waiting_for=[say(w) for w in _waits(state)] if open_ else [],
        outcome=say(OUTCOME_LABELS[state.outcome]) if state.outcome else None,
        outcome_code=state.outcome.value if state.outcome else None,
        closed_on=beijing_date(state.closed_at) if state.closed_at else None,
    )
