"""Who holds a case and who approves: assignment, transfer and sign-for, requests to the head (pure rules)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from domain import actions
from domain.actor import Actor
from domain.calendar import load_calendar
from domain.case import CaseInput, CasePolicy, CaseState, Stage, new_case
from domain.clock import compute_clock
from domain.config import Role
from domain.errors import ActionNotAllowed
from tests.workflow_support import application

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
PEOPLE = {
    "zhao": [Role.HEAD],
    "qian": [Role.INTAKE],
    "li": [Role.REVIEWER],
    "wang": [Role.SECRECY_REVIEWER],
    "sun": [Role.SUPERVISOR],
}
POLICY = CasePolicy(people=PEOPLE)


def case() -> CaseState:
    """A case received 2026-11-20 with its clock computed, as the clock activity leaves it."""
    app = application(received="2026-11-20")
    st = new_case(CaseInput(case_id="R-1", agency_code="X", application=app), NOW)
    assert st.clock is not None
    st.clock_view = compute_clock(st.clock, load_calendar(), NOW.date())
    return st


def take(name: str, payload: dict[str, Any], state: CaseState, policy: CasePolicy = POLICY) -> CaseState:
    """Check then apply, as the workflow does."""
    action = actions.check(name, payload, state, policy, NOW)
    return actions.apply(name, action, state, NOW, policy)


def refused(name: str, payload: dict[str, Any], state: CaseState, policy: CasePolicy = POLICY) -> ActionNotAllowed:
    snapshot = state.model_copy(deep=True)
    with pytest.raises(ActionNotAllowed) as info:
        actions.check(name, payload, state, policy, NOW)
    assert state == snapshot
    return info.value


class TestAssignment:
    def test_intake_assigns_a_handler_and_the_trail_says_so(self) -> None:
        st = take("assign", {"by": "qian", "to": "li"}, case())
        assert st.assignee == "li"
        assert (st.events[-1].action, st.events[-1].detail) == ("assign", "assigned to li")

    def test_a_handler_cannot_assign(self) -> None:
        error = refused("assign", {"by": "li", "to": "li"}, case())
        assert error.code == "forbidden.role"
        assert "the roles head, intake" in str(error)


class TestTransferAndSignFor:
    def test_a_transferred_case_waits_for_the_receiving_department(self) -> None:
        """Handling is refused until 法规科 signs for it; then it is theirs and handling goes on."""
        st = take("assign", {"by": "qian", "to": "li"}, case())
        st = take("transfer", {"by": "zhao", "department": "法规科", "reason": "涉及规范性文件"}, st)
        assert (st.pending_department, st.assignee) == ("法规科", None)
        error = refused("approve", {"by": "li"}, st)
        assert error.code == "refused.awaiting_sign_for"
        assert "sign_for" in str(error)
        assert refused("assign", {"by": "qian", "to": "li"}, st).code == "refused.awaiting_sign_for"
        st = take("sign_for", {"by": "li"}, st)
        assert (st.department, st.pending_department) == ("法规科", None)
        st = take("approve", {"by": "li"}, st)
        assert st.stage is Stage.SECRECY_REVIEW

    def test_nothing_to_sign_for_without_a_transfer(self) -> None:
        assert refused("sign_for", {"by": "li"}, case()).code == "refused.wrong_stage"

    def test_transfer_to_the_department_that_has_it_is_refused(self) -> None:
        st = take("transfer", {"by": "zhao", "department": "法规科", "reason": "r"}, case())
        assert refused("transfer", {"by": "zhao", "department": "法规科", "reason": "r"}, st).code == "refused.once"

    def test_a_verified_user_of_another_department_cannot_sign_for_it(self) -> None:
        st = take("transfer", {"by": "zhao", "department": "法规科", "reason": "r"}, case())
        outsider = Actor(id="u-9", name="zhou", roles=frozenset({Role.REVIEWER}), verified=True, department="办公室")
        with pytest.raises(ActionNotAllowed, match="transferred to 法规科") as info:
            actions.check("sign_for", {"by": "zhou"}, st, POLICY, NOW, outsider)
        assert info.value.code == "forbidden.department"
        insider = outsider.model_copy(update={"department": "法规科"})
        action = actions.check("sign_for", {"by": "zhou"}, st, POLICY, NOW, insider)
        assert actions.apply("sign_for", action, st, NOW, POLICY, insider).department == "法规科"


class TestRequestsToTheHead:
    def test_an_approved_extension_takes_effect_under_the_heads_name(self) -> None:
        """The handler asks, the head approves: the extension is applied and recorded as the head's."""
        st = take("request_approval", {"by": "li", "kind": "extension", "reason": "需要调取档案", "days": 10}, case())
        assert st.pending_request is not None and st.pending_request.by == "li"
        st = take("decide_request", {"by": "zhao", "approve": True}, st)
        assert st.pending_request is None
        assert st.extension is not None
        assert (st.extension.by, st.extension.days, st.extension.reason) == ("zhao", 10, "需要调取档案")
        assert st.events[-1].by == "zhao"
        assert "approved li's request" in st.events[-1].detail

    def test_declined_leaves_the_clock_alone(self) -> None:
        st = take("request_approval", {"by": "li", "kind": "extension", "reason": "r", "days": 10}, case())
        st = take("decide_request", {"by": "zhao", "approve": False, "note": "期限内可以完成"}, st)
        assert st.pending_request is None and st.extension is None
        assert st.events[-1].detail == "declined the request for extension: 期限内可以完成"

    def test_only_the_head_decides(self) -> None:
        st = take("request_approval", {"by": "li", "kind": "extension", "reason": "r", "days": 3}, case())
        error = refused("decide_request", {"by": "li", "approve": True}, st)
        assert error.code == "forbidden.role"

    def test_one_request_at_a_time(self) -> None:
        st = take("request_approval", {"by": "li", "kind": "extension", "reason": "r", "days": 5}, case())
        error = refused("request_approval", {"by": "li", "kind": "fee_waiver", "reason": "r"}, st)
        assert error.code == "refused.once"
        assert "awaits the head" in str(error)

    def test_a_request_the_head_could_not_grant_is_refused_when_asked(self) -> None:
        """An extension longer than the law allows is refused at the request, not at the decision."""
        error = refused("request_approval", {"by": "li", "kind": "extension", "reason": "r", "days": 30}, case())
        assert "20" in str(error)

    def test_a_longer_period_needs_its_days(self) -> None:
        error = refused("request_approval", {"by": "li", "kind": "longer_period", "reason": "r"}, case())
        assert "needs the days" in str(error)

    def test_no_decision_without_a_request(self) -> None:
        assert refused("decide_request", {"by": "zhao", "approve": True}, case()).code == "refused.wrong_stage"

    def test_the_request_keeps_the_day_it_was_made(self) -> None:
        payload = {"by": "li", "kind": "extension", "reason": "r", "days": 5, "on": "2026-11-23"}
        st = take("request_approval", payload, case())
        assert st.pending_request is not None and st.pending_request.on == date(2026, 11, 23)
