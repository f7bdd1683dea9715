"""The actions staff take on a case, as the documents they send: each a pydantic model, validated before use.

Every action names its actor (``by``) and may name the day it was actually taken (``on``). The rules that
decide whether an action is allowed live in ``domain.actions`` and ``domain.case_routing``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from domain.actor import UserName
from domain.fees import FeeMethod
from domain.outcomes import Outcome, Reason
from domain.vocabulary import ApprovalKind, Channel, ConsultationKind, Delivery, PartyAnswer

Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]


class Action(BaseModel):
    """What every action carries: who takes it, and the day it was actually taken if not today."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    by: UserName
    """The user taking the action: with authentication on, the service fills it with the verified user's name."""
    on: date | None = None
    """The Beijing calendar day the action was actually taken (a decision signed yesterday, entered today);
    today when left out. Every rule of the clock reads this day, never the day it is entered."""


Access = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
"""For the applicant, in the reply: where, how and when to obtain the information (Art 36), or the right channel."""


class Approve(Action):
    """Approve at the current review step: disclose (review) or release the reply (secrecy check)."""

    note: Note | None = None
    access: Access | None = None


class Deny(Action):
    """Refuse at review with a reason code, or send back from the secrecy check with a reason."""

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    note: Note | None = None


class Decide(Action):
    """Any review outcome with its reason codes (e.g. partly disclosed, cannot provide, not handled)."""

    outcome: Outcome
    reason: Reason | None = None
    reasons: list[Reason] = []
    note: Note | None = None
    refer_to: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    access: Access | None = None
    earlier_reply_number: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)] | None
    ) = None
    """For a repeated request (Art 36(6)): the 文号 of the earlier reply, which the reply names."""
    earlier_reply_date: date | None = None
    """For a repeated request: the day of the earlier reply."""


class ConfirmReceipt(Action):
    """Intake confirms receipt with the applicant (Art 31): the clock starts from this date."""

    received: date


class Withdraw(Action):
    """The applicant withdraws the application (recorded by staff) before the reply."""

    note: Note | None = None


Item = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Reasoning = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]


class RequestCorrection(Action):
    """Ask the applicant to correct the application (补正, Art 30), listing every item at once."""

    items: Annotated[list[Item], Field(min_length=1, max_length=30)]
    period_days: Annotated[int, Field(ge=1, le=60)] | None = None
    """Working days the applicant has; the agency's configured default when omitted."""


class SubmitCorrection(Action):
    """Intake registers the corrected application: the reply period restarts from its receipt (Art 30)."""

    received: date
    channel: Channel | None = None


class Extend(Action):
    """Extend the reply period once, before it ends, with the head's approval (Art 33 ¶2)."""

    reason: Reasoning
    days: Annotated[int, Field(ge=1, le=60)] | None = None


class SetLongerPeriod(Action):
    """Set a longer reply period for excessive requests, with the reason (Art 35)."""

    reason: Reasoning
    days: Annotated[int, Field(ge=1, le=250)]


class Consult(Action):
    """Consult a third party (Art 32) or another agency (Art 34) in writing; the clock stops meanwhile."""

    kind: ConsultationKind
    party: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class ConsultationAnswer(Action):
    """Record the answer of a consulted party."""

    consultation: Annotated[str, StringConstraints(pattern=r"^c[0-9]{1,3}$")]
    answer: PartyAnswer
    note: Note | None = None


class IssueFeeNotice(Action):
    """Send a fee notice (收费通知) by one method: count (per month) or volume (pages)."""

    method: FeeMethod
    pages: Annotated[int, Field(ge=1, le=1_000_000)] | None = None


class SettleFee(Action):
    """The fee was paid, or is waived with a reason."""

    note: Note | None = None
    paid_on: date | None = None
    """The day the applicant paid, when it was before the day it is recorded: the clock runs again from then."""


class WaiveFee(Action):
    """Waive the fee with a reason; the case goes on as if paid."""

    reason: Reasoning


class RecomputeClock(Action):
    """Recompute the due date with the calendar now loaded (after a new holiday notice)."""


class RecordRejection(Action):
    """A client reports an update the case refused, so the refusal is in the audit trail."""

    action: Annotated[str, StringConstraints(max_length=64)]
    reason: Annotated[str, StringConstraints(max_length=1000)]


class Assign(Action):
    """Assign the case to a handler (分派) of the department that holds it."""

    to: UserName
    note: Note | None = None


Department = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class Transfer(Action):
    """Transfer the case to another department of the agency (转办); it signs for it before anyone acts on it."""

    department: Department
    reason: Reasoning


class SignFor(Action):
    """The receiving department signs for a transferred case (签收): it is now theirs to handle."""

    note: Note | None = None


class RequestApproval(Action):
    """A handler asks the head to approve an extension (Art 33), a longer period (Art 35) or a fee waiver."""

    kind: ApprovalKind
    reason: Reasoning
    days: Annotated[int, Field(ge=1, le=250)] | None = None
    """Working days asked for (extension: at most the configured 20; longer period: the whole period)."""


class DecideRequest(Action):
    """The head approves (the extension, longer period or waiver takes effect) or declines the pending request."""

    approve: bool
    note: Note | None = None


DocumentRef = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z_]{1,40}(:[A-Za-z0-9._-]{1,80})?$")
]
"""An issued document as ``ogi show`` lists it: ``reply``, ``fee_notice``, ``consultation_letter:C1``."""


class RecordDelivery(Action):
    """Record how an issued document went out and when it was served (送达): posted, collected, signed for, failed."""

    document: DocumentRef
    channel: Delivery | None = None
    """How it went out; the way it was sent before (or the applicant asked for) when left out."""
    sent_on: date | None = None
    """The day it was posted, faxed or handed over for collection."""
    reference: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)] | None = None
    """The post's tracking number (EMS), or another reference of the channel."""
    served_on: date | None = None
    """The day of service: signed for (post), collected and signed (in person), downloaded (online)."""
    failed: Reasoning | None = None
    """It could not be delivered this way, and why (returned by the post, address unknown)."""
