"""The state of one case: stage, decision, clock facts, events. Serialisable, free of personal data."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Literal

from pydantic import BaseModel, ConfigDict

from domain.actor import ActorRef
from domain.application import ApplicantKind, Application, Channel
from domain.config import Reminders, Role, RulesProfile, ServiceRules
from domain.outcomes import Outcome, Reason
from domain.outgoing import Outgoing, PendingDocument
from domain.vocabulary import ApprovalKind
from domain.vocabulary import Stage as Stage  # re-exported: the case's own vocabulary


class CasePolicy(BaseModel):
    """The configuration a case runs under, fixed at registration so that replay never reads files."""

    model_config = ConfigDict(frozen=True)

    profile: str = "2019"
    rules: RulesProfile = RulesProfile()
    reminders: Reminders = Reminders()
    people: dict[str, list[Role]] = {}
    extension_approver: Role = Role.HEAD
    special_regime_report_row: str = "other_3"
    region: str | None = None
    rest_day_moves_to_next_working_day: bool = True
    office_hours_cutoff: time | None = None
    """Submissions received at or after this Beijing time count as received on the next working day."""
    reconsideration_body: str = "本级人民政府"
    lookback_days: int | None = None
    """How many days back an action may be dated (``on``) by anyone but a ``records`` user; None: no limit."""
    late_judged_by: Literal["made", "served"] = "made"
    """Whether a reply is late by the day it was made (作出, the default) or the day it was served (送达)."""
    service: ServiceRules = ServiceRules()
    """When outgoing documents count as served, and the periods that run from service."""
    sms_notices: bool = False
    """An SMS provider was configured at registration: the applicant is told by SMS when a document is ready."""
    verified_actors: bool = False
    """Registered with authentication on: actions must come as Updates with a verified actor; Signals,
    which cannot carry one, are refused (recorded once per sender and reason, never applied)."""


class CaseInput(BaseModel):
    """What a case workflow starts from: the registered application and the policy it runs under."""

    case_id: str
    agency_code: str
    application: Application
    policy: CasePolicy = CasePolicy()
    intake_warnings: list[str] = []
    clock: ClockView | None = None
    """The first clock, computed at registration (None while awaiting confirmation of receipt)."""
    applicant_month_rank: int | None = 1
    same_content_as: list[str] = []
    """Earlier cases where the same applicant asked the agency for the same content (Art 36(6) may apply)."""
    query_code_digest: str | None = None
    """SHA-256 of the applicant's query code (``domain.query_code``); None for cases registered before codes."""
    registered_by: ActorRef | None = None
    """The intake user who registered the case (verified with authentication on)."""
    resume: CaseState | None = None
    """The state a case continued as new from (a long history is carried over, never lost)."""


class CaseEvent(BaseModel):
    """One entry of the audit trail: who did what when, accepted or refused and why."""

    at: datetime
    """When it was recorded."""
    on: date | None = None
    """The day it was actually taken, when that was before the day it was recorded (``--on``)."""
    action: str
    by: str
    accepted: bool = True
    detail: str = ""
    by_id: str | None = None
    """Stable id of the actor (a verified user's id; a claimed name's normal form); None for system events."""
    verified: bool = False
    """The worker verified the actor from a signed assertion (authentication on)."""
    recorded_by: str | None = None
    """The ``records`` user who entered an action taken by ``by`` (acted_by), if another person."""
    count: int = 1
    """For refused actions: how many identical refusals this entry stands for (repeats are aggregated)."""


class Decision(BaseModel):
    """The reviewer's proposed answer (拟办意见), awaiting the secrecy check."""

    outcome: Outcome
    reasons: list[Reason] = []
    by: str
    by_id: str | None = None
    """Stable id of the proposer: the four-eyes rule compares it with the secrecy reviewer's."""
    note: str | None = None
    refer_to: str | None = None
    """For 'not held': the agency that holds the information, when known (Art 36 ¶5)."""
    access: str | None = None
    """For the applicant, in the reply: where, how and when to obtain it, or the right channel. The note
    stays internal."""
    earlier_reply_number: str | None = None
    """For a repeated request: the earlier reply's 文号 (else found from ``same_content_as``)."""
    earlier_reply_date: date | None = None
    at: datetime


