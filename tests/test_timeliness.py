"""Timeliness of a year's replies per agency (办理时效), and its place in ``ogi report``.

Working days below are counted by hand on the 2025 calendar: Spring Festival 28 Jan - 4 Feb off with
26 Jan and 8 Feb worked; Qingming 4 Apr off; May Day 1-5 May off with 27 Apr worked; Ningxia adds
开斋节 on 31 Mar.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import report_cmd
from domain.calendar import WorkingCalendar, load_calendar
from domain.report import CaseRecord
from domain.timeliness import TOTAL, Timeliness, timeliness
from tests.test_report import rec, seeded_archive

pytestmark = pytest.mark.usefixtures("english")  # these tests read the English wording (OGI_LANG=en)

LA, NX = "六安市民政局", "宁夏回族自治区民政厅"


def closed(
    case_id: str,
    received: str | None,
    closed_on: str | None,
    due: str | None,
    *,
    agency: str = LA,
    overdue: bool = False,
    extended: bool = False,
) -> CaseRecord:
    """An archived case; ``closed_on=None`` leaves it open."""
    code = "NXMZ" if agency == NX else "LAMZ"
    base = rec(
        case_id, "natural_person", received, closed_on, "disclosed" if closed_on else None, agency=agency, code=code
    )
    return base.model_copy(
        update={"due": date.fromisoformat(due) if due else None, "overdue": overdue, "extended": extended}
    )


SEED = [
    closed("T-1", "2025-03-03", "2025-03-21", "2025-03-31"),  # 14 working days
    closed("T-2", "2025-03-03", "2025-04-08", "2025-03-31", overdue=True),  # 25, 8 days late
    # 43, across Spring Festival; on time: 20 + 20 extended + 5 days of consultation end on 03-12
    closed("T-3", "2025-01-02", "2025-03-10", "2025-03-12", extended=True),
    # 16, closed as fee not paid while the clock stood still: after its last computed due date, yet not late
    closed("T-7", "2025-05-06", "2025-05-28", "2025-05-26"),
    closed("T-4", "2024-11-01", "2024-12-02", "2024-11-29"),  # closed the year before
    closed("T-5", None, "2025-06-03", None),  # withdrawn before receipt was confirmed: no clock ran
    closed("T-6", "2025-12-01", None, "2025-12-29", overdue=True),  # still open
    closed("N-1", "2025-03-28", "2025-04-01", "2025-04-25", agency=NX),  # 1 in Ningxia (2 nationally)
    closed("N-2", "2025-03-28", "2025-05-06", "2025-04-25", agency=NX, overdue=True),  # 23 (24), 11 days late
]

NATIONAL = load_calendar(None)
NINGXIA = load_calendar("ningxia")


def by_region(rec: CaseRecord) -> WorkingCalendar:
    """Ningxia's calendar for the Ningxia agency, the national one elsewhere."""
    return NINGXIA if rec.agency == NX else NATIONAL


def rows(result: list[Timeliness]) -> dict[str, Timeliness]:
    """Rows by agency."""
    return {row.agency: row for row in result}


class TestTimeliness:
    def test_hand_counted_year(self) -> None:
        """Per agency and in total: closed, on time, late, extended, working days taken, days late."""
        got = rows(timeliness(SEED, 2025, by_region))
        assert list(got) == [LA, NX, TOTAL]
        la, nx, total = got[LA], got[NX], got[TOTAL]
        assert (la.closed, la.on_time, la.late, la.extended) == (4, 3, 1, 1)
        assert (la.median_working_days, la.max_working_days, la.most_days_late) == (20.5, 43, 8)
        assert la.late_cases == ["T-2"]
        assert (nx.closed, nx.on_time, nx.late, nx.extended) == (2, 1, 1, 0)
        assert (nx.median_working_days, nx.max_working_days, nx.most_days_late) == (12.0, 23, 11)
        assert (total.closed, total.on_time, total.late, total.extended) == (6, 4, 2, 1)
        assert (total.median_working_days, total.max_working_days, total.most_days_late) == (19.5, 43, 11)
        assert total.late_cases == ["N-2", "T-2"]

    def test_to_a_cutoff_day(self) -> None:
        """Through 31 March 2025 only T-1 and T-3 had closed; T-2 (8 April) and the Ningxia cases had not."""
        got = rows(timeliness(SEED, 2025, by_region, through=date(2025, 3, 31)))
        assert list(got) == [LA, TOTAL]
        assert (got[LA].closed, got[LA].late, got[LA].late_cases) == (2, 0, [])

    def test_regional_holidays_count(self) -> None:
        """On the national calendar the Ningxia cases take one working day more each (31 Mar is worked)."""
        nx = rows(timeliness(SEED, 2025, lambda _: NATIONAL))[NX]
        assert (nx.median_working_days, nx.max_working_days) == (13.0, 24)

    def test_year_without_closed_cases(self) -> None:
        """A year where nothing closed has only the total row, all zero, with no working-day figures."""
        assert timeliness(SEED, 2023, by_region) == [
            Timeliness(
                agency=TOTAL,
                closed=0,
                on_time=0,
                late=0,
                extended=0,
                median_working_days=None,
                max_working_days=None,
                most_days_late=None,
                late_cases=[],
            )
        ]

    def test_previous_year_is_its_own(self) -> None:
        """T-4 closed in 2024 counts there and nowhere else."""
        got = rows(timeliness(SEED, 2024, by_region))
        assert got[TOTAL].closed == 1
        assert got[LA].median_working_days == 21.0  # 4-29 Nov: 20, and 2 Dec


