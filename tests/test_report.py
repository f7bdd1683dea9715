"""The annual report (tables 三 and 四) from archived records, and ``ogi report`` / ``ogi remedy`` output."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from cli import report_cmd
from domain.calendar import BEIJING
from domain.clock import beijing_date
from domain.errors import OgiError
from domain.report import (
    COLUMNS,
    RESULT_ROWS,
    ROW_LABELS,
    ROW_ORDER,
    AnnualReport,
    CaseRecord,
    InvariantBroken,
    RemedyKind,
    RemedyRecord,
    RemedyResult,
    build_report,
)
from domain.report_form import APPLICATIONS_TITLE, CROSS_CHECK, REMEDIES_TITLE, caption, form_tables
from domain.sheets import Merge
from infra import store
from service.spreadsheets import XLSX_MEDIA_TYPE

pytestmark = pytest.mark.usefixtures("english")  # these tests read the English wording (OGI_LANG=en)

AGENCY, CODE = "六安市民政局", "LAMZ"
OTHER_AGENCY, OTHER_CODE = "六安市财政局", "LACZ"


def at(text: str) -> datetime:
    """An instant: a bare date means 10:00 Beijing (02:00 UTC) that day."""
    if "T" not in text:
        text += "T02:00:00+00:00"
    return datetime.fromisoformat(text)


def rec(
    case_id: str,
    kind: str,
    received: str | None,
    closed: str | None = None,
    row: str | None = None,
    *,
    registered: str | None = None,
    agency: str = AGENCY,
    code: str = CODE,
) -> CaseRecord:
    """An archive record; ``received=None`` is a case awaiting confirmation of receipt."""
    return CaseRecord(
        case_id=case_id,
        agency=agency,
        agency_code=code,
        applicant_kind=kind,
        channel="online",
        received=date.fromisoformat(received) if received else None,
        registered_at=at(registered or received or "2020-01-01"),
        stage="closed" if closed else "review",
        status="closed" if closed else "open",
        outcome="decided" if closed else None,
        report_row=row,
        closed_at=at(closed) if closed else None,
    )


NP, CE, RI, SW, LS, OT = (
    "natural_person",
    "commercial_enterprise",
    "research_institute",
    "social_welfare_organisation",
    "legal_service_body",
    "other",
)

SEED: list[CaseRecord] = [
    # Received in 2024, still open on 31 Dec 2024: carried over into 2025.
    rec("C-01", NP, "2024-12-20", "2025-01-10", "disclosed"),
    rec("C-02", CE, "2024-11-05"),
    rec("C-03", RI, "2024-12-30", "2025-02-01", "not_disclosed_4"),
    rec("C-04", OT, "2024-12-15", "2024-12-31T16:30:00+00:00", "other_3"),  # 2025-01-01 00:30 Beijing
    # Outside 2025 altogether.
    rec("X-01", NP, "2024-03-01", "2024-04-01", "disclosed"),
    rec("X-02", NP, "2026-01-05"),
    rec("X-03", SW, "2024-12-10", "2024-12-31T15:30:00+00:00", "disclosed"),  # 2024-12-31 23:30 Beijing
    # New in 2025 and closed in 2025: every result row once.
    rec("N-01", NP, "2025-01-06", "2025-01-20", "disclosed"),
    rec("N-02", NP, "2025-02-03", "2025-02-20", "disclosed"),
    rec("N-03", CE, "2025-03-03", "2025-03-20", "partly_disclosed"),
    rec("N-04", NP, "2025-03-04", "2025-03-21", "not_disclosed_1"),
    rec("N-05", CE, "2025-03-05", "2025-03-24", "not_disclosed_2"),
    rec("N-06", RI, "2025-03-06", "2025-03-25", "not_disclosed_3"),
    rec("N-07", SW, "2025-03-07", "2025-03-26", "not_disclosed_4"),
    rec("N-08", LS, "2025-04-01", "2025-04-20", "not_disclosed_5"),
    rec("N-09", OT, "2025-04-02", "2025-04-21", "not_disclosed_6"),
    rec("N-10", NP, "2025-04-03", "2025-04-22", "not_disclosed_7"),
    rec("N-11", CE, "2025-04-07", "2025-04-23", "not_disclosed_8"),
    rec("N-12", RI, "2025-05-06", "2025-05-20", "cannot_provide_1"),
    rec("N-13", SW, "2025-05-07", "2025-05-21", "cannot_provide_2"),
    rec("N-14", LS, "2025-05-08", "2025-05-22", "cannot_provide_3"),
    rec("N-15", OT, "2025-06-03", "2025-06-20", "not_handled_1"),
    rec("N-16", NP, "2025-06-04", "2025-06-23", "not_handled_2"),
    rec("N-17", CE, "2025-06-05", "2025-06-24", "not_handled_3"),
    rec("N-18", RI, "2025-06-06", "2025-06-25", "not_handled_4"),
    rec("N-19", SW, "2025-07-01", "2025-07-20", "not_handled_5"),
    rec("N-20", LS, "2025-07-02", "2025-07-21", "other_1"),
    rec("N-21", OT, "2025-07-03", "2025-07-22", "other_2"),
    rec("N-22", NP, "2025-07-04", "2025-07-23", "other_3"),
    # New in 2025, still open on 31 Dec 2025: carried forward.
    rec("O-01", LS, "2025-12-20", "2026-01-05", "not_handled_2"),
    rec("O-02", NP, None, registered="2025-06-01T02:00:00+00:00"),
    rec("O-03", SW, None, registered="2024-12-31T17:00:00+00:00"),  # registered 2025-01-01 01:00 Beijing
    rec("O-04", CE, "2025-03-03"),
    # Another agency: only in the all-agency report.
    rec("Z-01", CE, "2025-02-02", "2025-03-03", "disclosed", agency=OTHER_AGENCY, code=OTHER_CODE),
]

# Hand-counted from SEED for 六安市民政局, 2025. Columns: NP, CE, RI, SW, LS, OT, total.
EXPECTED_2025: dict[str, tuple[int, ...]] = {
    "new": (7, 5, 3, 4, 4, 3, 26),
    "carried_over": (1, 1, 1, 0, 0, 1, 4),
    "disclosed": (3, 0, 0, 0, 0, 0, 3),
    "partly_disclosed": (0, 1, 0, 0, 0, 0, 1),
    "not_disclosed": (2, 2, 2, 1, 1, 1, 9),
    "not_disclosed_1": (1, 0, 0, 0, 0, 0, 1),
    "not_disclosed_2": (0, 1, 0, 0, 0, 0, 1),
    "not_disclosed_3": (0, 0, 1, 0, 0, 0, 1),
    "not_disclosed_4": (0, 0, 1, 1, 0, 0, 2),
    "not_disclosed_5": (0, 0, 0, 0, 1, 0, 1),
    "not_disclosed_6": (0, 0, 0, 0, 0, 1, 1),
    "not_disclosed_7": (1, 0, 0, 0, 0, 0, 1),
    "not_disclosed_8": (0, 1, 0, 0, 0, 0, 1),
    "cannot_provide": (0, 0, 1, 1, 1, 0, 3),
    "cannot_provide_1": (0, 0, 1, 0, 0, 0, 1),
    "cannot_provide_2": (0, 0, 0, 1, 0, 0, 1),
    "cannot_provide_3": (0, 0, 0, 0, 1, 0, 1),
    "not_handled": (1, 1, 1, 1, 0, 1, 5),
    "not_handled_1": (0, 0, 0, 0, 0, 1, 1),
    "not_handled_2": (1, 0, 0, 0, 0, 0, 1),
    "not_handled_3": (0, 1, 0, 0, 0, 0, 1),
    "not_handled_4": (0, 0, 1, 0, 0, 0, 1),
    "not_handled_5": (0, 0, 0, 1, 0, 0, 1),
    "other": (1, 0, 0, 0, 1, 2, 4),
    "other_1": (0, 0, 0, 0, 1, 0, 1),
    "other_2": (0, 0, 0, 0, 0, 1, 1),
    "other_3": (1, 0, 0, 0, 0, 1, 2),
    "total": (7, 4, 4, 3, 3, 4, 25),
    "carried_forward": (1, 2, 0, 1, 1, 0, 5),
}


def remedy(case_id: str, kind: str, result: str, decided: str | None, recorded: str, seq: int) -> RemedyRecord:
    """A recorded remedy result."""
    return RemedyRecord(
        case_id=case_id,
        kind=kind,
        result=result,
        decided=date.fromisoformat(decided) if decided else None,
        recorded_at=at(recorded),
        seq=seq,
    )


REMEDIES: list[RemedyRecord] = [
    remedy("N-07", "reconsideration", "pending", None, "2025-03-01", 1),
    remedy("N-07", "reconsideration", "corrected", "2025-06-01", "2025-06-02", 5),
    remedy("N-04", "reconsideration", "maintained", "2025-05-01", "2025-05-02", 2),
    remedy("N-05", "lawsuit", "pending", None, "2025-11-01", 3),
    remedy("N-05", "lawsuit", "maintained", "2026-02-01", "2026-02-03", 9),
    remedy("C-03", "lawsuit_after_reconsideration", "other", "2025-08-08", "2025-08-09", 6),
    remedy("X-01", "reconsideration", "maintained", "2024-06-01", "2024-06-02", 0),
    remedy("N-11", "lawsuit", "maintained", "2025-04-01", "2025-04-02", 7),
    remedy("N-11", "lawsuit", "corrected", "2025-04-01", "2025-04-10", 8),  # a mistaken entry put right
    remedy("Z-01", "reconsideration", "other", "2025-09-01", "2025-09-02", 10),
]

# Columns: maintained, corrected, other, pending, total.
EXPECTED_REMEDIES: dict[int, dict[str, tuple[int, ...]]] = {
    2024: {
        "reconsideration": (1, 0, 0, 0, 1),
        "lawsuit": (0, 0, 0, 0, 0),
        "lawsuit_after_reconsideration": (0, 0, 0, 0, 0),
    },
    2025: {
        "reconsideration": (1, 1, 0, 0, 2),
        "lawsuit": (0, 1, 0, 1, 2),
        "lawsuit_after_reconsideration": (0, 0, 1, 0, 1),
    },
    2026: {
        "reconsideration": (0, 0, 0, 0, 0),
        "lawsuit": (1, 0, 0, 0, 1),
        "lawsuit_after_reconsideration": (0, 0, 0, 0, 0),
    },
}


def table(report: AnnualReport) -> dict[str, tuple[int, ...]]:
    """Table 三 as row key → counts in column order."""
    return {row.key: tuple(row.counts[c] for c in COLUMNS) for row in report.applications}


def remedy_table(report: AnnualReport) -> dict[str, tuple[int, ...]]:
    """Table 四 as remedy kind → counts in column order."""
    return {row.key: tuple(row.counts[c] for c in report.remedy_columns) for row in report.remedies}


# The form has no subtotal rows for （三）-（六）: its rows are the leaves, in the form's order.
FORM_ROWS = ("new", "carried_over", *RESULT_ROWS, "total", "carried_forward")
FORM_2025 = {ROW_LABELS[key]: EXPECTED_2025[key] for key in FORM_ROWS}
# Recorded through the store for the command tests: one result in each group of table 四.
RECORDED_2025 = (
    ("N-07", RemedyKind.RECONSIDERATION, RemedyResult.CORRECTED, date(2025, 6, 1)),
    ("N-05", RemedyKind.LAWSUIT, RemedyResult.MAINTAINED, date(2025, 7, 1)),
    ("C-03", RemedyKind.LAWSUIT_AFTER_RECONSIDERATION, RemedyResult.OTHER, date(2025, 8, 8)),
)
REMEDY_ROW_2025 = [*(0, 1, 0, 0, 1), *(1, 0, 0, 0, 1), *(0, 0, 1, 0, 1)]


def form_counts(lines: list[list[str]]) -> dict[str, tuple[int, ...]]:
    """Table 三's body rows in the form's layout: the innermost label of each row → its seven numbers."""
    return {next(label for label in reversed(line[:3]) if label): tuple(int(n) for n in line[3:10]) for line in lines}


class TestFormLayout:
    def test_table_three_rows_are_the_forms(self) -> None:
        """The grid has the form's 25 body rows, labels in order, with no subtotal rows for （三）-（六）."""
        three, _ = form_tables(build_report(SEED, 2025, AGENCY))
        body = [[str(c) if c is not None else "" for c in row] for row in three.rows[5:]]
        assert list(form_counts(body)) == [ROW_LABELS[key] for key in FORM_ROWS]
        assert len(body) == 25
        assert Merge(7, 0, 28, 0) in three.merges  # 三、本年度办理结果 spans the 22 result rows

    def test_table_four_is_one_row_of_fifteen(self) -> None:
        """Table 四: 行政复议, 未经复议直接起诉, 复议后起诉, each 维持, 纠正, 其他, 尚未审结, 总计, in one row."""
        _, four = form_tables(build_report(SEED, 2025, AGENCY, REMEDIES))
        expected = EXPECTED_REMEDIES[2025]
        kinds = ("reconsideration", "lawsuit", "lawsuit_after_reconsideration")
        assert four.rows[-1] == [n for kind in kinds for n in expected[kind]]
        assert len(four.rows) == 6 and len(four.header_rows) == 3

    def test_caption_names_the_period_and_agency(self) -> None:
        """The caption says the year or the part of it, and the agency or all agencies."""
        assert caption(build_report(SEED, 2025, AGENCY)) == "政府信息公开工作年度报告 · 2025年度 · 六安市民政局"
        half = build_report(SEED, 2025, None, through=date(2025, 6, 30))
        assert caption(half) == "政府信息公开工作年度报告 · 2025年1月1日至6月30日 · 全部机关"


