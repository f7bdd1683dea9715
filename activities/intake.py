"""Registration (登记): checks against the agency's configuration, tracking number, first deadline."""

from __future__ import annotations

from datetime import UTC, date, datetime

from pydantic import BaseModel, Field
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.clock import ClockRequest, clock_for
from domain.applicant_key import NOT_RECOGNISABLE, applicant_key, content_key, key_fingerprint
from domain.application import Application
from domain.calendar import CalendarError
from domain.case import CasePolicy, ClockView, initial_clock
from domain.config import ConfigError, load_config
from domain.errors import ApplicationRejected
from domain.intake import check_intake, policy_for
from domain.query_code import code_digest, query_code
from infra.applicant_secret import applicant_secret
from infra.log import get_logger
from infra.paths import config_path
from infra.store import ApplicantMark, KeyMismatch, allocate_case_number, claim_key, holds_pseudonyms

log = get_logger(__name__)


class RegisterRequest(BaseModel):
    """An application to register, with the agency's date of registration."""

    application: Application
    today: date


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


def register(request: RegisterRequest, registration_id: str, *, status: str = "started") -> Registration:
    """Check, time and number an application: every check that can fail runs before its number is taken.

    Shared by the service (which then starts the case itself: ``status="allocated"`` until it has) and
    the intake workflow's activity. Idempotent per ``registration_id``; another registration with the
    same external reference learns the existing case (``duplicate``).
    """
    app = request.application
    config = load_config(config_path())
    warnings = check_intake(app, request.today, config)
    agency = config.agency(app.agency)
    policy = policy_for(app, config, registered=request.today)
    month = (app.received or request.today).strftime("%Y-%m")
    secret = applicant_secret(may_create=lambda: not holds_pseudonyms())
    claim_key("applicant", key_fingerprint(secret))
    key = applicant_key(app.applicant, secret, app.email)
    if key is None:
        warnings = [*warnings, NOT_RECOGNISABLE]
    facts = initial_clock(app, policy)
    clock = clock_for(ClockRequest(facts=facts, policy=policy, today=request.today)) if facts is not None else None
    allocation = allocate_case_number(
        app.agency,
        agency.code,
        request.today.year,
        app.external_ref,
        registration_id,
        applicant=(
            ApplicantMark(month=month, applicant_key=key, content_key=content_key(app.description, secret))
            if key is not None
            else None
        ),
        status=status,
    )
    log.info(
        "case.registered" if not allocation.duplicate else "case.duplicate",
        case_id=allocation.case_id,
        agency_code=agency.code,
        channel=app.channel.value,
    )
    return Registration(
        case_id=allocation.case_id,
        duplicate=allocation.duplicate,
        agency_code=agency.code,
        policy=policy,
        warnings=warnings,
        clock=clock,
        applicant_month_rank=allocation.applicant_month_rank,
        same_content_as=list(allocation.same_content_as),
        query_code=(code := query_code(allocation.case_id, secret)),
        query_code_digest=code_digest(code),
        status=allocation.status,
        allocated_at=None if allocation.duplicate else datetime.now(UTC),
    )


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
