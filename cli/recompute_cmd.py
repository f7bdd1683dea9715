"""``ogi calendar recompute``: after a new holiday notice, every open case recomputes its due date.

Each open case gets the ``recompute_clock`` action (through the API, as the signed-in head); the case
records the change with both calendar versions, and its history keeps the old result.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Any

import typer

from cli.backend import CommandFailed, auth_on, call
from cli.output import JsonOpt, emit_json, fail, failed, say, table
from domain.messages import Msg, plural_msg

PARALLEL = 8
KINDS = ("moved", "unchanged", "skipped", "failed")


def _one(case: dict[str, Any], by: str | None) -> dict[str, Any]:
    body = {"by": by} if by and not auth_on() else {}
    before = case["due"]
    try:
        result = call("POST", f"/v1/cases/{case['id']}/actions/recompute_clock", body=json.dumps(body).encode()).body
    except CommandFailed as exc:
        kind = "failed" if exc.status == 503 else "skipped"
        return {"id": case["id"], "result": kind, "from": before, "to": before, "detail": str(exc)}
    after = result.get("due")
    return {"id": case["id"], "result": "moved" if after != before else "unchanged", "from": before, "to": after}


def recompute(
    by: Annotated[str | None, typer.Option("--by", help="Only with OGI_AUTH=off: who recomputes (a head).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Make every open case recompute its due date with the calendar now loaded (after load-notice)."""
    if not auth_on() and by is None:
        fail(Msg("--by is required with OGI_AUTH=off: who recomputes"), as_json=as_json)
    cases: list[dict[str, Any]] = []
    cursor: str | None = None
    try:
        while True:
            page = call("GET", "/v1/cases", query={"limit": 1000, "after": cursor}).body
            cases += [c for c in page["cases"] if c["due"] is not None]
            cursor = page["next"]
            if not cursor:
                break
    except CommandFailed as exc:
        failed(exc, as_json)
    with ThreadPoolExecutor(PARALLEL) as pool:
        rows = sorted(pool.map(lambda case: _one(case, by), cases), key=lambda r: r["id"])
    counts = {kind: sum(r["result"] == kind for r in rows) for kind in KINDS}
    if as_json:
        emit_json({"open_cases": len(rows), **counts, "cases": rows})
    else:
        results = {
            "moved": Msg("moved"),
            "unchanged": Msg("unchanged"),
            "skipped": Msg("skipped"),
            "failed": Msg("failed"),
        }
        changed = [
            (r["id"], results[r["result"]], r["from"] or "", r["to"] or "", r.get("detail", ""))
            for r in rows
            if r["result"] != "unchanged"
        ]
        columns = [Msg("case"), Msg("result"), Msg("due before"), Msg("due now"), Msg("detail")]
        table(Msg("recomputed open cases"), columns, changed)
        summary = plural_msg(
            "{n} open case: {moved} moved, {unchanged} unchanged, {skipped} skipped, {failed} failed",
            "{n} open cases: {moved} moved, {unchanged} unchanged, {skipped} skipped, {failed} failed",
            len(rows),
            **counts,
        )
        say(summary)
    if counts["failed"]:
        raise typer.Exit(3)
