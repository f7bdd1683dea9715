"""End to end through the CLI on the real dev server: every clock branch, with roles from a config file."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from domain.calendar import load_calendar
from domain.clock import beijing_date
from tests.test_e2e_cli import Stack, application_file, running_stack
from tests.workflow_support import NOTICE_2027, document_text

pytestmark = pytest.mark.e2e

PEOPLE = """
[people]
li = ["reviewer"]
wang = ["secrecy_reviewer"]
zhao = ["head"]
desk = ["intake"]
sun = ["supervisor"]
"""


def stack_with_roles(dev_server_address: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A worker and CLI that share a configuration naming who holds which role (``PEOPLE``)."""
    home = tmp_path_factory.mktemp("roles-home")
    config = home / "ogi.toml"
    config.write_text(PEOPLE, "utf-8")
    with running_stack(dev_server_address, home, OGI_CONFIG=str(config)) as st:
        yield st


@pytest.fixture(scope="module")
def stack(dev_server_address: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The module's stack with roles."""
    yield from stack_with_roles(dev_server_address, tmp_path_factory)


def submit(stack: Stack, **changes: Any) -> str:
    """Register an application received today; returns its tracking number."""
    case_id: str = stack.ogi_json("submit", str(application_file(stack.home, channel="in_person", **changes)))["id"]
    return case_id


def refused(stack: Stack, *args: str) -> str:
    """Run an action that must be refused; returns the one-line reason and checks nothing changed."""
    before = stack.ogi_json("show", args[1])
    done = stack.ogi(*args)
    assert done.returncode == 1, done.stdout
    assert len(done.stderr.strip().splitlines()) == 1
    after = stack.ogi_json("show", args[1])
    assert after["stage"] == before["stage"]
    assert after["due"] == before["due"]
    return done.stderr


def shown_once(
    stack: Stack, case_id: str, ready: Callable[[dict[str, Any]], bool], seconds: float = 20
) -> dict[str, Any]:
    """``ogi show`` of the case, polled until ``ready`` holds or ``seconds`` have passed (then the last one)."""
    deadline = time.monotonic() + seconds
    while True:
        shown: dict[str, Any] = stack.ogi_json("show", case_id)
        if ready(shown) or time.monotonic() > deadline:
            return shown
        time.sleep(0.2)


def closed(stack: Stack, case_id: str) -> dict[str, Any]:
    """The case once its reply is out (polled; the reply activity runs after the release)."""
    return shown_once(stack, case_id, lambda shown: shown["status"] == "closed")


class TestEveryClockBranchThroughTheCli:
    def test_correction_extension_consultation_fee_then_reply(self, stack: Stack) -> None:
        """Correction restarts the clock, the head extends it, consultation and fee pause it, the reply closes it."""
        today = beijing_date(datetime.now(UTC))
        cal = load_calendar()
        case_id = submit(stack)

        shown = stack.ogi_json(
            "request-correction", case_id, "--by", "li", "--item", "请写明文件名称", "--item", "请补充身份证明"
        )
        assert shown["stage"] == "awaiting_correction"
        assert stack.ogi_json("show", case_id)["clock"]["paused"] is True
        assert "awaiting_correction" in refused(stack, "request-correction", case_id, "--by", "li", "--item", "again")

        assert "intake" in refused(stack, "submit-correction", case_id, "--by", "li", "--received", today.isoformat())
        stack.ogi_json("submit-correction", case_id, "--by", "desk", "--received", today.isoformat())
        shown = stack.ogi_json("show", case_id)
        assert shown["stage"] == "review"
        start = today if cal.is_working_day(today) else cal.next_working_day(today)
        assert shown["due"] == cal.add_working_days(start, 20).isoformat()

        assert "head" in refused(stack, "extend", case_id, "--by", "li", "--reason", "材料较多")
        stack.ogi_json("extend", case_id, "--by", "zhao", "--reason", "需调取档案，材料较多")
        extended = stack.ogi_json("show", case_id)
        assert extended["due"] == cal.add_working_days(start, 40).isoformat()
        assert "one extension" in refused(stack, "extend", case_id, "--by", "zhao", "--reason", "again")

        stack.ogi_json("consult", case_id, "--by", "li", "--kind", "third_party", "--party", "某某科技有限公司")
        assert stack.ogi_json("show", case_id)["clock"]["paused"] is True
        stack.ogi_json("consultation-answer", case_id, "--by", "li", "--consultation", "c1", "--answer", "consent")
        assert stack.ogi_json("show", case_id)["clock"]["paused"] is False

        assert "reviewer" in refused(
            stack, "fee-notice", case_id, "--by", "sun", "--method", "volume", "--pages", "250"
        )
        fee = stack.ogi_json("fee-notice", case_id, "--by", "li", "--method", "volume", "--pages", "250")
        assert fee["stage"] == "awaiting_payment"
        stack.ogi_json("pay-fee", case_id, "--by", "desk")
        assert stack.ogi_json("show", case_id)["stage"] == "review"

        stack.ogi_json("approve", case_id, "--by", "li")
        stack.ogi_json("approve", case_id, "--by", "wang")
        final = closed(stack, case_id)
        assert final["outcome"] == "disclosed"
        texts = [document_text(p) for p in final["documents"]]
        for title in ("补正告知书", "延期答复告知书", "征求意见函", "收费通知书"):
            assert any(title in t for t in texts), title
        accepted = [e["action"] for e in final["events"] if e["accepted"]]
        for action in ("request_correction", "submit_correction", "extend", "consult", "fee_notice", "pay_fee"):
            assert action in accepted
        assert sum(1 for e in final["events"] if not e["accepted"]) == 5

    def test_longer_period_waiver_and_withdrawal(self, stack: Stack) -> None:
        """The head sets a longer period (Art 35) and waives a fee; the applicant then withdraws."""
        today = beijing_date(datetime.now(UTC))
        cal = load_calendar()
        start = today if cal.is_working_day(today) else cal.next_working_day(today)
        case_id = submit(stack)
        assert "head" in refused(stack, "set-longer-period", case_id, "--by", "li", "--reason", "x", "--days", "60")
        stack.ogi_json(
            "set-longer-period", case_id, "--by", "zhao", "--reason", "同一申请人本月提交40件申请", "--days", "60"
        )
        assert stack.ogi_json("show", case_id)["due"] == cal.add_working_days(start, 60).isoformat()
        stack.ogi_json("fee-notice", case_id, "--by", "li", "--method", "volume", "--pages", "120")
        stack.ogi_json("waive-fee", case_id, "--by", "zhao", "--reason", "申请人经济困难")
        assert stack.ogi_json("show", case_id)["stage"] == "review"
        stack.ogi_json("withdraw", case_id, "--by", "desk", "--note", "申请人电话撤回")
        final = closed(stack, case_id)
        assert final["outcome"] == "withdrawn"
        assert "closed" in refused(stack, "approve", case_id, "--by", "li")


class TestCalendarNoticeReachesOpenCases:
    def test_load_notice_then_recompute_moves_provisional_due_dates(self, stack: Stack) -> None:
        """A case due in provisional 2027 becomes official after load-notice and recompute, with both versions."""
        case_id = submit(stack)
        stack.ogi_json("set-longer-period", case_id, "--by", "zhao", "--reason", "本月第40件申请", "--days", "60")
        before = stack.ogi_json("show", case_id)
        assert before["clock"]["provisional"] is True
        notice = stack.home / "notice-2027.json"
        notice.write_text(json.dumps(NOTICE_2027), "utf-8")
        for _ in range(40):  # visibility is eventually consistent: recompute finds cases by listing them
            if any(c["id"] == case_id for c in stack.ogi_json("list")["cases"]):
                break
            time.sleep(0.25)
        loaded = stack.ogi_json("calendar", "load-notice", str(notice))
        assert loaded["year"] == 2027
        report = stack.ogi_json("calendar", "recompute", "--by", "zhao")
        row = next(r for r in report["cases"] if r["id"] == case_id)
        assert report["failed"] == 0
        after = stack.ogi_json("show", case_id)
        assert after["clock"]["provisional"] is False
        assert after["clock"]["calendar_version"] == loaded["calendar_version"]
        assert row["to"] == after["due"]
        start = date.fromisoformat(before["clock"]["effective_receipt"])
        predicted = load_calendar().add_working_days(start, 60)
        official = load_calendar(None, stack.home / "calendar").add_working_days(start, 60)
        assert before["due"] == predicted.isoformat()
        assert after["due"] == official.isoformat()
        assert row["result"] == ("moved" if official != predicted else "unchanged")
        if official != predicted:
            moved = [e for e in after["events"] if e["action"] == "deadline" and "moved" in e["detail"]]
            assert loaded["calendar_version_before"] in moved[-1]["detail"]
            assert loaded["calendar_version"] in moved[-1]["detail"]
        stack.ogi_json("withdraw", case_id, "--by", "desk")


class TestApplicantPseudonyms:
    def test_count_fee_on_the_eleventh_and_repeats_named(self, stack: Stack) -> None:
        """The 11th application this month may carry a count fee, the 1st not; repeats name the earlier cases."""
        applicant = {
            "kind": "natural_person",
            "name": "李四",
            "id_number": "110101199003074477",
            "phone": "13900000000",
        }
        ids = [submit(stack, applicant=applicant) for _ in range(11)]
        first = stack.ogi("fee-notice", ids[0], "--by", "li", "--method", "count", "--json")
        assert first.returncode == 1
        assert "no fee is due" in first.stderr and "application no. 1 this month" in first.stderr
        eleventh = stack.ogi_json("fee-notice", ids[10], "--by", "li", "--method", "count")
        assert eleventh["stage"] == "awaiting_payment"
        assert "¥100" in eleventh["detail"]
        shown = stack.ogi_json("show", ids[10])
        assert (shown["fee"]["quantity"], shown["fee"]["amount"]) == (11, 100)
        assert shown["same_content_as"] == ids[:10]
        other = submit(stack, applicant=applicant, description="申请公开2020年度临时救助资金发放情况")
        assert stack.ogi_json("show", other)["same_content_as"] == []
        table = stack.ogi("show", ids[1])
        assert f"same content as earlier: {ids[0]}" in table.stdout
        assert "repeated_request" in table.stdout

    def test_applicant_known_by_name_only_is_not_counted(self, stack: Stack) -> None:
        """Two applications under one name with only a postal address: not one person's count, no count fee.

        The clerk is told at registration why, and the count method is refused with the way out.
        """
        applicant = {"kind": "natural_person", "name": "王五", "address": "安徽省六安市金安区某路1号"}
        files = [
            application_file(stack.home, channel="in_person", applicant=applicant, delivery="post", email=None)
            for _ in range(2)
        ]
        first, second = (stack.ogi_json("submit", str(f)) for f in files)
        assert any("no identity number, phone or e-mail" in w for w in first["warnings"])
        shown = stack.ogi_json("show", second["id"])
        assert shown["same_content_as"] == []
        assert any("fees by count cannot be charged" in w for w in shown["intake_warnings"])
        reason = refused(stack, "fee-notice", second["id"], "--by", "li", "--method", "count")
        assert "use the volume method" in reason
        assert "王五" not in reason
