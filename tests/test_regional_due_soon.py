"""``ogi due-soon`` counts each agency's window on its region's calendar (Ningxia and Xinjiang Eid days).

On 25 March 2025, five working days run to 1 April nationally but to 2 April in Ningxia and Xinjiang,
where 31 March (开斋节 / 肉孜节) is a holiday.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from temporalio.client import Client
from temporalio.common import SearchAttributePair
from typer.testing import CliRunner

from cli import supervise_cmd
from cli.agency_calendars import NATIONAL, AgencyCalendars
from cli.case_pages import all_cases
from domain.clock import beijing_date
from domain.config import Agency, OgiConfig
from tests.test_case_pages import deadline
from tests.visibility_seed import start_bare_case
from workflows import search_attributes as sa

pytestmark = pytest.mark.e2e

LA, NX, XJ = "六安市民政局", "宁夏回族自治区民政厅", "新疆维吾尔自治区民政厅"
CONFIG = OgiConfig(
    agencies={
        NX: Agency(code="NXMZ", region="ningxia"),
        XJ: Agency(code="XJMZ", region="xinjiang"),
    }
)
CONFIG_TOML = (
    f'[agencies."{NX}"]\ncode = "NXMZ"\nregion = "ningxia"\n[agencies."{XJ}"]\ncode = "XJMZ"\nregion = "xinjiang"\n'
)
DAY = date(2025, 3, 25)
NATIONAL_LAST, EID_LAST = date(2025, 4, 1), date(2025, 4, 2)
TODAY = beijing_date(datetime.now(UTC))


def first_window_where_regions_differ(calendars: AgencyCalendars) -> tuple[int, date, date]:
    """The smallest ``--days`` from today whose last day in Ningxia is later than nationally."""
    for days in range(1, 366):
        national = calendars.of_region(None).add_working_days(TODAY, days)
        ningxia = calendars.of_region("ningxia").add_working_days(TODAY, days)
        if ningxia != national:
            return days, national, ningxia
    pytest.fail("no Ningxia holiday on a weekday within a year of today: extend domain/data/regional_holidays.json")


SEEDS: list[tuple[str, str, date]] = [
    ("A-national-in", LA, NATIONAL_LAST),
    ("A-national-out", LA, EID_LAST),
    ("B-ningxia-in", NX, EID_LAST),
    ("B-ningxia-out", NX, date(2025, 4, 3)),
    ("C-xinjiang-in", XJ, EID_LAST),
]


async def start_open(client: Client, case_id: str, agency: str, due: date) -> None:
    """An open case in review with the clock running, due at 24:00 of ``due``."""
    pairs: list[SearchAttributePair[Any]] = [
        SearchAttributePair(sa.STAGE, "review"),
        SearchAttributePair(sa.AGENCY, agency),
        SearchAttributePair(sa.OVERDUE, False),
        SearchAttributePair(sa.CLOCK_PAUSED, False),
        SearchAttributePair(sa.DUE_AT, deadline(due)),
    ]
    await start_bare_case(client, case_id, pairs)


@pytest_asyncio.fixture(scope="module")
async def client(dev_server_address: str) -> AsyncIterator[Client]:
    """The seeded 2025 cases, plus today's pair on both sides of the national last day."""
    client = await Client.connect(dev_server_address)
    for case_id, agency, due in SEEDS:
        await start_open(client, case_id, agency, due)
    _, _, ningxia_last = first_window_where_regions_differ(AgencyCalendars(CONFIG))
    await start_open(client, "T-ningxia", NX, ningxia_last)
    await start_open(client, "T-national", LA, ningxia_last)
    for _ in range(100):
        if (await client.count_workflows(sa.OPEN_CASES_QUERY)).count == len(SEEDS) + 2:
            break
        await asyncio.sleep(0.1)
    yield client


class TestWindow:
    def test_last_day_per_calendar(self) -> None:
        """Five working days from 25 March 2025: 1 April nationally, 2 April in both Eid regions."""
        _, days = AgencyCalendars(CONFIG).due_within(DAY, 5, None)
        assert days == {NATIONAL: NATIONAL_LAST, "ningxia": EID_LAST, "xinjiang": EID_LAST}

    def test_one_agency_uses_its_region(self) -> None:
        """With an agency, the window is that agency's alone."""
        assert AgencyCalendars(CONFIG).due_within(DAY, 5, NX)[1] == {"ningxia": EID_LAST}
        assert AgencyCalendars(CONFIG).due_within(DAY, 5, LA)[1] == {NATIONAL: NATIONAL_LAST}

    def test_without_regions_the_filter_is_the_national_one(self) -> None:
        """No agency configured with a region: one plain due filter, no agency clauses."""
        clause, days = AgencyCalendars(OgiConfig()).due_within(DAY, 5, None)
        assert days == {NATIONAL: NATIONAL_LAST}
        assert "Agency" not in clause

    @pytest.mark.asyncio
    async def test_the_visibility_store_answers_the_regional_filter(self, client: Client) -> None:
        """The server lists each agency's cases up to its own last day, sorted by due date then id."""
        clause, _ = AgencyCalendars(CONFIG).due_within(DAY, 5, None)
        cases = await all_cases(client, f"{sa.OPEN_CASES_QUERY} AND {clause}")
        assert [c["id"] for c in cases.cases] == ["A-national-in", "B-ningxia-in", "C-xinjiang-in"]


runner = CliRunner()


class TestCommand:
    def test_due_soon_lists_a_ningxia_case_due_after_the_national_last_day(
        self, client: Client, dev_server_address: str, tmp_path: Path
    ) -> None:
        """``ogi due-soon`` with the configuration: the Ningxia case is in, the national one due that day is not."""
        config = tmp_path / "ogi.toml"
        config.write_text(CONFIG_TOML, "utf-8")
        days, national, ningxia = first_window_where_regions_differ(AgencyCalendars(CONFIG))
        env = {"TEMPORAL_ADDRESS": dev_server_address, "OGI_CONFIG": str(config)}
        done = runner.invoke(supervise_cmd.app, ["due-soon", "--days", str(days), "--json"], env=env)
        assert done.exit_code == 0, done.stderr
        out = json.loads(done.stdout)
        ids = [c["id"] for c in out["cases"]]
        assert "T-ningxia" in ids
        assert "T-national" not in ids
        assert out["through"] == national.isoformat()
        assert out["through_by_region"]["ningxia"] == ningxia.isoformat()

    def test_bad_region_in_configuration_exits_2(self, dev_server_address: str, tmp_path: Path) -> None:
        """A region without a calendar is named in one error line, with the known ones."""
        config = tmp_path / "bad.toml"
        config.write_text(f'[agencies."{NX}"]\ncode = "NXMZ"\nregion = "gansu"\n', "utf-8")
        env = {"TEMPORAL_ADDRESS": dev_server_address, "OGI_CONFIG": str(config)}
        done = runner.invoke(supervise_cmd.app, ["due-soon", "--json"], env=env)
        assert done.exit_code == 2
        error = json.loads(done.stderr)["error"]
        assert "unknown region 'gansu'" in error
        assert "ningxia" in error
