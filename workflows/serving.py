"""The case's outgoing documents in the workflow: issue each of the standard set, deliver it, wait for service.

Mixed into ``DisclosureRequestWorkflow``. A document is issued by an activity (number, PDF, DOCX); an
e-mail goes out through the mail server, and what the server said is what the audit trail says; a
letter for the post or a reply to collect waits for the clerk to record it. Nothing here claims a
delivery that did not happen.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.delivery import SmsRequest, deliver_by_email, deliver_by_sms
    from activities.documents import CaseDocumentRequest, IssuedDocumentResult, issue_case_document
    from activities.notify import Notification, notify
    from domain.actions import late_verdict
    from domain.application import Application
    from domain.calendar import BEIJING
    from domain.case import CaseEvent, CaseInput, CaseState
    from domain.clock import beijing_date
    from domain.documents import DocumentKind
    from domain.masking import mask_address, mask_email, mask_phone
    from domain.outgoing import DeliveryStatus, Dispatch, Outgoing, PendingDocument, by_ref, pending_sends, sent
    from infra.delivery.email import EmailDocument
    from infra.delivery.sms import SmsMessage

DOCUMENT_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2),
    maximum_interval=timedelta(minutes=1),
    non_retryable_error_types=["DocumentInputError"],
)
"""A document must go out: issuing is tried until it succeeds (a full disk or a broken template, once
repaired, lets it through within a minute); facts the case lacks fail at once."""
HEARTBEAT = timedelta(seconds=20)
"""Issuing and e-mail beat between their steps: an attempt on a worker that died is retried after this,
not after the whole start-to-close timeout."""
SLOW_ISSUE = timedelta(minutes=5)
"""Issuing that has not succeeded by then marks the case for attention while it keeps trying."""
MAIL_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=30),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=30),
    maximum_attempts=10,
    non_retryable_error_types=["DeliveryRefused"],
)
"""An unreachable mail server is tried again for about four hours; a refusal is final at once."""

NOTIFY_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))
"""A notification is retried until the sink takes it, as every notification of the case is."""

NOTICE_DOCUMENTS: dict[str, DocumentKind] = {
    "confirm_receipt": DocumentKind.ACKNOWLEDGEMENT,
    "request_correction": DocumentKind.CORRECTION_NOTICE,
    "extend": DocumentKind.EXTENSION_NOTICE,
    "set_longer_period": DocumentKind.LONGER_PERIOD_NOTICE,
    "fee_notice": DocumentKind.FEE_NOTICE,
    "consult": DocumentKind.CONSULTATION_LETTER,
}
"""The document each action issues."""

SERVICE_RECEIPT_FOR = frozenset({DocumentKind.REPLY, DocumentKind.FEE_NOTICE, DocumentKind.CORRECTION_NOTICE})
"""Documents served by post or in person with a 送达回证 for the applicant to sign: those whose day of
service starts a period or a remedy."""

QUEUED_BECAUSE = {
    "post": "in the post batch of {day}: record the posting (tracking number) and the signed-for day",
    "collect": "ready for collection: record the day the applicant collects and signs for it",
    "online": "ready to download: record the day the applicant obtains it",
    "fax": "to be faxed: record the day it was sent",
    "email": "no e-mail address on the application: send it another way and record it",
}


class Serving:
    """Issue, deliver and follow the service of a case's documents (a part of the case workflow).

    Issuing and routing happen while the case holds its lock (inside an action, or taken by the run);
    sending by e-mail or SMS happens in the case's run, outside the lock, so a slow mail server never
    holds up an action, and its result is recorded under the lock on the document as it stands then.
    """

    _state: CaseState
    _inp: CaseInput
    _serves: bool | None
    _lock: asyncio.Lock

    if TYPE_CHECKING:

        def _needs_attention(self, reason: str) -> None: ...

        async def _start_periods_from_service(self) -> None: ...

        async def _with_period_deadlines(self, new: CaseState) -> CaseState: ...

    def _documents_issued(self) -> bool:
        """Whether this case issues the standard documents and runs the other side's periods from service.

        Since this patch every new case does; a case that began before it keeps its text notices and
        its periods counted from the day of the notice, including after it continued as new.
        """
        if self._serves is None:
            st = self._state
            self._serves = st.served_periods or (self._inp.resume is None and workflow.patched("documents-and-service"))
            st.served_periods = self._serves
        return self._serves

    def _issues(self, kind: DocumentKind) -> bool:
        """Whether the agency issues ``kind`` (the acknowledgement may be turned off by configuration)."""
        return kind is not DocumentKind.ACKNOWLEDGEMENT or self._inp.policy.service.acknowledge_receipt

    def _queue_document(
        self, kind: DocumentKind, key: str = "main", *, issued_on: date | None = None, entered_late: bool = False
    ) -> None:
        """Put a document on the case's list to issue next (the caller holds the lock)."""
        pending = PendingDocument(kind=kind.value, key=key, issued_on=issued_on, entered_late=entered_late)
        self._state.to_issue.append(pending)

    async def _issue_file(
        self, kind: DocumentKind, key: str, issued_on: date, served: Outgoing | None = None
    ) -> IssuedDocumentResult | None:
        """Issue a document of the case as it stands (numbered, rendered, stored), without holding the lock.

        Tried until it succeeds, the case marked for attention if that takes long; None, and the case
        marked, if the case lacks facts the document needs.
        """
        what = kind.value.replace("_", " ")
        to = "consulted_party" if kind is DocumentKind.CONSULTATION_LETTER else "applicant"
        try:
            task = workflow.start_activity(
                issue_case_document,
                CaseDocumentRequest(
                    kind=kind,
                    key=key,
                    state=self._state.model_copy(update={"events": []}),
                    application=self._inp.application,
                    policy=self._inp.policy,
                    issued_on=issued_on,
                    delivery=self._channel_for(to),
                    served=served,
                ),
                start_to_close_timeout=timedelta(minutes=2),
                heartbeat_timeout=HEARTBEAT,
                retry_policy=DOCUMENT_RETRY,
            )
            done, _ = await workflow.wait([task], timeout=SLOW_ISSUE.total_seconds())
            if not done:
                async with self._lock:
                    self._needs_attention(
                        f"the {what} is not issued yet: issuing keeps failing and is retried every minute "
                        "(the worker's log and the case's pending activity say why)"
                    )
            issued: IssuedDocumentResult = await task
        except ActivityError as exc:
            async with self._lock:
                self._needs_attention(f"the {what} could not be issued: {cause_of(exc)}")
            return None
        return issued

    def _record_issued(self, kind: DocumentKind, key: str, issued: IssuedDocumentResult) -> Outgoing:
        """Enter an issued document on the case (the caller holds the lock)."""
        st = self._state
        what = kind.value.replace("_", " ")
        if st.attention and st.attention.startswith(f"the {what} is not issued yet"):
            st.attention = None
        doc = Outgoing(
            kind=issued.kind,
            key=key if kind is not DocumentKind.SERVICE_RECEIPT else issued.key,
            title=issued.title,
            number=issued.number,
            issued_on=issued.issued_on,
            files=[f.path for f in issued.files],
            to="consulted_party" if kind is DocumentKind.CONSULTATION_LETTER else "applicant",
            needs_service=kind not in (DocumentKind.ACKNOWLEDGEMENT, DocumentKind.SERVICE_RECEIPT),
        )
        st.outgoing.append(doc)
        if doc.files:
            st.documents.append(doc.files[0])
        number = f" {doc.number}" if doc.number else ""
        st.events.append(CaseEvent(at=workflow.now(), action="issued", by="system", detail=f"{doc.title}{number}"))
        return doc

    async def _issue_queued(self) -> None:
        """Issue the first document on the list, enter it, route it, and start the periods from its service."""
        pending = self._state.to_issue[0]
        kind = DocumentKind(pending.kind)
        served = by_ref(self._state.outgoing, pending.served_ref) if pending.served_ref else None
        issued_on = pending.issued_on or beijing_date(workflow.now())
        issued = await self._issue_file(kind, pending.key, issued_on, served)
        async with self._lock:
            self._state.to_issue = [p for p in self._state.to_issue if p != pending]
            if issued is None:
                return
            doc = self._record_issued(kind, pending.key, issued)
            await self._route(doc, entered_late=pending.entered_late)
            await self._start_periods_from_service()

    def _channel_for(self, to: str) -> str:
        if to == "consulted_party":
            return self._inp.policy.service.consulted_party_delivery
        return self._inp.application.delivery.value

    def _event(self, detail: str) -> None:
        self._state.events.append(CaseEvent(at=workflow.now(), action="delivery", by="system", detail=detail))

    async def _route(self, doc: Outgoing, *, entered_late: bool) -> None:
        """Decide how ``doc`` goes out, with the case's lock held.

        Queued for the case to send (e-mail) or for the clerk (post, collection, fax); a 送达回证 goes with
        what is served by hand or post.
        """
        app = self._inp.application
        channel = self._channel_for(doc.to)
        if doc.kind == DocumentKind.SERVICE_RECEIPT.value:
            return  # it goes with the document it is the receipt of, to be signed and returned
        if doc.kind == DocumentKind.ACKNOWLEDGEMENT.value:
            # Handed over at the counter or shown on the portal; e-mailed too where there is an address.
            if app.email and not entered_late:
                doc.deliveries.append(_to_send("email", mask_email(app.email)))
            return
        to = _masked(doc, channel, app)
        if entered_late:
            why = "entered after the fact: record how and when it was served"
            doc.deliveries.append(Dispatch(channel=channel, to=to, status=DeliveryStatus.QUEUED, detail=why))
            self._event(f"{doc.ref}: {why}")
            return
        if channel == "email" and app.email and doc.to == "applicant":
            doc.deliveries.append(_to_send("email", to))
            return
        why = QUEUED_BECAUSE.get(channel, "record how it was served")
        why = why.format(day=beijing_date(workflow.now()).isoformat())
        doc.deliveries.append(Dispatch(channel=channel, to=to, status=DeliveryStatus.QUEUED, detail=why))
        self._event(f"{doc.ref}: {channel}, {why}")
        if doc.to == "applicant" and channel in ("collect", "online") and self._inp.policy.sms_notices:
            phone = app.applicant.phone
            if phone:
                doc.deliveries.append(_to_send("sms", mask_phone(phone)))
        if doc.to == "applicant" and channel in ("post", "collect") and DocumentKind(doc.kind) in SERVICE_RECEIPT_FOR:
            self._state.to_issue.append(
                PendingDocument(
                    kind=DocumentKind.SERVICE_RECEIPT.value, key=doc.ref.replace(":", "-"), served_ref=doc.ref
                )
            )
        await self._notify_document(doc)

    async def _notify_document(self, doc: Outgoing) -> None:
        """One notification (outbox or webhook) of where a document went and how it stands; no file path."""
        if not doc.needs_service or not doc.deliveries:
            return
        latest = next((d for d in reversed(doc.deliveries) if d.channel != "sms"), doc.deliveries[-1])
        await workflow.execute_activity(
            notify,
            Notification(
                key=f"{self._state.id}:document:{doc.ref}:{latest.status.value}",
                case_id=self._state.id,
                kind=f"{doc.kind}_{latest.status.value}",
                to=doc.to,
                channel=latest.channel,
                detail=f"{doc.title}: {latest.status.value} by {latest.channel} to {latest.to}",
                document=doc.number or doc.ref,
            ),
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=NOTIFY_RETRY,
        )

    def _next_send_at(self) -> datetime | None:
        """When the next delivery the case sends itself is due (now, or after the quiet hours)."""
        times: list[datetime] = []
        for ref, i in pending_sends(self._state.outgoing):
            doc = by_ref(self._state.outgoing, ref)
            assert doc is not None
            times.append(doc.deliveries[i].not_before or workflow.now())
        return min(times) if times else None

    async def _send_due(self) -> None:
        """Send every delivery that is due; each result recorded on the document as it stands then."""
        now = workflow.now()
        for ref, i in pending_sends(self._state.outgoing):
            doc = by_ref(self._state.outgoing, ref)
            assert doc is not None
            dispatch = doc.deliveries[i]
            if dispatch.not_before is not None and dispatch.not_before > now:
                continue
            if dispatch.channel == "email":
                result, detail = await self._send_email(doc)
            else:
                result, detail = await self._send_sms(doc)
            async with self._lock:
                # Recorded on a copy and swapped in whole: a query never sees the delivery without the
                # period it starts.
                new = self._state.model_copy(deep=True)
                current = by_ref(new.outgoing, ref)
                if current is None or i >= len(current.deliveries):
                    continue
                current.deliveries[i] = result
                new.events.append(
                    CaseEvent(at=workflow.now(), action="delivery", by="system", detail=f"{ref}: {detail}")
                )
                if ref == "reply" and not new.stage.is_open:
                    new.late = late_verdict(new, self._inp.policy)
                counted = result.channel != "sms" and result.status is not DeliveryStatus.QUEUED
                problem = None
                if counted:
                    try:
                        new = await self._with_period_deadlines(new)
                    except ActivityError as exc:
                        problem = f"a period could not be counted from service: {cause_of(exc)}"
                self._state = new
                if problem:
                    self._needs_attention(problem)
                if result.status is DeliveryStatus.FAILED and current.needs_service:
                    self._needs_attention(
                        f"{ref} could not be sent by {result.channel} ({result.detail}); send it another way and "
                        f"record it (ogi delivery record {new.id} {ref} ...)"
                    )
                if counted:
                    await self._notify_document(current)

    async def _send_email(self, doc: Outgoing) -> tuple[Dispatch, str]:
        app = self._inp.application
        address = app.email or ""
        pdf = next((f for f in doc.files if f.endswith(".pdf")), None)
        if pdf is None:
            failed = Dispatch(channel="email", to=mask_email(address), status=DeliveryStatus.FAILED, detail="no PDF")
            return failed, "e-mail failed: the document has no PDF"
        try:
            receipt = await workflow.execute_activity(
                deliver_by_email,
                EmailDocument(
                    case_id=self._state.id,
                    kind=doc.kind,
                    key=doc.key,
                    number=doc.number,
                    title=doc.title,
                    to=address,
                    addressee=app.applicant.name,
                    agency=self._state.agency,
                    pdf_path=pdf,
                ),
                start_to_close_timeout=timedelta(minutes=2),
                heartbeat_timeout=timedelta(seconds=90),  # the mail server may take its 30 s timeout
                retry_policy=MAIL_RETRY,
            )
        except ActivityError as exc:
            why = cause_of(exc)
            failed = Dispatch(channel="email", to=mask_email(address), status=DeliveryStatus.FAILED, detail=why)
            return failed, f"e-mail failed: {why}"
        dispatch = sent(
            "email",
            receipt.to_masked,
            receipt.accepted_at,
            beijing_date(workflow.now()),
            self._inp.policy.service,
            receipt.message_id,
            receipt.server_answer,
        )
        served = f", served {dispatch.served_on.isoformat()}" if dispatch.served_on else ""
        return dispatch, f"{receipt.audit}, message-id {receipt.message_id}{served}"

    async def _send_sms(self, doc: Outgoing) -> tuple[Dispatch, str]:
        """Tell the applicant by SMS that a document is ready; held back outside the sending hours."""
        phone = self._inp.application.applicant.phone or ""
        to = mask_phone(phone)
        message = SmsMessage(phone=phone, params={"case": self._state.id, "title": doc.title}, reference=doc.ref)
        try:
            receipt = await workflow.execute_activity(
                deliver_by_sms,
                SmsRequest(case_id=self._state.id, message=message, at=workflow.now()),
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=MAIL_RETRY,
            )
        except ActivityError as exc:
            wait = _quiet_until(exc)
            if wait is not None:
                held = _to_send("sms", to).model_copy(update={"not_before": wait, "detail": "quiet hours"})
                return held, f"SMS held until {wait.astimezone(BEIJING).strftime('%Y-%m-%d %H:%M')} (quiet hours)"
            why = cause_of(exc)
            return Dispatch(channel="sms", to=to, status=DeliveryStatus.FAILED, detail=why), f"SMS not sent: {why}"
        done = Dispatch(
            channel="sms",
            to=receipt.to_masked,
            status=DeliveryStatus.SENT,
            sent_at=receipt.accepted_at,
            reference=receipt.message_id,
            detail="ready notice",
        )
        return done, receipt.audit

    async def _await_service(self) -> None:
        """A replied case stays until its reply's day of service is proven, or the configured days passed.

        Meanwhile it sends what it still has to send.
        """
        days = self._inp.policy.service.wait_for_service_days
        until = workflow.now() + timedelta(days=days)
        while not reply_proven(self._state) or self._next_send_at() is not None or self._state.to_issue:
            if self._state.to_issue:
                await self._issue_queued()
                continue
            send_at = self._next_send_at()
            if send_at is not None and send_at <= workflow.now():
                await self._send_due()
                continue
            wake = min(until, send_at) if send_at else until
            try:
                await workflow.wait_condition(
                    lambda send_at=send_at: (  # type: ignore[misc]
                        reply_proven(self._state) or self._next_send_at() != send_at or bool(self._state.to_issue)
                    ),
                    timeout=max(wake - workflow.now(), timedelta(seconds=1)),
                )
            except TimeoutError:
                if workflow.now() >= until:
                    if not reply_proven(self._state):
                        self._event(f"no day of service recorded for the reply within {days} days; the case completes")
                    return


def _to_send(channel: str, to: str) -> Dispatch:
    return Dispatch(channel=channel, to=to, status=DeliveryStatus.QUEUED, automatic=True, detail="to be sent")


def _masked(doc: Outgoing, channel: str, app: Application) -> str:
    if doc.to == "consulted_party":
        return "the consulted party"
    if channel == "email" and app.email:
        return mask_email(app.email)
    if channel == "fax" and app.fax:
        return mask_phone(app.fax)
    if channel == "post" and app.applicant.address:
        return mask_address(app.applicant.address)
    return "the applicant"


def reply_proven(state: CaseState) -> bool:
    """Whether the case's reply has a proven day of service."""
    reply = by_ref(state.outgoing, "reply")
    return reply is None or reply.proven


def _quiet_until(exc: ActivityError) -> datetime | None:
    """The instant sending may resume, when an SMS was held back by the quiet hours."""
    cause = exc.cause
    if isinstance(cause, ApplicationError) and cause.type == "QuietHours" and cause.details:
        return datetime.fromisoformat(str(cause.details[0]))
    return None


def cause_of(exc: BaseException) -> str:
    """The message of the application error behind an activity or child failure."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ApplicationError):
            return cause.message
        cause = cause.__cause__
    return str(exc)
