"""``ogi calendar recompute``: after a new holiday notice, every open case recomputes its due date.

Each open case gets the ``recompute_clock`` action (through the API, as the signed-in user: the head);
the case records the change with both calendar versions, and its history keeps the old result.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Any

import typer

from cli.backend import CommandFailed, auth_on, call
from cli.output import JsonOpt, emit_json, fail, failed, say, table

PARALLEL = 8


def _one(case_id: str, by: str | None) -> dict[str, Any]:
    body = {"by": by} if by and not auth_on() else {}
    try:
        result = call("POST", f"/v1/cases/{case_id}/actions/recompute_clock", body=json.dumps(body).encode()).body
    except CommandFailed as exc:
        if exc.status == 503:
            return {"id": case_id, "result": "failed", "detail": str(exc)}
        return {"id": case_id, "result": "skipped", "detail": str(exc)}
    return {"id": case_id, "result": "recomputed", "due": result.get("due"), "detail": result.get("detail", "")}


def recompute(
    by: Annotated[str | None, typer.Option("--by", help="Only with OGI_AUTH=off: who recomputes.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Every open case recomputes its due date on the calendar now loaded (recorded with both versions)."""
    if not auth_on() and by is None:
        fail("--by is required with OGI_AUTH=off: who recomputes", as_json=as_json)
    ids: list[str] = []
    cursor: str | None = None
    try:
        while True:
            page = call("GET", "/v1/cases", query={"limit": 1000, "after": cursor}).body
            ids += [c["id"] for c in page["cases"] if c["due"] is not None]
            cursor = page["next"]
            if not cursor:
                break
    except CommandFailed as exc:
        failed(exc, as_json)
    with ThreadPoolExecutor(PARALLEL) as pool:
        results = list(pool.map(lambda case_id: _one(case_id, by), ids))
    summary = {kind: sum(r["result"] == kind for r in results) for kind in ("recomputed", "skipped", "failed")}
    if as_json:
        emit_json({"cases": results, **summary})
        return
    table(
        "recompute",
        ["case", "result", "due", "detail"],
        [(r["id"], r["result"], r.get("due") or "", r["detail"]) for r in results],
    )
    say(f"{summary['recomputed']} recomputed, {summary['skipped']} skipped, {summary['failed']} failed")
    if summary["failed"]:
        raise typer.Exit(3)
