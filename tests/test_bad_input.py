"""The bad-input corpus: malformed applications and actions, each refused with a reason, nothing changed.

Counts: every row below is one bad input; ``test_corpus_size`` keeps the total at 100 or more.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from domain.application import Application
from domain.case import Stage
from domain.clock import beijing_date
from domain.config import Agency, OgiConfig, Role
from domain.errors import ApplicationRejected
from domain.intake import check_intake
from tests.workflow_support import case_worker, settled, start_case, state_of, valid_id_number

DATA = Path(__file__).parent / "data"
EXAMPLE: dict[str, Any] = json.loads((DATA / "application.json").read_text("utf-8"))
TODAY = date(2026, 11, 25)
STRICT = OgiConfig(
    reject_invalid_id_number=True,
    agencies={"六安市民政局": Agency(code="LAMZ", channels=["in_person", "signed_post", "ordinary_post", "online"])},
)

Mutation = Callable[[dict[str, Any]], None]


def drop(*path: str) -> Mutation:
    def apply(d: dict[str, Any]) -> None:
        for key in path[:-1]:
            d = d[key]
        del d[path[-1]]

    return apply


def put(value: Any, *path: str) -> Mutation:
    def apply(d: dict[str, Any]) -> None:
        for key in path[:-1]:
            d = d[key]
        d[path[-1]] = value

    return apply


BAD_APPLICATIONS: list[tuple[str, Mutation, str]] = [
    *[(f"missing {f}", drop(f), f) for f in ("external_ref", "agency", "channel", "applicant", "description")],
    ("missing applicant.kind", drop("applicant", "kind"), "applicant.kind"),
    ("missing applicant.name", drop("applicant", "name"), "applicant.name"),
    *[
        (f"external_ref {v!r}", put(v, "external_ref"), "external_ref")
        for v in ("", " x", "a b", "申请1", "x" * 101, 7)
    ],
    *[(f"agency {v!r}", put(v, "agency"), "agency") for v in ("", "   ", "局" * 101, 12, None)],
    *[(f"channel {v!r}", put(v, "channel"), "channel") for v in ("pigeon", "EMAIL ", "", 3, None)],
    *[(f"received {v!r}", put(v, "received"), "received") for v in ("2024-02-30", "yesterday", "2024/01/05", "")],
    *[(f"kind {v!r}", put(v, "applicant", "kind"), "applicant.kind") for v in ("person", "", None, 1)],
    *[(f"name {v!r}", put(v, "applicant", "name"), "applicant.name") for v in ("", "   ", "名" * 201, None)],
    *[(f"phone {v!r}", put(v, "applicant", "phone"), "phone") for v in ("abc", "1", "+" * 30, "13800000000x")],
    ("address too long", put("址" * 501, "applicant", "address"), "applicant.address"),
    ("unknown applicant field", put("x", "applicant", "nickname"), "nickname"),
    *[(f"description {v!r}", put(v, "description"), "description") for v in ("", "   ", None, ["a"])],
    ("description over the model limit", put("请" * 100_001, "description"), "description"),
    *[(f"form {v!r}", put(v, "form"), "form") for v in ("papyrus", 2)],
    *[(f"delivery {v!r}", put(v, "delivery"), "delivery") for v in ("pigeon", "")],
    ("email delivery without email", drop("email"), "email"),
    *[(f"email {v!r}", put(v, "email"), "email") for v in ("zhangsan", "a@b", "a b@c.d")],
    (
        "post delivery without address",
        lambda d: (put("post", "delivery")(d), drop("applicant", "address")(d)),
        "address",
    ),
    ("fax delivery without fax", put("fax", "delivery"), "fax"),
    (
        "in person without receipt date",
        lambda d: (put("in_person", "channel")(d), put(None, "received")(d)),
        "received",
    ),
    (
        "signed post without receipt date",
        lambda d: (put("signed_post", "channel")(d), put(None, "received")(d)),
        "received",
    ),
    ("not an object", lambda d: d.clear(), "external_ref"),
]

BAD_AT_INTAKE: list[tuple[str, Mutation, str]] = [
    ("received tomorrow", put((TODAY + timedelta(days=1)).isoformat(), "received"), "in the future"),
    ("received in 2099", put("2099-01-01", "received"), "in the future"),
    ("received before the Regulations", put("2007-12-31", "received"), "before the Regulations"),
    ("description over the agency limit", put("请" * 5001, "description"), "5000 allowed"),
    ("channel not opened", lambda d: (put("email", "channel")(d), put("2026-11-20", "received")(d)), "has not opened"),
    ("fax channel not opened", put("fax", "channel"), "has not opened"),
    ("invalid ID checksum", put("34150219800101001X", "applicant", "id_number"), "check character"),
    ("ID with a non-date birthday", put("341502198013450016", "applicant", "id_number"), "not a date"),
    ("ID too short", put("3415021980", "applicant", "id_number"), "17 digits"),
    ("ID with letters", put("34150219800101ABCD", "applicant", "id_number"), "17 digits"),
]


def refusal(data: dict[str, Any]) -> str:
    """Why the application cannot be registered (model first, then the legal intake checks)."""
    try:
        app = Application.model_validate(data)
    except ValidationError as exc:
        return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
    try:
        check_intake(app, TODAY, STRICT)
    except ApplicationRejected as exc:
        return str(exc)
    return ""


@pytest.mark.parametrize(("label", "mutate", "fragment"), BAD_APPLICATIONS + BAD_AT_INTAKE, ids=lambda x: str(x)[:40])
def test_bad_application_is_refused_naming_the_problem(label: str, mutate: Mutation, fragment: str) -> None:
    """Each malformed application is refused, and the message names the field or rule at fault."""
    data = copy.deepcopy(EXAMPLE)
    mutate(data)
    message = refusal(data)
    assert message, f"{label}: accepted"
    assert fragment in message, f"{label}: {message}"


def test_the_example_itself_passes() -> None:
    """The corpus starts from a valid application, so each refusal is due to its mutation."""
    data = copy.deepcopy(EXAMPLE)
    data["applicant"]["id_number"] = valid_id_number()
    assert refusal(data) == ""


@settings(max_examples=60, deadline=None)
@given(
    field=st.sampled_from(["external_ref", "agency", "channel", "received", "description", "form", "delivery"]),
    value=st.one_of(st.integers(), st.floats(allow_nan=True), st.lists(st.integers(), max_size=2), st.booleans()),
)
def test_generated_wrong_types_are_refused(field: str, value: Any) -> None:
    """Property: a number, list or boolean where a string, enum or date belongs is refused naming that field."""
    data = copy.deepcopy(EXAMPLE)
    data[field] = value
    message = refusal(data)
    assert field in message


PEOPLE = {
    "li": [Role.REVIEWER],
    "wang": [Role.SECRECY_REVIEWER],
    "zhao": [Role.HEAD],
    "desk": [Role.INTAKE],
    "sun": [Role.SUPERVISOR],
}

BAD_ACTIONS: list[tuple[str, Any, str]] = [
    ("approve", {}, "by"),
    ("approve", {"by": ""}, "by"),
    ("approve", {"by": "li", "colour": "red"}, "colour"),
    ("approve", "li", "JSON object"),
    ("approve", None, "JSON object"),
    ("approve", {"by": "sun"}, "reviewer"),
    ("approve", {"by": "x" * 500}, "by"),
    ("deny", {"by": "li"}, "reason"),
    ("deny", {"by": "li", "reason": "because"}, "reason code"),
    ("deny", {"by": "li", "reason": "state_secret", "note": "n" * 5000}, "note"),
    ("decide", {"by": "li", "outcome": "bogus"}, "outcome"),
    ("decide", {"by": "li", "outcome": "not_disclosed"}, "reason"),
    ("decide", {"by": "li", "outcome": "partly_disclosed", "reason": "repeated_request"}, "cannot justify"),
    ("decide", {"by": "li", "outcome": "not_disclosed", "reason": "not_held"}, "cannot_provide"),
    ("decide", {"by": "li", "outcome": "withdrawn"}, "withdrawn"),
    ("confirm_receipt", {"by": "desk", "received": "2026-01-05"}, "awaiting_receipt"),
    ("request_correction", {"by": "li", "items": []}, "items"),
    ("request_correction", {"by": "sun", "items": ["x"]}, "reviewer"),
    ("request_correction", {"by": "li", "items": ["x"] * 31}, "items"),
    ("request_correction", {"by": "li", "items": ["x"], "period_days": 0}, "period_days"),
    ("request_correction", {"by": "li", "items": [""]}, "items"),
    ("submit_correction", {"by": "desk", "received": "2026-11-20"}, "awaiting_correction"),
    ("extend", {"by": "li", "reason": "材料较多"}, "head"),
    ("extend", {"by": "zhao"}, "reason"),
    ("extend", {"by": "zhao", "reason": "x", "days": 61}, "days"),
    ("extend", {"by": "zhao", "reason": "x", "days": 0}, "days"),
    ("extend", {"by": "zhao", "reason": "x", "until": "2027-01-01"}, "until"),
    ("set_longer_period", {"by": "li", "reason": "x", "days": 60}, "head"),
    ("set_longer_period", {"by": "zhao", "reason": "x", "days": 10}, "not longer"),
    ("set_longer_period", {"by": "zhao", "reason": "x"}, "days"),
    ("consult", {"by": "li", "kind": "oracle", "party": "x"}, "kind"),
    ("consult", {"by": "li", "kind": "agency", "party": ""}, "party"),
    ("consult", {"by": "sun", "kind": "agency", "party": "财政局"}, "reviewer"),
    ("consultation_answer", {"by": "li", "consultation": "c9", "answer": "consent"}, "c9"),
    ("consultation_answer", {"by": "li", "consultation": "x1", "answer": "consent"}, "consultation"),
    ("consultation_answer", {"by": "li", "consultation": "c1", "answer": "maybe"}, "answer"),
    ("fee_notice", {"by": "li", "method": "barter"}, "method"),
    ("fee_notice", {"by": "li", "method": "count", "pages": 10}, "no pages"),
    ("fee_notice", {"by": "li", "method": "volume", "pages": 0}, "pages"),
    ("fee_notice", {"by": "sun", "method": "volume", "pages": 200}, "reviewer"),
    ("pay_fee", {"by": "desk"}, "awaiting_payment"),
    ("waive_fee", {"by": "zhao", "reason": "x"}, "awaiting_payment"),
    ("withdraw", {"by": "desk", "note": "n" * 5000}, "note"),
    ("recompute_clock", {}, "by"),
    ("no_such_action", {"by": "li"}, ""),
]


@pytest.fixture
async def env(
    time_skipping_env: WorkflowEnvironment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> WorkflowEnvironment:
    monkeypatch.setenv("OGI_HOME", str(tmp_path))
    return time_skipping_env


async def test_bad_actions_are_refused_as_updates_and_recorded_as_signals(env: WorkflowEnvironment) -> None:
    """Every bad action: an Update is refused with a reason and changes nothing; a Signal is recorded as refused."""
    async with case_worker(env.client) as queue:
        handle = await start_case(env.client, queue, beijing_date(await env.get_current_time()), people=PEOPLE)
        before = await settled(handle)
        assert before.stage is Stage.REVIEW
        messages: dict[str, str] = {}
        for name, payload, fragment in BAD_ACTIONS:
            with pytest.raises(WorkflowUpdateFailedError) as info:
                await handle.execute_update(name, payload)
            message = str(info.value.cause)
            messages[f"{name} {payload!r:.60}"] = message
            assert message
            assert fragment in message, f"{name} {payload!r:.80}: {message}"
            assert await state_of(handle) == before, f"{name} changed the case"
        known = [(n, p) for n, p, _ in BAD_ACTIONS if n != "no_such_action"]
        for name, payload in known:
            await handle.signal(name, payload)
        after = await state_of(handle)
        refused = after.events[len(before.events) :]
        # Identical refusals (same action, sender and reason) are counted on one entry, none is lost.
        assert sum(e.count for e in refused) == len(known)
        assert len({(e.action, e.by, e.detail) for e in refused}) == len(refused)
        assert all(not e.accepted and e.detail for e in refused)
        assert after.stage is before.stage
        assert after.clock_view == before.clock_view
        assert after.model_copy(update={"events": before.events}) == before
        # The worker is still serving the case: a good action goes through after all that.
        await handle.execute_update("approve", {"by": "li"})
        assert (await state_of(handle)).stage is Stage.SECRECY_REVIEW


def test_corpus_size() -> None:
    """At least 100 bad inputs are tried (generated ones not counted)."""
    assert len(BAD_APPLICATIONS) + len(BAD_AT_INTAKE) + len(BAD_ACTIONS) >= 100
