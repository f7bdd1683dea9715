"""Case commands: intake (submit, validate, schema), reviewer actions and ``show``."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowFailureError,
    WorkflowHandle,
    WorkflowUpdateFailedError,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

if TYPE_CHECKING:
    from workflows.intake import SubmitResult

from cli.output import AsOfOpt, DryRunOpt, JsonOpt, day_option, emit_json, fail
from cli.session import EXIT_BAD_INPUT, EXIT_UNAVAILABLE, run_with_client
from domain import actions
from domain.actions import ActionResult
from domain.application import Application
from domain.calendar import BEIJING
from domain.case import CaseState
from domain.errors import (
    ActionNotAllowed,
    ApplicationRejected,
    DuplicateApplication,
    MalformedAction,
    OgiError,
    Unavailable,
)
from domain.outcomes import Outcome, Reason
from infra.connection import TASK_QUEUE

app = typer.Typer(no_args_is_help=True)
console = Console()

ByOpt = Annotated[str, typer.Option("--by", help="Your user id (recorded in the audit trail).")]


def wait_seconds() -> float:
    """How long a command waits for the worker (``OGI_WAIT_SECONDS``, default 30): longer on a slow cluster."""
    value = os.environ.get("OGI_WAIT_SECONDS", "30")
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds <= 3600:
        msg = f"OGI_WAIT_SECONDS is {value!r}; give a number of seconds above 0 and at most 3600"
        raise OgiError(msg)
    return seconds


def read_application(source: str, as_json: bool) -> Application:
    """Read and validate an application document from a file or ``-`` (stdin)."""
    try:
        raw = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    except OSError as exc:
        fail(f"cannot read {source}: {exc.strerror}", EXIT_BAD_INPUT, as_json)
    try:
        # utf-8-sig: Windows editors often start UTF-8 files with a byte-order mark.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        fail(
            f"{source} is not UTF-8 text (byte {exc.start} cannot be read); save it as UTF-8 "
            "(an intake system exporting GBK must convert it first)",
            EXIT_BAD_INPUT,
            as_json,
        )
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        fail(f"{source} is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", EXIT_BAD_INPUT, as_json)
    try:
        return Application.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "document"
        more = f" (and {exc.error_count() - 1} more problems)" if exc.error_count() > 1 else ""
        fail(f"{source}: {where}: {err['msg']}{more}", EXIT_BAD_INPUT, as_json)


def _cause_message(exc: BaseException) -> tuple[str, str | None]:
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ApplicationError):
            return cause.message, cause.type
        cause = cause.__cause__
    return str(exc), None


async def submit_application(client: Client, application: Application) -> SubmitResult:
    """Start (or meet) the intake run of an application and wait for its case number."""
    from workflows.intake import IntakeWorkflow, SubmitResult, intake_workflow_id  # the workflow code only here

    wf_id = intake_workflow_id(application.agency, application.external_ref)
    try:
        handle: WorkflowHandle[Any, SubmitResult] = await client.start_workflow(
            IntakeWorkflow.run,
            application,
            id=wf_id,
            task_queue=TASK_QUEUE,
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
        )
        fresh = True
    except WorkflowAlreadyStartedError:
        handle = client.get_workflow_handle(wf_id, result_type=SubmitResult)
        fresh = False
    try:
        timeout = wait_seconds()
        result = await asyncio.wait_for(handle.result(), timeout=timeout)
    except TimeoutError:
        msg = f"no worker registered the application within {timeout:.0f} s; is the worker running ('make run')?"
        raise Unavailable(msg) from None
    except WorkflowFailureError as exc:
        message, kind = _cause_message(exc)
        if kind == "ApplicationRejected":
            raise ApplicationRejected(message) from None
        msg = f"registration failed: {message}"
        raise OgiError(msg) from None
    if result.duplicate or not fresh:
        raise DuplicateApplication(application.external_ref, result.id, None if result.duplicate else result.query_code)
    return result


@app.command()
def submit(
    file: Annotated[str, typer.Argument(help="Application JSON file, or - for stdin.")],
    as_json: JsonOpt = False,
) -> None:
    """Register an application and start its case (登记)."""
    application = read_application(file, as_json)

    async def body(client: Client) -> SubmitResult:
        try:
            return await submit_application(client, application)
        except ApplicationRejected as exc:
            fail(str(exc), EXIT_BAD_INPUT, as_json)

    result = run_with_client(body, as_json=as_json)
    if as_json:
        emit_json(result.model_dump(mode="json"))
        return
    due = result.due.isoformat() if result.due else "starts when receipt is confirmed"
    console.print(f"registered [bold]{result.id}[/] · received {result.received or '—'} · due {due}")
    if result.query_code:
        console.print(
            f"query code for the applicant (查询码): [bold]{result.query_code}[/] — 'ogi status {result.id} --code …'"
        )
    for warning in result.warnings:
        console.print(f"[yellow]to correct:[/] {warning}")


@app.command()
def validate(
    file: Annotated[str, typer.Argument(help="Application JSON file, or - for stdin.")],
    as_json: JsonOpt = False,
) -> None:
    """Check an application document without submitting it."""
    application = read_application(file, as_json)
    missing = application.missing_items()
    if as_json:
        emit_json({"valid": True, "missing_items": missing})
        return
    console.print("valid application" + (": to correct: " + "; ".join(missing) if missing else ""))


async def fetch_state(client: Client, case_id: str) -> CaseState:
    """The case's state: by query while it runs, from its result once closed."""
    handle = client.get_workflow_handle(case_id)
    try:
        desc = await handle.describe()
    except RPCError as exc:
        if exc.status is RPCStatusCode.NOT_FOUND:
            msg = f"no case '{case_id}'; list cases with 'ogi list'"
            raise OgiError(msg) from None
        raise
    if desc.workflow_type != "DisclosureRequestWorkflow":
        msg = f"'{case_id}' is not a case"
        raise OgiError(msg)
    if desc.status is WorkflowExecutionStatus.COMPLETED:
        final: CaseState = await client.get_workflow_handle(case_id, result_type=CaseState).result()
        return final
    return await ask(handle, "state", CaseState)


