"""``ogi show`` (a case as staff see it) and ``ogi status`` (the applicant's view, with the query code)."""

from __future__ import annotations

import urllib.parse
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any

import typer

from cli.backend import CommandFailed, call
from cli.intake_cmd import to_correct
from cli.output import JsonOpt, emit_json, failed, is_terminal, marked, say, table, words
from domain.messages import Msg, Term, Text, Words, plural_msg

app = typer.Typer(no_args_is_help=True)
BEIJING = timezone(timedelta(hours=8))


def _when(at: str) -> str:
    return datetime.fromisoformat(at).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def print_case(view: dict[str, Any]) -> None:
    """A case on the terminal: stage, clock and why, what it waits for, documents, the audit trail."""
    say(f"[bold]{view['id']}[/] · {view['agency']}")
    status = Msg("open") if view["status"] == "open" else Msg("closed")
    stage = Msg("stage {stage} ({status})", stage=f"[bold]{words(Term('stage', view['stage']))}[/]", status=status)
    say(words(stage) + (" · " + marked("red", Msg("OVERDUE")) if view["overdue"] else ""))
    holders = [
        words(Msg("department {name}", name=view["department"])) if view.get("department") else "",
        words(Msg("assigned to {name}", name=view["assignee"])) if view.get("assignee") else "",
        marked("yellow", Msg("transferred to {name}, to be signed for", name=view["pending_department"]))
        if view.get("pending_department")
        else "",
    ]
    if any(holders):
        say(" · ".join(h for h in holders if h))
    request = view.get("pending_request")
    if request:
        kind = Term("approval_kind", request["kind"])
        if request.get("days"):
            asked = Msg(
                "{kind}, {days} working days asked by {by} on {on}: {reason}",
                kind=kind,
                days=request["days"],
                by=request["by"],
                on=request["on"],
                reason=request["reason"],
            )
        else:
            asked = Msg(
                "{kind} asked by {by} on {on}: {reason}",
                kind=kind,
                by=request["by"],
                on=request["on"],
                reason=request["reason"],
            )
        say(marked("yellow", Msg("awaits the head:")) + " " + words(asked))
    if view.get("replied_on"):
        verdict = {True: " · " + marked("red", Msg("late")), False: " · " + words(Msg("on time")), None: ""}
        say(words(Msg("reply made on {day}", day=view["replied_on"])) + verdict[view.get("late")])
    if view.get("attention"):
        say(marked("red", Msg("needs attention:")) + " " + view["attention"])
    if view.get("outcome"):
        outcome = Term("outcome", view["outcome"])
        if view.get("reasons"):
            reasons = Words(Term("reason", r) for r in view["reasons"])
            say(Msg("outcome {outcome} ({reasons})", outcome=outcome, reasons=reasons))
        else:
            say(Msg("outcome {outcome}", outcome=outcome))
    clock = view.get("clock")
    if clock:
        _print_clock(view, clock)
    for warning in view.get("intake_warnings", []):
        say(to_correct(warning))
    if view.get("same_content_as"):
        say(
            marked("yellow", Msg("same content as earlier:"))
            + " "
            + words(
                Msg(
                    "{cases} — if already answered, a repeated application is not handled again "
                    "(Art 36(6): decide --outcome not_handled --reason repeated_request)",
                    cases=Words(view["same_content_as"]),
                )
            )
        )
    correction = view.get("correction")
    if correction and correction.get("respond_by") and view["stage"] == "awaiting_correction":
        say(Msg("correction requested: answer by {due}", due=correction["respond_by"]["due"]))
    for c in view.get("consultations", []):
        if c.get("answer"):
            answer: Msg | Term = Term("party_answer", c["answer"])
        elif c.get("answer_by"):
            answer = Msg("pending, answer by {due}", due=c["answer_by"]["due"])
        else:
            answer = Msg("pending")
        kind = Term("consultation_kind", c["kind"])
        say(Msg("consultation {id} ({kind}) {party}: {answer}", id=c["id"], kind=kind, party=c["party"], answer=answer))
    fee = view.get("fee")
    if fee:
        if fee.get("settlement"):
            state: Msg = Msg("paid") if fee["settlement"] == "paid" else Msg("waived")
        elif fee.get("pay_by"):
            state = Msg("unpaid, pay by {due}", due=fee["pay_by"]["due"])
        else:
            state = Msg("unpaid")
        method = Msg("by count") if fee["method"] == "count" else Msg("by volume")
        say(
            Msg(
                "fee ¥{amount:,} ({method}, {quantity}): {state}",
                amount=fee["amount"],
                method=method,
                quantity=fee["quantity"],
                state=state,
            )
        )
    outgoing = view.get("outgoing") or []
    if outgoing:
        headers: list[Text] = [Msg("document"), Msg("number"), Msg("issued"), Msg("delivery"), Msg("served")]
        table(Msg("documents"), headers, [_outgoing_row(d) for d in outgoing])
    else:
        for doc in view.get("documents", []):
            say(marked("dim", Msg("document {path}", path=doc)))
    application = view.get("application")
    if application:
        applicant = application["applicant"]
        say(
            Msg(
                "applicant {name} ({kind}) · {description}",
                name=applicant["name"],
                kind=Term("applicant_kind", applicant["kind"]),
                description=application["description"][:80],
            )
        )
    rows = [
        (
            _when(e["at"]),
            e["by"] + (words(Msg(" (entered by {name})", name=e["recorded_by"])) if e.get("recorded_by") else ""),
            e["action"],
            "✓" if e["accepted"] else _refused(e.get("count", 1)),
            _cell(said_detail(e)),
        )
        for e in view.get("events", [])
    ]
    columns: list[Text] = [Msg("when (Beijing)"), Msg("who"), Msg("action"), "", Msg("detail")]
    table(Msg("audit trail"), columns, rows)


