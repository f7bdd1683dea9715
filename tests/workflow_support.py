"""Shared helpers for workflow tests: a worker on a fresh task queue and case inputs."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Any

from temporalio.client import Client, WorkflowHandle
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.registry import all_activities
from domain.application import Application
from domain.case import CaseInput, CasePolicy, CaseState
from domain.config import Role
from workflows import WORKFLOWS
from workflows.disclosure import DisclosureRequestWorkflow

DATA = Path(__file__).parent / "data"


def application(**changes: Any) -> Application:
    """The example application from the intake contract, with changes."""
    data = json.loads((DATA / "application.json").read_text("utf-8"))
    data["external_ref"] = "test-" + uuid.uuid4().hex[:10]
    data.update(changes)
    return Application.model_validate(data)


@asynccontextmanager
async def case_worker(client: Client) -> AsyncIterator[str]:
    """A worker with every workflow and activity on a fresh task queue; yields the queue name."""
    queue = "test-" + uuid.uuid4().hex[:8]
    runner = SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules("domain", "pydantic", "activities")
    )
    with ThreadPoolExecutor(max_workers=8) as pool:
        async with Worker(
            client,
            task_queue=queue,
            workflows=WORKFLOWS,
            activities=all_activities(),
            activity_executor=pool,
            workflow_runner=runner,
        ):
            yield queue


async def start_case(
    client: Client,
    queue: str,
    received: date | None,
    *,
    people: dict[str, list[Role]] | None = None,
    **changes: Any,
) -> WorkflowHandle[DisclosureRequestWorkflow, CaseState]:
    """Start a case directly (no intake run) with the given receipt date."""
    app = application(received=received.isoformat() if received else None, **changes)
    case_id = "T-" + uuid.uuid4().hex[:8].upper()
    inp = CaseInput(case_id=case_id, agency_code="TEST", application=app, policy=CasePolicy(people=people or {}))
    return await client.start_workflow(DisclosureRequestWorkflow.run, inp, id=case_id, task_queue=queue)


async def state_of(handle: WorkflowHandle[Any, Any]) -> CaseState:
    """The case's state by query."""
    return await handle.query("state", result_type=CaseState)
