"""The baseline the lifecycle benchmark compares against: the least a case could be (no rules, no records).

Kept in its own module with nothing but Temporal imports, so the workflow sandbox can load it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import activity, workflow


@activity.defn(name="baseline_step")
def baseline_step(n: int) -> int:
    """A do-nothing activity standing in for clock, reply and archive."""
    return n + 1


@workflow.defn(name="BaselineCase")
class BaselineCase:
    """The least a case could be: two updates and three activities, no rules."""

    def __init__(self) -> None:
        self.approvals = 0

    @workflow.run
    async def run(self) -> int:
        """Three activities around two approvals."""
        n = await workflow.execute_activity(baseline_step, 0, start_to_close_timeout=timedelta(seconds=30))
        await workflow.wait_condition(lambda: self.approvals >= 2)
        n = await workflow.execute_activity(baseline_step, n, start_to_close_timeout=timedelta(seconds=30))
        return await workflow.execute_activity(baseline_step, n, start_to_close_timeout=timedelta(seconds=30))

    @workflow.update
    async def approve(self, payload: dict[str, Any]) -> int:
        """Count an approval."""
        self.approvals += 1
        return self.approvals

    @approve.validator
    def _check(self, payload: dict[str, Any]) -> None:
        if "by" not in payload:
            raise ValueError("by is required")
