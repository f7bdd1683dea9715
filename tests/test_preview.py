"""Action previews as pure rules: the what-if answers, and the case is never touched.

Dates are counted by hand on the 2026 calendar: 20 working days after Friday 20 November 2026 end on
Friday 18 December; 40 on Monday 18 January 2027 (New Year's Day, Friday 1 January, is off).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from domain import actions
from domain.calendar import load_calendar
from domain.case import CasePolicy, CaseState, Stage
from domain.clock import beijing_date, clock_under
from domain.config import Role
from domain.errors import ActionNotAllowed
from domain.periods import period_deadline, periods_without_end, set_period_ends
from domain.preview import preview
from tests.test_actions import NOW
from tests.test_actions import case as new_case

CAL = load_calendar(None)
POLICY = CasePolicy()


def later(day: date) -> datetime:
    """10:00 Beijing time on ``day``."""
    return datetime(day.year, day.month, day.day, 2, tzinfo=UTC)


def clocked(state: CaseState, now: datetime = NOW) -> CaseState:
    """The state with its clock computed, as the workflow keeps it."""
    if state.clock is not None:
        state.clock_view = clock_under(POLICY, state.clock, CAL, beijing_date(now))
    return state


def case(received: date | None = date(2026, 11, 20)) -> CaseState:
    """A case registered on 24 Nov 2026, received on 20 Nov unless awaiting receipt, its clock computed."""
    return clocked(new_case(received))


def with_period_ends(state: CaseState) -> CaseState:
    """The state with the ends of its new periods, as the workflow fills them in."""
    ends = {
        k: period_deadline(CAL, start, days) for k, (start, days) in periods_without_end(state, POLICY.rules).items()
    }
    set_period_ends(state, ends)
    return state


def acted(state: CaseState, name: str, payload: dict[str, object], now: datetime = NOW) -> CaseState:
    """The state after an action really taken, its clock recomputed."""
    return clocked(actions.apply(name, actions.check(name, payload, state, POLICY, now), state, now, POLICY), now)


class TestPreview:
    def test_extension_moves_the_due_date_and_leaves_the_case_alone(self) -> None:
        """Extending by 20 moves the due date from 18 Dec 2026 to 18 Jan 2027; the state is unchanged."""
        st = case()
        snapshot = st.model_copy(deep=True)
        got = preview("extend", {"by": "zhao", "reason": "材料较多"}, st, POLICY, NOW, CAL)
        assert got.accepted and got.refusal is None
        assert got.clock_before is not None and got.clock_after is not None
        assert (got.clock_before.due, got.clock_after.due) == (date(2026, 12, 18), date(2027, 1, 18))
        assert got.due_moves_by == 31
        assert got.clock_after.left == got.clock_before.left + 20
        assert got.detail == "extended by 20 working days: 材料较多"
        assert st == snapshot

    def test_refusal_says_why_and_changes_nothing(self) -> None:
        """Without the head role the extension would be refused, with the role named."""
        st = case()
        snapshot = st.model_copy(deep=True)
        policy = CasePolicy(people={"li": [Role.REVIEWER], "zhao": [Role.HEAD]})
        got = preview("extend", {"by": "li", "reason": "x"}, st, policy, NOW, CAL)
        assert not got.accepted
        assert got.refusal is not None and "head" in got.refusal
        assert got.stage_after is Stage.REVIEW
        assert got.clock_after == got.clock_before
        assert st == snapshot

    def test_applicant_answers_a_correction_on_a_later_day(self) -> None:
        """If the corrected application arrives on Thursday 3 December, 20 working days run to 31 December."""
        asked = acted(case(), "request_correction", {"by": "li", "items": ["请写明文件名称"]})
        got = preview(
            "submit_correction", {"by": "desk", "received": "2026-12-03"}, asked, POLICY, later(date(2026, 12, 3)), CAL
        )
        assert got.accepted
        assert got.clock_before is not None and got.clock_before.paused
        assert got.clock_after is not None and not got.clock_after.paused
        assert got.clock_after.due == date(2026, 12, 31)
        assert (got.stage_before, got.stage_after) == (Stage.AWAITING_CORRECTION, Stage.REVIEW)

    def test_consultation_answered_later_adds_the_days_it_stood(self) -> None:
        """Consulted on Tue 24 Nov, answered Tue 1 Dec: 5 working days stood still, due 25 Dec instead of 18 Dec."""
        consulted = acted(case(), "consult", {"by": "li", "kind": "third_party", "party": "某公司"})
        got = preview(
            "consultation_answer",
            {"by": "li", "consultation": "c1", "answer": "consent"},
            consulted,
            POLICY,
            later(date(2026, 12, 1)),
            CAL,
        )
        assert got.accepted
        assert got.clock_after is not None and got.clock_after.due == date(2026, 12, 25)
        assert got.as_of == date(2026, 12, 1)

    def test_new_periods_get_their_end(self) -> None:
        """A correction request shows when the applicant's 15 working days end: Tuesday 15 December."""
        got = preview("request_correction", {"by": "li", "items": ["请补充身份证明"]}, case(), POLICY, NOW, CAL)
        assert got.periods["correction"].due == date(2026, 12, 15)
        assert got.stage_after is Stage.AWAITING_CORRECTION

    def test_confirming_receipt_starts_the_clock(self) -> None:
        """A case awaiting receipt has no clock; confirming receipt on 20 Nov would make it due 18 Dec."""
        got = preview("confirm_receipt", {"by": "desk", "received": "2026-11-20"}, case(None), POLICY, NOW, CAL)
        assert got.clock_before is None
        assert got.clock_after is not None and got.clock_after.due == date(2026, 12, 18)
        assert got.due_moves_by is None

    @pytest.mark.parametrize("payload", [{"by": "li", "days": 0, "reason": "x"}, {"by": "li"}])
    def test_malformed_payload_is_a_refusal_not_a_crash(self, payload: dict[str, object]) -> None:
        """A payload the action model rejects comes back as a refusal naming the field."""
        got = preview("extend", payload, case(), POLICY, NOW, CAL)
        assert not got.accepted
        assert got.refusal is not None and "extend" in got.refusal

    def test_what_runs_out_before_the_imagined_day_is_named(self) -> None:
        """Imagining an extension on 21 Dec: the reply was due 18 Dec, which the preview says it does not play."""
        st = case()
        soon = preview("extend", {"by": "zhao", "reason": "x"}, st, POLICY, later(date(2026, 12, 10)), CAL)
        assert soon.not_simulated == []
        late = preview("extend", {"by": "zhao", "reason": "x"}, st, POLICY, later(date(2026, 12, 21)), CAL)
        assert late.not_simulated == ["the reply is due 2026-12-18: the case is then overdue and escalated"]

    def test_correction_period_running_out_is_named(self) -> None:
        """The applicant's correction period ends 15 Dec; an answer imagined on 17 Dec comes after the case gave up."""
        asked = with_period_ends(acted(case(), "request_correction", {"by": "li", "items": ["请写明文件名称"]}))
        got = preview(
            "submit_correction", {"by": "desk", "received": "2026-12-17"}, asked, POLICY, later(date(2026, 12, 17)), CAL
        )
        assert any("correction period ends 2026-12-15" in line for line in got.not_simulated)

    def test_another_calendar_than_the_cases_is_noted(self) -> None:
        """A case whose due date came from an older calendar: the preview says which, and how to align it."""
        st = case()
        assert preview("extend", {"by": "zhao", "reason": "x"}, st, POLICY, NOW, CAL).calendar_note is None
        assert st.clock_view is not None
        st.clock_view = st.clock_view.model_copy(update={"calendar_version": "0123456789ab"})
        note = preview("extend", {"by": "zhao", "reason": "x"}, st, POLICY, NOW, CAL).calendar_note
        assert note is not None and "0123456789ab" in note and "ogi calendar recompute" in note


