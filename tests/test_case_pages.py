"""Sorted case pages from Temporal visibility (the read model's cross-check) against a real dev server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio
from temporalio.client import Client
from temporalio.common import SearchAttributePair

from domain.calendar import BEIJING, load_calendar
from domain.clock import beijing_date
from infra.paths import notices_dir
from service.visibility import Cursor, CursorError, all_cases, case_page, due_on, due_through
from tests.visibility_seed import NO_WORKER, start_bare_case
from workflows import search_attributes as sa

pytestmark = pytest.mark.e2e

MZ, ODD = "六安市民政局", "imported"
OPEN = f"{sa.OPEN_CASES_QUERY} AND Agency = '{MZ}'"
OVERDUE = f"{OPEN} AND Overdue = true"
TODAY = beijing_date(datetime.now(UTC))
SOON_DAYS = 3
SOON = load_calendar(None, notices_dir()).add_working_days(TODAY, SOON_DAYS)


@dataclass(frozen=True)
class Seed:
    """One open case as the supervisor queries see it."""

    case_id: str
    due: date | None
    overdue: bool = False


def deadline(day: date) -> datetime:
    """24:00 Beijing time of ``day``, as the workflow sets ``DueAt``."""
    return datetime(day.year, day.month, day.day, tzinfo=BEIJING) + timedelta(days=1)


# Ties on one due date (ordered by id), both sides of the due-soon cutoff, and cases without a deadline.
SEEDS = [
    *(Seed(f"P-{n:03d}", TODAY - timedelta(days=20), overdue=True) for n in (5, 1, 10, 3, 7)),
    *(Seed(f"Q-{n:03d}", TODAY - timedelta(days=10), overdue=True) for n in (2, 9, 4)),
    Seed("R-001", SOON),
    Seed("R-002", SOON + timedelta(days=1)),
    *(Seed(f"S-{n:03d}", SOON + timedelta(days=12)) for n in (8, 6, 4, 2)),
    *(Seed(f"U-{n:03d}", None) for n in (3, 1, 2)),
]


# DueAt values that are not a deadline (24:00 Beijing), as an import from another system might hold:
# 10:00 and 23:00 Beijing, and exactly noon, the edge the page queries compare with.
ODD_TIMES = {
    "O-1": datetime(2026, 3, 10, 10, tzinfo=BEIJING),
    "O-2": datetime(2026, 3, 10, 23, tzinfo=BEIJING),
    "O-3": datetime(2026, 3, 10, 12, tzinfo=BEIJING),
    "O-4": datetime(2026, 3, 11, 0, tzinfo=BEIJING),
    "O-5": datetime(2026, 3, 9, 12, tzinfo=BEIJING),
    "O-6": datetime(2026, 3, 10, 12, 0, 0, 1000, tzinfo=BEIJING),
}


def expected_order(seeds: list[Seed]) -> list[str]:
    """Due date first, earliest first; cases without a deadline last; ties by id."""
    dated = sorted((s.due, s.case_id) for s in seeds if s.due is not None)
    return [i for _, i in dated] + sorted(s.case_id for s in seeds if s.due is None)


@pytest_asyncio.fixture(scope="module")
async def client(dev_server_address: str) -> AsyncIterator[Client]:
    """The seeded cases open on a dev server with no worker, plus a closed case and an intake run."""
    client = await Client.connect(dev_server_address)
    for seed in SEEDS:
        pairs: list[SearchAttributePair[Any]] = [
            SearchAttributePair(sa.STAGE, "review" if seed.due else "awaiting_receipt"),
            SearchAttributePair(sa.AGENCY, MZ),
            SearchAttributePair(sa.CHANNEL, "online"),
            SearchAttributePair(sa.OVERDUE, seed.overdue),
            SearchAttributePair(sa.CLOCK_PAUSED, False),
        ]
        if seed.due is not None:
            pairs.append(SearchAttributePair(sa.DUE_AT, deadline(seed.due)))
        await start_bare_case(client, seed.case_id, pairs)
    for case_id, due_at in ODD_TIMES.items():
        await start_bare_case(
            client, case_id, [SearchAttributePair(sa.AGENCY, ODD), SearchAttributePair(sa.DUE_AT, due_at)]
        )
    closed = await start_bare_case(client, "A-closed", [SearchAttributePair(sa.DUE_AT, deadline(TODAY))])
    await closed.terminate("test")
    await client.start_workflow("IntakeWorkflow", id="A-intake", task_queue=NO_WORKER)
    for _ in range(100):
        if (await client.count_workflows(sa.OPEN_CASES_QUERY)).count == len(SEEDS) + len(ODD_TIMES):
            break
        await asyncio.sleep(0.1)
    yield client


async def walk(client: Client, query: str, limit: int) -> list[list[str]]:
    """Every page of a query, following ``next`` until it is None; checks offsets and totals on the way."""
    pages: list[list[str]] = []
    cursor: Cursor | None = None
    seen = 0
    while True:
        page = await case_page(client, query, limit, cursor)
        assert page.offset == seen
        assert len(page.cases) <= limit
        pages.append([c["id"] for c in page.cases])
        seen += len(page.cases)
        if page.next is None:
            assert seen == page.total
            return pages
        assert len(page.cases) == limit
        cursor = Cursor.parse(str(page.next))


class TestPages:
    @pytest.mark.parametrize("limit", [1, 2, 3, 5, 7, 100])
    async def test_pages_walk_every_open_case_once_in_due_order(self, client: Client, limit: int) -> None:
        """Pages of any size, chained by cursor, give every open case once: earliest due first, ties by id."""
        pages = await walk(client, OPEN, limit)
        assert [i for page in pages for i in page] == expected_order(SEEDS)

    async def test_overdue_pages_hold_only_overdue_cases_most_overdue_first(self, client: Client) -> None:
        """The overdue listing pages through the overdue cases alone, the oldest deadline first."""
        pages = await walk(client, OVERDUE, 3)
        assert [i for page in pages for i in page] == expected_order([s for s in SEEDS if s.overdue])
        assert pages[0] == ["P-001", "P-003", "P-005"]

    @pytest.mark.parametrize("limit", [1, 2, 4])
    async def test_due_times_that_are_not_deadlines_page_without_loss_or_repeat(
        self, client: Client, limit: int
    ) -> None:
        """Any DueAt, even exactly at a query edge, appears once; each Beijing noon-to-noon day by id."""
        pages = await walk(client, f"{sa.OPEN_CASES_QUERY} AND Agency = '{ODD}'", limit)
        assert [i for page in pages for i in page] == ["O-1", "O-5", "O-2", "O-3", "O-4", "O-6"]

    async def test_all_cases_is_the_pages_joined(self, client: Client) -> None:
        """``--all`` lists the same cases in the same order as the pages."""
        every = await all_cases(client, OPEN)
        assert [c["id"] for c in every.cases] == expected_order(SEEDS)
        assert (every.total, every.next) == (len(SEEDS), None)

    async def test_a_page_shows_the_due_date_and_attributes(self, client: Client) -> None:
        """Each row carries the due date (Beijing) and the case's stage, agency and flags."""
        page = await case_page(client, OPEN, 1)
        row = page.cases[0]
        assert row["id"] == "P-001"
        assert row["due"] == (TODAY - timedelta(days=20)).isoformat()
        assert (row["stage"], row["agency"], row["overdue"], row["clock_paused"]) == ("review", MZ, True, False)

    async def test_due_filters_hold_on_the_deadline_itself(self, client: Client) -> None:
        """A case due on a day counts as due through that day, not the day before (no text-compare miss)."""
        assert (await client.count_workflows(f"{OPEN} AND {due_through(SOON)}")).count == 9
        assert (await client.count_workflows(f"{OPEN} AND {due_through(SOON - timedelta(days=1))}")).count == 8
        assert (await client.count_workflows(f"{OPEN} AND {due_on(SOON + timedelta(days=12))}")).count == 4


