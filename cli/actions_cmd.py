"""Reviewer actions: decide, confirm receipt, correction, extension, consultation, fees, withdrawal.

Each sends the same-named action through the API (``POST /v1/cases/ID/actions/NAME``), which sends the
Update the worker checks: with authentication on you act as your token's user; with ``OGI_AUTH=off``
as ``--by``. ``--dry-run`` previews; ``--acted-by`` (records role) enters what a colleague did.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from cli.backend import CommandFailed, auth_on, call
from cli.helptext import REASON_LABELS, REVIEW_OUTCOME_HELP, completion, reason_table, values
from cli.output import AsOfOpt, DryRunOpt, JsonOpt, day_option, emit_json, fail, failed, marked, say, words
from cli.show_cmd import said_detail
from domain.fees import FEE_METHOD_LABELS, FeeMethod
from domain.messages import Msg, Term, Text, plural_msg
from domain.outcomes import Outcome, Reason
from domain.vocabulary import (
    APPROVAL_KIND_LABELS,
    CHANNEL_LABELS,
    CONSULTATION_KIND_LABELS,
    PARTY_ANSWER_LABELS,
    ApprovalKind,
    Channel,
    ConsultationKind,
    PartyAnswer,
)
from infra.i18n import current_lang

app = typer.Typer(no_args_is_help=True)

CaseArg = Annotated[str, typer.Argument(help="Tracking number.")]
ByOpt = Annotated[
    str | None,
    typer.Option(
        "--by", help="Only with OGI_AUTH=off: who takes the action. With authentication on you are your token's user."
    ),
]
ActedByOpt = Annotated[
    str | None,
    typer.Option("--acted-by", help="records role: the colleague who took the action (it is recorded for them)."),
]
OnOpt = Annotated[
    str | None,
    typer.Option("--on", help="The day the action was actually taken (YYYY-MM-DD), when before today."),
]
WaitOpt = Annotated[
    bool, typer.Option("--wait/--no-wait", help="--no-wait: return once the case accepted it (fire and forget).")
]

LIST_OPTIONS = {"items": "--item", "reasons": "--reason"}
"""Payload lists whose option is repeated under a singular name."""


def act(
    case_id: str,
    name: str,
    fields: dict[str, Any],
    *,
    by: str | None,
    as_json: bool,
    dry_run: bool = False,
    as_of: str | None = None,
    acted_by: str | None = None,
    wait: bool = True,
    on: str | None = None,
) -> None:
    """Send the action (or its preview) and print the answer."""
    body = {k: v for k, v in fields.items() if v is not None and v != []}
    if on is not None:
        body["on"] = day_option(on, "--on", as_json).isoformat()
    if auth_on():
        if by is not None:
            fail(
                Msg(
                    "with authentication on you act as the user of your token (OGI_TOKEN or ogi login); leave out --by "
                    "(to enter what a colleague did, use --acted-by with the records role)"
                ),
                as_json=as_json,
                error_code="bad_input.by",
            )
    elif by is None:
        fail(
            Msg("--by is required with OGI_AUTH=off: who takes the action"), as_json=as_json, error_code="bad_input.by"
        )
    else:
        body["by"] = by
    if acted_by is not None:
        body["acted_by"] = acted_by
    if as_of is not None:
        if not dry_run:
            fail(Msg("--as-of imagines the action on another day, so it needs --dry-run"), as_json=as_json)
        day_option(as_of, "--as-of", as_json)
    query = {"dry_run": dry_run, "as_of": as_of, "wait": None if wait else "false"}
    try:
        answer = call(
            "POST",
            f"/v1/cases/{case_id}/actions/{name}",
            query=query,
            body=json.dumps(body, ensure_ascii=False).encode(),
        )
    except CommandFailed as exc:
        if exc.status == 422 and exc.field:
            field = exc.field.split(".")[0]
            option = LIST_OPTIONS.get(field, "--" + field.replace("_", "-"))
            said = words(Msg("{problem} (option {option})", problem=str(exc), option=option))
            failed(CommandFailed(said, exc.code, exc.status), as_json)
        if dry_run and exc.status == 409:
            said = words(Msg("would be refused: {problem} (dry run: nothing was sent)", problem=str(exc)))
            failed(CommandFailed(said, exc.code, 409), as_json)
        failed(exc, as_json)
    result = answer.body
    if dry_run:
        _print_preview(result, as_json, as_of)
        return
    if as_json:
        emit_json(result)
    elif answer.status == 202:
        say(
            Msg("{id}: {action} accepted by the case; its result: {poll}", id=case_id, action=name, poll=result["poll"])
        )
    else:
        stage = f"[bold]{words(Term('stage', result['stage']))}[/]"
        say(Msg("{id}: {detail} → stage {stage}", id=result["id"], detail=_done(name, result), stage=stage))


def _done(name: str, result: dict[str, Any]) -> Text:
    """What the action did: the audit trail's own line in English, the action's name in Chinese.

    The trail's detail is the workflow's history, kept in English; a Chinese reader is told the action by its name.
    """
    if current_lang() == "en":
        return said_detail(result)
    return Term("action", name)


def _clock_line(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    if after is None:
        return words(Msg("no reply clock runs (receipt not confirmed)"))
    if before is None:
        return words(
            plural_msg(
                "the clock starts: due {due} ({n} working day left)",
                "the clock starts: due {due} ({n} working days left)",
                after["left"],
                due=after["due"],
            )
        )
    moved = _days(before["due"], after["due"])
    shift = plural_msg("{moved} day", "{moved} days", abs(moved), moved=f"{moved:+d}") if moved else Msg("unchanged")

    line = Msg(
        "due {before} → {after} ({shift}) · working days left {left_before} → {left_after}",
        before=before["due"],
        after=after["due"],
        shift=shift,
        left_before=before["left"],
        left_after=after["left"],
    )
    stopped = " · " + words(Msg("the clock stops")) if after["paused"] and not before["paused"] else ""
    restarted = " · " + words(Msg("the clock runs again")) if before["paused"] and not after["paused"] else ""
    return words(line) + stopped + restarted


def _days(a: str, b: str) -> int:
    from datetime import date

    return (date.fromisoformat(b) - date.fromisoformat(a)).days


def _print_preview(result: dict[str, Any], as_json: bool, as_of: str | None) -> None:
    if not result["accepted"]:
        if as_of is None:
            refusal = Msg("would be refused: {refusal} (dry run: nothing was sent)", refusal=result["refusal"])
        else:
            refusal = Msg(
                "would be refused on {day}: {refusal} (dry run: nothing was sent)",
                day=result["as_of"],
                refusal=result["refusal"],
            )
        unplayed = result.get("not_simulated") or []
        if unplayed:
            refusal = Msg("{refusal}; not played before then: {lines}", refusal=refusal, lines="; ".join(unplayed))
        fail(refusal, 1, as_json, result.get("refusal_code") or "refused")
    if as_json:
        emit_json({**result, "due_moves_by": result.get("due_moves")})
        return
    accepted = marked("green", Msg("would be accepted"))
    if as_of is None:
        head = Msg(
            "{id} · {action}: {accepted} (dry run: nothing was sent)",
            id=f"[bold]{result['case_id']}[/]",
            action=Term("action", result["action"]),
            accepted=accepted,
        )
    else:
        head = Msg(
            "{id} · {action} on {day}: {accepted} (dry run: nothing was sent)",
            id=f"[bold]{result['case_id']}[/]",
            action=Term("action", result["action"]),
            day=result["as_of"],
            accepted=accepted,
        )
    say(head)
    if current_lang() == "en":  # the line the audit trail would keep: the workflow's history, in English
        say(f"  {said_detail(result)}")
    stages = Msg(
        "stage {before} → {after}",
        before=Term("stage", result["stage_before"]),
        after=Term("stage", result["stage_after"]),
    )
    say("  " + words(stages))
    say(f"  {_clock_line(result.get('clock_before'), result.get('clock_after'))}")
    from domain.clock import pause_kind  # here: pydantic stays unloaded for ogi --help

    for key, end in (result.get("periods") or {}).items():
        say(
            "  " + words(Msg("{period} period ends {due} (24:00 Beijing time)", period=pause_kind(key), due=end["due"]))
        )
    for line in (result.get("clock_after") or {}).get("explanation", []):
        say(f"  [dim]· {line}[/]")
    for line in result.get("not_simulated") or []:
        label = Msg("not played before:") if as_of is None else Msg("not played before {day}:", day=result["as_of"])
        say("  " + marked("yellow", label) + " " + line)
    if result.get("calendar_note"):
        say("  " + marked("yellow", Msg("calendar:")) + " " + result["calendar_note"])


AccessOpt = Annotated[
    str | None,
    typer.Option(
        help="For the applicant, printed in the reply: where, how and when to get the information, "
        "or for not_handled the right channel (Art 36)."
    ),
]


@app.command(rich_help_panel="Review")
def approve(
    case_id: CaseArg,
    by: ByOpt = None,
    reason: Annotated[str | None, typer.Option(help="A note for the record (internal).")] = None,
    access: AccessOpt = None,
    acted_by: ActedByOpt = None,
    on: OnOpt = None,
    wait: WaitOpt = True,
    as_json: JsonOpt = False,
    dry_run: DryRunOpt = False,
    as_of: AsOfOpt = None,
) -> None:
    """Approve at the current review step: propose disclosure, or release after the secrecy check."""
    fields = {"note": reason, "access": access}
    act(
        case_id,
        "approve",
        fields,
        by=by,
        as_json=as_json,
        dry_run=dry_run,
        as_of=as_of,
        acted_by=acted_by,
        wait=wait,
        on=on,
    )


REASON_HELP = "At review a reason code (listed below, with its report row); at the secrecy check: why it goes back."


@app.command(rich_help_panel="Review", epilog=reason_table())
def deny(
    case_id: CaseArg,
    reason: Annotated[str, typer.Option(help=REASON_HELP, autocompletion=completion(REASON_LABELS))],
    by: ByOpt = None,
    note: Annotated[str | None, typer.Option(help="A note for the record.")] = None,
    acted_by: ActedByOpt = None,
    on: OnOpt = None,
    wait: WaitOpt = True,
    as_json: JsonOpt = False,
    dry_run: DryRunOpt = False,
    as_of: AsOfOpt = None,
) -> None:
    """Refuse at review with a reason code, or send the answer back from the secrecy check."""
    fields = {"reason": reason, "note": note}
    act(
        case_id,
        "deny",
        fields,
        by=by,
        as_json=as_json,
        dry_run=dry_run,
        as_of=as_of,
        acted_by=acted_by,
        wait=wait,
        on=on,
    )


@app.command(rich_help_panel="Review", epilog=reason_table())
def decide(
    case_id: CaseArg,
    outcome: Annotated[
        Outcome,
        typer.Option(help=f"The outcome of substantive review: {REVIEW_OUTCOME_HELP}.", show_choices=False),
    ],
    by: ByOpt = None,
    reason: Annotated[
        list[Reason] | None,
        typer.Option(
            help="Reason code(s), listed below with their report rows; repeat for several.", show_choices=False
        ),
    ] = None,
    refer_to: Annotated[
        str | None, typer.Option(help="With not_ours (or not_held): the agency that holds it (Art 36(5)).")
    ] = None,
    note: Annotated[str | None, typer.Option(help="A note for the record (internal).")] = None,
    access: AccessOpt = None,
    acted_by: ActedByOpt = None,
    on: OnOpt = None,
    wait: WaitOpt = True,
    as_json: JsonOpt = False,
    dry_run: DryRunOpt = False,
    as_of: AsOfOpt = None,
) -> None:
    """Decide any review outcome (partly disclosed, cannot provide, not handled, ...)."""
    fields = {
        "outcome": outcome.value,
        "reasons": [r.value for r in reason or []],
        "refer_to": refer_to,
        "note": note,
        "access": access,
    }
    act(
        case_id,
        "decide",
        fields,
        by=by,
        as_json=as_json,
        dry_run=dry_run,
        as_of=as_of,
        acted_by=acted_by,
        wait=wait,
        on=on,
    )


@app.command("confirm-receipt", rich_help_panel="Intake")
def confirm_receipt(
    case_id: CaseArg,
    received: Annotated[str, typer.Option(help="The date receipt was confirmed with the applicant (YYYY-MM-DD).")],
    by: ByOpt = None,
    acted_by: ActedByOpt = None,
    on: OnOpt = None,
    as_json: JsonOpt = False,
    dry_run: DryRunOpt = False,
    as_of: AsOfOpt = None,
) -> None:
    """Confirm receipt of an ordinary-post, online or fax application: the clock starts (Art 31)."""
    fields = {"received": day_option(received, "--received", as_json).isoformat()}
    act(
        case_id,
        "confirm_receipt",
        fields,
        by=by,
        as_json=as_json,
        dry_run=dry_run,
        as_of=as_of,
        acted_by=acted_by,
        on=on,
    )


@app.command(rich_help_panel="Intake")
def withdraw(
    case_id: CaseArg,
    by: ByOpt = None,
    note: Annotated[str | None, typer.Option(help="How the withdrawal was received.")] = None,
    acted_by: ActedByOpt = None,
    on: OnOpt = None,
    as_json: JsonOpt = False,
    dry_run: DryRunOpt = False,
    as_of: AsOfOpt = None,
) -> None:
    """Record that the applicant withdrew the application (before the reply)."""
    act(
        case_id,
        "withdraw",
        {"note": note},
        by=by,
        as_json=as_json,
        dry_run=dry_run,
        as_of=as_of,
        acted_by=acted_by,
        on=on,
    )


@app.command("request-correction", rich_help_panel="Clock")
def request_correction(
    case_id: CaseArg,
    item: Annotated[list[str], typer.Option(help="What the applicant must correct; repeat for every item.")],
    by: ByOpt = None,
    period_days: Annotated[int | None, typer.Option(help="Working days to answer (default: configured).")] = None,
    acted_by: ActedByOpt = None,
    on: OnOpt = None,
    as_json: JsonOpt = False,
    dry_run: DryRunOpt = False,
    as_of: AsOfOpt = None,
) -> None:
    """Ask for a correction (补正, Art 30) within 7 working days of receipt, once, listing every item."""
    fields = {"items": item, "period_days": period_days}
    act(
        case_id,
        "request_correction",
        fields,
        by=by,
        as_json=as_json,
        dry_run=dry_run,
        as_of=as_of,
        acted_by=acted_by,
        on=on,
    )


@app.command("submit-correction", rich_help_panel="Clock")
def submit_correction(
    case_id: CaseArg,
    received: Annotated[str, typer.Option(help="When the corrected application arrived (YYYY-MM-DD).")],
    by: ByOpt = None,
    channel: Annotated[Channel | None, typer.Option(help=f"How it arrived: {values(CHANNEL_LABELS)}.")] = None,
    acted_by: ActedByOpt = None,
    on: OnOpt = None,
    as_json: JsonOpt = False,
    dry_run: DryRunOpt = False,
    as_of: AsOfOpt = None,
) -> None:
    """Register the corrected application: the reply period restarts from its receipt."""
    fields = {
        "received": day_option(received, "--received", as_json).isoformat(),
        "channel": channel.value if channel else None,
    }
    act(
        case_id,
        "submit_correction",
        fields,
        by=by,
        as_json=as_json,
        dry_run=dry_run,
        as_of=as_of,
        acted_by=acted_by,
        on=on,
    )


@app.command(rich_help_panel="Clock")
def extend(
    case_id: CaseArg,
    reason: Annotated[str, typer.Option(help="Why the reply needs more time (goes into the notice).")],
    by: ByOpt = None,
    days: Annotated[int | None, typer.Option(help="Working days added (at most 20 by default).")] = None,
    acted_by: ActedByOpt = None,
    on: OnOpt = None,
    as_json: JsonOpt = False,
    dry_run: DryRunOpt = False,
    as_of: AsOfOpt = None,
) -> None:
    """Extend the reply period once, before it ends; the head of the disclosure body approves (Art 33)."""
    fields = {"reason": reason, "days": days}
    act(case_id, "extend", fields, by=by, as_json=as_json, dry_run=dry_run, as_of=as_of, acted_by=acted_by, on=on)


@app.command("set-longer-period", rich_help_panel="Clock")
def set_longer_period(
    case_id: CaseArg,
    reason: Annotated[str, typer.Option(help="Why the requests are excessive.")],
    days: Annotated[int, typer.Option(help="The reply period in working days.")],
    by: ByOpt = None,
    acted_by: ActedByOpt = None,
    on: OnOpt = None,
    as_json: JsonOpt = False,
    dry_run: DryRunOpt = False,
    as_of: AsOfOpt = None,
) -> None:
    """Set a longer reply period for excessive requests, with the reason (Art 35; the head decides)."""
    fields = {"reason": reason, "days": days}
    act(
        case_id,
        "set_longer_period",
        fields,
        by=by,
        as_json=as_json,
        dry_run=dry_run,
        as_of=as_of,
        acted_by=acted_by,
        on=on,
    )


@app.command(rich_help_panel="Clock")
def consult(
    case_id: CaseArg,
    kind: Annotated[ConsultationKind, typer.Option(help=f"Who is consulted: {values(CONSULTATION_KIND_LABELS)}.")],
    party: Annotated[str, typer.Option(help="Who is consulted.")],
    by: ByOpt = None,
    acted_by: ActedByOpt = None,
    on: OnOpt = None,
    as_json: JsonOpt = False,
    dry_run: DryRunOpt = False,
    as_of: AsOfOpt = None,
) -> None:
    """Consult a third party or another agency; the clock stops until every consultation is answered or lapses."""
    fields = {"kind": kind, "party": party}
    act(case_id, "consult", fields, by=by, as_json=as_json, dry_run=dry_run, as_of=as_of, acted_by=acted_by, on=on)


@app.command("consultation-answer", rich_help_panel="Clock")
def consultation_answer(
    case_id: CaseArg,
    consultation: Annotated[str, typer.Option(help="Which consultation (c1, c2, ... as in 'ogi show').")],
    answer: Annotated[PartyAnswer, typer.Option(help=f"What the party answered: {values(PARTY_ANSWER_LABELS)}.")],
    by: ByOpt = None,
    note: Annotated[str | None, typer.Option(help="A note for the record.")] = None,
    acted_by: ActedByOpt = None,
    on: OnOpt = None,
    as_json: JsonOpt = False,
    dry_run: DryRunOpt = False,
    as_of: AsOfOpt = None,
) -> None:
    """Record a consulted party's answer."""
    fields = {"consultation": consultation, "answer": answer, "note": note}
    act(
        case_id,
        "consultation_answer",
        fields,
        by=by,
        as_json=as_json,
        dry_run=dry_run,
        as_of=as_of,
        acted_by=acted_by,
        on=on,
    )