class TestApplicationsTable:
    def test_seeded_year_gives_the_hand_counted_table(self) -> None:
        """Every row and column of 2025 for one agency equals the hand-counted table."""
        report = build_report(SEED, 2025, AGENCY).check()
        assert table(report) == EXPECTED_2025
        assert report.cases == 30

    def test_rows_follow_the_form(self) -> None:
        """Rows come in the order and with the labels of the form (R8.4), every result row included."""
        report = build_report(SEED, 2025, AGENCY)
        assert [r.key for r in report.applications] == list(ROW_ORDER)
        assert set(RESULT_ROWS) <= set(ROW_ORDER)
        assert report.applications[0].label == "一、本年新收政府信息公开申请数量"
        assert ROW_LABELS["partly_disclosed"].startswith("（二）部分公开")
        assert ROW_LABELS["not_disclosed_8"] == "8.属于行政查询事项"
        assert report.applications[-1].label == "四、结转下年度继续办理"

    @pytest.mark.parametrize("agency", [AGENCY, CODE])
    def test_agency_by_name_or_code(self, agency: str) -> None:
        """An agency is chosen by its name or its code, and other agencies' cases stay out."""
        assert table(build_report(SEED, 2025, agency)) == EXPECTED_2025

    def test_all_agencies_add_the_other_agency(self) -> None:
        """Without --agency, the other agency's disclosed enterprise case is counted too."""
        everything = table(build_report(SEED, 2025).check())
        for key in ("new", "disclosed", "total"):
            expected = list(EXPECTED_2025[key])
            expected[1] += 1
            expected[6] += 1
            assert everything[key] == tuple(expected)

    @pytest.mark.parametrize("year", [2023, 2024, 2025, 2026, 2027])
    def test_invariant_holds_in_every_year_of_the_seed(self, year: int) -> None:
        """一 + 二 = 三(七) + 四 in every column, whichever year of consistent records is reported."""
        assert build_report(SEED, year).invariant_problems() == []

    def test_next_year_carries_over_what_this_year_carried_forward(self) -> None:
        """2026's carried-over row equals 2025's carried-forward row."""
        y2025, y2026 = (table(build_report(SEED, y, AGENCY)) for y in (2025, 2026))
        assert y2026["carried_over"] == y2025["carried_forward"]
        assert y2026["new"] == (1, 0, 0, 0, 0, 0, 1)

    def test_empty_year_is_all_zeros(self) -> None:
        """A year without cases is an all-zero table that passes the check, not an error."""
        report = build_report([], 2025).check()
        assert all(n == 0 for row in report.applications for n in row.counts.values())
        assert all(n == 0 for row in report.remedies for n in row.counts.values())
        assert report.cases == 0

    @pytest.mark.parametrize(
        ("bad", "numbers", "named"),
        [
            (
                rec("B-1", NP, "2025-03-01", "2024-12-20", "disclosed"),
                "natural_person: new 8 + carried over 1 = 9, but results 7 + carried forward 1 = 8",
                "",
            ),
            (
                rec("B-2", CE, "2025-03-01", "2025-04-01", None),
                "commercial_enterprise: new 6 + carried over 1 = 7, but results 4 + carried forward 2 = 6",
                "B-2 (no row)",
            ),
            (
                rec("B-3", RI, "2025-03-01", "2025-04-01", "not_disclosed_9"),
                "research_institute: new 4 + carried over 1 = 5, but results 4 + carried forward 0 = 4",
                "B-3 (not_disclosed_9)",
            ),
            (
                rec("B-4", LS, "2026-02-01", "2025-04-01", "disclosed"),
                "legal_service_body: new 4 + carried over 0 = 4, but results 4 + carried forward 1 = 5",
                "",
            ),
        ],
    )
    def test_invariant_violation_is_detected_with_the_numbers(self, bad: CaseRecord, numbers: str, named: str) -> None:
        """A contradictory record breaks 一 + 二 = 三(七) + 四; the error gives the column, the numbers, the case."""
        report = build_report([*SEED, bad], 2025, AGENCY)
        with pytest.raises(InvariantBroken) as caught:
            report.check()
        assert numbers in str(caught.value)
        assert "total:" in str(caught.value)
        assert named in str(caught.value)


