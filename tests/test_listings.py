"""Listings and statistics from the read model, through the ogi command and the API (no Temporal needed).

The rows are written as the workflow writes them (``archive_case``'s upsert), then ``ogi overdue``,
``due-soon``, ``list`` and ``stats`` read them through the API run in-process (authentication off).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from cli import supervise_cmd
from domain.application import ApplicantKind, Channel
from domain.calendar import load_calendar
from domain.case import Stage
from domain.clock import beijing_date
from domain.listing_sheet import LISTING_COLUMNS, listing_grid
from domain.read_model import CaseRow
from infra import store
from infra.paths import notices_dir

pytestmark = pytest.mark.usefixtures("english")  # these tests read the English wording (OGI_LANG=en)

MZ, CZ = "六安市民政局", "六安市财政局"
TODAY = beijing_date(datetime.now(UTC))
SOON_DAYS = 3
SOON = load_calendar(None, notices_dir()).add_working_days(TODAY, SOON_DAYS)


def row(case_id: str, due: date | None, *, overdue: bool = False, agency: str = MZ, **changes: Any) -> CaseRow:
    """An open case's read-model row as the workflow writes it."""
    data: dict[str, Any] = {
        "case_id": case_id,
        "agency": agency,
        "agency_code": "LAMZ" if agency == MZ else "LACZ",
        "applicant_kind": ApplicantKind.NATURAL_PERSON,
        "channel": Channel.ONLINE,
        "received": (due - timedelta(days=28)) if due else None,
        "registered_at": datetime.now(UTC),
        "due": due,
        "stage": Stage.REVIEW if due else Stage.AWAITING_RECEIPT,
        "status": "open",
        "overdue": overdue,
        "revision": 1,
        "applicant_masked": "张*",
        "subject": "2019年度低保资金发放情况",
    }
    data.update(changes)
    return CaseRow(**data)


ROWS = [
    *(row(f"P-{n:03d}", TODAY - timedelta(days=20), overdue=True) for n in (5, 1, 10, 3, 7)),
    *(row(f"Q-{n:03d}", TODAY - timedelta(days=10), overdue=True) for n in (2, 9, 4)),
    row("R-001", SOON),
    row("R-002", SOON + timedelta(days=1)),
    row("R-003", SOON, clock_paused=True),
    *(row(f"S-{n:03d}", SOON + timedelta(days=12)) for n in (8, 6, 4, 2)),
    *(row(f"U-{n:03d}", None) for n in (3, 1, 2)),
    row(
        "C-001",
        TODAY - timedelta(days=3),
        overdue=True,
        agency=CZ,
        stage=Stage.SECRECY_REVIEW,
        channel=Channel.IN_PERSON,
    ),
    row("X-001", TODAY - timedelta(days=40), status="closed", stage=Stage.CLOSED, outcome="disclosed"),
    row("A-001", TODAY + timedelta(days=5), attention="the clock could not be recomputed"),
]
OPEN_MZ = [r for r in ROWS if r.status == "open" and r.agency == MZ]


def expected_order(rows: list[CaseRow]) -> list[str]:
    """Due date first, earliest first; cases without a due date last; ties by id."""
    dated = sorted((r.due, r.case_id) for r in rows if r.due is not None)
    return [i for _, i in dated] + sorted(r.case_id for r in rows if r.due is None)


@pytest.fixture
def seeded(db: Path) -> Path:
    """The rows in a fresh store."""
    for r in ROWS:
        store.upsert_case_record(r)
    return db


runner = CliRunner()


def ogi(*args: str, env: dict[str, str] | None = None) -> tuple[int, Any]:
    """A supervisor command with --json; its exit code and parsed output."""
    done = runner.invoke(supervise_cmd.app, [*args, "--json"], env=env)
    return done.exit_code, json.loads(done.stdout or done.stderr)


