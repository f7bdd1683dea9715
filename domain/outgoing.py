"""Documents that leave the agency and what became of each: sent how, to whom (masked), served on which day.

A document is served (送达) on a day that is either proven (signed for, collected, accepted by the mail
server) or presumed by the agency's rules until proof is recorded. The other side's periods (a fee to
pay, a consultation to answer) run from that day, so nothing lapses before it has run from service.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel

from domain.config import ServiceRules


class DeliveryStatus(StrEnum):
    """Where one delivery stands: ``queued → sent → delivered``, or ``failed`` with the reason."""

    QUEUED = "queued"
    """Waiting to go out: in the post batch, ready for collection, or entered after the fact."""
    SENT = "sent"
    """Handed to the mail server or the post; served on a presumed day until proof is recorded."""
    DELIVERED = "delivered"
    """Served on a day proven by the channel (signed for, collected, accepted by e-mail)."""
    FAILED = "failed"
    """Could not be delivered this way (the server's answer says why): send it another way."""


class Dispatch(BaseModel):
    """One attempt to serve a document by one channel."""

    channel: str
    """``email``, ``post``, ``collect``, ``online`` or ``fax``."""
    to: str
    """The address, masked (``z***@example.com``); a consulted party by role, never by name."""
    status: DeliveryStatus
    sent_at: datetime | None = None
    served_on: date | None = None
    presumed: bool = False
    """``served_on`` is presumed by the agency's rules (proof of service not recorded yet)."""
    reference: str | None = None
    """The mail server's Message-ID or the post's tracking number."""
    detail: str = ""
    """The server's answer, or why it failed."""
    automatic: bool = False
    """The case sends it itself (e-mail, SMS); while ``queued`` it is waiting for the case to send it."""
    not_before: datetime | None = None
    """Held back until then (an SMS outside the sending hours)."""


class Outgoing(BaseModel):
    """A document of the standard set the case issued: its number, files and deliveries."""

    kind: str
    key: str = "main"
    title: str
    number: str | None = None
    issued_on: date
    files: list[str] = []
    """Paths of its renditions: the PDF first, then the DOCX."""
    to: Literal["applicant", "consulted_party"] = "applicant"
    needs_service: bool = True
    """False for what is handed over rather than served (the acknowledgement, a service receipt)."""
    deliveries: list[Dispatch] = []

    @property
    def ref(self) -> str:
        """How actions name it: ``reply``, or ``consultation_letter:C1`` for one of several of a kind."""
        return self.kind if self.key == "main" else f"{self.kind}:{self.key}"

    @property
    def served_on(self) -> date | None:
        """The day it was served: the earliest proven day, else the earliest presumed one; None before."""
        proven = [d.served_on for d in self.deliveries if d.served_on and not d.presumed]
        if proven:
            return min(proven)
        presumed = [d.served_on for d in self.deliveries if d.served_on and d.status is DeliveryStatus.SENT]
        return min(presumed) if presumed else None

    @property
    def proven(self) -> bool:
        """Whether its service is proven (not only presumed)."""
        return any(d.served_on and not d.presumed for d in self.deliveries)

    @property
    def awaiting(self) -> bool:
        """Whether it waits for staff: queued to go out, or failed with no other delivery under way."""
        if not self.needs_service or self.proven:
            return False
        live = [d for d in self.deliveries if d.status is not DeliveryStatus.FAILED and d.channel != "sms"]
        return not live or any(d.status is DeliveryStatus.QUEUED and not d.automatic for d in live)


def pending_sends(outgoing: list[Outgoing]) -> list[tuple[str, int]]:
    """Deliveries the case sends itself that wait to be sent: (document ref, index of the delivery)."""
    return [
        (doc.ref, i)
        for doc in outgoing
        for i, d in enumerate(doc.deliveries)
        if d.automatic and d.status is DeliveryStatus.QUEUED
    ]


class PendingDocument(BaseModel):
    """A document an action called for, waiting for the case to issue it (the action has answered already)."""

    kind: str
    key: str = "main"
    issued_on: date | None = None
    """The day it is dated: the day the action was taken (today when None)."""
    entered_late: bool = False
    """The action was entered after the fact: the document is issued for the record, not sent."""
    served_ref: str | None = None
    """For a service receipt: the document it is the receipt of."""


PERIOD_DOCUMENTS: dict[str, str] = {"fee": "fee_notice", "correction": "correction_notice"}
"""The document a period of the other side runs from (consultations: ``consultation_letter`` by id)."""


def find(outgoing: list[Outgoing], kind: str, key: str = "main") -> Outgoing | None:
    """The issued document of ``kind`` and ``key``, if the case issued it."""
    return next((o for o in outgoing if o.kind == kind and o.key == key), None)


def by_ref(outgoing: list[Outgoing], ref: str) -> Outgoing | None:
    """The issued document an action names: ``reply`` or ``consultation_letter:C1``."""
    kind, _, key = ref.partition(":")
    return find(outgoing, kind, key or "main")


def presumed_service(channel: str, sent_on: date, rules: ServiceRules) -> date | None:
    """The day a document sent on ``sent_on`` is presumed served by ``channel``; None without a presumption."""
    days = rules.presumed_days(channel)
    return sent_on + timedelta(days=days) if days is not None else None


def sent(
    channel: str, to: str, sent_at: datetime, sent_on: date, rules: ServiceRules, reference: str | None, detail: str
) -> Dispatch:
    """A delivery handed over on ``sent_on``, with its day of service.

    E-mail accepted by the server is served that day (the rule's days added, presumed when there are
    any); other channels are presumed served by the rules until proof is recorded.
    """
    served = presumed_service(channel, sent_on, rules)
    proven = channel == "email" and rules.email_presumed_days == 0
    return Dispatch(
        channel=channel,
        to=to,
        status=DeliveryStatus.DELIVERED if proven else DeliveryStatus.SENT,
        sent_at=sent_at,
        served_on=served,
        presumed=served is not None and not proven,
        reference=reference,
        detail=detail,
    )


def period_start(state_outgoing: list[Outgoing], period: str, key: str) -> date | None:
    """The day a period of the other side starts from: the service day of the document it runs from."""
    kind = PERIOD_DOCUMENTS.get(period, "consultation_letter")
    doc = find(state_outgoing, kind, key if kind == "consultation_letter" else "main")
    return doc.served_on if doc else None
