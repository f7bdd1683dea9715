"""DisclosureRequestWorkflow: one application from registration to reply, on the statutory clock.

The run reads like the procedure: wait for the review decision and the secrecy check, then
send the reply; meanwhile a single durable timer wakes the case for whatever falls due next
(reminders, the reply deadline, the end of a correction, consultation or payment period).
Rules live in ``domain``; dates come from activities and are kept in history.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey, SearchAttributeUpdate
from temporalio.exceptions import ActivityError, ApplicationError

from workflows.actors import current_actor
from workflows.serving import NOTICE_DOCUMENTS, Serving, cause_of, reply_proven

with workflow.unsafe.imports_passed_through():
    from activities.archive import ArchiveRequest, archive_case, case_row
    from activities.clock import ClockRequest, PeriodsRequest, PeriodStart, compute_clock_activity, period_deadlines
    from activities.documents import NoticeRequest, ReplyRequest, send_notice, send_reply
    from activities.notify import Notification, notify
    from domain import actions
    from domain.actions import ActionResult
    from domain.actor import Actor
    from domain.application import Application
    from domain.calendar import BEIJING
    from domain.case import CaseEvent, CaseInput, CasePolicy, CaseState, Deadline, Stage, new_case
    from domain.clock import beijing_date, clock_change
    from domain.documents import DocumentKind
    from domain.errors import ActionNotAllowed
    from domain.messages import Msg
    from domain.notices import NoticeKind, notice_fields
    from domain.outcomes import Reason
    from domain.outgoing import by_ref
    from domain.periods import (
        agenda,
        periods_without_end,
        reopen_period_ends,
        running_period_ends,
        set_period_ends,
    )
    from workflows import search_attributes as sa

ACTIVITY_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))
SHORT = timedelta(seconds=30)
REISSUE_AFTER = timedelta(hours=1)
"""How long a reply that could not be issued waits before the case tries again."""
LONG_HISTORY = 10_000
"""History events after which a case continues as new (far below Temporal's 51,200 limit)."""
CURRENT_PATCHES = "patches-at-start"
"""One patch, asked at a case's first step, that stands for every patch in ``FOLDED_PATCHES``."""
FOLDED_PATCHES = frozenset(
    {
        "clock-whatever-the-stage",
        "acknowledge-whatever-the-stage",
        "continue-as-new-when-long",
        "archive-every-action",
        "due-day-attribute",
        "recompute-period-ends",
        "overdue-notice-to-reviewer",
        "archive-after-documents",
    }
)
"""The patches a case that began with ``CURRENT_PATCHES`` has without asking (docs/VERSIONING.md)."""
SIGNAL_REFUSED = (
    "this case was registered with authentication on: actions must be Updates carrying a verified actor "
    "(sent through 'ogi serve'); a Signal cannot carry one, so it is not applied"
)

# The notice each action sends, and to whom.
NOTICES: dict[str, NoticeKind] = {
    "request_correction": NoticeKind.CORRECTION,
    "extend": NoticeKind.EXTENSION,
    "set_longer_period": NoticeKind.LONGER_PERIOD,
    "fee_notice": NoticeKind.FEE,
    "consult": NoticeKind.CONSULTATION,
}

_INDEX: dict[str, SearchAttributeKey[Any]] = {
    "Stage": sa.STAGE,
    "Agency": sa.AGENCY,
    "Channel": sa.CHANNEL,
    "Overdue": sa.OVERDUE,
    "ClockPaused": sa.CLOCK_PAUSED,
    "Outcome": sa.OUTCOME,
    "DueAt": sa.DUE_AT,
    "ReceivedAt": sa.RECEIVED_AT,
    "DueDay": sa.DUE_DAY,
}


def day_start(day: date) -> datetime:
    """Midnight at the start of a Beijing calendar day, as an aware UTC instant."""
    return datetime(day.year, day.month, day.day, tzinfo=BEIJING).astimezone(UTC)


class DisclosureRequestWorkflow(Serving):
    """One application for disclosure (依申请公开), from registration (登记) to reply (答复) and close.

    Every reviewer action is an Update (validated before it enters history, answered) and a Signal
    of the same name (fire-and-forget; a refused signal is recorded as refused). The names and
    payloads are those of ``domain.actions.ACTIONS``.
    """

    @workflow.init
    def __init__(self, inp: CaseInput) -> None:
        self._inp = inp
        if inp.resume is not None:  # continued as new: the case goes on where the last run stopped
            self._state: CaseState = inp.resume
        else:
            self._state = new_case(inp, workflow.now())
            self._state.clock_view = inp.clock
        self._lock = asyncio.Lock()
        self._indexed: dict[str, object] = {}
        self._archived: Stage | None = None
        self._serves: bool | None = None

    @workflow.run
    async def run(self, inp: CaseInput) -> CaseState:
        """Run the case until it is closed; the final state is the result."""
        # Asked on the first line, before any local activity can have resolved, so replay hears the answer
        # where the run did (a handler delivered with the start may ask it first, in the same activation).
        workflow.patched(CURRENT_PATCHES)
        documents = self._documents_issued()
        st = self._state
        # An action delivered with the start runs before this point and may already have moved the stage;
        # since this patch the clock is computed at the start whatever the stage, so the case never lacks one.
        if st.clock_view is None and (
            st.stage is Stage.REVIEW or (st.clock is not None and self._patched("clock-whatever-the-stage"))
        ):
            await self._recompute_clock("registered")
        acknowledge = documents and self._issues(DocumentKind.ACKNOWLEDGEMENT) and inp.resume is None
        # An action that arrives with the start runs before this point and may have moved the stage on; since
        # this patch a case received at registration is acknowledged whatever its stage now.
        received_at_start = st.stage is Stage.REVIEW or (
            st.received is not None and st.stage is not Stage.CLOSED and self._patched("acknowledge-whatever-the-stage")
        )
        # A receipt confirmed with the start has queued the acknowledgement already: once is enough.
        queued = any(p.kind == DocumentKind.ACKNOWLEDGEMENT.value for p in st.to_issue)
        if queued and self._patched("acknowledge-whatever-the-stage"):
            acknowledge = False
        if acknowledge and received_at_start and not st.outgoing:
            async with self._lock:
                self._queue_document(DocumentKind.ACKNOWLEDGEMENT)
        self._index()
        while self._state.stage is not Stage.CLOSED:
            await self._archive()
            if self._patched("continue-as-new-when-long") and self._history_is_long():
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(self._inp.model_copy(update={"resume": self._state}))
            if self._state.stage is Stage.REPLYING:
                await self._send_reply()
                continue
            if documents and self._state.to_issue:
                await self._issue_queued()
                await self._archive_deliveries()
                continue
            send_at = self._next_send_at() if documents else None
            if send_at is not None and send_at <= workflow.now():
                await self._send_due()
                await self._archive_deliveries()
                continue
            wake = self._next_wake()
            stage = self._state.stage
            timeout = max(wake - workflow.now(), timedelta(0)) if wake is not None else None
            if send_at is not None:
                timeout = min(timeout, send_at - workflow.now()) if timeout is not None else send_at - workflow.now()
            try:
                await workflow.wait_condition(
                    lambda stage=stage, wake=wake, send_at=send_at: (  # type: ignore[misc]
                        self._state.stage is not stage
                        or self._next_wake() != wake
                        or (documents and (self._next_send_at() != send_at or bool(self._state.to_issue)))
                    ),
                    timeout=timeout,
                )
            except TimeoutError:
                if send_at is not None and (wake is None or send_at < wake):
                    continue  # a delivery held back is due now, not a deadline
                await self._fire_due()
                # Since this patch what a timer changed (overdue, a lapsed period) reaches the read model at once.
                if self._patched("archive-every-action"):
                    await self._archive(force=True)
        if documents and (not reply_proven(self._state) or self._next_send_at() is not None or self._state.to_issue):
            await self._archive(force=True)
            await self._await_service()
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self._archive(force=documents)
        return self._state

    @workflow.signal(name="record_rejection")
    def record_rejection(self, payload: Any) -> None:
        """Put an update the case refused into the audit trail (sent by clients after a refusal).

        With verified actors the service records refusals in the store's audit log itself, and an
        unauthenticated report is not taken into the case's trail.
        """
        if self._inp.policy.verified_actors:
            return
        try:
            note = actions.RecordRejection.model_validate(payload)
        except ValueError:
            return  # a malformed report of a refusal carries nothing worth recording
        actions.record_refusal(self._state, note.action, note.by, note.reason, workflow.now())

    def _patched(self, patch: str) -> bool:
        """Whether the case runs the code of ``patch``, one of ``FOLDED_PATCHES``.

        A case started since ``CURRENT_PATCHES`` runs all of them without asking. Asking a patch first
        after a local activity is not safe: when a loaded worker heartbeats its workflow task, the
        activity's result is recorded in the task that ends and the code after it runs in the next, while
        replay runs that code a task early, before it hears of the patch, and takes the case for an old one
        (a non-determinism error, seen under load). Cases begun earlier ask each patch where they always did.
        """
        # The SDK remembers each answer: asking again records nothing and answers the same.
        return workflow.patched(CURRENT_PATCHES) or workflow.patched(patch)

    def _history_is_long(self) -> bool:
        info = workflow.info()
        return info.is_continue_as_new_suggested() or info.get_current_history_length() > LONG_HISTORY

    @workflow.query(name="state")
    def state(self) -> CaseState:
        """The case as it stands, without personal data."""
        return self._state

    @workflow.query(name="policy")
    def policy(self) -> CasePolicy:
        """The configuration the case runs under (periods, roles, region): what action previews need."""
        return self._inp.policy

    @workflow.query(name="application")
    def application(self) -> Application:
        """The registered application, personal data included, for staff handling the case."""
        return self._inp.application

    # -- actions --

    def _validate(self, name: str, payload: Any) -> None:
        try:
            actions.check(name, payload, self._state, self._inp.policy, workflow.now(), current_actor.get())
        except ActionNotAllowed as exc:
            workflow.logger.info("action.rejected", extra={"case_id": self._state.id, "action": name})
            raise workflow_error(exc) from None

    async def _act(self, name: str, payload: Any) -> ActionResult:
        actor = current_actor.get()
        documents = self._documents_issued()
        async with self._lock:
            now = workflow.now()
            try:
                action = actions.check(name, payload, self._state, self._inp.policy, now, actor)
            except ActionNotAllowed as exc:
                # The case moved on between validation and handling (a concurrent action won).
                actions.record_refusal(self._state, name, _sender(actor, payload), str(exc), now)
                raise workflow_error(exc) from None
            sent_as = actions.acts_as(name, action, self._state)
            new = actions.apply(name, action, self._state, now, self._inp.policy, actor)
            # What the action did, as its own trail entry says (documents and deadlines follow it).
            done = new.events[-1].detail
            previous_ends: dict[str, Deadline] = {}
            # Since this patch a recompute also moves the ends of running periods to the new calendar.
            if name == "recompute_clock" and self._patched("recompute-period-ends"):
                previous_ends = reopen_period_ends(new)
            before = self._state
            try:
                # Assigned before the clock is computed, as the case has always done: the main loop's
                # wait reacts to the new state at this point, and replay expects its commands in this order.
                self._state = await self._with_period_deadlines(new)
                self._note_moved_ends(previous_ends)
                if name in actions.CLOCK_ACTIONS:
                    await self._recompute_clock(sent_as.replace("_", " "))
            except ActivityError as exc:
                # Nothing is applied: the case goes back to exactly what it was, and says why it refused.
                self._state = before
                reason = f"{name} cannot be applied: {cause_of(exc)}"
                actions.record_refusal(self._state, name, _sender(actor, payload), reason, now)
                raise ApplicationError(
                    reason, "refused.cannot_apply", type="ActionNotAllowed", non_retryable=True
                ) from None
            if documents and sent_as in NOTICE_DOCUMENTS and self._issues(NOTICE_DOCUMENTS[sent_as]):
                taken_on = new.events[-1].on
                self._queue_document(
                    NOTICE_DOCUMENTS[sent_as],
                    self._state.consultations[-1].id if sent_as == "consult" else "main",
                    issued_on=taken_on,
                    entered_late=taken_on is not None,
                )
            elif not documents and sent_as in NOTICES:
                await self._send_notice(sent_as)
            self._index()
            # Since this patch the read model and the audit log follow every action, not only stage changes.
            if self._patched("archive-every-action"):
                await self._archive(force=True)
            workflow.logger.info("case.action", extra={"case_id": self._state.id, "action": name})
            view = self._state.clock_view
            return ActionResult(
                id=self._state.id,
                stage=self._state.stage,
                status="open" if self._state.stage.is_open else "closed",
                detail=done,
                due=view.due if view else None,
            )

    async def _act_signal(self, name: str, payload: Any) -> None:
        if self._inp.policy.verified_actors:
            actions.record_refusal(self._state, name, _sender(None, payload), SIGNAL_REFUSED, workflow.now())
            return
        try:
            actions.check(name, payload, self._state, self._inp.policy, workflow.now())
        except ActionNotAllowed as exc:
            actions.record_refusal(self._state, name, _sender(None, payload), str(exc), workflow.now())
            return
        try:
            await self._act(name, payload)
        except ApplicationError:
            return  # the refusal is already in the audit trail

    # -- the clock --

    async def _recompute_clock(self, why: str) -> None:
        """Compute the case's clock and note a moved due date in its audit trail."""
        st = self._state
        facts = st.clock
        if facts is None:
            return
        view = await workflow.execute_local_activity(
            compute_clock_activity,
            ClockRequest(facts=facts, policy=self._inp.policy, today=beijing_date(workflow.now())),
            start_to_close_timeout=SHORT,
            retry_policy=ACTIVITY_RETRY,
        )
        detail = clock_change(st.clock_view, view, why)
        st.clock_view = view
        if detail:
            st.events.append(CaseEvent(at=workflow.now(), action="deadline", by="system", detail=detail))
        if st.overdue and view.deadline_at > workflow.now():
            st.overdue = False

    def _note_moved_ends(self, previous: dict[str, Deadline]) -> None:
        """An audit line for each period end a recompute moved."""
        state = self._state
        now_ends = running_period_ends(state)
        for key, before in previous.items():
            after = now_ends.get(key)
            if after is None or (after.due, after.calendar_version) == (before.due, before.calendar_version):
                continue
            what = {"correction": "correction period", "fee": "payment period"}.get(key, f"consultation {key}")
            detail = f"{what} ends {after.due.isoformat()}"
            if after.due != before.due:
                detail = f"{what} end moved from {before.due.isoformat()} to {after.due.isoformat()}"
            detail += f"; calendar {before.calendar_version} → {after.calendar_version}"
            state.events.append(CaseEvent(at=workflow.now(), action="deadline", by="system", detail=detail))

    async def _with_period_deadlines(self, new: CaseState) -> CaseState:
        """Fill in the end of every new period (correction, consultation, payment) from the calendar."""
        periods = {
            key: PeriodStart(start=start, days=days)
            for key, (start, days) in periods_without_end(new, self._inp.policy.rules, self._inp.policy.service).items()
        }
        if not periods:
            return new
        ends = await workflow.execute_local_activity(
            period_deadlines,
            PeriodsRequest(region=self._inp.policy.region, periods=periods),
            start_to_close_timeout=SHORT,
            retry_policy=ACTIVITY_RETRY,
        )
        set_period_ends(new, ends)
        return new

    def _agenda(self) -> list[tuple[datetime, str]]:
        """Instants the case must wake at, each with a key that marks it handled once fired."""
        return agenda(self._state)

    def _next_wake(self) -> datetime | None:
        pending = [at for at, key in self._agenda() if key not in self._state.fired]
        return min(pending) if pending else None

    async def _fire_due(self) -> None:
        now = workflow.now()
        for at, key in sorted(self._agenda()):
            if at > now or key in self._state.fired or not self._state.stage.is_open:
                continue
            self._state.fired.append(key)
            kind, _, rest = key.partition(":")
            if kind == "deadline":
                await self._turn_overdue()
            elif kind == "reminder":
                view = self._state.clock_view
                assert view is not None
                await self._notify(
                    key, "due_reminder", "reviewer", f"reply due {view.due.isoformat()}, {view.left} working days left"
                )
            elif kind == "correction":
                self._state = actions.close_abandoned(self._state, Reason.CORRECTION_NOT_MADE, now)
            elif kind == "fee":
                self._state = actions.close_abandoned(self._state, Reason.FEE_NOT_PAID, now)
            elif kind == "consultation":
                self._state = actions.expire_consultation(self._state, rest, now)
                try:
                    await self._recompute_clock(f"consultation {rest} lapsed")
                except ActivityError as exc:
                    self._needs_attention(
                        f"the clock could not be recomputed after consultation {rest}: {cause_of(exc)}"
                    )
            self._index()

    async def _turn_overdue(self) -> None:
        view = self._state.clock_view
        assert view is not None
        detail = actions.turn_overdue(self._state, workflow.now())
        self._index()
        to = self._inp.policy.reminders.escalate_overdue_to.value
        await self._notify(f"deadline:{view.due.isoformat()}", "overdue_escalation", to, f"case overdue: {detail}")
        # Added after cases were running: the reviewer holding the case hears of it too (docs/VERSIONING.md).
        if self._patched("overdue-notice-to-reviewer"):
            await self._notify(
                f"overdue:{view.due.isoformat()}", "overdue_notice", "reviewer", f"case overdue: {detail}"
            )

    # -- effects --

    async def _notify(self, key: str, kind: str, to: str, detail: str) -> None:
        await workflow.execute_activity(
            notify,
            Notification(key=f"{self._state.id}:{key}", case_id=self._state.id, kind=kind, to=to, detail=detail),
            start_to_close_timeout=SHORT,
            retry_policy=ACTIVITY_RETRY,
        )

    async def _send_notice(self, name: str) -> None:
        kind = NOTICES[name]
        subject = self._state.consultations[-1].id if kind is NoticeKind.CONSULTATION else None
        fields = notice_fields(
            kind, self._state, self._inp.application, self._inp.policy, beijing_date(workflow.now()), subject
        )
        to = self._state.consultations[-1].party if subject else "applicant"
        stored = await workflow.execute_activity(
            send_notice,
            NoticeRequest(
                case_id=self._state.id,
                kind=kind,
                fields=fields,
                to="consulted_party" if subject else to,
                channel="post" if subject else self._inp.application.delivery.value,
                name=f"{kind.value}-{subject}" if subject else None,
            ),
            start_to_close_timeout=SHORT,
            retry_policy=ACTIVITY_RETRY,
        )
        self._state.documents.append(stored.path)

    async def _start_periods_from_service(self) -> None:
        try:
            self._state = await self._with_period_deadlines(self._state)
        except ActivityError as exc:
            self._needs_attention(f"a period could not be counted from service: {cause_of(exc)}")

    async def _send_reply(self) -> None:
        if self._documents_issued():
            await self._issue_reply()
            return
        decision = self._state.decision
        assert decision is not None
        stored = await workflow.execute_activity(
            send_reply,
            ReplyRequest(
                case_id=self._state.id,
                application=self._inp.application,
                decision=decision,
                policy=self._inp.policy,
                received=self._state.received,
                reply_date=self._state.replied_on or beijing_date(workflow.now()),
            ),
            start_to_close_timeout=timedelta(seconds=60),
            retry_policy=ACTIVITY_RETRY,
        )
        self._state = actions.close_replied(self._state, workflow.now(), stored.path, self._inp.policy)
        self._index()

    async def _issue_reply(self) -> None:
        """Issue the reply (答复书) and close the case as replied; its delivery is sent by the run after."""
        st = self._state
        decision = st.decision
        assert decision is not None
        today = beijing_date(workflow.now())
        issued = await self._issue_file(DocumentKind.REPLY, "main", st.replied_on or today)
        if issued is None:
            # The decision stands, but a case is not closed without its reply: it waits, marked for
            # attention, and tries again within the hour (facts supplied meanwhile let it through).
            await workflow.sleep(REISSUE_AFTER)
            return
        async with self._lock:
            doc = self._record_issued(DocumentKind.REPLY, "main", issued)
            number = f" {doc.number}" if doc.number else ""
            st = actions.close_replied(
                self._state,
                workflow.now(),
                doc.files[0] if doc.files else None,
                self._inp.policy,
                detail=f"reply{number} made: {decision.outcome.value}",
            )
            # A reply made after the due date leaves the case overdue, even when its timer had not fired yet.
            st.overdue = st.overdue or bool(st.late)
            self._state = st
            self._index()
            reply = by_ref(st.outgoing, "reply")
            assert reply is not None
            await self._route(reply, entered_late=st.replied_on is not None and st.replied_on < today)

    def _needs_attention(self, reason: str) -> None:
        """Mark the case for staff: something it had to do by itself failed for good; it stays actionable."""
        if self._state.attention == reason and self._state.served_periods:
            return  # the same failure again (a retried reply): one entry in the trail
        self._state.attention = reason
        self._state.events.append(CaseEvent(at=workflow.now(), action="attention", by="system", detail=reason))
        workflow.logger.warning("case.attention", extra={"case_id": self._state.id})

    async def _archive(self, *, force: bool = False) -> None:
        """Write the case's row to the read model, and its new events to the audit log.

        At every stage change, and (``force``) after every action.
        """
        st = self._state
        if not force and self._archived is st.stage:
            return
        first = st.archived_events
        row = case_row(st, self._inp.application, self._inp.policy.special_regime_report_row, self._registered_at())
        request = ArchiveRequest(row=row, events=st.events[first:], first_index=first)
        await workflow.execute_local_activity(
            archive_case, request, start_to_close_timeout=SHORT, retry_policy=ACTIVITY_RETRY
        )
        self._archived = st.stage
        st.archived_events = max(st.archived_events, first + len(request.events))

    async def _archive_deliveries(self) -> None:
        """After a document was issued or sent: the read model learns what waits to go out (awaiting delivery)."""
        # Since this patch a notice issued after its action (e.g. one going by post) reaches the listings at once,
        # not only at the case's next action or stage change.
        if self._patched("archive-after-documents"):
            await self._archive(force=True)

    def _registered_at(self) -> datetime:
        registered = next((e.at for e in self._state.events if e.action == "registered"), None)
        return registered or workflow.info().start_time

    def _index(self) -> None:
        """Keep the search attributes current, writing only those that changed."""
        st = self._state
        view = st.clock_view
        values: dict[str, object] = {
            "Stage": st.stage.value,
            "Agency": st.agency,
            "Channel": st.channel.value,
            "Overdue": st.overdue,
            "ClockPaused": bool(view and view.paused) or st.stage is Stage.AWAITING_CORRECTION,
            "Outcome": st.outcome.value if st.outcome else None,
            "DueAt": view.deadline_at if view else None,
            "ReceivedAt": day_start(st.received) if st.received else None,
        }
        # Since this patch the due day is indexed too (Beijing date), readable in the Web UI.
        if self._patched("due-day-attribute"):
            values["DueDay"] = view.due.isoformat() if view else None
        if not self._indexed:
            current = workflow.info().typed_search_attributes
            self._indexed = {name: current.get(key) for name, key in _INDEX.items()}
        updates: list[SearchAttributeUpdate[Any]] = []
        for name, value in values.items():
            if self._indexed.get(name) == value:
                continue
            key = _INDEX[name]
            updates.append(key.value_unset() if value is None else key.value_set(value))
            self._indexed[name] = value
        if updates:
            workflow.upsert_search_attributes(updates)


def _sender(actor: Actor | None, payload: Any) -> str:
    """Who a refusal is recorded under: the verified actor, else the name the payload claims."""
    if actor is not None:
        return actor.name
    return str(payload.get("by", "unknown"))[:64] if isinstance(payload, dict) else "unknown"


def workflow_error(exc: ActionNotAllowed) -> ApplicationError:
    """An update failure the caller sees with the refusal's message and code (and no workflow failure).

    The details are the code, then the message as template and values, so the caller says it in its
    reader's language; the failure's own message stays the English sentence.
    """
    details: list[Any] = [exc.code]
    if isinstance(exc.message, Msg):
        details.append(exc.message.to_json())
    return ApplicationError(str(exc), *details, type="ActionNotAllowed", non_retryable=True)


def _action_handlers(name: str) -> tuple[Any, Any]:
    """An Update (with its validator) and a Signal for one action, both named after it."""

    async def update(self: DisclosureRequestWorkflow, payload: Any) -> ActionResult:
        return await self._act(name, payload)

    def validate(self: DisclosureRequestWorkflow, payload: Any) -> None:
        self._validate(name, payload)

    async def signal(self: DisclosureRequestWorkflow, payload: Any) -> None:
        await self._act_signal(name, payload)

    update.__name__ = update.__qualname__ = name
    update.__doc__ = actions.ACTIONS[name].__doc__
    signal.__name__ = signal.__qualname__ = f"{name}_signal"
    handler = workflow.update(name=name)(update)
    handler.validator(validate)
    return handler, workflow.signal(name=name)(signal)


def _add_action_handlers(cls: type[DisclosureRequestWorkflow]) -> None:
    """Give the workflow an Update and a Signal for every action in ``domain.actions.ACTIONS``."""
    for name in actions.ACTIONS:
        update, signal = _action_handlers(name)
        setattr(cls, name, update)
        setattr(cls, f"{name}_signal", signal)


_add_action_handlers(DisclosureRequestWorkflow)
DisclosureRequestWorkflow = workflow.defn(name="DisclosureRequestWorkflow")(DisclosureRequestWorkflow)  # type: ignore[misc]
