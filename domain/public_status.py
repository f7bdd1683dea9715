"""What an applicant may see of their case (办理进度查询): the stage, the due date, and what the clock waits for.

Nothing internal: no reviewer ids, no notes, no reasons under discussion. When the clock stands still
the view says why and until when, so the applicant knows whether the next move is theirs.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from domain.case import CaseState, Stage
from domain.clock import beijing_date
from domain.outcomes import OUTCOME_LABELS

STAGE_LABELS: dict[Stage, str] = {
    Stage.AWAITING_RECEIPT: "待确认收到 · waiting for the agency to confirm receipt",
    Stage.REVIEW: "办理中 · being handled",
    Stage.AWAITING_CORRECTION: "待补正 · waiting for your correction",
    Stage.SECRECY_REVIEW: "办理中 · being handled",  # the secrecy check is internal
    Stage.AWAITING_PAYMENT: "待缴费 · waiting for your payment",
    Stage.REPLYING: "答复中 · the reply is being sent",
    Stage.CLOSED: "已办结 · closed",
}


class PublicStatus(BaseModel):
    """The applicant's view of a case."""

    case_id: str
    agency: str
    stage: str
    """In Chinese and English; the secrecy check shows as being handled."""
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
    closed_on: date | None = None


def _waits(state: CaseState) -> list[str]:
    waits: list[str] = []
    if state.stage is Stage.AWAITING_CORRECTION and state.correction is not None:
        by = state.correction.respond_by
        items = "；".join(state.correction.items)
        waits.append(
            f"your correction (补正) by {by.due.isoformat() if by else '—'}: {items} "
            "(the reply period starts afresh when the agency receives it)"
        )
    if state.stage is Stage.AWAITING_PAYMENT and state.fee is not None:
        by = state.fee.pay_by
        waits.append(f"payment of ¥{state.fee.amount:,} by {by.due.isoformat() if by else '—'}")
    for c in state.consultations:
        if c.pending:
            by = c.answer_by
            who = "a third party" if c.kind == "third_party" else "another agency"
            waits.append(f"the opinion of {who} (征求意见), at the latest {by.due.isoformat() if by else '—'}")
    return waits


def public_status(state: CaseState) -> PublicStatus:
    """The applicant's view of ``state``."""
    view = state.clock_view
    open_ = state.stage.is_open
    stopped = bool(view and view.paused and open_)
    restarts = state.stage is Stage.AWAITING_CORRECTION
    return PublicStatus(
        case_id=state.id,
        agency=state.agency,
        stage=STAGE_LABELS[state.stage],
        received=state.received,
        due=view.due if view and open_ and not restarts else None,
        due_is_earliest=stopped and not restarts,
        due_provisional=bool(view and view.provisional and open_ and not restarts),
        clock_stopped=stopped,
        waiting_for=_waits(state) if open_ else [],
        outcome=OUTCOME_LABELS[state.outcome] if state.outcome else None,
        closed_on=beijing_date(state.closed_at) if state.closed_at else None,
    )
