"""The case archive and read model: a case's row, written at every change, and its events in the audit log.

``case_row`` is pure (the workflow calls it on its own state); ``archive_case`` is the idempotent
activity that upserts the row by case id and appends the case's new events to the audit log (each
keyed by case and position, so a retried or replayed call adds nothing twice). A crash between an
action and the archive loses nothing: Temporal retries the activity.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import Connection
from temporalio import activity

from domain.application import Application
from domain.case import CaseEvent, CaseState, Stage
from domain.outcomes import report_row
from domain.outgoing import by_ref
from domain.read_model import CaseRow, mask_name, subject_of
from domain.report import CaseRecord
from infra import audit_log, store

__all__ = ["ArchiveRequest", "CaseRecord", "archive_case", "archive_cases", "case_row", "record_from_state"]


def record_from_state(
    state: CaseState, special_regime_row: str = "other_3", registered_at: datetime | None = None
) -> CaseRecord:
    """The archive record of a case: ids, agency, applicant kind, channel, dates, outcome and report row.

    ``CaseState`` holds no personal data, and the record takes only counting facts from it (no
    audit-trail details, documents or notes). ``registered_at`` defaults to the registration event.
    A closed case whose outcome lacks the reason its row needs gets no row, so the annual report
    names it instead of counting it in a guessed row.
    """
    row: str | None = None
    if state.outcome is not None:
        try:
            row = report_row(state.outcome, list(state.reasons), special_regime_row)
        except ValueError:
            row = None
    if registered_at is None:
        registered = next((e.at for e in state.events if e.action == "registered"), None)
        registered_at = registered or (state.events[0].at if state.events else state.closed_at)
    if registered_at is None:
        msg = f"case {state.id} has no registration time; pass registered_at"
        raise ValueError(msg)
    view = state.clock_view
    return CaseRecord(
        case_id=state.id,
        agency=state.agency,
        agency_code=state.agency_code,
        applicant_kind=state.applicant_kind,
        channel=state.channel,
        received=state.received,
        registered_at=registered_at,
        due=view.due if view is not None else None,
        stage=state.stage,
        status=state.status,
        outcome=state.outcome.value if state.outcome is not None else None,
        reasons=[r.value for r in state.reasons],
        report_row=row,
        closed_at=state.closed_at,
        overdue=state.overdue,
        extended=state.extension is not None,
        revision=len(state.events),
        replied_on=state.replied_on,
        late=state.late,
    )


def case_row(
    state: CaseState, application: Application, special_regime_row: str, registered_at: datetime | None
) -> CaseRow:
    """The read-model row of a case: its archive record plus what a listing shows."""
    record = record_from_state(state, special_regime_row, registered_at)
    view = state.clock_view
    paused = bool(view and view.paused) or state.stage is Stage.AWAITING_CORRECTION
    return CaseRow(
        **record.model_dump(),
        clock_paused=paused and state.stage.is_open,
        attention=state.attention,
        proposed_by_id=state.decision.by_id if state.decision and state.stage is Stage.SECRECY_REVIEW else None,
        applicant_masked=mask_name(application.applicant.kind, application.applicant.name),
        subject=subject_of(application),
        assignee=state.assignee,
        department=state.department,
        pending_department=state.pending_department,
        pending_request=state.pending_request.kind if state.pending_request else None,
        awaiting_delivery=sum(1 for doc in state.outgoing if doc.awaiting),
        reply_served_on=reply.served_on if (reply := by_ref(state.outgoing, "reply")) else None,
    )


class ArchiveRequest(BaseModel):
    """A case's row, and its events not yet in the audit log (from position ``first_index``)."""

    row: CaseRow
    events: list[CaseEvent] = []
    first_index: int = 0


@activity.defn(name="archive_case")
def archive_case(request: ArchiveRequest) -> bool:
    """Upsert the row by case id and log the new events; False when the archive already holds a newer row."""
    return archive_cases([request])[0]


def archive_cases(requests: list[ArchiveRequest]) -> list[bool]:
    """``archive_case`` for many cases: their rows in one transaction, then their events in one (an import's batch)."""
    written: list[bool] = []

    def rows(conn: Connection) -> None:
        written[:] = store.upsert_case_records_on(conn, [r.row for r in requests])

    entries: list[audit_log.Pending] = [
        (
            "case_event" if event.accepted else "action_refused",
            event.by_id,
            event.by,
            request.row.case_id,
            event.action,
            _detail(event),
            f"{request.row.case_id}:{request.first_index + offset}",
        )
        for request in requests
        for offset, event in enumerate(request.events)
    ]
    # The rows and their entries in one transaction: one commit per action, not two.
    audit_log.append_many(entries, alongside=rows)
    return written


def _detail(event: CaseEvent) -> dict[str, object]:
    detail: dict[str, object] = {"at": event.at.isoformat(), "detail": event.detail, "verified": event.verified}
    if event.on is not None:
        detail["on"] = event.on.isoformat()
    if event.recorded_by:
        detail["recorded_by"] = event.recorded_by
    if event.count > 1:
        detail["count"] = event.count
    return detail
