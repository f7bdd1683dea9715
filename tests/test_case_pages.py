"""Sorted case pages (``ogi overdue``, ``due-soon``, ``list``) against a real dev server's visibility."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from temporalio.client import Client
from temporalio.common import SearchAttributePair
from typer.testing import CliRunner

from cli import supervise_cmd
from cli.case_pages import Cursor, CursorError, all_cases, case_page, due_on, due_through
from domain.calendar import BEIJING, load_calendar
from domain.clock import beijing_date
from infra.paths import notices_dir
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


runner = CliRunner()


def ogi(address: str, *args: str) -> Any:
    """Run a supervisor command with --json against the dev server; its exit code and parsed output."""
    done = runner.invoke(supervise_cmd.app, [*args, "--json"], env={"TEMPORAL_ADDRESS": address})
    return done.exit_code, json.loads(done.stdout or done.stderr)


class TestCommands:
    def test_overdue_json_pages_with_total_and_next(self, client: Client, dev_server_address: str) -> None:
        """``ogi overdue --json --limit N`` gives one page, the total and the cursor of the next page."""
        code, first = ogi(dev_server_address, "overdue", "--limit", "5")
        assert code == 0
        assert (first["count"], first["total"], first["offset"]) == (5, 8, 0)
        assert [c["id"] for c in first["cases"]] == ["P-001", "P-003", "P-005", "P-007", "P-010"]
        code, second = ogi(dev_server_address, "overdue", "--limit", "5", "--after", first["next"])
        assert code == 0
        assert ([c["id"] for c in second["cases"]], second["offset"], second["next"]) == (
            ["Q-002", "Q-004", "Q-009"],
            5,
            None,
        )

    def test_due_soon_includes_the_case_due_on_the_last_day(self, client: Client, dev_server_address: str) -> None:
        """``due-soon --days N`` lists the case due exactly N working days out, not the one due the day after."""
        code, out = ogi(dev_server_address, "due-soon", "--days", str(SOON_DAYS))
        assert code == 0
        ids = [c["id"] for c in out["cases"]]
        assert "R-001" in ids
        assert "R-002" not in ids
        assert out["through"] == SOON.isoformat()

    def test_list_all_returns_every_open_case(self, client: Client, dev_server_address: str) -> None:
        """``ogi list --all`` is every open case, sorted, in one object without a cursor."""
        code, out = ogi(dev_server_address, "list", "--all", "--agency", MZ)
        assert code == 0
        assert [c["id"] for c in out["cases"]] == expected_order(SEEDS)
        assert out["next"] is None

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["overdue", "--after", "bogus"], "--after 'bogus' is not a page cursor"),
            (["list", "--all", "--limit", "3"], "--all lists every case"),
            (["due-soon", "--all", "--after", "2026-01-01,X"], "--all lists every case"),
        ],
    )
    def test_bad_paging_options_exit_2_with_the_fix(
        self, dev_server_address: str, args: list[str], message: str
    ) -> None:
        """A bad cursor or --all with --limit/--after is refused in one line before any query."""
        code, out = ogi(dev_server_address, *args)
        assert code == 2
        assert message in out["error"]

    def test_table_tells_how_to_get_the_next_page(self, client: Client, dev_server_address: str) -> None:
        """Without --json, a full page says how many there are and which --after gives the next one."""
        done = runner.invoke(
            supervise_cmd.app,
            ["overdue", "--limit", "2"],
            env={"TEMPORAL_ADDRESS": dev_server_address, "COLUMNS": "150"},
        )
        assert done.exit_code == 0, done.stderr
        assert "1–2 of 8" in done.stdout
        assert f"--after '{(TODAY - timedelta(days=20)).isoformat()},P-003'" in done.stdout

    def test_csv_export_of_every_case(self, client: Client, dev_server_address: str) -> None:
        """``list --all --csv``: a header, then one line per case in the listing's order; nothing on stderr."""
        done = runner.invoke(
            supervise_cmd.app, ["list", "--all", "--agency", MZ, "--csv"], env={"TEMPORAL_ADDRESS": dev_server_address}
        )
        assert done.exit_code == 0, done.stderr
        lines = list(csv.reader(io.StringIO(done.stdout)))
        assert lines[0] == list(supervise_cmd.CSV_COLUMNS)
        assert [line[0] for line in lines[1:]] == expected_order(SEEDS)
        by_id = {line[0]: dict(zip(lines[0], line, strict=True)) for line in lines[1:]}
        assert by_id["P-001"]["overdue"] == "true"
        assert by_id["P-001"]["due"] == (TODAY - timedelta(days=20)).isoformat()
        assert (by_id["U-001"]["due"], by_id["U-001"]["stage"]) == ("", "awaiting_receipt")
        assert done.stderr == ""

    def test_csv_page_puts_the_cursor_on_stderr(self, client: Client, dev_server_address: str) -> None:
        """A CSV page keeps stdout a clean table; how to get the next page goes to stderr."""
        done = runner.invoke(
            supervise_cmd.app, ["overdue", "--limit", "2", "--csv"], env={"TEMPORAL_ADDRESS": dev_server_address}
        )
        assert done.exit_code == 0, done.stderr
        assert [line[0] for line in csv.reader(io.StringIO(done.stdout))] == ["id", "P-001", "P-003"]
        assert "2 of 8; next page: --after" in done.stderr

    def test_csv_and_json_together_is_refused(self, dev_server_address: str) -> None:
        """Two formats at once: exit 2 before any query."""
        code, out = ogi(dev_server_address, "due-soon", "--csv")
        assert code == 2
        assert "choose one" in out["error"]


