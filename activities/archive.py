"""The case archive: a case's non-personal record, written at every stage change and at close.

``record_from_state`` is pure (the workflow calls it on its own state); ``archive_case`` is the
idempotent activity that upserts the record by case id. A crash between close and archive loses
nothing: Temporal retries the activity, and a retry or a replayed call writes the same row again.
"""

from __future__ import annotations

from datetime import datetime

from temporalio import activity

from domain.case import CaseState
from domain.outcomes import report_row
from domain.report import CaseRecord
from infra import store

__all__ = ["CaseRecord", "archive_case", "record_from_state"]


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
    )


@activity.defn(name="archive_case")
def archive_case(record: CaseRecord) -> bool:
    """Upsert the record by case id; False when the archive already holds a newer revision of the case."""
    return store.upsert_case_record(record)
