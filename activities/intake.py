"""Registration (登记): checks against the agency's configuration, tracking number, first deadline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from pydantic import BaseModel, Field
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.clock import ClockRequest, clock_for
from domain.applicant_key import NOT_RECOGNISABLE, applicant_key, content_key, key_fingerprint
from domain.application import Application
from domain.calendar import CalendarError
from domain.case import CasePolicy, ClockView, initial_clock
from domain.config import ConfigError, OgiConfig, load_config
from domain.errors import ApplicationRejected
from domain.intake import check_intake, policy_for
from domain.query_code import code_digest, query_code
from infra.applicant_secret import applicant_secret
from infra.log import get_logger
from infra.paths import config_path
from infra.store import ApplicantMark, KeyMismatch, NumberRequest, allocate_case_numbers, claim_key, holds_pseudonyms

log = get_logger(__name__)


class RegisterRequest(BaseModel):
    """An application to register, with the agency's date of registration."""

    application: Application
    today: date
    number_year: int | None = None
    """The year the tracking number counts in: the registration year unless given (an import: the year of receipt)."""


class Registration(BaseModel):
    """The registered case, or the existing one when the external reference is a duplicate."""

    case_id: str
    duplicate: bool
    agency_code: str
    policy: CasePolicy
    warnings: list[str] = []
    clock: ClockView | None = None
    applicant_month_rank: int | None = 1
    """The application's place among its applicant's at the agency this month (fees by count); None: not counted."""
    same_content_as: list[str] = []
    """Earlier cases where the applicant asked the agency for the same content (Art 36(6) may apply)."""
    query_code: str = Field(default="", exclude=True)
    """The applicant's code for looking up the case's status (查询码): handed to the caller in-process, never
    written into a payload (history keeps only its digest)."""
    query_code_digest: str | None = None
    status: str = "started"
    """``allocated`` while the case of a new number is not yet known to be started."""
    allocated_at: datetime | None = None
    """When this registration took its number (None when the number existed before)."""


def register(
    request: RegisterRequest, registration_id: str, *, status: str = "started", config: OgiConfig | None = None
) -> Registration:
    """Check, time and number an application: every check that can fail runs before its number is taken.

    Shared by the service (which then starts the case itself: ``status="allocated"`` until it has) and
    the intake workflow's activity. Idempotent per ``registration_id``; another registration with the
    same external reference learns the existing case (``duplicate``).
    """
    return register_many([(request, registration_id)], status=status, config=config)[0]


@dataclass
class _Checked:
    """An application that passed every check of registration: what numbering it needs."""

    request: RegisterRequest
    number: NumberRequest
    warnings: list[str]
    policy: CasePolicy
    clock: ClockView | None


def register_many(
    requests: list[tuple[RegisterRequest, str]], *, status: str = "started", config: OgiConfig | None = None
) -> list[Registration]:
    """``register`` for many applications (an import's batch): all checked, then numbered in one transaction.

    ``config`` is the configuration read once by the caller (default: read here).
    """
    config = config or load_config(config_path())
    # The checks that refuse an application come before anything is written (the pseudonym key included).
    warnings = [check_intake(request.application, request.today, config) for request, _ in requests]
    secret = applicant_secret(may_create=lambda: not holds_pseudonyms())
    claim_key("applicant", key_fingerprint(secret))
    checked = [
        _check(request, registration_id, status, config, secret, found)
        for (request, registration_id), found in zip(requests, warnings, strict=True)
    ]
    allocations = allocate_case_numbers([c.number for c in checked])
    out: list[Registration] = []
    for item, allocation in zip(checked, allocations, strict=True):
        log.info(
            "case.registered" if not allocation.duplicate else "case.duplicate",
            case_id=allocation.case_id,
            agency_code=item.number.agency_code,
            channel=item.request.application.channel.value,
        )
        out.append(
            Registration(
                case_id=allocation.case_id,
                duplicate=allocation.duplicate,
                agency_code=item.number.agency_code,
                policy=item.policy,
                warnings=item.warnings,
                clock=item.clock,
                applicant_month_rank=allocation.applicant_month_rank,
                same_content_as=list(allocation.same_content_as),
                query_code=(code := query_code(allocation.case_id, secret)),
                query_code_digest=code_digest(code),
                status=allocation.status,
                allocated_at=None if allocation.duplicate else datetime.now(UTC),
            )
        )
    return out


def _check(
    request: RegisterRequest, registration_id: str, status: str, config: OgiConfig, secret: bytes, warnings: list[str]
) -> _Checked:
    app = request.application
    agency = config.agency(app.agency)
    policy = policy_for(app, config, registered=request.today)
    month = (app.received or request.today).strftime("%Y-%m")
    key = applicant_key(app.applicant, secret, app.email)
    if key is None:
        warnings = [*warnings, NOT_RECOGNISABLE]
    facts = initial_clock(app, policy)
    clock = clock_for(ClockRequest(facts=facts, policy=policy, today=request.today)) if facts is not None else None
    number = NumberRequest(
        app.agency,
        agency.code,
        request.number_year or request.today.year,
        app.external_ref,
        registration_id,
        applicant=(
            ApplicantMark(month=month, applicant_key=key, content_key=content_key(app.description, secret))
            if key is not None
            else None
        ),
        status=status,
    )
    return _Checked(request, number, warnings, policy, clock)


@activity.defn(name="register_application")
def register_application(request: RegisterRequest) -> Registration:
    """The intake workflow's registration; idempotent for one intake run."""
    info = activity.info()
    try:
        registration = register(request, str(info.workflow_run_id or info.workflow_id))
    except ApplicationRejected as exc:
        raise ApplicationError(str(exc), type="ApplicationRejected", non_retryable=True) from None
    except CalendarError as exc:
        raise ApplicationError(str(exc), type="ApplicationRejected", non_retryable=True) from None
    except (ConfigError, KeyMismatch) as exc:
        # Retried: fixing the configuration or setting the right key on this worker heals it; nothing was
        # registered meanwhile.
        raise ApplicationError(str(exc), type="ConfigError") from exc
    if registration.duplicate:
        registration = registration.model_copy(update={"clock": None})
    return registration
