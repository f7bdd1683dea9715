"""Determinism: committed histories of every case path replay against today's workflow code.

A failure here means a change would break running cases; guard it with ``workflow.patched``
(docs/VERSIONING.md) instead of re-recording.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

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
from tests.task_split import split_after, split_points
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


@pytest.mark.parametrize("path", sorted(LATEST.glob("*.json")), ids=lambda p: p.stem)
async def test_a_task_ended_after_any_local_activity_replays(path: Path) -> None:
    """Wherever a loaded worker ends a workflow task right after a local activity's result, the case replays.

    Each such point of the newest histories is tried in turn (see ``tests/task_split.py``).
    """
    history = json.loads(path.read_text("utf-8"))
    points = split_points(history["events"])
    assert points, "no local activity followed by further commands: the test proves nothing here"
    for point in points:
        split = WorkflowHistory.from_json(path.stem, json.dumps(split_after(history, point)))
        result = await replayer().replay_workflow(split, raise_on_replay_failure=False)
        assert result.replay_failure is None, f"split after event {point + 1}: {result.replay_failure}"


async def test_cases_begun_before_the_patches_at_start_are_exposed_to_a_split_task() -> None:
    """What ``patches-at-start`` cures: a case of the previous generation fails on a task split after its clock.

    A patch first asked after a local activity is asked a task early on replay; with the split this is the
    non-determinism error that once stopped a case on a loaded machine.
    """
    history = json.loads((HISTORIES / "2026-12-archive-after-documents" / "happy_path-0.json").read_text("utf-8"))
    first = split_points(history["events"])[0]
    split = WorkflowHistory.from_json("happy_path", json.dumps(split_after(history, first)))
    result = await replayer().replay_workflow(split, raise_on_replay_failure=False)
    assert result.replay_failure is not None
    assert "patch marker encountered for change due-day-attribute" in str(result.replay_failure)


def test_a_new_case_records_one_patch_marker_at_its_first_step() -> None:
    """A case started now asks ``patches-at-start`` in its first task and none of the patches it stands for."""
    from workflows.disclosure import CURRENT_PATCHES, FOLDED_PATCHES

    events = json.loads((LATEST / "happy_path-0.json").read_text("utf-8"))["events"]
    patches = [(int(e["eventId"]), _patch_id(e)) for e in events if _patch_id(e)]
    first_task_done = next(int(e["eventId"]) for e in events if e["eventType"] == "EVENT_TYPE_WORKFLOW_TASK_COMPLETED")
    second_task = next(
        int(e["eventId"])
        for e in events
        if e["eventType"] == "EVENT_TYPE_WORKFLOW_TASK_SCHEDULED" and int(e["eventId"]) > first_task_done
    )
    assert next(p for n, p in patches if first_task_done < n < second_task) == CURRENT_PATCHES
    assert not FOLDED_PATCHES & {p for _, p in patches}


def test_only_folded_patches_are_taken_as_asked() -> None:
    """``self._patched`` answers yes without asking only for the patches ``patches-at-start`` stands for.

    A patch added later must be asked with ``workflow.patched``: cases begun before it have the marker too.
    """
    from workflows.disclosure import FOLDED_PATCHES

    source = (Path(__file__).parent.parent / "workflows" / "disclosure.py").read_text("utf-8")
    folded = set(re.findall(r'self\._patched\("([^"]+)"\)', source))
    asked = set(re.findall(r'workflow\.patched\("([^"]+)"\)', source))
    assert folded == FOLDED_PATCHES
    assert not asked & FOLDED_PATCHES


def _patch_id(event: dict[str, Any]) -> str | None:
    """The patch a marker event records, else None."""
    marker = event.get("markerRecordedEventAttributes")
    if not marker or marker["markerName"] != "core_patch":
        return None
    patch: str = json.loads(base64.b64decode(marker["details"]["patch-data"]["payloads"][0]["data"]))["id"]
    return patch
