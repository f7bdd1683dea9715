"""Determinism: committed histories of every case path replay against today's workflow code.

A failure here means a change would break running cases; guard it with ``workflow.patched``
(docs/VERSIONING.md) instead of re-recording.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from infra.connection import data_converter
from tests.history_scenarios import HISTORIES, SCENARIOS, record_all
from worker import sandbox_runner
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