@app.command("fee-notice", rich_help_panel="Clock")
def fee_notice(
    case_id: CaseArg,
    method: Annotated[
        FeeMethod,
        typer.Option(help=f"{values(FEE_METHOD_LABELS)}: count per applicant per month, volume by pages."),
    ],
    by: ByOpt = None,
    pages: Annotated[int | None, typer.Option(help="Pages, for the volume method.")] = None,
    acted_by: ActedByOpt = None,
    on: OnOpt = None,
    as_json: JsonOpt = False,
    dry_run: DryRunOpt = False,
    as_of: AsOfOpt = None,
) -> None:
    """Send a fee notice (收费通知书, 国办函〔2020〕109号); the clock stops until payment."""
    fields = {"method": method.value, "pages": pages}
    act(case_id, "fee_notice", fields, by=by, as_json=as_json, dry_run=dry_run, as_of=as_of, acted_by=acted_by, on=on)


@app.command("pay-fee", rich_help_panel="Clock")
def pay_fee(
    case_id: CaseArg,
    by: ByOpt = None,
    note: Annotated[str | None, typer.Option(help="Receipt number or how it was paid.")] = None,
    paid_on: Annotated[
        str | None, typer.Option(help="The day it was paid (YYYY-MM-DD), when before today: the clock runs from then.")
    ] = None,
    acted_by: ActedByOpt = None,
    on: OnOpt = None,
    as_json: JsonOpt = False,
    dry_run: DryRunOpt = False,
    as_of: AsOfOpt = None,
) -> None:
    """Record payment of the fee: the clock runs again."""
    day = day_option(paid_on, "--paid-on", as_json).isoformat() if paid_on is not None else None
    act(
        case_id,
        "pay_fee",
        {"note": note, "paid_on": day},
        by=by,
        as_json=as_json,
        dry_run=dry_run,
        as_of=as_of,
        acted_by=acted_by,
        on=on,
    )