class Pause(BaseModel):
    """An interval in which the reply clock does not run (Art 33 ¶3, fee)."""

    kind: str
    key: str
    since: date
    until: date | None = None


class ClockFacts(BaseModel):
    """The legal facts the due date follows from; ``domain.clock`` turns them into dates."""

    received: date
    """Receipt date as registered (Art 31); the count starts after the effective receipt date."""
    reply_days: int
    extension_days: int = 0
    longer_period_days: int = 0
    """Art 35: a longer period the head set for excessive requests, replacing ``reply_days``."""
    pauses: list[Pause] = []
    restarts: int = 0
    after_hours: bool = False
    """Received after the office-hours cut-off: counts as received on the next working day."""


class ClockView(BaseModel):
    """The computed clock: due date, days used and left, and how it was derived."""

    effective_receipt: date
    due: date
    deadline_at: datetime
    used: int
    left: int
    paused: bool
    provisional: bool = False
    provisional_reason: str | None = None
    calendar_version: str
    explanation: list[str] = []
    reminders_at: list[datetime] = []
    correction_notice_by: datetime | None = None
    """End of the 7-working-day window for a correction request (Art 30)."""


class Deadline(BaseModel):
    """A period's end: the last working day and the instant (24:00 Beijing) it runs out."""

    due: date
    deadline_at: datetime
    calendar_version: str
    provisional: bool = False


class CorrectionRequest(BaseModel):
    """A request to correct the application (补正, Art 30): once, in writing, listing every item."""

    by: str
    items: list[str]
    requested_on: date
    period_days: int
    respond_by: Deadline | None = None
    corrected_on: date | None = None
    channel: Channel | None = None


class Extension(BaseModel):
    """An extension of the reply period (延期答复, Art 33 ¶2), approved by the head."""

    by: str
    reason: str
    days: int
    on: date


class LongerPeriod(BaseModel):
    """A longer reply period set for excessive requests (Art 35)."""

    by: str
    reason: str
    days: int
    on: date


class Consultation(BaseModel):
    """A consultation of a third party (Art 32) or another agency (Art 34); the clock stops meanwhile."""

    id: str
    kind: str
    """``third_party`` or ``agency``."""
    party: str
    by: str
    sent: date
    answer_by: Deadline | None = None
    answered_on: date | None = None
    answer: str | None = None
    """consent, objection, opinion; or lapsed (third party silent) / deemed_consent (agency silent)."""
    note: str | None = None

    @property
    def pending(self) -> bool:
        """Whether the consultation still waits for its answer."""
        return self.answered_on is None


class FeeNotice(BaseModel):
    """A fee notice (收费通知) and what became of it."""

    by: str
    method: str
    quantity: int
    amount: int
    issued: date
    pay_by: Deadline | None = None
    settled_on: date | None = None
    settlement: str | None = None
    """``paid`` or ``waived``."""


class PendingRequest(BaseModel):
    """A handler's request awaiting the head's decision: an extension, a longer period, or a fee waiver."""

    kind: ApprovalKind
    by: str
    by_id: str | None = None
    reason: str
    days: int | None = None
    on: date


