"""The read model of a case: the archive's counting record plus what listings and work queues show.

Listings never ask Temporal per row: they read this row, which the workflow keeps current at every
change. It holds the applicant's name only masked (``张*``) and the first words of the request, never
identity numbers or contact details.
"""

from __future__ import annotations

from datetime import date

from domain.application import ApplicantKind, Application
from domain.report import CaseRecord

SUBJECT_CHARS = 40


class CaseRow(CaseRecord):
    """One case as listings and queues see it."""

    clock_paused: bool = False
    attention: str | None = None
    """Why the case needs staff attention (an input that cannot be processed), if it does."""
    assignee: str | None = None
    department: str | None = None
    proposed_by_id: str | None = None
    """Who proposed the answer awaiting the secrecy check: never offered to that person's secrecy queue."""
    applicant_masked: str | None = None
    subject: str | None = None
    pending_department: str | None = None
    """The department a transferred case waits to be signed for by."""
    pending_request: str | None = None
    """The kind of request awaiting the head (extension, longer_period, fee_waiver): the head's queue."""
    awaiting_delivery: int = 0
    """Issued documents waiting for the clerk: to post, to hand over, or failed (the delivery queue)."""
    reply_served_on: date | None = None
    """The day the reply was served (proven or presumed)."""


def mask_name(kind: ApplicantKind, name: str) -> str:
    """A natural person's name with all but its first character hidden (``张三`` → ``张*``).

    Organisations are not natural persons (PIPL protects people): their names are shown whole.
    """
    clean = name.strip()
    if kind is not ApplicantKind.NATURAL_PERSON:
        return clean[:40]
    if not clean:
        return ""
    return clean[0] + "*" * min(max(len(clean) - 1, 1), 3)


def subject_of(application: Application) -> str:
    """The request's first words, for a listing row."""
    text = " ".join(application.description.split())
    return text if len(text) <= SUBJECT_CHARS else text[: SUBJECT_CHARS - 1] + "…"
