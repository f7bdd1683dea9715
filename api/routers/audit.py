"""``/v1/audit``: the tamper-evident audit log, for the auditor role only (read, verify; nobody edits it)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.deps import CurrentPrincipal
from api.problems import ERRORS
from domain.config import Role
from domain.messages import Msg
from infra import audit_log

router = APIRouter(prefix="/v1/audit", tags=["audit"], responses=ERRORS)


@router.get("", summary="Audit log entries in order")
async def entries(
    principal: CurrentPrincipal,
    case: Annotated[str | None, Query(max_length=40)] = None,
    kind: Annotated[list[str] | None, Query(max_length=40)] = None,
    after: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """Entries after sequence number ``after``: actions, refusals, personal-data reads, administrative changes."""
    principal.require(Role.AUDITOR, what=Msg("read the audit log"))
    found = await asyncio.to_thread(audit_log.entries, case_id=case, kinds=kind, after=after, limit=limit)
    return {
        "entries": [e.model_dump(mode="json") for e in found],
        "next": found[-1].seq if len(found) == limit else None,
    }


@router.get("/verify", summary="Walk the chain of MACs: intact, or where it breaks")
async def verify(principal: CurrentPrincipal) -> dict[str, Any]:
    """Every entry's MAC and its link to the one before; the first entry that breaks the chain, if any."""
    principal.require(Role.AUDITOR, what=Msg("verify the audit log"))
    return (await asyncio.to_thread(audit_log.verify)).model_dump()