class TestClockStoppedOrRestarted:
    def test_extension_while_the_clock_stands_still_past_the_first_due_date(self) -> None:
        """Due 18 Dec; a consultation from 14 Dec stops the clock; on 22 Dec the head may still extend."""
        consulted = acted(
            case(), "consult", {"by": "li", "kind": "third_party", "party": "某公司"}, later(date(2026, 12, 14))
        )
        assert consulted.clock_view is not None and consulted.clock_view.paused
        actions.check("extend", {"by": "zhao", "reason": "材料较多"}, consulted, POLICY, later(date(2026, 12, 22)))

    def test_fee_notice_after_the_deadline_is_refused(self) -> None:
        """The fee notice goes out within the reply period: on 21 Dec, after the 18 Dec deadline, it is refused."""
        with pytest.raises(ActionNotAllowed, match="within the reply period"):
            actions.check(
                "fee_notice", {"by": "li", "method": "volume", "pages": 250}, case(), POLICY, later(date(2026, 12, 21))
            )
        actions.check(
            "fee_notice", {"by": "li", "method": "volume", "pages": 250}, case(), POLICY, later(date(2026, 12, 18))
        )

    def test_corrected_application_keeps_what_still_stops_the_clock_and_the_first_receipt(self) -> None:
        """A pending consultation and a granted extension carry into the restarted period.

        The case keeps its first receipt day: the report and the reply count from it.
        """
        st = acted(case(), "consult", {"by": "li", "kind": "agency", "party": "六安市财政局"})
        st = acted(st, "extend", {"by": "zhao", "reason": "材料较多"})
        st = acted(st, "request_correction", {"by": "li", "items": ["请写明文件名称"]})
        corrected = acted(st, "submit_correction", {"by": "desk", "received": "2026-11-30"}, later(date(2026, 11, 30)))
        assert corrected.received == date(2026, 11, 20)
        assert corrected.clock is not None
        assert corrected.clock.received == date(2026, 11, 30)
        assert corrected.clock.extension_days == 20
        assert [(p.key, p.since, p.until) for p in corrected.clock.pauses] == [("c1", date(2026, 11, 30), None)]
        assert corrected.clock_view is not None and corrected.clock_view.paused

    def test_unclear_after_a_correction_that_was_made_is_accepted(self) -> None:
        """Once a corrected application came in, 'still unclear after correction' may be decided."""
        st = acted(case(), "request_correction", {"by": "li", "items": ["请写明文件名称"]})
        st = acted(st, "submit_correction", {"by": "desk", "received": "2026-11-24"})
        payload = {"by": "li", "outcome": "cannot_provide", "reason": "unclear_after_correction"}
        actions.check("decide", payload, st, POLICY, NOW)

    def test_payment_recorded_late_resumes_the_clock_from_the_day_paid(self) -> None:
        """Paid on 3 Dec, recorded on 7 Dec: the clock stood still only to 3 Dec.

        A payment date in the future, or before the notice, is refused.
        """
        noticed = acted(case(), "fee_notice", {"by": "li", "method": "volume", "pages": 250}, later(date(2026, 11, 30)))
        paid = acted(noticed, "pay_fee", {"by": "desk", "paid_on": "2026-12-03"}, later(date(2026, 12, 7)))
        assert paid.fee is not None and paid.fee.settled_on == date(2026, 12, 3)
        assert paid.clock is not None
        assert [(p.key, p.since, p.until) for p in paid.clock.pauses] == [
            ("fee", date(2026, 11, 30), date(2026, 12, 3))
        ]
        for bad, why in (("2026-12-08", "in the future"), ("2026-11-29", "before the fee notice")):
            with pytest.raises(ActionNotAllowed, match=why):
                actions.check("pay_fee", {"by": "desk", "paid_on": bad}, noticed, POLICY, later(date(2026, 12, 7)))

    def test_longer_period_after_the_deadline_is_refused(self) -> None:
        """Art 35's longer period is set within the reply period: on 21 Dec, after the 18 Dec deadline, refused."""
        payload = {"by": "zhao", "reason": "申请数量过多", "days": 60}
        with pytest.raises(ActionNotAllowed, match="has passed"):
            actions.check("set_longer_period", payload, case(), POLICY, later(date(2026, 12, 21)))
        actions.check("set_longer_period", payload, case(), POLICY, later(date(2026, 12, 18)))

    def test_four_eyes_ignores_letter_case(self) -> None:
        """The proposer "li" may not sign its secrecy check as "LI" either."""
        proposed = acted(case(), "approve", {"by": "li"})
        with pytest.raises(ActionNotAllowed, match="four-eyes"):
            actions.check("approve", {"by": "LI"}, proposed, POLICY, NOW)

    @pytest.mark.parametrize("reason", ["not_ours", "not_held"])
    def test_refer_to_goes_with_a_referral_reason_only(self, reason: str) -> None:
        """Naming the agency that holds the information makes sense only when this one does not hold it."""
        with pytest.raises(ActionNotAllowed, match="goes with reason 'not_ours'"):
            actions.check(
                "decide", {"by": "li", "outcome": "disclosed", "refer_to": "六安市财政局"}, case(), POLICY, NOW
            )
        payload = {"by": "li", "outcome": "cannot_provide", "reason": reason, "refer_to": "六安市财政局"}
        actions.check("decide", payload, case(), POLICY, NOW)