T = TypeVar("T")


async def ask(handle: WorkflowHandle[Any, Any], query: str, result_type: type[T]) -> T:
    """A query to a running case; no worker to answer it (a timeout, here or at the server) is ``Unavailable``."""
    try:
        timeout = wait_seconds()  # read first: a bad setting must not leave the query coroutine behind
        return await asyncio.wait_for(handle.query(query, result_type=result_type), timeout=timeout)
    except TimeoutError:
        raise no_worker(handle.id) from None
    except RPCError as exc:
        # The server gives up on a query nobody polls for before we do, with one of these.
        if exc.status in (RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.FAILED_PRECONDITION) or (
            "no poller" in exc.message or "Timeout expired" in exc.message
        ):
            raise no_worker(handle.id) from None
        raise


def state_json(state: CaseState) -> dict[str, Any]:
    """The ``ogi show --json`` object (ARCHITECTURE.md contract plus details)."""
    view = state.clock_view
    return {
        "id": state.id,
        "agency": state.agency,
        "stage": state.stage.value,
        "status": state.status,
        "received": state.received.isoformat() if state.received else None,
        "due": view.due.isoformat() if view else None,
        "deadline_at": view.deadline_at.isoformat() if view else None,
        "overdue": state.overdue,
        "outcome": state.outcome.value if state.outcome else None,
        "reasons": [r.value for r in state.reasons],
        "decision": state.decision.model_dump(mode="json") if state.decision else None,
        "clock": view.model_dump(mode="json") if view else None,
        "intake_warnings": state.intake_warnings,
        "same_content_as": state.same_content_as,
        "correction": state.correction.model_dump(mode="json") if state.correction else None,
        "extension": state.extension.model_dump(mode="json") if state.extension else None,
        "longer_period": state.longer_period.model_dump(mode="json") if state.longer_period else None,
        "consultations": [c.model_dump(mode="json") for c in state.consultations],
        "fee": state.fee.model_dump(mode="json") if state.fee else None,
        "documents": list(state.documents),
        "reply_document": state.reply_document,
        "events": [e.model_dump(mode="json") for e in state.events],
    }


