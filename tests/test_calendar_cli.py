"""``ogi calendar`` as users run it: real subprocesses, exit codes, one-line errors, notices on disk."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.workflow_support import NOTICE_2027

pytestmark = pytest.mark.usefixtures("english")  # these tests read the English wording (OGI_LANG=en)

OGI = str(Path(sys.executable).parent / "ogi")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path


def ogi(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OGI_HOME": str(home)}
    return subprocess.run([OGI, "calendar", *args], env=env, capture_output=True, text=True, timeout=60, check=False)


def test_add_workdays_plain_and_json(home: Path) -> None:
    done = ogi(home, "add-workdays", "2024-09-27", "20")
    assert done.returncode == 0
    assert done.stdout.strip() == "2024-10-30"
    data = json.loads(ogi(home, "add-workdays", "2024-09-27", "20", "--json").stdout)
    assert data["due"] == "2024-10-30"
    assert data["deadline_at"] == "2024-10-31T00:00:00+08:00"
    assert data["provisional"] is False
    assert len(data["calendar_version"]) == 12


def test_is_workday_and_year(home: Path) -> None:
    assert ogi(home, "is-workday", "2024-02-04").stdout.strip() == "yes"  # make-up Sunday
    assert ogi(home, "is-workday", "2024-10-01").stdout.strip() == "no"
    year = json.loads(ogi(home, "year", "2024", "--json").stdout)
    kinds = {d["date"]: d["kind"] for d in year["days"]}
    assert kinds["2024-02-04"] == "make-up working day"
    assert kinds["2024-10-01"] == "holiday"
    assert year["status"] == "official"
    table = ogi(home, "year", "2024")
    assert table.returncode == 0
    assert "2024-02-04" in table.stdout


def test_load_notice_turns_2027_official(home: Path) -> None:
    before = json.loads(ogi(home, "add-workdays", "2026-12-15", "20", "--json").stdout)
    assert before["provisional"] is True
    notice = home / "notice.json"
    notice.write_text(json.dumps(NOTICE_2027), "utf-8")
    loaded = ogi(home, "load-notice", str(notice))
    assert loaded.returncode == 0, loaded.stderr
    assert "recompute" in loaded.stdout
    assert (home / "calendar" / "2027.json").exists()
    after = json.loads(ogi(home, "add-workdays", "2026-12-15", "20", "--json").stdout)
    assert after["provisional"] is False
    assert after["calendar_version"] != before["calendar_version"]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("add-workdays", "notadate", "5"), "not a valid date"),
        (("add-workdays", "2024-02-30", "5"), "is not a valid date"),
        (("add-workdays", "2024-01-01", "-1"), "between 0 and 1000"),
        (("add-workdays", "2024-01-01", "1001"), "between 0 and 1000"),
        (("add-workdays", "2024-01-01", "seven"), "whole number"),
        (("add-workdays", "2024-01-01", "5", "--region", "mars"), "unknown region"),
        (("is-workday", "2024-13-01"), "not a valid date"),
        (("year", "1999"), "2008"),
        (("load-notice", "/no/such/notice.json"), "does not exist"),
    ],
)
def test_bad_input_exits_2_with_one_line(home: Path, args: tuple[str, ...], fragment: str) -> None:
    done = ogi(home, *args)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error:")
    assert fragment in lines[0]
    assert "Traceback" not in done.stderr


def test_malformed_notice_changes_nothing(home: Path) -> None:
    good = home / "good.json"
    good.write_text(json.dumps(NOTICE_2027), "utf-8")
    assert ogi(home, "load-notice", str(good)).returncode == 0
    installed = (home / "calendar" / "2027.json").read_bytes()
    bad = home / "bad.json"
    bad.write_text(json.dumps({**NOTICE_2027, "weekend_workdays": ["2027-02-22"]}), "utf-8")
    done = ogi(home, "load-notice", str(bad))
    assert done.returncode == 2
    assert "not a Saturday or Sunday" in done.stderr
    assert (home / "calendar" / "2027.json").read_bytes() == installed
    assert sorted(p.name for p in (home / "calendar").iterdir()) == ["2027.json"]