@pytest.fixture
def archive(store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The archive holding the seed, and a configuration placing the Ningxia agency in its region."""
    config = tmp_path / "ogi.toml"
    config.write_text(f'[agencies."{NX}"]\ncode = "NXMZ"\nregion = "ningxia"\n', "utf-8")
    monkeypatch.setenv("OGI_CONFIG", str(config))
    return seeded_archive(store_url, SEED)


runner = CliRunner()


class TestReportTimeliness:
    def test_json_carries_timeliness_on_the_configured_calendars(self, archive: str) -> None:
        """``ogi report --json`` adds the timeliness rows; the Ningxia agency counts on Ningxia's calendar."""
        done = runner.invoke(report_cmd.app, ["report", "--year", "2025", "--json"])
        assert done.exit_code == 0, done.stderr
        got = {row["agency"]: row for row in json.loads(done.stdout)["timeliness"]}
        assert got[NX]["median_working_days"] == 12.0
        assert got[TOTAL]["late_cases"] == ["N-2", "T-2"]

    def test_agency_filter(self, archive: str) -> None:
        """With --agency only that agency's replies are counted."""
        done = runner.invoke(report_cmd.app, ["report", "--year", "2025", "--agency", "NXMZ", "--json"])
        assert done.exit_code == 0, done.stderr
        assert [row["agency"] for row in json.loads(done.stdout)["timeliness"]] == [NX, TOTAL]

    def test_table_names_the_late_cases(self, archive: str) -> None:
        """The table output adds the timeliness table and lists the cases answered late."""
        done = runner.invoke(report_cmd.app, ["report", "--year", "2025"], env={"COLUMNS": "200"})
        assert done.exit_code == 0, done.stderr
        assert "timeliness of replies (a supplement, not part of the form)" in done.stdout
        assert "answered late: N-2, T-2" in done.stdout

    def test_table_in_chinese_names_the_late_cases_in_chinese(
        self, archive: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """In Chinese (the default) the supplement's title, headers and the late cases' line are Chinese."""
        monkeypatch.delenv("OGI_LANG")
        done = runner.invoke(report_cmd.app, ["report", "--year", "2025"], env={"COLUMNS": "200"})
        assert done.exit_code == 0, done.stderr
        assert "办理时效（补充统计，不属于报表内容）" in done.stdout
        assert "逾期答复： N-2、T-2" in done.stdout
        assert re.findall(r"[A-Za-z]{2,}", done.stdout) == []

    def test_csv_stays_the_official_form(self, archive: str) -> None:
        """CSV is the form's two tables only: nothing of the supplement."""
        done = runner.invoke(report_cmd.app, ["report", "--year", "2025", "--format", "csv"])
        assert done.exit_code == 0, done.stderr
        assert "T-2" not in done.stdout
        assert "timeliness" not in done.stdout

    def test_unknown_region_leaves_out_the_supplement_not_the_form(
        self, archive: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A region with no calendar: the form still prints; the supplement is left out with a warning naming it."""
        bad = tmp_path / "bad.toml"
        bad.write_text(f'[agencies."{NX}"]\ncode = "NXMZ"\nregion = "anhui"\n', "utf-8")
        monkeypatch.setenv("OGI_CONFIG", str(bad))
        table = runner.invoke(report_cmd.app, ["report", "--year", "2025"], env={"COLUMNS": "200"})
        assert table.exit_code == 0, table.stderr
        assert "新收政府信息公开申请数量" in table.stdout
        assert "办理时效" not in table.stdout
        assert "unknown region 'anhui'" in table.stderr and "ningxia" in table.stderr
        as_json = runner.invoke(report_cmd.app, ["report", "--year", "2025", "--json"])
        assert as_json.exit_code == 0
        got = json.loads(as_json.stdout)
        assert got["timeliness"] is None
        assert "unknown region 'anhui'" in got["timeliness_error"]
        assert got["applications"]
        csv_out = runner.invoke(report_cmd.app, ["report", "--year", "2025", "--format", "csv"])
        assert (csv_out.exit_code, csv_out.stderr) == (0, "")