@app.command("waive-fee", rich_help_panel="Clock")
def waive_fee(
    case_id: CaseArg,
    reason: Annotated[str, typer.Option(help="Why the fee is waived.")],
    by: ByOpt = None,
    acted_by: ActedByOpt = None,
    on: OnOpt = None,
    as_json: JsonOpt = False,
    dry_run: DryRunOpt = False,
    as_of: AsOfOpt = None,
) -> None:
    """Waive the fee with a reason: the case goes on as if paid."""
    act(
        case_id,
        "waive_fee",
        {"reason": reason},
        by=by,
        as_json=as_json,
        dry_run=dry_run,
        as_of=as_of,
        acted_by=acted_by,
        on=on,
    )


@app.command(rich_help_panel="Routing")
def assign(
    case_id: CaseArg,
    to: Annotated[str, typer.Option("--to", help="The handler the case goes to.")],
    note: Annotated[str | None, typer.Option(help="A note for the record.")] = None,
    by: ByOpt = None,
    acted_by: ActedByOpt = None,
    on: OnOpt = None,
    as_json: JsonOpt = False,
    dry_run: DryRunOpt = False,
    as_of: AsOfOpt = None,
) -> None:
    """Assign the case to a handler (分派)."""
    fields = {"to": to, "note": note}
    act(case_id, "assign", fields, by=by, as_json=as_json, dry_run=dry_run, as_of=as_of, acted_by=acted_by, on=on)