class CaseState(BaseModel):
    """Everything known about a case except the applicant's personal data."""

    id: str
    external_ref: str
    agency: str
    agency_code: str
    channel: Channel
    applicant_kind: ApplicantKind
    received: date | None
    stage: Stage
    outcome: Outcome | None = None
    reasons: list[Reason] = []
    decision: Decision | None = None
    released_by: str | None = None
    overdue: bool = False
    clock: ClockFacts | None = None
    clock_view: ClockView | None = None
    intake_warnings: list[str] = []
    events: list[CaseEvent] = []
    fired: list[str] = []
    """Agenda entries already handled (reminders, deadline), so none fires twice."""
    reply_document: str | None = None
    closed_at: datetime | None = None
    correction: CorrectionRequest | None = None
    extension: Extension | None = None
    longer_period: LongerPeriod | None = None
    consultations: list[Consultation] = []
    fee: FeeNotice | None = None
    documents: list[str] = []
    """Notices sent for the case (paths of the stored documents)."""
    applicant_month_rank: int | None = 1
    """This application's place among the applicant's applications in its calendar month (fees by count);
    None when the applicant could not be recognised again (no identity number, phone or e-mail)."""
    same_content_as: list[str] = []
    """Earlier cases where the same applicant asked the agency for the same content (Art 36(6) may apply)."""
    query_code_digest: str | None = None
    """SHA-256 of the applicant's query code (``domain.query_code``); None for cases registered before codes."""
    assignee: str | None = None
    """The handler the case is assigned to (分派)."""
    assignee_id: str | None = None
    department: str | None = None
    """The department holding the case."""
    pending_department: str | None = None
    """The department the case was transferred to (转办), until it signs for it (签收)."""
    pending_request: PendingRequest | None = None
    replied_on: date | None = None
    """The day the reply was made (its secrecy check signed), as recorded with ``on``."""
    late: bool | None = None
    """For a case closed with a reply: whether it was made after the due date (pauses counted)."""
    attention: str | None = None
    """Why the case needs staff attention: an input it could not process, with what to do (``ogi list --attention``)."""
    archived_events: int = 0
    """How many of ``events`` are in the audit log of the case store already."""
    outgoing: list[Outgoing] = []
    """The documents of the standard set the case issued, each with its number, files and deliveries."""
    to_issue: list[PendingDocument] = []
    """Documents actions called for that the case has yet to issue (it does so right after the action)."""
    served_periods: bool = False
    """The case issues its documents and runs the other side's periods from service (set at its start
    since that version of the workflow; cases started earlier keep counting from the day of the notice)."""

    @property
    def status(self) -> str:
        """``open`` or ``closed``."""
        return "open" if self.stage.is_open else "closed"


def initial_clock(app: Application, policy: CasePolicy) -> ClockFacts | None:
    """The clock facts of a new application: none while receipt awaits confirmation."""
    if app.received is None:
        return None
    cutoff = policy.office_hours_cutoff
    late = cutoff is not None and app.received_time is not None and app.received_time >= cutoff
    return ClockFacts(received=app.received, reply_days=policy.rules.reply_days, after_hours=late)


def new_case(inp: CaseInput, now: datetime) -> CaseState:
    """The state of a case at registration (登记)."""
    app = inp.application
    stage = Stage.REVIEW if app.received is not None else Stage.AWAITING_RECEIPT
    state = CaseState(
        id=inp.case_id,
        external_ref=app.external_ref,
        agency=app.agency,
        agency_code=inp.agency_code,
        channel=app.channel,
        applicant_kind=app.applicant.kind,
        received=app.received,
        stage=stage,
        intake_warnings=list(inp.intake_warnings),
        applicant_month_rank=inp.applicant_month_rank,
        same_content_as=list(inp.same_content_as),
        query_code_digest=inp.query_code_digest,
    )
    state.clock = initial_clock(app, inp.policy)
    detail = (
        f"channel {app.channel.value}, received {app.received.isoformat() if app.received else 'awaiting confirmation'}"
    )
    by = inp.registered_by
    state.events.append(
        CaseEvent(
            at=now,
            action="registered",
            by=by.name if by else "intake",
            by_id=by.id if by else None,
            verified=by is not None and inp.policy.verified_actors,
            detail=detail,
        )
    )
    return state


CaseInput.model_rebuild()
