"""Regional holidays loaded as notices: a later year, a corrected year, a region ogi does not ship."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from domain.calendar import CalendarError, load_calendar, load_regional_notice, regional_notice_path
from tests.workflow_support import NOTICE_2027

pytestmark = pytest.mark.usefixtures("english")  # these tests read the English wording (OGI_LANG=en)

OGI = str(Path(sys.executable).parent / "ogi")


def notice_file(tmp_path: Path, **data: Any) -> Path:
    """A regional notice written to a file."""
    path = tmp_path / f"{data.get('region', 'x')}-{data.get('year', 0)}.in.json"
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    return path


def notice_2027(tmp_path: Path) -> Path:
    """A valid State Council notice for 2027."""
    path = tmp_path / "2027.in.json"
    path.write_text(json.dumps(NOTICE_2027), "utf-8")
    return path


class TestLoading:
    def test_a_later_year_for_a_shipped_region(self, tmp_path: Path) -> None:
        """Ningxia 2028 (not shipped): its days become rest days there, and only there."""
        notices = tmp_path / "calendar"
        before = load_calendar("ningxia", notices)
        assert before.is_working_day(date(2028, 2, 28))
        days = ["2028-02-28", "2028-05-05"]
        load_regional_notice(notice_file(tmp_path, region="ningxia", year=2028, source="宁政办发", days=days), notices)
        after = load_calendar("ningxia", notices)
        assert not after.is_working_day(date(2028, 2, 28)) and not after.is_working_day(date(2028, 5, 5))
        assert after.version != before.version
        assert load_calendar(None, notices).is_working_day(date(2028, 2, 28))
        assert load_calendar("xinjiang", notices).is_working_day(date(2028, 2, 28))

    def test_a_notice_replaces_the_shipped_days_of_its_year(self, tmp_path: Path) -> None:
        """A corrected Ningxia 2027 (11 March only): 10 March and 17 May are working days again."""
        notices = tmp_path / "calendar"
        shipped = load_calendar("ningxia", notices)
        assert not shipped.is_working_day(date(2027, 3, 10))
        load_regional_notice(
            notice_file(tmp_path, region="ningxia", year=2027, source="更正", days=["2027-03-11"]), notices
        )
        corrected = load_calendar("ningxia", notices)
        assert corrected.is_working_day(date(2027, 3, 10)) and corrected.is_working_day(date(2027, 5, 17))
        assert not corrected.is_working_day(date(2027, 3, 11))
        assert not corrected.is_working_day(date(2026, 3, 20))  # other years keep the shipped days

    def test_a_region_ogi_does_not_ship(self, tmp_path: Path) -> None:
        """Guangxi is unknown until its notice is loaded (壮族三月三), then agencies may name it."""
        notices = tmp_path / "calendar"
        with pytest.raises(CalendarError, match="load-regional"):
            load_calendar("guangxi", notices)
        load_regional_notice(
            notice_file(tmp_path, region="guangxi", year=2027, source="桂政办发", days=["2027-04-09"]), notices
        )
        assert not load_calendar("guangxi", notices).is_working_day(date(2027, 4, 9))
        assert load_calendar(None, notices).is_working_day(date(2027, 4, 9))

    @pytest.mark.parametrize(
        ("data", "fragment"),
        [
            ({"region": "ningxia", "year": 2028, "source": "s", "days": ["2029-01-02"]}, "not in 2028"),
            ({"region": "ningxia", "year": 2028, "source": "s", "days": ["2028-02-28"] * 2}, "listed twice"),
            ({"region": "宁夏", "year": 2028, "source": "s", "days": ["2028-02-28"]}, "region"),
            ({"region": "ningxia", "year": 2028, "days": ["2028-02-28"]}, "source"),
            ({"region": "ningxia", "year": 2028, "source": "s", "days": []}, "days"),
            ({"region": "ningxia", "year": 2028, "source": "s", "days": ["2028-02-28"], "extra": 1}, "extra"),
        ],
    )
    def test_a_bad_notice_installs_nothing(self, tmp_path: Path, data: dict[str, Any], fragment: str) -> None:
        """Every problem is named with where it is; the notices directory stays as it was."""
        notices = tmp_path / "calendar"
        with pytest.raises(CalendarError, match=fragment):
            load_regional_notice(notice_file(tmp_path, **data), notices)
        assert not notices.exists() or not any(notices.rglob("*.json"))


def ogi(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``ogi calendar ...`` with its own home."""
    env = {**os.environ, "OGI_HOME": str(home)}
    return subprocess.run([OGI, "calendar", *args], env=env, capture_output=True, text=True, timeout=60, check=False)


