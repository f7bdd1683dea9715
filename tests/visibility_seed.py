"""Cases that exist only for visibility: started with search attributes on a queue no worker polls."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from temporalio.client import Client, WorkflowHandle
from temporalio.common import SearchAttributePair, TypedSearchAttributes

NO_WORKER = "no-worker"


async def start_bare_case(
    client: Client, case_id: str, pairs: Sequence[SearchAttributePair[Any]]
) -> WorkflowHandle[Any, Any]:
    """A case workflow that stays open exactly as started, with these search attributes."""
    return await client.start_workflow(
        "DisclosureRequestWorkflow",
        id=case_id,
        task_queue=NO_WORKER,
        search_attributes=TypedSearchAttributes(list(pairs)),
    )
