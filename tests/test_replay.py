"""Determinism: committed histories of every case path replay against today's workflow code.

A failure here means a change would break running cases; guard it with ``workflow.patched``
(docs/VERSIONING.md) instead of re-recording.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from temporalio import activity
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, Worker

from activities.clock import ClockRequest, compute_clock_activity
from domain.case import CaseInput, CasePolicy, CaseState, ClockView
from infra.connection import data_converter
from tests.history_scenarios import HISTORIES, SCENARIOS, record_all
from worker import sandbox_runner
from workflows.disclosure import DisclosureRequestWorkflow
from workflows.registry import WORKFLOWS

COMMITTED = sorted(HISTORIES.rglob("*.json"))
"""Every generation: the first in ``tests/histories/``, each later one in a folder of its own."""
LATEST = max((p.parent for p in COMMITTED), key=lambda d: (d != HISTORIES, d.name))
"""The histories recorded by the newest workflow code that changed what cases record."""


def replayer() -> Replayer:
    """A replayer configured exactly as the worker runs workflows."""
    return Replayer(workflows=WORKFLOWS, workflow_runner=sandbox_runner(), data_converter=data_converter())


def load(path: Path) -> WorkflowHistory:
    """A history file as the replayer takes it."""
    return WorkflowHistory.from_json(path.stem, path.read_text("utf-8"))


def test_every_scenario_has_a_committed_history() -> None:
    """No path goes unguarded: each scenario left at least one history in tests/histories/."""
    recorded = {p.stem.rsplit("-", 1)[0] for p in LATEST.glob("*.json")}
    assert recorded == set(SCENARIOS)


@pytest.mark.parametrize("path", COMMITTED, ids=[str(p.relative_to(HISTORIES)) for p in COMMITTED])
async def test_committed_history_replays(path: Path) -> None:
    """The workflow code produces the same commands as when the history was recorded."""
    result = await replayer().replay_workflow(load(path), raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{path.name}: {result.replay_failure}"


def test_happy_path_stays_within_the_event_budget() -> None:
    """A submit-approve-approve-reply case takes at most 60 history events (issue target), 90 with documents.

    The standard documents add, per document, an activity to issue it, one to e-mail it and one to notify
    (three events each): the acknowledgement and the reply take 15 events the text replies did not.
    """
    first = json.loads((HISTORIES / "happy_path-0.json").read_text("utf-8"))["events"]
    assert len(first) <= 60, len(first)
    events = json.loads((LATEST / "happy_path-0.json").read_text("utf-8"))["events"]
    assert len(events) <= 90, len(events)


async def test_current_code_records_histories_that_replay(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every scenario still runs end to end on today's code, and what it records replays."""
    monkeypatch.setenv("OGI_HOME", str(tmp_path / "home"))
    written = await record_all(tmp_path / "histories")
    assert len(written) == len(list(LATEST.glob("*.json")))
    for path in written:
        result = await replayer().replay_workflow(load(path), raise_on_replay_failure=False)
        assert result.replay_failure is None, f"{path.name}: {result.replay_failure}"


async def test_the_patch_guard_is_what_keeps_old_cases_replaying(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without its ``workflow.patched`` guard, the overdue notice to the reviewer would break running cases."""
    from temporalio import workflow

    history = load(HISTORIES / "overdue_then_replied-0.json")
    guarded = await replayer().replay_workflow(history, raise_on_replay_failure=False)
    assert guarded.replay_failure is None
    monkeypatch.setattr(workflow, "patched", lambda _patch_id: True)
    unguarded = await replayer().replay_workflow(history, raise_on_replay_failure=False)
    assert unguarded.replay_failure is not None
    assert (
        "nondeterminism" in str(unguarded.replay_failure).lower()
        or "Nondeterminism" in type(unguarded.replay_failure).__name__
    )


@activity.defn(name="compute_clock")
def _slow_clock(request: ClockRequest) -> ClockView:
    """The clock computation of a worker under heavy load: it outlasts the workflow task that asked for it."""
    time.sleep(SLOW_CLOCK_SECONDS)
    return compute_clock_activity(request)


SLOW_CLOCK_SECONDS = 9
"""Longer than the 80 % of the 10 s workflow task timeout after which the worker heartbeats the task."""


async def test_a_clock_slower_than_its_workflow_task_replays(time_skipping_env: WorkflowEnvironment) -> None:
    """A case whose first clock computation outlasts its workflow task (a worker under load) replays.

    The worker heartbeats the task while the local activity runs, so the case's later commands fall in a
    task the history records apart; a worker restart must replay them the same.
    """
    from activities.registry import all_activities
    from tests.workflow_support import application

    env = time_skipping_env
    queue = "slow-" + uuid.uuid4().hex[:8]
    activities = [_slow_clock if a is compute_clock_activity else a for a in all_activities()]
    with ThreadPoolExecutor(max_workers=8) as pool:
        async with Worker(
            env.client,
            task_queue=queue,
            workflows=WORKFLOWS,
            activities=activities,
            activity_executor=pool,
            workflow_runner=sandbox_runner(),
        ):
            case_id = "T-" + uuid.uuid4().hex[:8].upper()
            # Started without its clock, as a registration that could not compute one leaves it.
            inp = CaseInput(case_id=case_id, agency_code="TEST", application=application(), policy=CasePolicy())
            handle = await env.client.start_workflow(DisclosureRequestWorkflow.run, inp, id=case_id, task_queue=queue)
            for _ in range(400):
                state = await handle.query("state", result_type=CaseState)
                if state.clock_view is not None:
                    break
                await asyncio.sleep(0.1)
            assert state.clock_view is not None
            history = await handle.fetch_history()
    heartbeats = [e for e in history.events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED]
    assert len(heartbeats) >= 2, "the computation did not outlast its workflow task: the test proves nothing"
    result = await replayer().replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, result.replay_failure
