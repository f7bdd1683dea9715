"""``--dry-run`` on every reviewer action: what it would do to the case, computed here, nothing sent.

The case's state and policy come from its queries; the check, the change and the clock are the
worker's own domain code, on the case's regional calendar with the notices installed here.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from rich.console import Console
from temporalio.client import Client

from cli.cases_cmd import ask, open_case_state
from cli.output import day_option, emit_json, fail
from cli.session import EXIT_BAD_INPUT, EXIT_REFUSED, run_with_client
from domain.calendar import BEIJING, CalendarError, load_calendar
from domain.case import CasePolicy, ClockView
from domain.clock import beijing_date
from domain.errors import OgiError
from domain.preview import Preview, preview
from infra.paths import notices_dir

console = Console()


def imagined_now(as_of: str | None, as_json: bool) -> datetime:
    """Now, or noon Beijing time of the ``--as-of`` day; a day before today is refused."""
    now = datetime.now(UTC)
    if as_of is None:
        return now
    day = day_option(as_of, "--as-of", as_json)
    today = beijing_date(now)
    if day < today:
        fail(
            f"--as-of {day.isoformat()} is before today ({today.isoformat()}); a preview imagines an action "
            "from today on",
            EXIT_BAD_INPUT,
            as_json,
        )
    return now if day == today else datetime.combine(day, time(12), BEIJING)


async def _preview(client: Client, case_id: str, name: str, payload: dict[str, Any], now: datetime) -> Preview:
    state = await open_case_state(client, case_id)
    handle = client.get_workflow_handle(case_id)
    policy = await ask(handle, "policy", CasePolicy)
    try:
        calendar = load_calendar(policy.region, notices_dir())
        return preview(name, payload, state, policy, now, calendar)
    except CalendarError as exc:
        msg = f"cannot preview on the calendar: {exc}"
        raise OgiError(msg) from None


def _clock_line(before: ClockView | None, after: ClockView | None) -> str:
    if after is None:
        return "no reply clock runs (receipt not confirmed)"
    if before is None:
        return f"the clock starts: due {after.due} ({after.left} working days left)"
    moved = (after.due - before.due).days
    shift = f" ({moved:+d} days)" if moved else " (unchanged)"
    stopped = " · the clock stops" if after.paused and not before.paused else ""
    restarted = " · the clock runs again" if before.paused and not after.paused else ""
    return f"due {before.due} → {after.due}{shift} · working days left {before.left} → {after.left}{stopped}{restarted}"


def preview_json(result: Preview) -> dict[str, Any]:
    """The ``--dry-run --json`` object: the preview, with ``dry_run`` true and the due-date shift."""
    return {"dry_run": True, **result.model_dump(mode="json"), "due_moves_by": result.due_moves_by}


def dry_run(case_id: str, name: str, payload: dict[str, Any], as_json: bool, as_of: str | None) -> None:
    """Print what ``name`` would do to the case; exit 1 when the case would refuse it."""
    now = imagined_now(as_of, as_json)
    result = run_with_client(lambda client: _preview(client, case_id, name, payload, now), as_json=as_json)
    when = "" if as_of is None else f" on {result.as_of.isoformat()}"
    if not result.accepted:
        unplayed = f"; not played before then: {'; '.join(result.not_simulated)}" if result.not_simulated else ""
        fail(f"would be refused{when}: {result.refusal} (dry run: nothing was sent){unplayed}", EXIT_REFUSED, as_json)
    if as_json:
        emit_json(preview_json(result))
        return
    console.print(f"[bold]{result.case_id}[/] · {name}{when}: [green]would be accepted[/] (dry run: nothing was sent)")
    console.print(f"  {result.detail}")
    console.print(f"  stage {result.stage_before.value} → {result.stage_after.value}")
    console.print(f"  {_clock_line(result.clock_before, result.clock_after)}")
    for key, end in result.periods.items():
        console.print(f"  {key} period ends {end.due} (24:00 Beijing time)")
    if result.clock_after is not None:
        for line in result.clock_after.explanation:
            console.print(f"  [dim]· {line}[/]")
    for line in result.not_simulated:
        console.print(f"  [yellow]not played before{when}:[/] {line}")
    if result.calendar_note:
        console.print(f"  [yellow]calendar:[/] {result.calendar_note}")