class TestCommand:
    def test_load_regional_then_count_on_it(self, tmp_path: Path) -> None:
        """``ogi calendar load-regional`` installs the days; ``is-workday --region`` counts them at once."""
        path = notice_file(tmp_path, region="ningxia", year=2028, source="宁政办发", days=["2028-02-28"])
        done = ogi(tmp_path, "load-regional", str(path), "--json")
        assert done.returncode == 0, done.stderr
        out = json.loads(done.stdout)
        assert out["days"] == ["2028-02-28"]
        assert out["calendar_version"] != out["calendar_version_before"]
        assert Path(out["installed"]) == regional_notice_path(tmp_path / "calendar", "ningxia", 2028)
        assert ogi(tmp_path, "is-workday", "2028-02-28", "--region", "ningxia").stdout.strip() == "no"
        assert ogi(tmp_path, "is-workday", "2028-02-28").stdout.strip() == "yes"

    def test_bad_file_exits_2_in_one_line(self, tmp_path: Path) -> None:
        """A date outside the notice's year: exit 2, one line naming the problem."""
        path = notice_file(tmp_path, region="ningxia", year=2028, source="s", days=["2027-12-31"])
        done = ogi(tmp_path, "load-regional", str(path))
        assert done.returncode == 2
        assert len(done.stderr.strip().splitlines()) == 1
        assert "not in 2028" in done.stderr

    def test_an_unknown_region_needs_new_region(self, tmp_path: Path) -> None:
        """A mistyped region (ningixa) is refused with the known ones; --new-region adds a real new one."""
        typo = notice_file(tmp_path, region="ningixa", year=2028, source="s", days=["2028-02-28"])
        done = ogi(tmp_path, "load-regional", str(typo))
        assert done.returncode == 2
        assert "'ningixa' is not known here" in done.stderr and "ningxia" in done.stderr
        assert "--new-region" in done.stderr
        assert not (tmp_path / "calendar").exists() or not any((tmp_path / "calendar").rglob("*.json"))
        guangxi = notice_file(tmp_path, region="guangxi", year=2027, source="桂政办发", days=["2027-04-09"])
        added = ogi(tmp_path, "load-regional", str(guangxi), "--new-region", "--json")
        assert added.returncode == 0, added.stderr
        assert json.loads(added.stdout)["new_region"] is True
        again = ogi(tmp_path, "load-regional", str(guangxi), "--json")
        assert again.returncode == 0, again.stderr
        assert json.loads(again.stdout)["new_region"] is False

    def test_a_calendar_that_cannot_be_built_installs_nothing(self, tmp_path: Path) -> None:
        """Another installed notice is damaged: the new one is taken back out, the one it replaced put back."""
        notices = tmp_path / "calendar"
        first = notice_file(tmp_path, region="ningxia", year=2028, source="first", days=["2028-02-28"])
        assert ogi(tmp_path, "load-regional", str(first)).returncode == 0
        installed = regional_notice_path(notices, "ningxia", 2028)
        kept = installed.read_bytes()
        regional_notice_path(notices, "ningxia", 2029).write_text("{not json", "utf-8")
        second = notice_file(tmp_path, region="ningxia", year=2028, source="second", days=["2028-02-29"])
        done = ogi(tmp_path, "load-regional", str(second))
        assert done.returncode == 2
        assert "ningxia-2029.json" in done.stderr and "nothing was installed" in done.stderr
        assert installed.read_bytes() == kept
        national = tmp_path / "2028.json"
        national.write_text(
            json.dumps(
                {"year": 2028, "status": "official", "source": "s", "holidays": ["2028-01-03"], "weekend_workdays": []}
            ),
            "utf-8",
        )
        (notices / "2027.json").write_text("[]", "utf-8")
        refused = ogi(tmp_path, "load-notice", str(national))
        assert refused.returncode == 2
        assert "2027.json" in refused.stderr and "nothing was installed" in refused.stderr
        assert not (notices / "2028.json").exists()
        repaired = ogi(tmp_path, "load-notice", str(notice_2027(tmp_path)), "--json")
        assert repaired.returncode == 0, repaired.stderr
        assert json.loads(repaired.stdout)["calendar_version_before"] is None
