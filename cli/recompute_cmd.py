"""``ogi calendar recompute``: after a new holiday notice, every open case recomputes its due date.

Each case gets the ``recompute_clock`` Update; the case records the change with both calendar versions,
and its history keeps the old result, so nothing replays differently.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.service import RPCError

from cli.output import JsonOpt, emit_json
from cli.session import run_with_client
from domain.actions import ActionResult
from domain.case import CaseState
from workflows.search_attributes import OPEN_CASES_QUERY

console = Console()
PARALLEL = 16


async def _recompute_one(client: Client, case_id: str, by: str) -> dict[str, Any]:
    handle = client.get_workflow_handle(case_id)
    try:
        before = await handle.query("state", result_type=CaseState)
        result = await handle.execute_update("recompute_clock", {"by": by}, result_type=ActionResult)
    except WorkflowUpdateFailedError as exc:
        cause = exc.cause
        message = str(getattr(cause, "message", None) or cause or exc)
        return {"id": case_id, "result": "skipped", "detail": message}
    except RPCError as exc:
        return {"id": case_id, "result": "failed", "detail": exc.message}
    old = before.clock_view.due.isoformat() if before.clock_view else None
    new = result.due.isoformat() if result.due else None
    return {"id": case_id, "result": "moved" if old != new else "unchanged", "from": old, "to": new}


async def recompute_open_cases(client: Client, by: str) -> dict[str, Any]:
    """Send ``recompute_clock`` to every open case, a few at a time; report what moved."""
    ids = [wf.id async for wf in client.list_workflows(OPEN_CASES_QUERY)]
    gate = asyncio.Semaphore(PARALLEL)

    async def bounded(case_id: str) -> dict[str, Any]:
        async with gate:
            return await _recompute_one(client, case_id, by)

    rows = sorted(await asyncio.gather(*(bounded(i) for i in ids)), key=lambda r: r["id"])
    counts = {kind: sum(1 for r in rows if r["result"] == kind) for kind in ("moved", "unchanged", "skipped", "failed")}
    return {"open_cases": len(rows), **counts, "cases": rows}


def recompute(
    by: Annotated[str, typer.Option("--by", help="Your user id (recorded in each case's audit trail).")],
    as_json: JsonOpt = False,
) -> None:
    """Make every open case recompute its due date with the calendar now loaded (after load-notice)."""
    report = run_with_client(lambda client: recompute_open_cases(client, by), as_json=as_json)
    if as_json:
        emit_json(report)
    else:
        table = Table("case", "result", "due before", "due now", "detail", title="recomputed open cases")
        for row in report["cases"]:
            if row["result"] != "unchanged":
                table.add_row(
                    row["id"], row["result"], row.get("from") or "", row.get("to") or "", row.get("detail", "")
                )
        console.print(table)
        console.print(
            f"{report['open_cases']} open cases: {report['moved']} moved, {report['unchanged']} unchanged, "
            f"{report['skipped']} skipped (no clock yet), {report['failed']} failed"
        )
    if report["failed"]:
        raise typer.Exit(1)