# Hand-counted from SEED for 六安市民政局, 1 Jan to 31 Mar 2025: N-08 on and O-02 (registered 1 June) not yet
# received; C-02, O-03 and O-04 still open at the cutoff.
EXPECTED_Q1_2025: dict[str, tuple[int, ...]] = {
    "new": (3, 3, 1, 2, 0, 0, 9),
    "carried_over": (1, 1, 1, 0, 0, 1, 4),
    "disclosed": (3, 0, 0, 0, 0, 0, 3),
    "partly_disclosed": (0, 1, 0, 0, 0, 0, 1),
    "not_disclosed": (1, 1, 2, 1, 0, 0, 5),
    "other": (0, 0, 0, 0, 0, 1, 1),
    "total": (4, 2, 2, 1, 0, 1, 10),
    "carried_forward": (0, 2, 0, 1, 0, 0, 3),
}


def as_it_stood(records: list[CaseRecord], day: date) -> list[CaseRecord]:
    """The archive as it was at the end of ``day``: later cases absent, later closes undone."""
    then = []
    for r in records:
        if r.start_day > day:
            continue
        if r.closed_day is not None and r.closed_day > day:
            r = r.model_copy(update={"closed_at": None, "status": "open", "report_row": None, "outcome": None})
        then.append(r)
    return then


