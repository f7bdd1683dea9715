"""The working-day calendar against the official reference data, notices, regions and its own invariants."""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.calendar import (
    BEIJING,
    PREDICTED_FILE,
    CalendarError,
    load_calendar,
    load_notice,
    load_regional_notice,
    predicted_years,
    read_notice,
)
from tests.workflow_support import NOTICE_2027

DATA = Path(__file__).parent / "data"
CAL = load_calendar()
OFFICIAL: dict[str, Any] = json.loads((DATA / "official_calendar.json").read_text("utf-8"))["years"]
VECTORS = list(csv.DictReader((DATA / "workday_vectors_2019_2022.csv").open(encoding="utf-8")))


def test_every_reference_vector() -> None:
    """Every row of workday_vectors_2019_2022.csv: the N-th working day after the receipt date."""
    assert len(VECTORS) > 100
    wrong = [
        (v["received"], v["working_days"], v["due"], got.isoformat())
        for v in VECTORS
        if (got := CAL.add_working_days(date.fromisoformat(v["received"]), int(v["working_days"]))).isoformat()
        != v["due"]
    ]
    assert wrong == []


@pytest.mark.parametrize("year", sorted(OFFICIAL))
def test_official_holidays_and_make_up_days(year: str) -> None:
    """Each official year: weekday holidays are closed, make-up weekend days are open, and it is official."""
    entry = OFFICIAL[year]
    for d in map(date.fromisoformat, entry["holidays"]):
        assert not CAL.is_working_day(d), d
    for d in map(date.fromisoformat, entry["weekend_workdays"]):
        assert d.weekday() >= 5
        assert CAL.is_working_day(d), d
    assert CAL.status(int(year)) == "official"


def test_ordinary_days() -> None:
    """An ordinary Wednesday works, an ordinary Sunday does not."""
    assert CAL.is_working_day(date(2024, 3, 13))
    assert not CAL.is_working_day(date(2024, 3, 17))


def test_national_day_2024() -> None:
    """Received 2024-09-27, 20 working days run past National Day and the make-up days to 2024-10-30."""
    assert CAL.add_working_days(date(2024, 9, 27), 20) == date(2024, 10, 30)
    assert CAL.is_working_day(date(2024, 9, 29))  # make-up Sunday
    assert not CAL.is_working_day(date(2024, 10, 4))


@given(st.dates(date(2019, 1, 1), date(2025, 12, 31)), st.integers(0, 300))
def test_between_inverts_add(start: date, n: int) -> None:
    """working_days_between(start, add_working_days(start, n)) == n, and the end is a working day."""
    end = CAL.add_working_days(start, n)
    assert CAL.working_days_between(start, end) == n
    if n > 0:
        assert CAL.is_working_day(end)
        assert end > start
        assert CAL.add_working_days(start, n - 1) < end


def test_deadline_is_24_00_beijing() -> None:
    """A deadline ends at 24:00 Beijing time of its day: next day 00:00 +08:00, 16:00 UTC that day."""
    at = CAL.deadline_at(date(2024, 10, 30))
    assert at.tzinfo is not None
    assert at == datetime(2024, 10, 31, 0, 0, tzinfo=BEIJING)
    assert at.astimezone(UTC) == datetime(2024, 10, 30, 16, 0, tzinfo=UTC)
    assert at.utcoffset() == timedelta(hours=8)


def test_provisional_into_2027_until_a_notice_is_loaded(tmp_path: Path) -> None:
    """A deadline reaching 2027 is provisional with a reason; after loading the notice it is official."""
    due = CAL.due(date(2026, 12, 15), 20)
    assert due.provisional
    assert due.provisional_reason is not None
    assert "2027" in due.provisional_reason
    notice = tmp_path / "2027-notice.json"
    notice.write_text(json.dumps(NOTICE_2027), "utf-8")
    load_notice(notice, tmp_path / "calendar")
    updated = load_calendar(None, tmp_path / "calendar")
    after = updated.due(date(2026, 12, 15), 20)
    assert not after.provisional
    assert after.provisional_reason is None
    assert after.calendar_version != due.calendar_version
    assert updated.is_working_day(date(2027, 2, 20))  # the notice's make-up Saturday
    assert not CAL.is_working_day(date(2027, 2, 20))


def test_within_official_years_nothing_is_provisional() -> None:
    """A deadline inside the shipped official years (2008-2026) is exact."""
    assert not CAL.due(date(2024, 9, 27), 20).provisional


