"""Commands that stop, restart and stretch a case's clock: correction, extension, consultation, fees, Art 35.

Each sends the same-named Update as any other client would (``request_correction``, ``extend``, ...).
"""

from __future__ import annotations

from typing import Annotated, Literal

import typer

from cli.cases_cmd import ByOpt, act
from cli.output import AsOfOpt, DryRunOpt, JsonOpt, day_option
from domain.application import Channel
from domain.fees import FeeMethod

app = typer.Typer(no_args_is_help=True)

CaseArg = Annotated[str, typer.Argument(help="Tracking number.")]


@app.command("request-correction")
def request_correction(
    case_id: CaseArg,
    by: ByOpt,
    item: Annotated[list[str], typer.Option(help="What the applicant must correct; repeat for every item.")],
    period_days: Annotated[int | None, typer.Option(help="Working days to answer (default: configured).")] = None,
    as_json: JsonOpt = False,
    dry_run: DryRunOpt = False,
    as_of: AsOfOpt = None,
) -> None:
    """Ask for a correction (补正, Art 30) within 7 working days of receipt, once, listing every item."""
    act(case_id, "request_correction", {"by": by, "items": item, "period_days": period_days}, as_json, dry_run, as_of)


@app.command("submit-correction")
def submit_correction(
    case_id: CaseArg,
    by: ByOpt,
    received: Annotated[str, typer.Option(help="When the corrected application arrived (YYYY-MM-DD).")],
    channel: Annotated[Channel | None, typer.Option(help="How it arrived.")] = None,
    as_json: JsonOpt = False,
    dry_run: DryRunOpt = False,
    as_of: AsOfOpt = None,
) -> None:
    """Register the corrected application: the reply period restarts from its receipt."""
    payload = {
        "by": by,
        "received": day_option(received, "--received", as_json).isoformat(),
        "channel": channel.value if channel else None,
    }
    act(case_id, "submit_correction", payload, as_json, dry_run, as_of)


@app.command()
def extend(
    case_id: CaseArg,
    by: ByOpt,
    reason: Annotated[str, typer.Option(help="Why the reply needs more time (goes into the notice).")],
    days: Annotated[int | None, typer.Option(help="Working days added (at most 20 by default).")] = None,
    as_json: JsonOpt = False,
    dry_run: DryRunOpt = False,
    as_of: AsOfOpt = None,
) -> None:
    """Extend the reply period once, before it ends; the head of the disclosure body approves (Art 33)."""
    act(case_id, "extend", {"by": by, "reason": reason, "days": days}, as_json, dry_run, as_of)


@app.command("set-longer-period")
def set_longer_period(
    case_id: CaseArg,
    by: ByOpt,
    reason: Annotated[str, typer.Option(help="Why the requests are excessive.")],
    days: Annotated[int, typer.Option(help="The reply period in working days.")],
    as_json: JsonOpt = False,
    dry_run: DryRunOpt = False,
    as_of: AsOfOpt = None,
) -> None:
    """Set a longer reply period for excessive requests, with the reason (Art 35; the head decides)."""
    act(case_id, "set_longer_period", {"by": by, "reason": reason, "days": days}, as_json, dry_run, as_of)


@app.command()
def consult(
    case_id: CaseArg,
    by: ByOpt,
    kind: Annotated[Literal["third_party", "agency"], typer.Option(help="third_party (Art 32) or agency (Art 34).")],
    party: Annotated[str, typer.Option(help="Who is consulted.")],
    as_json: JsonOpt = False,
    dry_run: DryRunOpt = False,
    as_of: AsOfOpt = None,
) -> None:
    """Consult a third party or another agency; the clock stops until every consultation is answered or lapses."""
    act(case_id, "consult", {"by": by, "kind": kind, "party": party}, as_json, dry_run, as_of)


@app.command("consultation-answer")
def consultation_answer(
    case_id: CaseArg,
    by: ByOpt,
    consultation: Annotated[str, typer.Option(help="Which consultation (c1, c2, ... as in 'ogi show').")],
    answer: Annotated[Literal["consent", "objection", "opinion"], typer.Option(help="What the party answered.")],
    note: Annotated[str | None, typer.Option(help="A note for the record.")] = None,
    as_json: JsonOpt = False,
    dry_run: DryRunOpt = False,
    as_of: AsOfOpt = None,
) -> None:
    """Record a consulted party's answer."""
    payload = {"by": by, "consultation": consultation, "answer": answer, "note": note}
    act(case_id, "consultation_answer", payload, as_json, dry_run, as_of)


@app.command("fee-notice")
def fee_notice(
    case_id: CaseArg,
    by: ByOpt,
    method: Annotated[FeeMethod, typer.Option(help="count (per applicant per month) or volume (pages).")],
    pages: Annotated[int | None, typer.Option(help="Pages, for the volume method.")] = None,
    as_json: JsonOpt = False,
    dry_run: DryRunOpt = False,
    as_of: AsOfOpt = None,
) -> None:
    """Send a fee notice (收费通知书, 国办函〔2020〕109号); the clock stops until payment."""
    act(case_id, "fee_notice", {"by": by, "method": method.value, "pages": pages}, as_json, dry_run, as_of)


@app.command("pay-fee")
def pay_fee(
    case_id: CaseArg,
    by: ByOpt,
    note: Annotated[str | None, typer.Option(help="Receipt number or how it was paid.")] = None,
    paid_on: Annotated[
        str | None, typer.Option(help="The day it was paid (YYYY-MM-DD), when before today: the clock runs from then.")
    ] = None,
    as_json: JsonOpt = False,
    dry_run: DryRunOpt = False,
    as_of: AsOfOpt = None,
) -> None:
    """Record payment of the fee: the clock runs again."""
    day = day_option(paid_on, "--paid-on", as_json).isoformat() if paid_on is not None else None
    act(case_id, "pay_fee", {"by": by, "note": note, "paid_on": day}, as_json, dry_run, as_of)


@app.command("waive-fee")
def waive_fee(
    case_id: CaseArg,
    by: ByOpt,
    reason: Annotated[str, typer.Option(help="Why the fee is waived.")],
    as_json: JsonOpt = False,
    dry_run: DryRunOpt = False,
    as_of: AsOfOpt = None,
) -> None:
    """Waive the fee with a reason: the case goes on as if paid."""
    act(case_id, "waive_fee", {"by": by, "reason": reason}, as_json, dry_run, as_of)