class TestCutoff:
    def test_first_quarter_gives_the_hand_counted_table(self) -> None:
        """Through 31 March 2025: the rows hand-counted above; table 四 holds only N-07's pending reconsideration."""
        got = table(build_report(SEED, 2025, AGENCY, REMEDIES, through=date(2025, 3, 31)).check())
        assert {key: got[key] for key in EXPECTED_Q1_2025} == EXPECTED_Q1_2025
        remedies = remedy_table(build_report(SEED, 2025, AGENCY, REMEDIES, through=date(2025, 3, 31)))
        assert remedies["reconsideration"] == (0, 0, 0, 1, 1)
        assert remedies["lawsuit"] == remedies["lawsuit_after_reconsideration"] == (0, 0, 0, 0, 0)

    def test_every_cutoff_is_the_whole_year_report_of_the_archive_as_it_stood(self) -> None:
        """Each day of 2025 as cutoff: the whole-year report of the archive as it then was; the invariant holds."""
        day = date(2025, 1, 1)
        while day.year == 2025:
            cut = build_report(SEED, 2025, None, REMEDIES, through=day).check()
            then_remedies = [r for r in REMEDIES if r.as_of <= day]
            whole = build_report(as_it_stood(SEED, day), 2025, None, then_remedies)
            assert (table(cut), remedy_table(cut)) == (table(whole), remedy_table(whole)), day
            day += timedelta(days=1)

    def test_the_last_day_is_the_whole_year(self) -> None:
        """Through 31 December is the annual report itself."""
        through = build_report(SEED, 2025, AGENCY, REMEDIES, through=date(2025, 12, 31))
        assert table(through) == table(build_report(SEED, 2025, AGENCY, REMEDIES))

    def test_a_cutoff_outside_the_year_is_refused(self) -> None:
        """A cutoff must be a day of the reported year."""
        with pytest.raises(OgiError, match="not in 2025"):
            build_report(SEED, 2025, through=date(2026, 1, 1))