def test_region_without_its_holidays_for_a_year_is_provisional(tmp_path: Path) -> None:
    """A Ningxia deadline in 2028 stays provisional after the national 2028 notice, until Ningxia's own.

    Its Eid days are not known until then; the national calendar is not held up by them.
    """
    notices = tmp_path / "calendar"
    notices.mkdir()
    (notices / "2028.json").write_text(
        json.dumps(
            {"year": 2028, "status": "official", "source": "s", "holidays": ["2028-01-03"], "weekend_workdays": []}
        ),
        "utf-8",
    )
    ningxia = load_calendar("ningxia", notices).due(date(2028, 3, 1), 20)
    assert ningxia.provisional
    assert ningxia.provisional_reason is not None
    assert "no ningxia regional holidays known for 2028" in ningxia.provisional_reason
    assert "load-regional" in ningxia.provisional_reason
    assert "State Council" not in ningxia.provisional_reason
    assert not load_calendar(None, notices).due(date(2028, 3, 1), 20).provisional
    regional = tmp_path / "nx2028.json"
    regional.write_text(json.dumps({"region": "ningxia", "year": 2028, "source": "s", "days": ["2028-02-28"]}))
    load_regional_notice(regional, notices)
    assert not load_calendar("ningxia", notices).due(date(2028, 3, 1), 20).provisional
    assert not load_calendar("ningxia").due(date(2026, 3, 1), 20).provisional  # shipped years are known


def test_regional_eid_holiday() -> None:
    """Ningxia closes for Eid al-Fitr on 2026-03-20; the national calendar works that day."""
    ningxia = load_calendar("ningxia")
    assert CAL.is_working_day(date(2026, 3, 20))
    assert not ningxia.is_working_day(date(2026, 3, 20))
    assert ningxia.add_working_days(date(2026, 3, 19), 1) == date(2026, 3, 23)
    assert ningxia.version != CAL.version


def test_unknown_region() -> None:
    with pytest.raises(CalendarError, match="unknown region 'mars'"):
        load_calendar("mars")


@pytest.mark.parametrize("n", [-1, 1001])
def test_out_of_range_counts(n: int) -> None:
    with pytest.raises(CalendarError, match="between 0 and 1000"):
        CAL.add_working_days(date(2024, 1, 1), n)


BAD_NOTICES: list[tuple[str, str]] = [
    ('{"year": 2027', "not readable JSON"),
    (json.dumps({k: v for k, v in NOTICE_2027.items() if k != "source"}), "source"),
    (json.dumps({**NOTICE_2027, "holidays": ["2026-10-01"]}), "not in 2027"),
    (json.dumps({**NOTICE_2027, "weekend_workdays": ["2027-02-22"]}), "not a Saturday or Sunday"),
    (json.dumps({**NOTICE_2027, "holidays": ["2027-01-01", "2027-01-01"]}), "listed twice"),
    (json.dumps({**NOTICE_2027, "holidays": ["2027-02-30"]}), "holidays"),
    (json.dumps({**NOTICE_2027, "status": "rumour"}), "status"),
    (json.dumps({**NOTICE_2027, "colour": "red"}), "colour"),
]


@pytest.mark.parametrize(("content", "fragment"), BAD_NOTICES)
def test_bad_notice_is_refused_and_changes_nothing(tmp_path: Path, content: str, fragment: str) -> None:
    """A malformed notice names its problem, and the notices directory stays as it was."""
    target = tmp_path / "calendar"
    target.mkdir()
    (target / "2027.json").write_text(json.dumps(NOTICE_2027), "utf-8")
    before = {p.name: p.read_bytes() for p in target.iterdir()}
    bad = tmp_path / "bad.json"
    bad.write_text(content, "utf-8")
    with pytest.raises(CalendarError, match=fragment):
        load_notice(bad, target)
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before


def test_notice_can_override_an_official_year(tmp_path: Path) -> None:
    """A corrected notice for 2026 replaces the shipped data for that year."""
    base = CAL.is_working_day(date(2026, 3, 16))
    notice = tmp_path / "n.json"
    notice.write_text(json.dumps({"year": 2026, "source": "corrigendum", "holidays": ["2026-03-16"]}), "utf-8")
    assert read_notice(notice).year == 2026
    load_notice(notice, tmp_path / "calendar")
    assert base
    assert not load_calendar(None, tmp_path / "calendar").is_working_day(date(2026, 3, 16))


def test_shipped_prediction_is_what_holidays_china_predicts() -> None:
    """The shipped years without a notice equal holidays.China's prediction (else run scripts/predict_calendar.py)."""
    shipped = json.loads(resources.files("domain").joinpath("data", PREDICTED_FILE).read_text("utf-8"))
    assert shipped["years"] == predicted_years()["years"]
    assert all(CAL.status(int(year)) == "provisional" for year in shipped["years"])