class TestNoWorker:
    def test_a_case_nobody_polls_for_is_unavailable_not_refused(self, client: Client, dev_server_address: str) -> None:
        """``ogi show`` on a case whose queue has no worker: exit 3 after OGI_WAIT_SECONDS, asking for the worker."""
        from cli import cases_cmd

        env = {"TEMPORAL_ADDRESS": dev_server_address, "OGI_WAIT_SECONDS": "2"}
        done = runner.invoke(cases_cmd.app, ["show", SEEDS[0].case_id, "--json"], env=env)
        assert done.exit_code == 3, done.stderr
        assert "within 2 s; is the worker running?" in json.loads(done.stderr)["error"]

    def test_a_wait_that_is_no_number_is_refused(self, client: Client, dev_server_address: str) -> None:
        """OGI_WAIT_SECONDS must be seconds."""
        from cli import cases_cmd

        env = {"TEMPORAL_ADDRESS": dev_server_address, "OGI_WAIT_SECONDS": "soon"}
        done = runner.invoke(cases_cmd.app, ["show", SEEDS[0].case_id], env=env)
        assert done.exit_code == 1
        assert "OGI_WAIT_SECONDS is 'soon'" in done.stderr


def test_tracking_numbers_are_whole_on_an_80_column_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """A clerk copies the case id from the table: it is printed whole even when the agency name must fold."""
    from rich.console import Console

    from cli.case_pages import Page

    case = {
        "id": "AD9C35-2026-000123",
        "stage": "secrecy_review",
        "due": "2026-12-18",
        "overdue": False,
        "agency": "六安市自然资源和规划局金安分局不动产登记中心",
        "channel": "online",
    }
    console = Console(width=80, force_terminal=False)
    monkeypatch.setattr(supervise_cmd, "console", console)
    with console.capture() as captured:
        supervise_cmd._show("overdue", Page(cases=[case], total=1, offset=0, next=None, queries=1), False, False)
    assert "AD9C35-2026-000123" in captured.get()


class TestListFilters:
    def test_agency_by_its_configured_code(self, client: Client, dev_server_address: str, tmp_path: Path) -> None:
        """``--agency LAMZ`` finds the cases indexed under the name the configuration gives that code."""
        config = tmp_path / "ogi.toml"
        config.write_text(f'[agencies."{MZ}"]\ncode = "LAMZ"\n', "utf-8")
        env = {"TEMPORAL_ADDRESS": dev_server_address, "OGI_CONFIG": str(config)}
        by_name = runner.invoke(supervise_cmd.app, ["list", "--all", "--agency", MZ, "--json"], env=env)
        by_code = runner.invoke(supervise_cmd.app, ["list", "--all", "--agency", "LAMZ", "--json"], env=env)
        assert by_name.exit_code == by_code.exit_code == 0, by_code.stderr
        assert json.loads(by_code.stdout)["cases"] == json.loads(by_name.stdout)["cases"]
        assert json.loads(by_code.stdout)["total"] == len(SEEDS)

    def test_an_unknown_channel_is_bad_input(self, dev_server_address: str) -> None:
        """``--channel pigeon`` is refused with the channels there are, not answered with an empty list."""
        done = runner.invoke(
            supervise_cmd.app, ["list", "--channel", "pigeon"], env={"TEMPORAL_ADDRESS": dev_server_address}
        )
        assert done.exit_code == 2
        assert "online" in done.stderr