def _print_state(state: CaseState) -> None:
    view = state.clock_view
    console.print(f"[bold]{state.id}[/] · {state.agency} · {state.channel.value} · {state.applicant_kind.value}")
    console.print(
        f"stage [bold]{state.stage.value}[/] ({state.status})" + (" · [red]OVERDUE[/]" if state.overdue else "")
    )
    if state.outcome:
        console.print(
            f"outcome {state.outcome.value}"
            + (f" ({', '.join(r.value for r in state.reasons)})" if state.reasons else "")
        )
    if view:
        if not state.stage.is_open:
            progress = ""
        elif state.overdue:
            progress = " · [red]the reply period has run out[/]"
        else:
            progress = f" · {view.used} working days used, {view.left} left"
        console.print(
            f"received {state.received} · due {view.due}{progress}"
            + (" · clock stopped" if view.paused else "")
            + (f" · [yellow]provisional[/]: {view.provisional_reason}" if view.provisional else "")
        )
        for line in view.explanation:
            console.print(f"  [dim]· {line}[/]")
    for warning in state.intake_warnings:
        console.print(f"[yellow]to correct:[/] {warning}")
    if state.same_content_as:
        console.print(
            f"[yellow]same content as earlier:[/] {', '.join(state.same_content_as)} — if already answered, "
            "a repeated application is not handled again (Art 36(6): decide --outcome not_handled --reason repeated_request)"
        )
    if state.correction and state.correction.respond_by and state.stage.value == "awaiting_correction":
        console.print(f"correction requested: answer by {state.correction.respond_by.due}")
    for c in state.consultations:
        answer = c.answer or (f"pending, answer by {c.answer_by.due}" if c.answer_by else "pending")
        console.print(f"consultation {c.id} ({c.kind}) {c.party}: {answer}")
    if state.fee:
        status = state.fee.settlement or (f"unpaid, pay by {state.fee.pay_by.due}" if state.fee.pay_by else "unpaid")
        console.print(f"fee ¥{state.fee.amount:,} ({state.fee.method}, {state.fee.quantity}): {status}")
    for doc in state.documents:
        console.print(f"[dim]document {doc}[/]")
    table = Table("when (Beijing)", "who", "action", "", "detail", box=None)
    for ev in state.events:
        table.add_row(
            ev.at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M"),
            ev.by,
            ev.action,
            "✓" if ev.accepted else "[red]refused[/]",
            ev.detail,
        )
    console.print(table)


@app.command()
def show(case_id: Annotated[str, typer.Argument(help="Tracking number.")], as_json: JsonOpt = False) -> None:
    """Show a case: stage, clock, outcome and its audit trail."""
    state = run_with_client(lambda client: fetch_state(client, case_id), as_json=as_json)
    if as_json:
        emit_json(state_json(state))
    else:
        _print_state(state)


async def open_case_state(client: Client, case_id: str) -> CaseState:
    """The state of a case that can still be acted on; clear "no case" and "closed" errors otherwise."""
    state = await fetch_state(client, case_id)
    if not state.stage.is_open:
        outcome = state.outcome.value if state.outcome else "no outcome"
        msg = f"case {case_id} is closed ({outcome}); no further action is possible"
        raise ActionNotAllowed(msg)
    return state


def no_worker(case_id: str) -> Unavailable:
    """The error when no worker answers for a case in time."""
    return Unavailable(f"no worker answered for case {case_id} within {wait_seconds():.0f} s; is the worker running?")


def action_update_id(name: str, payload: dict[str, Any], revision: int) -> str:
    """The Update id of an action: the same for a retry of the same action on the same case state.

    After a timeout the first attempt may still be applied when the worker catches up; a retry with
    the same id is then answered with that result instead of being applied a second time. The
    payload enters only as a digest: update ids are stored in history unencrypted.
    """
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]
    return f"{name}-{revision}-{digest}"


async def send_action(client: Client, case_id: str, name: str, payload: dict[str, Any]) -> ActionResult:
    """Send a reviewer action as an Update; a refusal is reported back to the case's audit trail."""
    state = await open_case_state(client, case_id)
    handle = client.get_workflow_handle(case_id)
    update_id = action_update_id(name, payload, len(state.events))
    try:
        timeout = wait_seconds()
        return await asyncio.wait_for(
            handle.execute_update(name, payload, id=update_id, result_type=ActionResult), timeout=timeout
        )
    except WorkflowUpdateFailedError as exc:
        message, _ = _cause_message(exc)
        # The refusal still reaches the caller if this fails; the case may have closed meanwhile.
        with contextlib.suppress(RPCError):
            await handle.signal(
                "record_rejection", {"by": payload.get("by", "unknown"), "action": name, "reason": message}
            )
        raise ActionNotAllowed(f"refused: {message}") from None
    except TimeoutError:
        msg = (
            f"no worker answered for case {case_id} within {timeout:.0f} s; the action may still be applied "
            f"when a worker catches up; check 'ogi show {case_id}' before sending it again"
        )
        raise Unavailable(msg) from None


_LIST_OPTIONS = {"items": "--item", "reasons": "--reason"}
"""Payload lists whose CLI option is repeated under a singular name."""


def act(
    case_id: str, name: str, payload: dict[str, Any], as_json: bool, dry_run: bool = False, as_of: str | None = None
) -> None:
    """Send the action and print its result; with ``dry_run``, only show what it would do."""
    payload = {k: v for k, v in payload.items() if v is not None and v != []}
    try:
        actions.parse(name, payload)  # a malformed option is bad input, told here without asking the case
    except MalformedAction as exc:
        field = exc.field.split(".")[0]
        option = _LIST_OPTIONS.get(field, "--" + field.replace("_", "-"))
        fail(f"{exc} (option {option})", EXIT_BAD_INPUT, as_json)
    if as_of is not None and not dry_run:
        fail("--as-of imagines the action on another day, so it needs --dry-run", EXIT_BAD_INPUT, as_json)
    if dry_run:
        from cli.preview import dry_run as show_dry_run  # cli.preview builds on this module

        show_dry_run(case_id, name, payload, as_json, as_of)
        return
    result = run_with_client(lambda client: send_action(client, case_id, name, payload), as_json=as_json)
    if as_json:
        emit_json(result.model_dump(mode="json"))
    else:
        console.print(f"{result.id}: {result.detail} → stage [bold]{result.stage.value}[/]")


