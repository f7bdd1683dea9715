"""The application document: structure, identity numbers, Art 29 checklist, intake checks."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from domain.application import Application
from domain.config import Agency, OgiConfig
from domain.errors import ApplicationRejected
from domain.identity import id_number_problem
from domain.intake import check_intake
from infra.i18n import translate
from tests.workflow_support import DATA


def example(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / "application.json").read_text("utf-8"))
    data.update(changes)
    return data


class TestIdentityNumber:
    @pytest.mark.parametrize(
        ("number", "problem"),
        [
            ("11010519491231002X", None),
            ("110105194912310021", "check character"),
            ("11010519491331002X", "not a date"),
            ("1101051949123100", "17 digits"),
            ("11010518001231002Y", "17 digits"),
        ],
    )
    def test_gb11643_checksum_and_shape(self, number: str, problem: str | None) -> None:
        """Well-formed numbers pass; a wrong check character, birth date or shape is named."""
        found = id_number_problem(number)
        if problem is None:
            assert found is None
        else:
            assert found is not None and problem in str(found)
            # The birth date inside (personal data) is never repeated: errors and notices name the rule.
            assert number[6:14] not in str(found) and number[6:14] not in translate(found, "zh")


class TestApplicationModel:
    def test_example_document_is_valid(self) -> None:
        """The intake contract's example parses."""
        app = Application.model_validate(example())
        assert app.channel.value == "online" and app.received == date(2026, 11, 20)

    @pytest.mark.parametrize(
        ("changes", "fragment"),
        [
            ({"channel": "pigeon"}, "channel"),
            ({"description": "   "}, "description"),
            ({"delivery": "email", "email": None}, "no 'email' address"),
            ({"email": "not-an-address"}, "not an e-mail address"),
            ({"channel": "in_person", "received": None}, "received is required for channel 'in_person'"),
            ({"received": "2024-02-30"}, "received"),
            ({"external_ref": ""}, "external_ref"),
            ({"applicant": {"kind": "alien", "name": "x"}}, "applicant.kind"),
            ({"applicant": {"kind": "natural_person", "name": ""}}, "applicant.name"),
            ({"applicant": {"kind": "natural_person", "name": "张三", "phone": "call me"}}, "phone"),
        ],
    )
    def test_malformed_document_names_the_field(self, changes: dict[str, Any], fragment: str) -> None:
        """Every malformed field is refused with an error naming it."""
        with pytest.raises(ValidationError) as info:
            Application.model_validate(example(**changes))
        assert fragment in str(info.value)

    def test_extra_fields_are_kept(self) -> None:
        """Intake systems may add fields; they are kept, not refused."""
        app = Application.model_validate(example(portal_session="abc"))
        assert app.model_extra == {"portal_session": "abc"}

    def test_missing_items_list_what_a_correction_asks_for(self) -> None:
        """Art 29: no identity proof and no contact details are both on the checklist."""
        app = Application.model_validate(
            example(applicant={"kind": "natural_person", "name": "张三"}, delivery="collect", email=None)
        )
        items = [translate(item, "zh") for item in app.missing_items()]
        assert len(items) == 2 and "身份证明" in items[0] and "联系方式" in items[1]


class TestIntakeChecks:
    def test_future_receipt_date_is_refused(self) -> None:
        """A receipt date after today cannot be registered."""
        app = Application.model_validate(example(received="2026-12-01"))
        with pytest.raises(ApplicationRejected, match="in the future"):
            check_intake(app, date(2026, 11, 24), OgiConfig())

    def test_an_agency_not_configured_is_refused_when_agencies_are(self) -> None:
        """With [agencies] configured, a misspelt agency is refused with the configured ones; without, any goes."""
        config = OgiConfig(agencies={"六安市民政局": Agency(code="LAMZ")})
        app = Application.model_validate(example(agency="六安市民证局"))
        with pytest.raises(ApplicationRejected, match="not one of the agencies configured here") as caught:
            check_intake(app, date(2026, 11, 24), config)
        assert "六安市民政局" in str(caught.value)
        check_intake(app, date(2026, 11, 24), OgiConfig())

    def test_channel_not_opened_is_refused(self) -> None:
        """An agency that has not opened e-mail refuses e-mail applications."""
        config = OgiConfig(
            agencies={"六安市民政局": Agency(code="LAMZ", channels=["in_person", "signed_post", "ordinary_post"])}
        )
        app = Application.model_validate(example(channel="email"))
        with pytest.raises(ApplicationRejected, match="has not opened the channel 'email'"):
            check_intake(app, date(2026, 11, 24), config)

    def test_postal_channels_can_never_be_closed(self) -> None:
        """Art 28: configuration that closes in-person or postal intake is refused."""
        with pytest.raises(ValidationError, match="Art 28"):
            Agency(code="LAMZ", channels=["online"])

    def test_oversized_description_is_refused(self) -> None:
        """A description over the configured size is refused with the limit."""
        app = Application.model_validate(example(description="字" * 6000))
        with pytest.raises(ApplicationRejected, match="more than the 5000"):
            check_intake(app, date(2026, 11, 24), OgiConfig())

    def test_invalid_id_is_flagged_by_default_and_refused_when_configured(self) -> None:
        """A failed GB 11643 checksum becomes a correction item, or a refusal if the agency wants."""
        app = Application.model_validate(example())
        warnings = check_intake(app, date(2026, 11, 24), OgiConfig())
        assert any("check character" in w for w in warnings)
        with pytest.raises(ApplicationRejected, match="check character"):
            check_intake(app, date(2026, 11, 24), OgiConfig(reject_invalid_id_number=True))
