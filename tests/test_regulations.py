"""The law's edges: the version of the Regulations by receipt date, e-mail receipt, extension on a longer period."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from domain import actions
from domain.application import Application
from domain.calendar import load_calendar
from domain.case import CaseInput, CasePolicy, CaseState, Stage, initial_clock, new_case
from domain.clock import beijing_date, clock_under
from domain.config import ConfigError, OgiConfig, RulesProfile, load_config
from domain.errors import ActionNotAllowed
from domain.intake import check_intake, policy_for
from tests.workflow_support import application

CAL = load_calendar()


def due_for(app: Application, config: OgiConfig, registered: date | None = None) -> tuple[str, int, date, bool]:
    """The profile, reply days, due date and provisional flag a new case gets under ``config``."""
    policy = policy_for(app, config, registered=registered)
    facts = initial_clock(app, policy)
    assert facts is not None
    view = clock_under(policy, facts, CAL, facts.received)
    return policy.profile, facts.reply_days, view.due, view.provisional


class TestRulesByReceiptDate:
    def test_received_the_day_before_the_2019_revision_runs_15_days(self) -> None:
        """Received Tuesday 2019-05-14: the 2008 Regulations, 15 working days, due Tuesday 2019-06-04."""
        assert due_for(application(received="2019-05-14"), OgiConfig()) == ("2008", 15, date(2019, 6, 4), False)

    def test_received_on_the_day_of_the_2019_revision_runs_20_days(self) -> None:
        """Received Wednesday 2019-05-15: the 2019 Regulations, 20 working days over 端午 (7 June), due 13 June."""
        assert due_for(application(received="2019-05-15"), OgiConfig()) == ("2019", 20, date(2019, 6, 13), False)

    def test_a_2012_case_runs_under_2008_with_its_consultation_rule(self) -> None:
        """A 2012 receipt gets the 2008 profile: 15+15 days, only a third party's consultation stops the clock."""
        policy = policy_for(application(received="2012-03-01"), OgiConfig())
        assert policy.profile == "2008"
        assert (policy.rules.reply_days, policy.rules.extension_days) == (15, 15)
        assert policy.rules.consultation_excluded_kinds == ["third_party"]

    @pytest.mark.parametrize(("registered", "profile"), [(date(2019, 5, 14), "2008"), (date(2019, 5, 15), "2019")])
    def test_awaiting_confirmation_goes_by_the_registration_date(self, registered: date, profile: str) -> None:
        """Without a receipt date yet, the day of registration picks the version."""
        app = application(received=None, channel="online")
        assert policy_for(app, OgiConfig(), registered=registered).profile == profile

    def test_without_any_date_the_latest_version_applies(self) -> None:
        """No receipt and no registration date: the profile of today's cases."""
        assert policy_for(application(received=None, channel="online"), OgiConfig()).profile == "2019"

    def test_an_explicit_profile_overrides_every_date(self, tmp_path: Path) -> None:
        """The old single `profile` key still works: set, it wins over [[regulations]] for every receipt date."""
        path = tmp_path / "ogi.toml"
        path.write_text('profile = "2008"\n', encoding="utf-8")
        config = load_config(path)
        assert due_for(application(received="2024-03-01"), config)[:2] == ("2008", 15)
        assert due_for(application(received="2010-03-01"), OgiConfig(profile="2019"))[:2] == ("2019", 20)

    def test_dated_profiles_are_configuration(self, tmp_path: Path) -> None:
        """An agency can date its own versions; a file that tunes one profile keeps the shipped other one."""
        path = tmp_path / "ogi.toml"
        path.write_text(
            '[[regulations]]\nfrom = 2008-05-01\nprofile = "2008"\n\n'
            '[[regulations]]\nfrom = 2020-01-01\nprofile = "2019"\n\n'
            "[profiles.2019]\nreply_days = 18\n",
            encoding="utf-8",
        )
        config = load_config(path)
        assert config.profiles["2008"].reply_days == 15
        assert due_for(application(received="2019-12-31"), config)[:2] == ("2008", 15)
        assert due_for(application(received="2020-01-02"), config)[:2] == ("2019", 18)

    @pytest.mark.parametrize(
        ("toml", "message"),
        [
            ('[[regulations]]\nfrom = 2019-05-15\nprofile = "2020"\n', "profile '2020'"),
            (
                '[[regulations]]\nfrom = 2019-05-15\nprofile = "2019"\n[[regulations]]\nfrom = 2008-05-01\nprofile = "2008"\n',
                "in order",
            ),
            ('profile = "1999"\n', "profile '1999' is not defined"),
            ("regulations = []\n", "at least one version"),
        ],
    )
    def test_bad_regulations_are_refused_with_the_fix(self, tmp_path: Path, toml: str, message: str) -> None:
        """An unknown profile, dates out of order or an empty list are refused when the file loads."""
        path = tmp_path / "ogi.toml"
        path.write_text(toml, encoding="utf-8")
        with pytest.raises(ConfigError, match=message):
            load_config(path)

    def test_shipped_file_is_the_model_default(self) -> None:
        """default_config.toml and the pydantic defaults describe the same configuration."""
        shipped = load_config(None)
        assert shipped == OgiConfig()
        assert [(r.from_, r.profile) for r in shipped.regulations] == [
            (date(2008, 5, 1), "2008"),
            (date(2019, 5, 15), "2019"),
        ]
        assert shipped.profile is None

    def test_receipt_before_the_regulations_took_effect_is_refused(self) -> None:
        """Nothing was received under the Regulations before 2008-05-01; that day itself is fine."""
        from domain.errors import ApplicationRejected

        with pytest.raises(ApplicationRejected, match="before the Regulations took effect"):
            check_intake(application(received="2008-04-30"), date(2026, 11, 24), OgiConfig())
        check_intake(application(received="2008-05-01"), date(2026, 11, 24), OgiConfig())