AccessOpt = Annotated[
    str | None,
    typer.Option(
        help="For the applicant, printed in the reply: where, how and when to get the information, "
        "or for not_handled the right channel (Art 36)."
    ),
]


@app.command()
def approve(
    case_id: Annotated[str, typer.Argument(help="Tracking number.")],
    by: ByOpt,
    reason: Annotated[str | None, typer.Option(help="A note for the record (internal).")] = None,
    access: AccessOpt = None,
    as_json: JsonOpt = False,
    dry_run: DryRunOpt = False,
    as_of: AsOfOpt = None,
) -> None:
    """Approve at the current review step: propose disclosure, or release after the secrecy check."""
    act(case_id, "approve", {"by": by, "note": reason, "access": access}, as_json, dry_run, as_of)


@app.command()
def deny(
    case_id: Annotated[str, typer.Argument(help="Tracking number.")],
    by: ByOpt,
    reason: Annotated[str, typer.Option(help="At review: a reason code; at the secrecy check: why it goes back.")],
    note: Annotated[str | None, typer.Option(help="A note for the record.")] = None,
    as_json: JsonOpt = False,
    dry_run: DryRunOpt = False,
    as_of: AsOfOpt = None,
) -> None:
    """Refuse at review with a reason code, or send the answer back from the secrecy check."""
    act(case_id, "deny", {"by": by, "reason": reason, "note": note}, as_json, dry_run, as_of)


@app.command()
def decide(
    case_id: Annotated[str, typer.Argument(help="Tracking number.")],
    outcome: Annotated[Outcome, typer.Option(help="The outcome of substantive review.")],
    by: ByOpt,
    reason: Annotated[list[Reason] | None, typer.Option(help="Reason code(s); repeat for several.")] = None,
    refer_to: Annotated[str | None, typer.Option(help="For not_held: the agency that holds it.")] = None,
    note: Annotated[str | None, typer.Option(help="A note for the record (internal).")] = None,
    access: AccessOpt = None,
    as_json: JsonOpt = False,
    dry_run: DryRunOpt = False,
    as_of: AsOfOpt = None,
) -> None:
    """Decide any review outcome (partly disclosed, cannot provide, not handled, ...)."""
    payload = {
        "by": by,
        "outcome": outcome.value,
        "reasons": [r.value for r in reason or []],
        "refer_to": refer_to,
        "note": note,
        "access": access,
    }
    act(case_id, "decide", payload, as_json, dry_run, as_of)


@app.command("confirm-receipt")
def confirm_receipt(
    case_id: Annotated[str, typer.Argument(help="Tracking number.")],
    by: ByOpt,
    received: Annotated[str, typer.Option(help="The date receipt was confirmed with the applicant (YYYY-MM-DD).")],
    as_json: JsonOpt = False,
    dry_run: DryRunOpt = False,
    as_of: AsOfOpt = None,
) -> None:
    """Confirm receipt of an ordinary-post, online or fax application: the clock starts (Art 31)."""
    day = day_option(received, "--received", as_json)
    act(case_id, "confirm_receipt", {"by": by, "received": day.isoformat()}, as_json, dry_run, as_of)


@app.command()
def withdraw(
    case_id: Annotated[str, typer.Argument(help="Tracking number.")],
    by: ByOpt,
    note: Annotated[str | None, typer.Option(help="How the withdrawal was received.")] = None,
    as_json: JsonOpt = False,
    dry_run: DryRunOpt = False,
    as_of: AsOfOpt = None,
) -> None:
    """Record that the applicant withdrew the application (before the reply)."""
    act(case_id, "withdraw", {"by": by, "note": note}, as_json, dry_run, as_of)


@app.command()
def schema(
    document: Annotated[str, typer.Argument(help="Which document: application.")] = "application",
) -> None:
    """Print the JSON Schema of a document the outside world sends (generated from the models)."""
    if document != "application":
        fail(f"unknown document '{document}'; known: application", EXIT_BAD_INPUT)
    emit_json(Application.model_json_schema())


__all__ = ["EXIT_UNAVAILABLE", "app", "fetch_state", "send_action", "state_json", "submit_application"]