class TestRemediesTable:
    @pytest.mark.parametrize("year", [2024, 2025, 2026])
    def test_latest_state_per_case_and_kind_in_the_year_reached(self, year: int) -> None:
        """Per case and kind the latest record by year end counts, in the year its state was reached."""
        report = build_report(SEED, year, AGENCY, REMEDIES)
        assert remedy_table(report) == EXPECTED_REMEDIES[year]

    def test_other_agency_remedies_only_without_filter(self) -> None:
        """The other agency's reconsideration counts only in the all-agency report."""
        everything = remedy_table(build_report(SEED, 2025, None, REMEDIES))
        assert everything["reconsideration"] == (1, 1, 1, 0, 3)


def seeded_archive(url: str, records: list[CaseRecord]) -> str:
    """The fresh case archive at ``url`` (``store_url``: SQLite, then PostgreSQL), now holding ``records``."""
    for record in records:
        store.upsert_case_record(record)
    return url


@pytest.fixture
def archive(store_url: str) -> str:
    """The archive holding the seed records, on each store backend."""
    return seeded_archive(store_url, SEED)


@pytest.fixture
def with_remedies(archive: str) -> str:
    """The seeded archive with the remedy results of ``RECORDED_2025``."""
    for case_id, kind, result, decided in RECORDED_2025:
        store.record_remedy(case_id, kind, result, decided, "li")
    return archive


runner = CliRunner()