class TestEmailReceipt:
    def test_email_may_await_confirmation(self) -> None:
        """Art 31(3): an e-mail is registered without a receipt date and waits for confirmation."""
        app = application(received=None, channel="email")
        state = new_case(CaseInput(case_id="X-1", agency_code="X", application=app), datetime(2026, 11, 24, tzinfo=UTC))
        assert state.stage is Stage.AWAITING_RECEIPT and state.clock is None

    def test_in_person_still_needs_its_date_and_the_message_names_email(self) -> None:
        """Hand-in fixes the receipt date; the refusal lists the channels that may wait, e-mail among them."""
        with pytest.raises(ValidationError, match="online, fax and e-mail may await confirmation"):
            application(received=None, channel="in_person")


NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def longer_period_case(policy: CasePolicy) -> CaseState:
    """A case received 20 Nov 2026 whose head set a 60-working-day period (Art 35), its clock computed."""
    app = application(received="2026-11-20")
    state = new_case(CaseInput(case_id="X-1", agency_code="X", application=app, policy=policy), NOW)
    payload = {"by": "zhao", "reason": "本月第40件申请", "days": 60}
    state = actions.apply(
        "set_longer_period", actions.check("set_longer_period", payload, state, policy, NOW), state, NOW, policy
    )
    assert state.clock is not None
    state.clock_view = clock_under(policy, state.clock, CAL, beijing_date(NOW))
    return state


class TestExtensionOnLongerPeriod:
    def test_refused_by_default(self) -> None:
        """Art 35's longer period replaces Art 33's: an extension on top is refused, saying why and how to allow it."""
        state = longer_period_case(CasePolicy())
        with pytest.raises(ActionNotAllowed, match="Art 35") as refused:
            actions.check("extend", {"by": "zhao", "reason": "材料较多"}, state, CasePolicy(), NOW)
        assert "extension_after_longer_period" in str(refused.value)

    def test_allowed_when_configured(self) -> None:
        """With extension_after_longer_period the extension is added to the longer period."""
        policy = CasePolicy(rules=RulesProfile(extension_after_longer_period=True))
        state = longer_period_case(policy)
        assert state.clock_view is not None
        before = state.clock_view.due
        extended = actions.apply(
            "extend",
            actions.check("extend", {"by": "zhao", "reason": "材料较多"}, state, policy, NOW),
            state,
            NOW,
            policy,
        )
        assert extended.clock is not None
        after = clock_under(policy, extended.clock, CAL, beijing_date(NOW)).due
        assert CAL.working_days_between(before, after) == 20

    def test_without_a_longer_period_extension_is_unchanged(self) -> None:
        """The default refuses only the stacking: an ordinary extension is still accepted."""
        app = application(received="2026-11-20")
        state = new_case(CaseInput(case_id="X-1", agency_code="X", application=app), NOW)
        assert state.clock is not None
        state.clock_view = clock_under(CasePolicy(), state.clock, CAL, beijing_date(NOW))
        actions.check("extend", {"by": "zhao", "reason": "材料较多"}, state, CasePolicy(), NOW)
