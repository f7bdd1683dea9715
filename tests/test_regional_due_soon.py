"""``ogi due-soon`` counts each agency's window on its region's calendar (Ningxia and Xinjiang Eid days).

On 25 March 2025, five working days run to 1 April nationally but to 2 April in Ningxia and Xinjiang,
where 31 March (开斋节 / 肉孜节) is a holiday.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import supervise_cmd
from domain.calendar import BEIJING
from domain.clock import beijing_date
from domain.config import Agency, OgiConfig
from infra import store
from service.agency_calendars import AgencyCalendars
from tests.test_listings import row

pytestmark = pytest.mark.usefixtures("english")  # these tests read the English wording (OGI_LANG=en)

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


@pytest.fixture(autouse=True)
def one_beijing_day() -> None:
    """Each test runs within one Beijing day: near midnight (16:00 UTC) it waits for the new day.

    The window is computed here and again by the command, each from its own today.
    """
    now = datetime.now(UTC).astimezone(BEIJING)
    left = (datetime.combine(now.date() + timedelta(days=1), dt_time(0), BEIJING) - now).total_seconds()
    if left < 60:
        time.sleep(left + 1)


def first_window_where_regions_differ(calendars: AgencyCalendars) -> tuple[int, date, date]:
    """The smallest ``--days`` from today whose last day in Ningxia is later than nationally."""
    today = beijing_date(datetime.now(UTC))
    for days in range(1, 366):
        national = calendars.of_region(None).add_working_days(today, days)
        ningxia = calendars.of_region("ningxia").add_working_days(today, days)
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


@pytest.fixture
def seeded(db: Path) -> Path:
    """The 2025 cases, plus today's pair on both sides of the national last day, in the read model."""
    for case_id, agency, due in SEEDS:
        store.upsert_case_record(row(case_id, due, agency=agency))
    _, _, ningxia_last = first_window_where_regions_differ(AgencyCalendars(CONFIG))
    store.upsert_case_record(row("T-ningxia", ningxia_last, agency=NX))
    store.upsert_case_record(row("T-national", ningxia_last, agency=LA))
    return db


class TestWindow:
    def test_last_day_per_calendar(self) -> None:
        """Five working days from 25 March 2025: 1 April nationally, 2 April in both Eid regions."""
        days = AgencyCalendars(CONFIG).due_within(DAY, 5, None)
        assert days == {None: NATIONAL_LAST, "ningxia": EID_LAST, "xinjiang": EID_LAST}

    def test_one_agency_uses_its_region(self) -> None:
        """With an agency, the window is that agency's alone."""
        assert AgencyCalendars(CONFIG).due_within(DAY, 5, NX) == {"ningxia": EID_LAST}
        assert AgencyCalendars(CONFIG).due_within(DAY, 5, LA) == {None: NATIONAL_LAST}

    def test_without_regions_the_window_is_the_national_one(self) -> None:
        """No agency configured with a region: one last day, the national one."""
        assert AgencyCalendars(OgiConfig()).due_within(DAY, 5, None) == {None: NATIONAL_LAST}


runner = CliRunner()


class TestCommand:
    def test_due_soon_lists_a_ningxia_case_due_after_the_national_last_day(self, seeded: Path, tmp_path: Path) -> None:
        """``ogi due-soon`` with the configuration: the Ningxia case is in, the national one due that day is not."""
        config = tmp_path / "ogi.toml"
        config.write_text(CONFIG_TOML, "utf-8")
        days, national, ningxia = first_window_where_regions_differ(AgencyCalendars(CONFIG))
        env = {"OGI_CONFIG": str(config)}
        done = runner.invoke(supervise_cmd.app, ["due-soon", "--days", str(days), "--json"], env=env)
        assert done.exit_code == 0, done.stderr
        out = json.loads(done.stdout)
        ids = [c["id"] for c in out["cases"]]
        assert "T-ningxia" in ids
        assert "T-national" not in ids
        assert out["through"] == national.isoformat()
        assert out["through_by_region"]["ningxia"] == ningxia.isoformat()

    def test_bad_region_in_configuration_exits_2(self, seeded: Path, tmp_path: Path) -> None:
        """A region without a calendar is named in one error line, with the known ones."""
        config = tmp_path / "bad.toml"
        config.write_text(f'[agencies."{NX}"]\ncode = "NXMZ"\nregion = "gansu"\n', "utf-8")
        env = {"OGI_CONFIG": str(config)}
        done = runner.invoke(supervise_cmd.app, ["due-soon", "--json"], env=env)
        assert done.exit_code == 2
        error = json.loads(done.stderr)["error"]
        assert "unknown region 'gansu'" in error
        assert "ningxia" in error