def _print_clock(view: dict[str, Any], clock: dict[str, Any]) -> None:
    if view["status"] != "open":
        progress = ""
    elif view["overdue"]:
        progress = " · " + marked("red", Msg("the reply period has run out"))
    else:
        used = plural_msg("{n} working day used", "{n} working days used", clock["used"])
        progress = " · " + words(Msg("{used}, {left} left", used=used, left=clock["left"]))
    provisional = ""
    if clock.get("provisional"):
        provisional = " · " + marked("yellow", Msg("provisional:")) + " " + str(clock["provisional_reason"])
    stopped = " · " + words(Msg("clock stopped")) if clock["paused"] else ""
    received = words(Msg("received {received} · due {due}", received=view["received"], due=clock["due"]))
    say(received + progress + stopped + provisional)
    for line in clock.get("explanation", []):
        say(f"  [dim]· {line}[/]")


def _refused(count: int) -> str:
    return words(Msg("refused")) + (f" ×{count}" if count > 1 else "")


def said_detail(event: dict[str, Any]) -> str:
    """An audit-trail entry's detail as the trail keeps it, with the day it was taken when entered later."""
    if event.get("on"):
        return words(Msg("[taken {day}] {detail}", day=event["on"], detail=event["detail"]))
    return str(event["detail"])


def _outgoing_row(doc: dict[str, Any]) -> tuple[str, ...]:
    sends = [
        words(
            Msg(
                "{channel} to {to}: {status}",
                channel=Term("delivery_channel", d["channel"]),
                to=Term("recipient", d["to"]),
                status=Term("delivery_status", d["status"]),
            )
        )
        + (f" ({d['reference']})" if d.get("reference") else "")
        for d in doc.get("deliveries", [])
    ]
    deliveries = words(Words(sends)) if sends else ""
    served = doc.get("served_on") or ""
    if served and not doc.get("service_proven"):
        served = words(Msg("{day} (presumed)", day=served))
    if doc.get("awaiting"):
        deliveries = deliveries or words(Msg("to send"))
        deliveries = f"[yellow]{_cell(deliveries)}[/]" if is_terminal() else deliveries
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
            if result.get("due_is_earliest"):
                due = " · " + words(Msg("reply due no earlier than {due}", due=result["due"]))
            else:
                due = " · " + words(Msg("reply due by {due}", due=result["due"]))
            if result.get("due_provisional"):
                due += words(Msg(" (provisional: that year's holidays are not yet announced, so the date may move)"))
        say(words(Msg("received {day}", day=result["received"])) + due)
    if result.get("clock_stopped"):
        say(Msg("the reply period is stopped while waiting for:"))
    for wait in result.get("waiting_for", []):
        say(f"  · {wait}")
    if result.get("outcome"):
        if result.get("closed_on"):
            say(Msg("outcome: {outcome} (closed {day})", outcome=result["outcome"], day=result["closed_on"]))
        else:
            say(Msg("outcome: {outcome}", outcome=result["outcome"]))
