"""``ogi stats``: visibility counts per stage, agency, channel and overdue, against a real dev server."""

from __future__ import annotations

import asyncio
import shutil
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from temporalio.client import Client
from temporalio.common import SearchAttributeKey, SearchAttributePair
from temporalio.testing import WorkflowEnvironment

from service.visibility import OPEN, case_stats
from tests.visibility_seed import NO_WORKER, start_bare_case

pytestmark = pytest.mark.e2e

# The contract's search attribute names (ARCHITECTURE.md), spelled out so the test does not load workflows/.
STAGE = SearchAttributeKey.for_keyword("Stage")
AGENCY = SearchAttributeKey.for_keyword("Agency")
CHANNEL = SearchAttributeKey.for_keyword("Channel")
OVERDUE = SearchAttributeKey.for_bool("Overdue")
CLOCK_PAUSED = SearchAttributeKey.for_bool("ClockPaused")
DUE_AT = SearchAttributeKey.for_datetime("DueAt")
KEYS: list[SearchAttributeKey[Any]] = [STAGE, AGENCY, CHANNEL, OVERDUE, CLOCK_PAUSED, DUE_AT]
MZ, CZ = "六安市民政局", "六安市财政局"
NOW = datetime.now(UTC)

# (stage, agency, channel, overdue, due_at, clock_paused); no worker runs, so each case stays open as started.
CASES: list[tuple[str, str | None, str, bool, datetime | None, bool]] = [
    ("review", MZ, "online", True, NOW - timedelta(days=3), False),
    ("review", MZ, "online", True, NOW - timedelta(days=2), False),
    ("review", MZ, "online", True, NOW - timedelta(days=1), False),
    ("secrecy_review", CZ, "in_person", False, NOW, False),
    ("secrecy_review", CZ, "in_person", False, NOW + timedelta(days=30), False),
    ("awaiting_receipt", MZ, "fax", False, None, False),
    ("review", None, "email", False, NOW - timedelta(hours=1), True),
    ("legacy_stage", CZ, "online", False, None, False),
]


def _temporal_binary() -> str | None:
    here = Path(sys.executable).parent / "temporal"
    return str(here) if here.exists() else shutil.which("temporal")


@pytest_asyncio.fixture(scope="module")
async def stats_env() -> AsyncIterator[tuple[Client, str]]:
    """A dev server with the case search attributes and the CASES open, plus one closed case and an intake run."""
    async with await WorkflowEnvironment.start_local(
        search_attributes=KEYS, dev_server_existing_path=_temporal_binary()
    ) as env:
        client = env.client
        for stage, agency, channel, overdue, due_at, paused in CASES:
            pairs: list[SearchAttributePair[Any]] = [
                SearchAttributePair(STAGE, stage),
                SearchAttributePair(CHANNEL, channel),
                SearchAttributePair(OVERDUE, overdue),
                SearchAttributePair(CLOCK_PAUSED, paused),
            ]
            if agency is not None:
                pairs.append(SearchAttributePair(AGENCY, agency))
            if due_at is not None:
                pairs.append(SearchAttributePair(DUE_AT, due_at))
            await start_bare_case(client, f"S-{uuid.uuid4().hex[:8]}", pairs)
        gone = await start_bare_case(client, "S-closed", [SearchAttributePair(STAGE, "review")])
        await gone.terminate("test")
        await client.start_workflow("IntakeWorkflow", id="S-intake", task_queue=NO_WORKER)
        for _ in range(100):
            if (await client.count_workflows(OPEN)).count == len(CASES):
                break
            await asyncio.sleep(0.1)
        yield client, env.client.service_client.config.target_host


class TestCaseStats:
    async def test_counts_per_dimension(self, stats_env: tuple[Client, str]) -> None:
        """Open cases are counted per stage, agency and channel, with overdue, closed and intake runs left out."""
        stats = await case_stats(stats_env[0])
        assert (stats["open"], stats["overdue"]) == (8, 3)
        assert stats["by_stage"] == {
            "awaiting_receipt": 1,
            "review": 4,
            "awaiting_correction": 0,
            "secrecy_review": 2,
            "awaiting_payment": 0,
            "replying": 0,
            "legacy_stage": 1,
        }
        assert list(stats["by_agency"].items()) == [(MZ, 4), (CZ, 3), ("(none)", 1)]
        assert list(stats["by_channel"].items()) == [("online", 4), ("in_person", 2), ("email", 1), ("fax", 1)]

    async def test_falls_back_to_one_count_per_value(self, stats_env: tuple[Client, str]) -> None:
        """The dev server groups only by ExecutionStatus, so every breakdown uses per-value counts."""
        stats = await case_stats(stats_env[0])
        assert stats["method"] == "per_value"

    async def test_one_agency(self, stats_env: tuple[Client, str]) -> None:
        """--agency restricts every count to that agency's cases."""
        stats = await case_stats(stats_env[0], CZ)
        assert (stats["open"], stats["overdue"]) == (3, 0)
        assert stats["by_agency"] == {CZ: 3}
        assert {k: v for k, v in stats["by_stage"].items() if v} == {"secrecy_review": 2, "legacy_stage": 1}
