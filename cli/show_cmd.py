"""``ogi show`` (a case as staff see it) and ``ogi status`` (the applicant's view, with the query code)."""

from __future__ import annotations

import urllib.parse
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any

import typer

from cli.backend import CommandFailed, call
from cli.output import JsonOpt, emit_json, failed, is_terminal, say, table

app = typer.Typer(no_args_is_help=True)
BEIJING = timezone(timedelta(hours=8))


def _when(at: str) -> str:
    return datetime.fromisoformat(at).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def print_case(view: dict[str, Any]) -> None:
    """A case on the terminal: stage, clock and why, what it waits for, documents, the audit trail."""
    say(f"[bold]{view['id']}[/] · {view['agency']}")
    say(f"stage [bold]{view['stage']}[/] ({view['status']})" + (" · [red]OVERDUE[/]" if view["overdue"] else ""))
    holders = [
        f"department {view['department']}" if view.get("department") else "",
        f"assigned to {view['assignee']}" if view.get("assignee") else "",
        f"[yellow]transferred to {view['pending_department']}, to be signed for[/]"
        if view.get("pending_department")
        else "",
    ]
    if any(holders):
        say(" · ".join(h for h in holders if h))
    request = view.get("pending_request")
    if request:
        days = f", {request['days']} working days" if request.get("days") else ""
        say(
            f"[yellow]awaits the head:[/] {request['kind']}{days} asked by {request['by']} on {request['on']}: {request['reason']}"
        )
    if view.get("replied_on"):
        verdict = {True: " · [red]late[/]", False: " · on time", None: ""}[view.get("late")]
        say(f"reply made on {view['replied_on']}{verdict}")
    if view.get("attention"):
        say(f"[red]needs attention:[/] {view['attention']}")
    if view.get("outcome"):
        reasons = f" ({', '.join(view['reasons'])})" if view.get("reasons") else ""
        say(f"outcome {view['outcome']}{reasons}")
    clock = view.get("clock")
    if clock:
        if view["status"] != "open":
            progress = ""
        elif view["overdue"]:
            progress = " · [red]the reply period has run out[/]"
        else:
            progress = f" · {clock['used']} working days used, {clock['left']} left"
        provisional = f" · [yellow]provisional[/]: {clock['provisional_reason']}" if clock.get("provisional") else ""
        stopped = " · clock stopped" if clock["paused"] else ""
        say(f"received {view['received']} · due {clock['due']}{progress}{stopped}{provisional}")
        for line in clock.get("explanation", []):
            say(f"  [dim]· {line}[/]")
    for warning in view.get("intake_warnings", []):
        say(f"[yellow]to correct:[/] {warning}")
    if view.get("same_content_as"):
        say(
            f"[yellow]same content as earlier:[/] {', '.join(view['same_content_as'])} — if already answered, a "
            "repeated application is not handled again (Art 36(6): decide --outcome not_handled --reason repeated_request)"
        )
    correction = view.get("correction")
    if correction and correction.get("respond_by") and view["stage"] == "awaiting_correction":
        say(f"correction requested: answer by {correction['respond_by']['due']}")
    for c in view.get("consultations", []):
        answer = c.get("answer") or (f"pending, answer by {c['answer_by']['due']}" if c.get("answer_by") else "pending")
        say(f"consultation {c['id']} ({c['kind']}) {c['party']}: {answer}")
    fee = view.get("fee")
    if fee:
        state = fee.get("settlement") or (f"unpaid, pay by {fee['pay_by']['due']}" if fee.get("pay_by") else "unpaid")
        say(f"fee ¥{fee['amount']:,} ({fee['method']}, {fee['quantity']}): {state}")
    outgoing = view.get("outgoing") or []
    if outgoing:
        table("documents", ["document", "number", "issued", "delivery", "served"], [_outgoing_row(d) for d in outgoing])
    else:
        for doc in view.get("documents", []):
            say(f"[dim]document {doc}[/]")
    application = view.get("application")
    if application:
        applicant = application["applicant"]
        say(f"applicant {applicant['name']} ({applicant['kind']}) · {application['description'][:80]}")
    rows = [
        (
            _when(e["at"]),
            e["by"] + (f" (entered by {e['recorded_by']})" if e.get("recorded_by") else ""),
            e["action"],
            "✓" if e["accepted"] else ("refused" + (f" ×{e['count']}" if e.get("count", 1) > 1 else "")),
            _cell(e["detail"] if not e.get("on") else f"[taken {e['on']}] {e['detail']}"),
        )
        for e in view.get("events", [])
    ]
    table("audit trail", ["when (Beijing)", "who", "action", "", "detail"], rows)


def _outgoing_row(doc: dict[str, Any]) -> tuple[str, ...]:
    deliveries = "; ".join(
        f"{d['channel']} to {d['to']}: {d['status']}" + (f" ({d['reference']})" if d.get("reference") else "")
        for d in doc.get("deliveries", [])
    )
    served = doc.get("served_on") or ""
    if served and not doc.get("service_proven"):
        served += " (presumed)"
    if doc.get("awaiting"):
        deliveries = f"[yellow]{_cell(deliveries or 'to send')}[/]" if is_terminal() else deliveries or "to send"
    return (doc["ref"], doc.get("number") or "", doc["issued_on"], deliveries, served)


def _cell(text: str) -> str:
    """Text for a table cell: taken literally (a drawn table reads rich markup, a piped one prints it as is)."""
    from rich.markup import escape

    return escape(text) if is_terminal() else text


@app.command(rich_help_panel="Cases")
def show(
    case_id: Annotated[str, typer.Argument(help="Tracking number.")],
    personal: Annotated[
        bool, typer.Option("--personal", help="Also the application with the applicant's personal data (audited).")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Show a case: stage, clock, outcome and its audit trail (refusals included)."""
    try:
        view = call("GET", f"/v1/cases/{urllib.parse.quote(case_id, safe='')}", query={"personal": personal}).body
    except CommandFailed as exc:
        failed(exc, as_json)
    if as_json:
        emit_json(view)
    else:
        print_case(view)


@app.command(rich_help_panel="Cases")
def status(
    case_id: Annotated[str, typer.Argument(help="Tracking number.")],
    code: Annotated[str, typer.Option("--code", help="The query code given at registration (查询码).")],
    as_json: JsonOpt = False,
) -> None:
    """What the applicant may see of a case: stage, due date, what the clock waits for, the outcome."""
    try:
        result = call(
            "GET", f"/v1/public/status/{urllib.parse.quote(case_id, safe='')}", query={"code": code}, token=""
        ).body
    except CommandFailed as exc:
        failed(exc, as_json)
    if as_json:
        emit_json(result)
        return
    say(f"[bold]{result['case_id']}[/] · {result['agency']} · {result['stage']}")
    if result.get("received"):
        due = ""
        if result.get("due"):
            due = (
                f" · reply due no earlier than {result['due']}"
                if result.get("due_is_earliest")
                else f" · reply due by {result['due']}"
            )
            if result.get("due_provisional"):
                due += " (provisional: that year's holidays are not yet announced, so the date may move)"
        say(f"received {result['received']}{due}")
    if result.get("clock_stopped"):
        say("the reply period is stopped while waiting for:")
    for wait in result.get("waiting_for", []):
        say(f"  · {wait}")
    if result.get("outcome"):
        closed = f" (closed {result['closed_on']})" if result.get("closed_on") else ""
        say(f"outcome: {result['outcome']}{closed}")