class TestListings:
    def test_overdue_pages_with_total_and_next(self, seeded: Path) -> None:
        """``ogi overdue --limit 5``: one page, the total and the cursor; the next page continues after it."""
        code, first = ogi("overdue", "--limit", "5")
        assert code == 0, first
        assert (first["count"], first["total"], first["offset"]) == (5, 9, 0)
        assert [c["id"] for c in first["cases"]] == ["P-001", "P-003", "P-005", "P-007", "P-010"]
        code, second = ogi("overdue", "--limit", "5", "--after", first["next"])
        assert code == 0
        assert [c["id"] for c in second["cases"]] == ["Q-002", "Q-004", "Q-009", "C-001"]
        assert (second["offset"], second["next"]) == (5, None)

    def test_due_soon_includes_the_last_day_and_skips_stopped_clocks(self, seeded: Path) -> None:
        """``due-soon --days N``: due exactly N working days out is in; a day later, or a stopped clock, is not."""
        code, out = ogi("due-soon", "--days", str(SOON_DAYS))
        assert code == 0, out
        ids = [c["id"] for c in out["cases"]]
        assert "R-001" in ids
        assert "R-002" not in ids
        assert "R-003" not in ids
        assert not any(i.startswith(("P-", "Q-")) for i in ids)
        assert out["through"] == SOON.isoformat()

    def test_list_all_every_open_case_in_due_order(self, seeded: Path) -> None:
        """``list --all --agency``: every open case of the agency, sorted, no cursor; closed ones left out."""
        code, out = ogi("list", "--all", "--agency", MZ)
        assert code == 0, out
        assert [c["id"] for c in out["cases"]] == expected_order(OPEN_MZ)
        assert out["next"] is None

    def test_rows_carry_the_masked_applicant_and_working_days_left(self, seeded: Path) -> None:
        """A listing line names the applicant masked, the request's first words and the working days left."""
        _, out = ogi("list", "--agency", MZ, "--limit", "100")
        by_id = {c["id"]: c for c in out["cases"]}
        assert by_id["R-001"]["applicant"] == "张*"
        assert by_id["R-001"]["subject"].startswith("2019年度")
        assert by_id["R-001"]["left"] == SOON_DAYS
        assert by_id["P-001"]["left"] < 0
        assert by_id["U-001"]["left"] is None

    def test_attention_lists_cases_that_need_staff(self, seeded: Path) -> None:
        """``list --attention`` shows the cases marked as needing attention, with the reason."""
        code, out = ogi("list", "--attention")
        assert code == 0, out
        assert [(c["id"], c["attention"]) for c in out["cases"]] == [("A-001", "the clock could not be recomputed")]

    def test_closed_included_on_request(self, seeded: Path) -> None:
        """``--closed`` (or ``--stage closed``) includes closed cases."""
        _, out = ogi("list", "--stage", "closed")
        assert [c["id"] for c in out["cases"]] == ["X-001"]

    def test_agency_by_its_configured_code(self, seeded: Path, tmp_path: Path) -> None:
        """``--agency LAMZ`` finds the cases of the agency the configuration gives that code."""
        config = tmp_path / "ogi.toml"
        config.write_text(f'[agencies."{MZ}"]\ncode = "LAMZ"\n', "utf-8")
        env = {"OGI_CONFIG": str(config)}
        _, by_name = ogi("list", "--all", "--agency", MZ, env=env)
        _, by_code = ogi("list", "--all", "--agency", "LAMZ", env=env)
        assert by_code["cases"] == by_name["cases"]
        assert by_code["total"] == len(OPEN_MZ)

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["overdue", "--after", "bogus"], "'bogus' is not a page cursor"),
            (["list", "--all", "--limit", "3"], "--all lists every case"),
            (["due-soon", "--all", "--after", "2026-01-01,X"], "--all lists every case"),
            (["due-soon", "--csv"], "choose one"),
        ],
    )
    def test_bad_paging_options_exit_2_with_the_fix(self, seeded: Path, args: list[str], message: str) -> None:
        """A bad cursor, --all with --limit/--after, or two formats: exit 2 with the fix."""
        code, out = ogi(*args)
        assert code == 2
        assert message in out["error"]
        assert out["code"].startswith("bad_input")

    def test_an_unknown_channel_is_bad_input(self, seeded: Path) -> None:
        """``--channel pigeon`` is refused with the channels there are."""
        done = runner.invoke(supervise_cmd.app, ["list", "--channel", "pigeon"])
        assert done.exit_code == 2
        assert "online" in done.stderr

    def test_csv_export_of_every_case(self, seeded: Path) -> None:
        """``list --all --csv``: a BOM, the Chinese header, then one line per case in the listing's order."""
        done = runner.invoke(supervise_cmd.app, ["list", "--all", "--agency", MZ, "--csv"])
        assert done.exit_code == 0, done.stderr
        assert done.stdout_bytes.startswith(b"\xef\xbb\xbf")
        lines = list(csv.reader(io.StringIO(done.stdout_bytes.decode("utf-8-sig"))))
        assert lines[0] == [header for _, header in LISTING_COLUMNS]
        assert lines[0][:7] == ["案件编号", "阶段", "收到日期", "答复期限", "剩余工作日", "逾期", "暂停计时"]
        assert [line[0] for line in lines[1:]] == expected_order(OPEN_MZ)
        by_id = {line[0]: dict(zip(lines[0], line, strict=True)) for line in lines[1:]}
        p001 = by_id["P-001"]
        assert (p001["逾期"], p001["阶段"], p001["渠道"], p001["机关"]) == ("是", "办理中", "互联网渠道", MZ)
        assert p001["答复期限"] == (TODAY - timedelta(days=20)).isoformat()
        assert (p001["申请人"], p001["申请内容"]) == ("张*", "2019年度低保资金发放情况")
        assert (by_id["U-001"]["答复期限"], by_id["U-001"]["阶段"]) == ("", "待确认收到")
        assert by_id["R-003"]["暂停计时"] == "是"
        assert done.stderr == ""

    def test_machine_csv_keeps_the_keys_and_codes(self, seeded: Path) -> None:
        """``--csv --machine``: for scripts, the English keys and stored codes, no BOM."""
        done = runner.invoke(supervise_cmd.app, ["list", "--all", "--agency", MZ, "--csv", "--machine"])
        assert done.exit_code == 0, done.stderr
        lines = list(csv.reader(io.StringIO(done.stdout)))
        assert lines[0] == list(supervise_cmd.MACHINE_COLUMNS)
        by_id = {line[0]: dict(zip(lines[0], line, strict=True)) for line in lines[1:]}
        assert (by_id["P-001"]["overdue"], by_id["P-001"]["stage"]) == ("true", "review")
        assert (by_id["U-001"]["due"], by_id["U-001"]["stage"]) == ("", "awaiting_receipt")

    def test_csv_page_puts_the_cursor_on_stderr(self, seeded: Path) -> None:
        """A CSV page keeps stdout a clean table; how to get the next page goes to stderr."""
        done = runner.invoke(supervise_cmd.app, ["overdue", "--limit", "2", "--csv"])
        assert done.exit_code == 0, done.stderr
        lines = csv.reader(io.StringIO(done.stdout_bytes.decode("utf-8-sig")))
        assert [line[0] for line in lines] == ["案件编号", "P-001", "P-003"]
        assert "2 of 9; next page: --after" in done.stderr

    @pytest.mark.parametrize(
        ("command", "sheet"),
        [(["overdue"], "逾期案件"), (["due-soon", "--days", "3"], "即将到期"), (["list"], "案件列表")],
    )
    def test_xlsx_has_the_csv_rows(self, seeded: Path, tmp_path: Path, command: list[str], sheet: str) -> None:
        """``--xlsx FILE``: one sheet with the CSV's header and rows, dates as dates; stdout stays empty."""
        out = tmp_path / "cases.xlsx"
        as_csv = runner.invoke(supervise_cmd.app, [*command, "--all", "--csv"])
        done = runner.invoke(supervise_cmd.app, [*command, "--all", "--xlsx", str(out)])
        assert done.exit_code == 0, done.stderr
        assert done.stdout == ""
        book = openpyxl.load_workbook(out)
        assert book.sheetnames == [sheet]
        rows = [
            ["" if c is None else c.date().isoformat() if isinstance(c, datetime) else str(c) for c in row]
            for row in book[sheet].iter_rows(values_only=True)
        ]
        assert rows == list(csv.reader(io.StringIO(as_csv.stdout_bytes.decode("utf-8-sig"))))
        assert len(rows) > 1

    def test_two_formats_at_once_are_refused(self, seeded: Path, tmp_path: Path) -> None:
        """--csv with --xlsx, or --machine without --csv: exit 2 with the fix, nothing written."""
        out = tmp_path / "cases.xlsx"
        done = runner.invoke(supervise_cmd.app, ["overdue", "--csv", "--xlsx", str(out)])
        assert done.exit_code == 2
        assert "choose one" in done.stderr
        done = runner.invoke(supervise_cmd.app, ["overdue", "--machine"])
        assert done.exit_code == 2
        assert "add --csv" in done.stderr
        assert not out.exists()

    def test_piped_table_is_tab_separated_and_whole(self, seeded: Path) -> None:
        """Piped (not a terminal), the table is one tab-separated line per case: nothing wraps or folds."""
        done = runner.invoke(supervise_cmd.app, ["overdue", "--limit", "2"])
        assert done.exit_code == 0, done.stderr
        lines = done.stdout.splitlines()
        assert lines[0].split("\t")[:3] == ["case", "stage", "due"]
        assert lines[1].split("\t")[0] == "P-001"
        assert "next page: the same command with --after" in done.stderr