@app.command(rich_help_panel="Routing")
def transfer(
    case_id: CaseArg,
    department: Annotated[str, typer.Option(help="The department of the agency the case goes to.")],
    reason: Annotated[str, typer.Option(help="Why (for the record).")],
    by: ByOpt = None,
    acted_by: ActedByOpt = None,
    on: OnOpt = None,
    as_json: JsonOpt = False,
    dry_run: DryRunOpt = False,
    as_of: AsOfOpt = None,
) -> None:
    """Transfer the case to another department (转办); it must sign for it before anyone handles it."""
    fields = {"department": department, "reason": reason}
    act(case_id, "transfer", fields, by=by, as_json=as_json, dry_run=dry_run, as_of=as_of, acted_by=acted_by, on=on)


@app.command("sign-for", rich_help_panel="Routing")
def sign_for(
    case_id: CaseArg,
    note: Annotated[str | None, typer.Option(help="A note for the record.")] = None,
    by: ByOpt = None,
    acted_by: ActedByOpt = None,
    on: OnOpt = None,
    as_json: JsonOpt = False,
    dry_run: DryRunOpt = False,
    as_of: AsOfOpt = None,
) -> None:
    """Sign for a case transferred to your department (签收)."""
    act(
        case_id,
        "sign_for",
        {"note": note},
        by=by,
        as_json=as_json,
        dry_run=dry_run,
        as_of=as_of,
        acted_by=acted_by,
        on=on,
    )


