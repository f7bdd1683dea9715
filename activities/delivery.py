"""Delivery of issued documents as activities: e-mail, SMS and the day's post batch, each telling the truth.

A delivery the server accepted returns its receipt (Message-ID or provider id, time, masked address);
one it refused fails with a non-retryable ``DeliveryRefused`` carrying the server's answer; one that
could not reach the server fails retryably, so Temporal tries again with the same Message-ID.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from pydantic import BaseModel
from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.quiet_hours import may_send, next_send_time, parse_window
from infra.delivery import DeliveryFailed
from infra.delivery.email import EmailDocument, EmailReceipt, send_document_email
from infra.delivery.post import PrintBatch, build_print_batch
from infra.delivery.sms import SmsMessage, SmsReceipt, send_sms
from infra.log import get_logger
from infra.settings import settings

log = get_logger(__name__)


def _failure(exc: DeliveryFailed) -> ApplicationError:
    kind = "DeliveryRefused" if exc.permanent else "DeliveryUnreachable"
    return ApplicationError(str(exc), exc.answer or "", type=kind, non_retryable=exc.permanent)


@activity.defn(name="deliver_by_email")
def deliver_by_email(document: EmailDocument) -> EmailReceipt:
    """Send an issued document's PDF by e-mail; the server's acceptance, or why not."""
    if activity.in_activity():
        activity.heartbeat("connecting")
    try:
        receipt = send_document_email(document)
    except DeliveryFailed as exc:
        log.warning("delivery.failed", case_id=document.case_id, channel="email", permanent=exc.permanent)
        raise _failure(exc) from exc
    log.info("delivery.accepted", case_id=document.case_id, channel="email", message_id=receipt.message_id)
    return receipt


class SmsRequest(BaseModel):
    """A text to the applicant (e.g. that a reply is ready), sent only inside the sending hours."""

    case_id: str
    message: SmsMessage
    at: datetime | None = None
    """When the case scheduled it (its workflow time): the hours are judged at this instant or now,
    whichever is later, so a case whose time runs ahead (a time-skipping test) is judged by its own."""


@activity.defn(name="deliver_by_sms")
def deliver_by_sms(request: SmsRequest) -> SmsReceipt:
    """Send an SMS through the configured provider; refused (non-retryable ``QuietHours``) at night.

    The workflow waits until ``domain.quiet_hours.next_send_time`` before scheduling this; the check here
    keeps a late retry from texting someone at night.
    """
    window = parse_window(settings().sms_hours)
    now = max(datetime.now(UTC), request.at or datetime.min.replace(tzinfo=UTC))
    if not may_send(now, window):
        msg = f"quiet hours: no SMS before {next_send_time(now, window).isoformat()}"
        raise ApplicationError(msg, next_send_time(now, window).isoformat(), type="QuietHours", non_retryable=True)
    try:
        receipt = send_sms(request.message)
    except DeliveryFailed as exc:
        log.warning("delivery.failed", case_id=request.case_id, channel="sms", permanent=exc.permanent)
        raise _failure(exc) from exc
    log.info("delivery.accepted", case_id=request.case_id, channel="sms", provider=receipt.provider)
    return receipt


class PrintBatchRequest(BaseModel):
    """Which agency's post batch of which day."""

    agency_code: str
    agency: str | None = None
    day: date


@activity.defn(name="print_post_batch")
def print_post_batch(request: PrintBatchRequest) -> PrintBatch | None:
    """Build (or rebuild) the day's print batch for the mail room; None when nothing goes by post that day."""
    return build_print_batch(request.agency_code, request.day, request.agency)