class TestStats:
    def test_counts_from_the_read_model(self, seeded: Path) -> None:
        """``ogi stats --json``: open, overdue, due this week and needing attention, per stage and agency."""
        done = runner.invoke(supervise_cmd.app, ["stats", "--json"])
        assert done.exit_code == 0, done.stderr
        stats = json.loads(done.stdout)
        open_rows = [r for r in ROWS if r.status == "open"]
        assert stats["open"] == len(open_rows)
        assert stats["overdue"] == sum(r.overdue for r in open_rows)
        assert stats["attention"] == 1
        assert stats["by_stage"]["secrecy_review"] == 1
        assert stats["by_agency"] == {MZ: len(OPEN_MZ), CZ: 1}
        week_end = TODAY + timedelta(days=6 - TODAY.weekday())
        due_now = [r for r in open_rows if r.due and not r.overdue and not r.clock_paused and r.due <= week_end]
        assert stats["due_this_week"] == len(due_now)

    def test_one_agency(self, seeded: Path) -> None:
        """``--agency`` restricts every count."""
        done = runner.invoke(supervise_cmd.app, ["stats", "--agency", CZ, "--json"])
        stats = json.loads(done.stdout)
        assert (stats["open"], stats["overdue"], stats["by_agency"]) == (1, 1, {CZ: 1})

    def test_watch_with_json_is_refused(self) -> None:
        """--watch redraws a table and cannot print one JSON document."""
        done = runner.invoke(supervise_cmd.app, ["stats", "--watch", "--json"])
        assert done.exit_code == 2
        assert "--json" in done.stderr

    def test_store_that_does_not_exist_is_said_so(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """Pointed at a store that does not exist, a listing says so (exit 3) instead of an empty answer."""
        monkeypatch.setenv("OGI_DATABASE_URL", f"sqlite:///{tmp_path / 'nowhere' / 'ogi.sqlite'}")
        store.reset_engines()
        done = runner.invoke(supervise_cmd.app, ["overdue", "--json"])
        assert done.exit_code == 3
        assert "no case store at" in json.loads(done.stderr)["error"]
        assert not (tmp_path / "nowhere" / "ogi.sqlite").exists()


class TestListingSheet:
    def test_one_row_per_case_with_labels_dates_and_numbers(self) -> None:
        """The pure rows: Chinese labels, dates as dates, days left as a number, unknown codes kept as they are."""
        grid = listing_grid(
            [
                {"id": "A-1", "stage": "secrecy_review", "due": "2026-12-18", "left": -3, "overdue": True},
                {"id": "A-2", "stage": "archived", "channel": "email", "outcome": "partly_disclosed"},
            ]
        )
        header, first, second = grid.rows
        assert grid.header_rows == [0]
        row = dict(zip(header, first, strict=True))
        assert (row["阶段"], row["答复期限"], row["剩余工作日"], row["逾期"]) == (
            "保密审查",
            date(2026, 12, 18),
            -3,
            "是",
        )
        assert row["暂停计时"] is None and row["申请人"] is None
        row = dict(zip(header, second, strict=True))
        assert (row["阶段"], row["渠道"], row["结果"]) == ("archived", "电子邮件", "部分公开")
