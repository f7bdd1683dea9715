"""A case survives floods and long lives: refusals aggregated at constant cost, continue-as-new carrying the case.

On the time-skipping test server with an in-process worker.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from temporalio.testing import WorkflowEnvironment

from domain.actions import REFUSALS_PER_SENDER_HOUR
from domain.case import Stage
from domain.clock import beijing_date
from tests.workflow_support import case_worker, start_case, state_of
from workflows import disclosure


async def test_a_flood_of_refused_signals_stays_bounded_and_the_case_answers(
    time_skipping_env: WorkflowEnvironment,
) -> None:
    """2,000 refused reports from one sender: a bounded trail, every one counted, the case still acts at once."""
    env = time_skipping_env
    async with case_worker(env.client) as queue:
        handle = await start_case(env.client, queue, beijing_date(await env.get_current_time()))
        await asyncio.gather(
            *(
                handle.signal("record_rejection", {"by": "flooder", "action": "approve", "reason": f"no {n % 50}"})
                for n in range(2000)
            )
        )
        state = await state_of(handle)
        refused = [e for e in state.events if not e.accepted]
        assert len(refused) <= REFUSALS_PER_SENDER_HOUR
        assert sum(e.count for e in refused) == 2000
        started = time.perf_counter()
        await handle.execute_update("approve", {"by": "li"})
        assert time.perf_counter() - started < 5
        assert (await state_of(handle)).stage is Stage.SECRECY_REVIEW


async def test_a_long_history_continues_as_new_with_the_case_intact(
    time_skipping_env: WorkflowEnvironment, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the history threshold the case continues as new: same id, same trail, still acts and answers."""
    monkeypatch.setattr(disclosure, "LONG_HISTORY", 60)
    env = time_skipping_env
    async with case_worker(env.client) as queue:
        handle = await start_case(env.client, queue, beijing_date(await env.get_current_time()))
        first_run = (await handle.describe()).run_id
        for n in range(40):
            await handle.signal("record_rejection", {"by": f"user{n}", "action": "approve", "reason": "test"})
            await env.sleep(1)
        await handle.execute_update("consult", {"by": "li", "kind": "third_party", "party": "某公司"})
        for _ in range(100):
            described = await env.client.get_workflow_handle(handle.id).describe()
            if described.run_id != first_run:
                break
            await env.sleep(1)
        assert described.run_id != first_run
        latest = env.client.get_workflow_handle(handle.id)
        state = await state_of(latest)
        assert sum(not e.accepted for e in state.events) == 40
        assert [c.id for c in state.consultations] == ["c1"]
        await latest.execute_update("consultation_answer", {"by": "li", "consultation": "c1", "answer": "consent"})
        await latest.execute_update("approve", {"by": "li"})
        assert (await state_of(latest)).stage is Stage.SECRECY_REVIEW
