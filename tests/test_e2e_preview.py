"""``--dry-run`` through the CLI on a real dev server: the what-if is answered and the case is untouched."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from domain.calendar import load_calendar
from domain.clock import beijing_date
from tests.test_e2e_cli import Stack
from tests.test_e2e_clock_cli import shown_once, stack_with_roles, submit

pytestmark = pytest.mark.e2e

CAL = load_calendar()


@pytest.fixture(scope="module")
def stack(dev_server_address: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The module's stack with roles."""
    yield from stack_with_roles(dev_server_address, tmp_path_factory)


def idle(stack: Stack, case_id: str) -> dict[str, Any]:
    """The case once it has issued what registration calls for: its trail moves no more by itself."""
    shown = shown_once(stack, case_id, lambda shown: not shown["busy"], seconds=30)
    assert not shown["busy"], f"{case_id} still busy: {shown['outgoing']}"
    return shown


def start_day() -> Any:
    """The day counting starts after, for a case received today."""
    today = beijing_date(datetime.now(UTC))
    return today if CAL.is_working_day(today) else CAL.next_working_day(today)


class TestDryRun:
    def test_extension_preview_answers_and_sends_nothing(self, stack: Stack) -> None:
        """The head's extension would move the due date by 20 working days; the case keeps its due and trail."""
        case_id = submit(stack)
        before = idle(stack, case_id)
        got = stack.ogi_json("extend", case_id, "--by", "zhao", "--reason", "材料较多", "--dry-run")
        assert got["dry_run"] is True and got["accepted"] is True
        assert got["clock_before"]["due"] == CAL.add_working_days(start_day(), 20).isoformat()
        assert got["clock_after"]["due"] == CAL.add_working_days(start_day(), 40).isoformat()
        assert got["due_moves_by"] > 0
        after = stack.ogi_json("show", case_id)
        assert after["due"] == before["due"]
        assert after["extension"] is None
        assert after["events"] == before["events"]

    def test_refused_preview_exits_1_and_is_not_recorded(self, stack: Stack) -> None:
        """A reviewer cannot extend: the preview says so (exit 1) and the trail holds no refusal."""
        case_id = submit(stack)
        before = idle(stack, case_id)
        done = stack.ogi("extend", case_id, "--by", "li", "--reason", "x", "--dry-run")
        assert done.returncode == 1
        assert "would be refused" in done.stderr and "head" in done.stderr
        assert "nothing was sent" in done.stderr
        assert stack.ogi_json("show", case_id)["events"] == before["events"]

    def test_applicant_answers_a_correction_later(self, stack: Stack) -> None:
        """In awaiting_correction: if the corrected application arrives in 5 working days, due is 20 after that."""
        case_id = submit(stack)
        stack.ogi_json("request-correction", case_id, "--by", "li", "--item", "请写明文件名称")
        arrives = CAL.add_working_days(beijing_date(datetime.now(UTC)), 5)
        got = stack.ogi_json(
            "submit-correction",
            case_id,
            "--by",
            "desk",
            "--received",
            arrives.isoformat(),
            "--dry-run",
            "--as-of",
            arrives.isoformat(),
        )
        assert got["as_of"] == arrives.isoformat()
        assert (got["stage_before"], got["stage_after"]) == ("awaiting_correction", "review")
        assert got["clock_after"]["due"] == CAL.add_working_days(arrives, 20).isoformat()
        assert stack.ogi_json("show", case_id)["stage"] == "awaiting_correction"

    def test_table_output_shows_the_move(self, stack: Stack) -> None:
        """Without --json: accepted, the audit line it would write and the due date before and after."""
        case_id = submit(stack)
        done = stack.ogi("extend", case_id, "--by", "zhao", "--reason", "材料较多", "--days", "10", "--dry-run")
        assert done.returncode == 0, done.stderr
        old, new = (CAL.add_working_days(start_day(), n).isoformat() for n in (20, 30))
        assert "would be accepted" in done.stdout
        assert "extended by 10 working days" in done.stdout
        assert f"due {old} → {new}" in done.stdout

    @pytest.mark.parametrize(
        ("extra", "message"),
        [
            (["--as-of", "2030-01-01"], "needs --dry-run"),
            (["--dry-run", "--as-of", "2020-01-01"], "is before today"),
            (["--dry-run", "--as-of", "soon"], "--as-of 'soon' is not a date"),
        ],
    )
    def test_bad_as_of_exits_2(self, stack: Stack, extra: list[str], message: str) -> None:
        """--as-of without --dry-run, in the past, or not a date: one line, exit 2, nothing sent."""
        case_id = submit(stack)
        before = idle(stack, case_id)
        done = stack.ogi("extend", case_id, "--by", "zhao", "--reason", "x", *extra)
        assert done.returncode == 2
        assert message in done.stderr
        assert stack.ogi_json("show", case_id)["events"] == before["events"]

    def test_closed_case(self, stack: Stack) -> None:
        """A withdrawn case can only be previewed as refused."""
        case_id = submit(stack)
        stack.ogi_json("withdraw", case_id, "--by", "desk")
        done = stack.ogi("approve", case_id, "--by", "li", "--dry-run")
        assert done.returncode == 1
        assert "closed" in done.stderr
