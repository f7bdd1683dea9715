"""Reviewer actions as pure rules: checks refuse without mutating; apply moves exactly one step."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from domain import actions
from domain.case import CaseInput, CasePolicy, CaseState, Stage, new_case
from domain.config import Role
from domain.errors import ActionNotAllowed
from domain.outcomes import REASONS, Outcome, Reason, report_row
from tests.workflow_support import application

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def case(received: date | None = date(2026, 11, 20)) -> CaseState:
    app = application(received=received.isoformat() if received else None)
    return new_case(CaseInput(case_id="X-1", agency_code="X", application=app), NOW)


class TestChecks:
    def test_check_never_mutates(self) -> None:
        """A refused check leaves the state exactly as it was."""
        st = case()
        snapshot = st.model_copy(deep=True)
        with pytest.raises(ActionNotAllowed):
            actions.check("deny", {"by": "li", "reason": "nope"}, st, CasePolicy(), NOW)
        assert st == snapshot

    def test_unknown_action_lists_the_known_ones(self) -> None:
        """An unknown action name is refused with the list of actions."""
        with pytest.raises(ActionNotAllowed, match="known actions: approve"):
            actions.check("bless", {"by": "li"}, case(), CasePolicy(), NOW)

    def test_four_eyes(self) -> None:
        """The proposer cannot sign the secrecy check."""
        st = actions.apply("approve", actions.parse("approve", {"by": "li"}), case(), NOW)
        with pytest.raises(ActionNotAllowed, match="four-eyes"):
            actions.check("approve", {"by": "li"}, st, CasePolicy(), NOW)

    def test_role_missing_is_named(self) -> None:
        """With roles configured, a person without the reviewer role is told which role is needed."""
        policy = CasePolicy(people={"sun": [Role.SUPERVISOR]})
        with pytest.raises(ActionNotAllowed, match="needs the role 'reviewer'"):
            actions.check("approve", {"by": "sun"}, case(), policy, NOW)

    def test_apply_does_not_touch_its_input(self) -> None:
        """Apply works on a copy, so a failure half-way cannot leave a half-changed case."""
        st = case()
        new = actions.apply("approve", actions.parse("approve", {"by": "li"}), st, NOW)
        assert st.stage is Stage.REVIEW and new.stage is Stage.SECRECY_REVIEW
        assert len(new.events) == len(st.events) + 1


class TestReasonsNeedTheirFacts:
    @pytest.mark.parametrize(
        ("payload", "needs"),
        [
            ({"outcome": "other", "reason": "fee_not_paid"}, "needs a fee notice"),
            ({"outcome": "other", "reason": "correction_not_made"}, "needs a correction request"),
            ({"outcome": "cannot_provide", "reason": "unclear_after_correction"}, "needs a corrected application"),
        ],
    )
    def test_a_reason_whose_facts_never_happened_is_refused(self, payload: dict[str, str], needs: str) -> None:
        """The report row would count a fee, or a correction, that never happened."""
        with pytest.raises(ActionNotAllowed, match=needs):
            actions.check("decide", {"by": "li", **payload}, case(), CasePolicy(), NOW)


class TestConfiguration:
    def test_2008_profile_stops_the_clock_for_a_third_party_only(self) -> None:
        """Under 2008 Art 24 only a third party's consultation is not counted; 2019 excludes both kinds."""
        from domain.config import OgiConfig

        config = OgiConfig()
        old = CasePolicy(rules=config.profiles["2008"])
        for kind, stops_2008 in (("third_party", True), ("agency", False)):
            payload = {"by": "li", "kind": kind, "party": "某方"}
            for policy, stops in ((old, stops_2008), (CasePolicy(), True)):
                st = actions.apply(
                    "consult", actions.check("consult", payload, case(), policy, NOW), case(), NOW, policy
                )
                assert st.clock is not None
                assert bool(st.clock.pauses) is stops, (kind, policy.rules.reply_days)

    def test_special_regime_row_must_be_a_row_of_the_form(self) -> None:
        """A mistyped report row is refused when the configuration loads, with the rows that exist."""
        from pydantic import ValidationError

        from domain.config import OgiConfig

        with pytest.raises(ValidationError, match="not a row of table"):
            OgiConfig(special_regime_report_row="other3")
        assert OgiConfig(special_regime_report_row="not_handled_3").special_regime_report_row == "not_handled_3"


class TestReportRows:
    @pytest.mark.parametrize("reason", list(Reason))
    def test_every_reason_maps_to_one_row_of_its_outcome(self, reason: Reason) -> None:
        """Each reason code has exactly one report row under its own outcome class."""
        info = REASONS[reason]
        row = report_row(info.outcome, [reason])
        assert row == info.row
        assert row.startswith(info.outcome.value + "_")

    def test_partly_disclosed_counts_only_as_partly_disclosed(self) -> None:
        """30号: a partial disclosure counts under 部分公开 only, whatever was withheld."""
        assert report_row(Outcome.PARTLY_DISCLOSED, [Reason.STATE_SECRET]) == "partly_disclosed"

    def test_special_regime_row_is_configurable(self) -> None:
        """The row of Art 36 ¶7 replies comes from configuration."""
        assert report_row(Outcome.OTHER, [Reason.SPECIAL_REGIME], "not_handled_5") == "not_handled_5"