class TestCursor:
    def test_round_trip(self) -> None:
        """A cursor printed by one page reads back as the same cursor."""
        for cursor in (Cursor(date(2026, 8, 31), "LAMZ-2026-000123"), Cursor(None, "X,Y")):
            assert Cursor.parse(str(cursor)) == cursor

    @pytest.mark.parametrize("text", ["", "LAMZ-2026-000123", "2026-13-01,LAMZ-1", "yesterday,LAMZ-1", "2026-08-31,"])
    def test_garbage_is_refused_with_the_fix(self, text: str) -> None:
        """Anything but a printed cursor is refused, telling the user to pass the previous page's 'next'."""
        with pytest.raises(CursorError, match="'next' value printed by the previous page"):
            Cursor.parse(text)


class TestNoWorker:
    async def test_a_case_nobody_polls_for_is_unavailable_not_refused(
        self, client: Client, dev_server_address: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Reading a case whose queue has no worker: 'no worker answered' after OGI_WAIT_SECONDS (exit 3, 503)."""
        from service.cases import fetch_state
        from service.errors import Unavailable
        from service.temporal import forget_clients

        monkeypatch.setenv("TEMPORAL_ADDRESS", dev_server_address)
        monkeypatch.setenv("OGI_WAIT_SECONDS", "2")
        forget_clients()
        with pytest.raises(Unavailable, match=r"within 2 s; is the worker running\?") as caught:
            await fetch_state(SEEDS[0].case_id)
        assert caught.value.status == 503