class TestReportCommand:
    def test_json_has_both_tables_with_labels(self, archive: str) -> None:
        """--json prints one object: table 三 rows with keys, labels and all seven columns, and table 四."""
        done = runner.invoke(report_cmd.app, ["report", "--year", "2025", "--agency", AGENCY, "--json"])
        assert done.exit_code == 0, done.stderr
        data = json.loads(done.stdout)
        assert data["year"] == 2025
        assert data["columns"] == list(COLUMNS)
        assert data["column_labels"]["natural_person"] == "自然人"
        rows = {r["key"]: r for r in data["applications"]}
        assert rows["new"]["counts"] == dict(zip(COLUMNS, EXPECTED_2025["new"], strict=True))
        assert rows["carried_forward"]["label"] == "四、结转下年度继续办理"
        assert [r["key"] for r in data["remedies"]] == [k.value for k in RemedyKind]

    def test_format_json_equals_json_flag(self, archive: str) -> None:
        """--format json and --json print the same object."""
        a = runner.invoke(report_cmd.app, ["report", "--year", "2025", "--format", "json"])
        b = runner.invoke(report_cmd.app, ["report", "--year", "2025", "--json"])
        assert a.exit_code == b.exit_code == 0
        assert json.loads(a.stdout) == json.loads(b.stdout)

    def test_csv_is_the_form_with_a_bom(self, with_remedies: str) -> None:
        """CSV: UTF-8 with a BOM, the form's header rows, labels and numbers, then table 四's row of fifteen."""
        done = runner.invoke(report_cmd.app, ["report", "--year", "2025", "--agency", CODE, "--format", "csv"])
        assert done.exit_code == 0, done.stderr
        assert done.stdout_bytes.startswith(b"\xef\xbb\xbf")
        lines = list(csv.reader(io.StringIO(done.stdout_bytes.decode("utf-8-sig"))))
        assert lines[1][0] == APPLICATIONS_TITLE
        assert lines[2][:4] == [CROSS_CHECK, "", "", "申请人情况"]
        assert lines[3][3:] == ["自然人", "法人或其他组织", "", "", "", "", "总计"]
        assert lines[4][3:] == ["", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", ""]
        assert form_counts(lines[5:30]) == FORM_2025
        assert lines[7][:2] == ["三、本年度办理结果", "（一）予以公开"]
        assert lines[9][1:3] == ["（三）不予公开", "1.属于国家秘密"]
        assert lines[30] == []
        assert lines[31][0] == REMEDIES_TITLE
        assert lines[32][0] == "行政复议" and lines[32][5] == "行政诉讼"
        assert lines[33][5] == "未经复议直接起诉" and lines[33][10] == "复议后起诉"
        assert lines[34][5:] == ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 2
        assert [int(n) for n in lines[35]] == REMEDY_ROW_2025
        assert len(lines) == 36

    def test_xlsx_has_the_forms_merged_headings(self, with_remedies: str, tmp_path: Path) -> None:
        """XLSX: one sheet per table, the form's merged cells, labels and numbers as in the CSV."""
        out = tmp_path / "report.xlsx"
        done = runner.invoke(
            report_cmd.app, ["report", "--year", "2025", "--agency", AGENCY, "--format", "xlsx", "--output", str(out)]
        )
        assert done.exit_code == 0, done.stderr
        assert done.stdout == ""
        book = openpyxl.load_workbook(out)
        assert book.sheetnames == [APPLICATIONS_TITLE, REMEDIES_TITLE]
        three, four = book[APPLICATIONS_TITLE], book[REMEDIES_TITLE]
        merged = {str(r) for r in three.merged_cells.ranges}
        # Corner note, 申请人情况, 自然人, 法人或其他组织, 总计, 三、本年度办理结果, （三）不予公开, 一、
        assert {"A3:C5", "D3:J3", "D4:D5", "E4:I4", "J4:J5", "A8:A29", "B10:B17", "A6:C6"} <= merged
        assert three["A3"].value == CROSS_CHECK and three["A8"].value == "三、本年度办理结果"
        rows = [[c if c is not None else "" for c in row] for row in three.iter_rows(min_row=6, values_only=True)]
        assert form_counts([[str(c) for c in row] for row in rows]) == FORM_2025
        assert {"A3:E3", "F3:O3", "F4:J4", "K4:O4", "A4:A5"} <= {str(r) for r in four.merged_cells.ranges}
        assert [four.cell(row=6, column=c).value for c in range(1, 16)] == REMEDY_ROW_2025

    def test_xlsx_goes_to_stdout_only_off_a_terminal(self, archive: str, monkeypatch: pytest.MonkeyPatch) -> None:
        """Piped, the workbook's bytes go to stdout; on a terminal, --output is asked for (exit 2)."""
        done = runner.invoke(report_cmd.app, ["report", "--year", "2025", "--format", "xlsx"])
        assert done.exit_code == 0, done.stderr
        assert openpyxl.load_workbook(io.BytesIO(done.stdout_bytes)).sheetnames[0] == APPLICATIONS_TITLE
        monkeypatch.setattr(report_cmd, "is_terminal", lambda: True)
        done = runner.invoke(report_cmd.app, ["report", "--year", "2025", "--format", "xlsx"])
        assert done.exit_code == 2
        assert "--output" in done.stderr and done.stdout == ""

    def test_output_is_for_csv_and_xlsx(self, archive: str, tmp_path: Path) -> None:
        """--output with the table or JSON format is a mistake named with its fix; nothing is written."""
        out = tmp_path / "report.json"
        done = runner.invoke(report_cmd.app, ["report", "--year", "2025", "--json", "--output", str(out)])
        assert done.exit_code == 2
        assert "--format csv" in done.stderr
        assert not out.exists()

    def test_api_serves_csv_and_xlsx_as_attachments(self, with_remedies: str) -> None:
        """GET /v1/reports/{year}?format=csv|xlsx: the media type, a file name, and the same table."""
        from fastapi.testclient import TestClient

        from api.app import create_app

        with TestClient(create_app()) as client:
            as_csv = client.get("/v1/reports/2025", params={"format": "csv", "agency": AGENCY})
            as_xlsx = client.get("/v1/reports/2025", params={"format": "xlsx", "agency": AGENCY})
        assert as_csv.status_code == as_xlsx.status_code == 200
        assert as_csv.headers["content-type"] == "text/csv; charset=utf-8"
        assert as_csv.content.startswith("\ufeff".encode())
        assert 'filename="report-2025.csv"' in as_csv.headers["content-disposition"]
        assert as_xlsx.headers["content-type"] == XLSX_MEDIA_TYPE
        assert 'filename="report-2025.xlsx"' in as_xlsx.headers["content-disposition"]
        sheet = openpyxl.load_workbook(io.BytesIO(as_xlsx.content))[REMEDIES_TITLE]
        assert [sheet.cell(row=6, column=c).value for c in range(1, 16)] == REMEDY_ROW_2025

    def test_table_in_chinese_is_all_chinese(self, archive: str, monkeypatch: pytest.MonkeyPatch) -> None:
        """By default the table says everything in Chinese: the period, the form's headings, the check line."""
        monkeypatch.delenv("OGI_LANG")
        done = runner.invoke(report_cmd.app, ["report", "--year", "2025"], env={"COLUMNS": "200"})
        assert done.exit_code == 0, done.stderr
        assert "2025 年度 · 全部机关" in done.stdout
        assert "三、本年度办理结果" in done.stdout
        assert "行政复议" in done.stdout
        assert re.search(r"共统计 \d+ 件 · 各列均满足 一 \+ 二 = 三\(七\) \+ 四", done.stdout)
        assert re.findall(r"[A-Za-z]+", done.stdout) == []

    def test_table_in_english_says_its_own_lines_in_english(self, archive: str) -> None:
        """With ``OGI_LANG=en`` the lines around the form are English; the form keeps its prescribed Chinese text."""
        done = runner.invoke(report_cmd.app, ["report", "--year", "2025"], env={"COLUMNS": "200"})
        assert done.exit_code == 0, done.stderr
        lines = done.stdout.splitlines()
        assert lines[0] == "2025 annual report · all agencies"
        assert any(
            re.fullmatch(r"\d+ cases counted · rows I \+ II = III\(7\) \+ IV add up in every column", x) for x in lines
        )
        assert "三、本年度办理结果" in done.stdout  # a row of the national form (国办公开办函〔2021〕30号)

    def test_empty_year_is_all_zeros(self, archive: str) -> None:
        """A year with no archived cases prints an all-zero table and exits 0."""
        done = runner.invoke(report_cmd.app, ["report", "--year", "2019", "--json"])
        assert done.exit_code == 0, done.stderr
        data = json.loads(done.stdout)
        assert data["cases"] == 0
        assert {n for r in data["applications"] for n in r["counts"].values()} == {0}

    def test_broken_invariant_exits_1_with_numbers(self, archive: str) -> None:
        """A contradictory archive makes ``ogi report`` fail loudly: exit 1, the numbers on stderr."""
        store.upsert_case_record(rec("B-1", NP, "2025-03-01", "2024-12-20", "disclosed"))
        done = runner.invoke(report_cmd.app, ["report", "--year", "2025", "--json"])
        assert done.exit_code == 1
        assert done.stdout == ""
        error = json.loads(done.stderr)["error"]
        assert "natural_person: new 8 + carried over 1 = 9, but results 7 + carried forward 1 = 8" in error

    def test_unreachable_store_is_one_error_line(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """A store that cannot be opened gives one error line naming OGI_DATABASE_URL and exit 3."""
        blocker = tmp_path / "file"
        blocker.write_text("not a directory")
        monkeypatch.setenv("OGI_DATABASE_URL", f"sqlite:///{blocker}/sub/x.sqlite")
        store.reset_engines()
        done = runner.invoke(report_cmd.app, ["report", "--year", "2025"])
        store.reset_engines()
        assert done.exit_code == 3
        assert done.stderr.count("\n") == 1
        assert "OGI_DATABASE_URL" in done.stderr


class TestReportAgency:
    def test_an_agency_nobody_knows_is_a_typo_not_an_empty_year(self, archive: str) -> None:
        """--agency with no archived case and no configuration: exit 2, naming the agencies the archive holds."""
        done = runner.invoke(report_cmd.app, ["report", "--year", "2025", "--agency", "六安市民证局"])
        assert done.exit_code == 2
        assert "no agency '六安市民证局'" in done.stderr and f"{AGENCY} ({CODE})" in done.stderr

    def test_a_configured_agency_without_cases_is_an_all_zero_year(
        self, archive: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A configured agency that has no case yet gets its all-zero form, by name or by code."""
        config = tmp_path / "ogi.toml"
        config.write_text('[agencies."六安市审计局"]\ncode = "LASJ"\n', "utf-8")
        monkeypatch.setenv("OGI_CONFIG", str(config))
        for agency in ("六安市审计局", "LASJ"):
            done = runner.invoke(report_cmd.app, ["report", "--year", "2025", "--agency", agency, "--json"])
            assert done.exit_code == 0, done.stderr
            assert all(row["counts"]["total"] == 0 for row in json.loads(done.stdout)["applications"])


class TestReportThrough:
    def test_through_a_day_reports_the_year_so_far(self, archive: str) -> None:
        """--through 2025-03-31: the first quarter's tables, the cutoff in the JSON and in the table title."""
        args = ["report", "--year", "2025", "--agency", AGENCY, "--through", "2025-03-31"]
        done = runner.invoke(report_cmd.app, [*args, "--json"])
        assert done.exit_code == 0, done.stderr
        got = json.loads(done.stdout)
        assert got["through"] == "2025-03-31"
        new = next(row for row in got["applications"] if row["key"] == "new")
        assert new["counts"]["total"] == EXPECTED_Q1_2025["new"][-1]
        shown = runner.invoke(report_cmd.app, args, env={"COLUMNS": "200"})
        assert "2025 so far, through 2025-03-31 · " in shown.stdout

    @pytest.mark.parametrize(
        ("through", "message"),
        [("2026-01-01", "is not in 2025"), ("2025-02-30", "--through"), ("tomorrow", "--through")],
    )
    def test_bad_cutoffs_exit_2(self, archive: str, through: str, message: str) -> None:
        """A day outside the year, an impossible date or no date: one error line, exit 2."""
        done = runner.invoke(report_cmd.app, ["report", "--year", "2025", "--through", through])
        assert done.exit_code == 2
        assert message in done.stderr and done.stderr.count("\n") == 1

    def test_a_cutoff_in_the_future_is_refused(self, archive: str) -> None:
        """The current year's report cannot stand as of a day that has not come."""
        tomorrow = beijing_date(datetime.now(UTC)) + timedelta(days=1)
        done = runner.invoke(
            report_cmd.app, ["report", "--year", str(tomorrow.year), "--through", tomorrow.isoformat()]
        )
        assert done.exit_code == 2
        assert "is after today" in done.stderr


class TestRemedyCommand:
    def test_recorded_results_reach_table_four(self, archive: str) -> None:
        """Remedies recorded with ``ogi remedy`` are counted, the latest per case and kind."""
        for args in (
            ["N-07", "--kind", "reconsideration", "--result", "maintained", "--decided", "2025-05-01"],
            ["N-07", "--kind", "reconsideration", "--result", "corrected", "--decided", "2025-06-01"],
            ["N-05", "--kind", "lawsuit", "--result", "other", "--decided", "2025-07-01"],
            ["C-03", "--kind", "lawsuit_after_reconsideration", "--result", "maintained", "--decided", "2025-08-01"],
        ):
            done = runner.invoke(report_cmd.app, ["remedy", *args, "--by", "li", "--json"])
            assert done.exit_code == 0, done.stderr
            assert json.loads(done.stdout)["case_id"] == args[0]
        assert {r.recorded_by for r in store.remedy_records()} == {"li"}
        done = runner.invoke(report_cmd.app, ["report", "--year", "2025", "--agency", AGENCY, "--json"])
        rows = {r["key"]: r["counts"] for r in json.loads(done.stdout)["remedies"]}
        assert rows["reconsideration"] == {"maintained": 0, "corrected": 1, "other": 0, "pending": 0, "total": 1}
        assert rows["lawsuit"]["other"] == rows["lawsuit"]["total"] == 1
        assert rows["lawsuit_after_reconsideration"]["maintained"] == 1

    def test_pending_counts_in_the_year_recorded(self, archive: str) -> None:
        """A pending remedy counts as 尚未审结 in the (Beijing) year it was recorded."""
        done = runner.invoke(
            report_cmd.app, ["remedy", "N-04", "--kind", "lawsuit", "--result", "pending", "--by", "li"]
        )
        assert done.exit_code == 0, done.stderr
        this_year = datetime.now(UTC).astimezone(BEIJING).year
        report = runner.invoke(report_cmd.app, ["report", "--year", str(this_year), "--json"])
        rows = {r["key"]: r["counts"] for r in json.loads(report.stdout)["remedies"]}
        assert rows["lawsuit"]["pending"] == 1

    @pytest.mark.parametrize(
        ("args", "code", "message"),
        [
            (["NOPE-1", "--kind", "lawsuit", "--result", "maintained"], 1, "no case 'NOPE-1'"),
            (["N-01", "--kind", "lawsuit", "--result", "pending", "--decided", "2025-01-01"], 2, "omit it"),
            (["N-01", "--kind", "lawsuit", "--result", "corrected", "--decided", "2999-01-01"], 2, "in the future"),
            (["N-01", "--kind", "lawsuit", "--result", "corrected", "--decided", "1 May"], 2, "not a date"),
            (["N-01", "--kind", "lawsuit", "--result", "maintained", "--decided", "2025-01-05"], 2, "before case N-01"),
            (["N-01", "--kind", "lawsuit", "--result", "maintained", "--by", " "], 2, "a user name cannot be empty"),
        ],
    )
    def test_refusals(self, archive: str, args: list[str], code: int, message: str) -> None:
        """Unknown cases and impossible dates are refused with one error line and nothing recorded."""
        by = [] if "--by" in args else ["--by", "li"]
        done = runner.invoke(report_cmd.app, ["remedy", *args, *by])
        assert done.exit_code == code
        assert message in done.stderr
        assert store.remedy_records() == []


class TestRemedyEnums:
    def test_kinds_and_results_are_the_table_four_headings(self) -> None:
        """Three remedy rows and four result columns, as printed on table 四."""
        assert [k.value for k in RemedyKind] == ["reconsideration", "lawsuit", "lawsuit_after_reconsideration"]
        assert [r.value for r in RemedyResult] == ["maintained", "corrected", "other", "pending"]
