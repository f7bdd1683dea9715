"""A new holiday notice reaches open cases: recompute moves a provisional due date and records both versions."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from domain.calendar import WorkingCalendar, load_calendar, load_notice
from domain.clock import beijing_date
from tests.test_replay import load, replayer
from tests.workflow_support import NOTICE_2027, case_worker, settled, start_case, state_of


@pytest.fixture
async def queue(
    time_skipping_env: WorkflowEnvironment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[str]:
    """A worker whose OGI_HOME has no 2027 notice yet."""
    monkeypatch.setenv("OGI_HOME", str(tmp_path))
    async with case_worker(time_skipping_env.client) as name:
        yield name


async def case_received_today(env: WorkflowEnvironment, queue: str) -> tuple[WorkflowHandle[Any, Any], date]:
    """A case received today (the test server's Beijing date) and that day."""
    today = beijing_date(await env.get_current_time())
    return await start_case(env.client, queue, today), today


def load_2027(home: Path) -> WorkingCalendar:
    """Install the test's 2027 notice in ``home`` and return the calendar it makes."""
    notice = home / "notice.json"
    notice.write_text(json.dumps(NOTICE_2027), "utf-8")
    load_notice(notice, home / "calendar")
    return load_calendar(None, home / "calendar")


async def assert_replays(handle: WorkflowHandle[Any, Any], folder: Path) -> None:
    """The case's history, as recorded now, replays on the current code."""
    path = folder / f"{handle.id}.json"
    path.write_text((await handle.fetch_history()).to_json(), "utf-8")
    result = await replayer().replay_workflow(load(path), raise_on_replay_failure=False)
    assert result.replay_failure is None


async def test_recompute_after_loading_a_notice_moves_the_due_date(
    time_skipping_env: WorkflowEnvironment, queue: str, tmp_path: Path
) -> None:
    """Provisional before the notice, official after; the event names both calendar versions; history replays."""
    handle, today = await case_received_today(time_skipping_env, queue)
    await handle.execute_update("set_longer_period", {"by": "zhao", "reason": "本月第40件申请", "days": 60})
    before = await settled(handle)
    assert before.clock_view is not None
    assert before.clock_view.provisional
    assert before.clock_view.due.year == 2027

    official = load_2027(tmp_path)
    await handle.execute_update("recompute_clock", {"by": "admin"})

    after = await state_of(handle)
    assert after.clock_view is not None
    assert not after.clock_view.provisional
    assert after.clock_view.calendar_version == official.version != before.clock_view.calendar_version
    start = today if official.is_working_day(today) else official.next_working_day(today)
    assert after.clock_view.due == official.add_working_days(start, 60)
    assert after.clock_view.due != before.clock_view.due
    moved = [e for e in after.events if e.action == "deadline" and "moved" in e.detail]
    assert moved
    assert before.clock_view.calendar_version in moved[-1].detail
    assert official.version in moved[-1].detail

    await assert_replays(handle, tmp_path)


async def test_recompute_without_a_change_records_nothing_new(
    time_skipping_env: WorkflowEnvironment, queue: str
) -> None:
    """Recomputing with the same calendar leaves the due date and adds no deadline event."""
    handle, _ = await case_received_today(time_skipping_env, queue)
    before = await settled(handle)
    await handle.execute_update("recompute_clock", {"by": "admin"})
    after = await state_of(handle)
    assert after.clock_view == before.clock_view
    assert [e.action for e in after.events if e.action == "deadline"] == [
        e.action for e in before.events if e.action == "deadline"
    ]


async def test_recompute_moves_the_end_of_a_running_correction_period(
    time_skipping_env: WorkflowEnvironment, queue: str, tmp_path: Path
) -> None:
    """A 60-working-day correction period reaching 2027 is provisional; after the notice it is counted on it."""
    handle, _ = await case_received_today(time_skipping_env, queue)
    await handle.execute_update("request_correction", {"by": "li", "items": ["请写明文件名称"], "period_days": 60})
    before = await settled(handle)
    assert before.correction is not None and before.correction.respond_by is not None
    assert before.correction.respond_by.provisional and before.correction.respond_by.due.year == 2027

    official = load_2027(tmp_path)
    await handle.execute_update("recompute_clock", {"by": "admin"})

    after = await state_of(handle)
    assert after.correction is not None and after.correction.respond_by is not None
    end = after.correction.respond_by
    assert not end.provisional
    assert end.calendar_version == official.version
    assert end.due == official.add_working_days(before.correction.requested_on, 60)
    noted = [e.detail for e in after.events if e.action == "deadline" and e.detail.startswith("correction period")]
    assert noted and official.version in noted[-1]

    await assert_replays(handle, tmp_path)
