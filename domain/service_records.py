"""Recording how an issued document was served: posted, collected, signed for, or returned (送达记录).

A clerk records what the channel cannot tell the case by itself: the day a letter was posted and its
tracking number, the day it was signed for, the day the applicant collected the reply. A period of the
other side that runs from service is counted again from the recorded day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from domain.action_models import RecordDelivery
from domain.actor import Actor
from domain.calendar import BEIJING
from domain.case import CasePolicy, CaseState
from domain.case_routing import need_any_role
from domain.clock import beijing_date
from domain.config import Role
from domain.errors import ActionNotAllowed
from domain.messages import Msg, Words
from domain.outgoing import DeliveryStatus, Dispatch, Outgoing, by_ref, presumed_service

CONSULTED_PARTY_CHANNELS = frozenset({"post", "collect"})


def _document(action: RecordDelivery, state: CaseState) -> Outgoing:
    if not state.served_periods:
        msg = Msg(
            "case {id} was registered before documents were issued and tracked; it has nothing to record", id=state.id
        )
        raise ActionNotAllowed(msg, "refused.wrong_stage")
    doc = by_ref(state.outgoing, action.document)
    if doc is None:
        if state.outgoing:
            msg = Msg(
                "record_delivery: case {id} issued no document '{document}' (issued: {issued})",
                id=state.id,
                document=action.document,
                issued=Words(o.ref for o in state.outgoing),
            )
        else:
            msg = Msg(
                "record_delivery: case {id} issued no document '{document}' (issued: none yet)",
                id=state.id,
                document=action.document,
            )
        raise ActionNotAllowed(msg, "bad_input.document")
    return doc


def _channel(action: RecordDelivery, doc: Outgoing) -> str:
    if action.channel is not None:
        return action.channel.value
    live = [d for d in doc.deliveries if d.status is not DeliveryStatus.FAILED]
    if live:
        return live[-1].channel
    if doc.deliveries:
        return doc.deliveries[-1].channel
    msg = Msg(
        "record_delivery: say how {document} went out (channel: post, collect, online, email, fax)", document=doc.ref
    )
    raise ActionNotAllowed(msg, "bad_input.channel")


def check(action: RecordDelivery, state: CaseState, now: datetime, who: Actor) -> None:
    """Refuse a delivery record that names no issued document, contradicts itself or the dates; never mutates."""
    need_any_role(who, (Role.INTAKE, Role.RECORDS), Msg("record how a document was served"))
    doc = _document(action, state)
    channel = _channel(action, doc)
    if doc.to == "consulted_party" and channel not in CONSULTED_PARTY_CHANNELS:
        msg = Msg(
            "record_delivery: a consultation letter goes by post or is collected, not by {channel}", channel=channel
        )
        raise ActionNotAllowed(msg, "bad_input.channel")
    if action.sent_on is None and action.served_on is None and action.failed is None:
        msg = Msg("record_delivery: give sent_on (posted, with reference), served_on (signed for, collected) or failed")
        raise ActionNotAllowed(msg, "bad_input")
    if action.failed is not None and action.served_on is not None:
        msg = Msg("record_delivery: a delivery that failed was not served; give either failed or served_on")
        raise ActionNotAllowed(msg, "bad_input")
    today = beijing_date(now)
    for field, day in (("sent_on", action.sent_on), ("served_on", action.served_on)):
        if day is None:
            continue
        if day > today:
            msg = Msg(
                "record_delivery: {field} {day} is after today ({today}); record it once it happened",
                field=field,
                day=day,
                today=today,
            )
            raise ActionNotAllowed(msg, f"bad_input.{field}")
        if day < doc.issued_on:
            msg = Msg(
                "record_delivery: {field} {day} is before {document} was issued ({issued})",
                field=field,
                day=day,
                document=doc.ref,
                issued=doc.issued_on,
            )
            raise ActionNotAllowed(msg, f"bad_input.{field}")
    current = _current(doc, channel)
    sent_on = action.sent_on or (beijing_date(current.sent_at) if current and current.sent_at else None)
    if action.served_on is not None and sent_on is not None and action.served_on < sent_on:
        msg = Msg("record_delivery: served_on {day} is before it was sent ({sent})", day=action.served_on, sent=sent_on)
        raise ActionNotAllowed(msg, "bad_input.served_on")
    if current is not None and current.served_on is not None and not current.presumed:
        msg = Msg(
            "record_delivery: {document} was already served by {channel} on {day}; a day of service is recorded once",
            document=doc.ref,
            channel=channel,
            day=current.served_on,
        )
        raise ActionNotAllowed(msg, "refused.once")


def _current(doc: Outgoing, channel: str) -> Dispatch | None:
    """The latest delivery of ``doc`` by ``channel`` that has not failed."""
    live = [d for d in doc.deliveries if d.channel == channel and d.status is not DeliveryStatus.FAILED]
    return live[-1] if live else None


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), BEIJING).astimezone(UTC)


def apply(action: RecordDelivery, new: CaseState, policy: CasePolicy) -> tuple[Outgoing, str]:
    """Record the delivery on ``new`` (a copy the caller owns); the document and the audit line."""
    doc = by_ref(new.outgoing, action.document)
    assert doc is not None
    channel = _channel(action, doc)
    dispatch = _current(doc, channel)
    if dispatch is None:
        dispatch = Dispatch(
            channel=channel, to=doc.deliveries[-1].to if doc.deliveries else doc.to, status=DeliveryStatus.QUEUED
        )
        doc.deliveries.append(dispatch)
    said: list[str] = []
    if action.reference is not None:
        dispatch.reference = action.reference
    if action.failed is not None:
        dispatch.status, dispatch.detail = DeliveryStatus.FAILED, action.failed
        return doc, f"{doc.ref}: not delivered by {channel}: {action.failed}"
    if action.sent_on is not None:
        dispatch.sent_at = _day_start(action.sent_on)
        dispatch.status = DeliveryStatus.SENT
        said.append(f"sent by {channel} on {action.sent_on.isoformat()}")
        if action.reference:
            said[-1] += f" ({action.reference})"
    if action.served_on is not None:
        dispatch.status, dispatch.served_on, dispatch.presumed = DeliveryStatus.DELIVERED, action.served_on, False
        said.append(f"served on {action.served_on.isoformat()}")
    elif action.sent_on is not None:
        presumed = presumed_service(channel, action.sent_on, policy.service)
        dispatch.served_on, dispatch.presumed = presumed, presumed is not None
        if presumed is not None:
            said.append(f"presumed served on {presumed.isoformat()}")
    return doc, f"{doc.ref}: " + ", ".join(said)


def count_again_from_service(new: CaseState, doc: Outgoing, before: date | None, policy: CasePolicy) -> str:
    """After a recorded service day, count the other side's period that runs from ``doc`` again from it.

    A running period loses its end (the workflow computes it again from the new day). One that already
    ran out, counted from an earlier day than the one now recorded, may have lapsed too soon: the case
    is marked for attention with what to check. Returns an addition to the audit line.
    """
    served = doc.served_on
    if not new.served_periods or served is None or served == before:
        return ""
    from_service = policy.service.periods_from_service
    lapsed: str | None = None
    if doc.kind == "fee_notice" and "fee" in from_service and new.fee is not None:
        if new.fee.settled_on is None and new.stage.is_open:
            new.fee.pay_by = None
        elif new.fee.settled_on is None and new.fee.pay_by is not None:
            lapsed = f"the payment period ended {new.fee.pay_by.due.isoformat()}"
    elif doc.kind == "correction_notice" and "correction" in from_service and new.correction is not None:
        corr = new.correction
        if corr.corrected_on is None and new.stage.is_open:
            corr.respond_by = None
        elif corr.corrected_on is None and corr.respond_by is not None:
            lapsed = f"the correction period ended {corr.respond_by.due.isoformat()}"
    elif doc.kind == "consultation_letter" and "consultation" in from_service:
        for c in new.consultations:
            if c.id != doc.key:
                continue
            if c.pending:
                c.answer_by = None
            elif c.answer in ("lapsed", "deemed_consent") and c.answer_by is not None:
                lapsed = f"consultation {c.id} ended {c.answer_by.due.isoformat()} ({c.answer})"
    if lapsed is None:
        return "; the period that runs from it is counted from that day" if before is None or served > before else ""
    if before is not None and served <= before:
        return ""
    new.attention = (
        f"{lapsed}, counted from {before.isoformat() if before else 'an earlier day'}; {doc.ref} is now recorded as "
        f"served on {served.isoformat()}: check whether it ran its full course from service"
    )
    return f"; {lapsed} before this day of service was known: needs attention"