@app.command("request-approval", rich_help_panel="Routing")
def request_approval(
    case_id: CaseArg,
    kind: Annotated[ApprovalKind, typer.Option(help=f"What the head approves: {values(APPROVAL_KIND_LABELS)}.")],
    reason: Annotated[str, typer.Option(help="Why: goes to the head, and into the notice when granted.")],
    days: Annotated[int | None, typer.Option(help="Working days asked for.")] = None,
    by: ByOpt = None,
    acted_by: ActedByOpt = None,
    on: OnOpt = None,
    as_json: JsonOpt = False,
    dry_run: DryRunOpt = False,
    as_of: AsOfOpt = None,
) -> None:
    """Ask the head to approve an extension, a longer period or a fee waiver, with the reason."""
    fields = {"kind": kind, "reason": reason, "days": days}
    act(
        case_id,
        "request_approval",
        fields,
        by=by,
        as_json=as_json,
        dry_run=dry_run,
        as_of=as_of,
        acted_by=acted_by,
        on=on,
    )


@app.command("decide-request", rich_help_panel="Routing")
def decide_request(
    case_id: CaseArg,
    approve: Annotated[bool, typer.Option("--approve/--decline", help="Grant the request, or decline it.")],
    note: Annotated[str | None, typer.Option(help="A note for the record.")] = None,
    by: ByOpt = None,
    acted_by: ActedByOpt = None,
    on: OnOpt = None,
    as_json: JsonOpt = False,
    dry_run: DryRunOpt = False,
    as_of: AsOfOpt = None,
) -> None:
    """The head grants (it takes effect under the head's name) or declines the pending request."""
    fields = {"approve": approve, "note": note}
    act(
        case_id,
        "decide_request",
        fields,
        by=by,
        as_json=as_json,
        dry_run=dry_run,
        as_of=as_of,
        acted_by=acted_by,
        on=on,
    )
