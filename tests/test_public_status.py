"""The applicant's view of a case and the query code that guards it."""

from __future__ import annotations

import json

import pytest

from domain.calendar import load_calendar
from domain.case import CaseState, Stage
from domain.public_status import public_status as _public_status
from domain.query_code import code_digest, code_matches, normalize_code, query_code
from infra.i18n import translator
from service import public
from service.cases import no_worker
from service.errors import NotFound
from service.errors import Unavailable as ServiceUnavailable
from tests.test_preview import acted, case, with_period_ends


def public_status(state: CaseState) -> object:
    """The applicant's view as the Chinese pages and API say it (the default language)."""
    return _public_status(state, say=translator("zh"))


SECRET = b"s" * 32
CAL = load_calendar(None)


class TestQueryCode:
    def test_deterministic_readable_and_per_case(self) -> None:
        """Two groups of five base32 characters; the same for a case, another for the next case or key."""
        code = query_code("LAMZ-2026-000001", SECRET)
        assert len(code) == 11 and code[5] == "-" and code.replace("-", "").isalnum()
        assert query_code("LAMZ-2026-000001", SECRET) == code
        assert query_code("LAMZ-2026-000002", SECRET) != code
        assert query_code("LAMZ-2026-000001", b"other") != code

    def test_typed_any_way_it_matches(self) -> None:
        """Lower case, without the hyphen or with spaces: still the code; another code or no digest: not."""
        code = query_code("LAMZ-2026-000001", SECRET)
        digest = code_digest(code)
        assert code_matches(code.lower().replace("-", " "), digest)
        full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in code)  # as a Chinese input method types it
        assert code_matches(full_width, digest)
        read_out = code.replace("O", "0").replace("I", "1").replace("B", "8")
        assert code_matches(read_out, digest)
        assert normalize_code("ｋ0ｑ1８ - x y") == "KOQIBXY"
        assert not code_matches(query_code("LAMZ-2026-000002", SECRET), digest)
        assert not code_matches(code, None)


class TestPublicStatus:
    def test_in_review_shows_the_due_date_and_nothing_internal(self) -> None:
        """Being handled, due 18 Dec 2026; the reviewer's proposal and id stay inside."""
        proposed = acted(case(), "deny", {"by": "reviewer-li-9", "reason": "state_secret", "note": "内部意见"})
        view = public_status(proposed)
        assert proposed.stage is Stage.SECRECY_REVIEW
        assert view.stage.startswith("办理中")
        assert view.due is not None and view.due.isoformat() == "2026-12-18"
        assert not view.due_is_earliest
        text = json.dumps(view.model_dump(mode="json"), ensure_ascii=False)
        for internal in ("reviewer-li-9", "内部意见", "state_secret", "secrecy"):
            assert internal not in text

    def test_waiting_for_the_applicants_correction(self) -> None:
        """The clock stops; the view lists what to correct and by when (15 working days: 15 Dec 2026).

        No due date: the period starts afresh from the corrected application (Art 30), so any date shown
        now would be wrong.
        """
        asked = with_period_ends(acted(case(), "request_correction", {"by": "li", "items": ["请写明文件名称"]}))
        view = public_status(asked)
        assert view.clock_stopped
        assert (view.due, view.due_is_earliest) == (None, False)
        assert view.waiting_for == ["请于 2026-12-15 前补正：请写明文件名称（机关收到补正后重新计算答复期限）"]

    def test_waiting_for_a_consultation(self) -> None:
        """A third party's opinion stops the clock; the party itself is not named."""
        consulted = with_period_ends(acted(case(), "consult", {"by": "li", "kind": "third_party", "party": "某某公司"}))
        view = public_status(consulted)
        assert view.clock_stopped
        assert view.due is not None and view.due_is_earliest
        assert len(view.waiting_for) == 1 and "第三方" in view.waiting_for[0]
        assert "某某公司" not in view.waiting_for[0]

    def test_a_due_date_in_an_unannounced_year_says_so(self) -> None:
        """Extended into January 2027, whose notice is not loaded: the applicant is told the date may move."""
        extended = acted(case(), "extend", {"by": "zhao", "reason": "材料较多"})
        view = public_status(extended)
        assert view.due is not None and view.due.year == 2027
        assert view.due_provisional
        assert not public_status(case()).due_provisional

    def test_awaiting_receipt_has_no_due_date(self) -> None:
        """Before receipt is confirmed there is no reply period yet."""
        view = public_status(case(None))
        assert (view.due, view.clock_stopped, view.waiting_for) == (None, False, [])
        assert view.stage.startswith("待确认收到")

    def test_closed_shows_the_outcome_and_no_due_date(self) -> None:
        """A withdrawn case: closed, outcome 申请人撤回, no due date."""
        view = public_status(acted(case(), "withdraw", {"by": "desk"}))
        assert (view.stage, view.outcome, view.due) == ("已办结", "申请人撤回", None)
        assert view.closed_on is not None


class TestLookup:
    async def test_no_worker_reads_as_try_later_not_as_a_wrong_code(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """When the case cannot be read right now, the applicant is told to try later, not to re-check the code."""

        async def no_answer(case_id: str) -> CaseState:
            raise no_worker(case_id)

        monkeypatch.setattr(public, "fetch_state", no_answer)
        with pytest.raises(ServiceUnavailable, match="cannot be checked right now; try again later"):
            await public.status("LAMZ-2026-000001", "AAAAA-AAAAA")

    async def test_unknown_case_and_wrong_code_read_the_same(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A case that does not exist and a wrong code give one message, so neither confirms the other."""

        async def unknown(case_id: str) -> CaseState:
            raise NotFound(f"no case '{case_id}'")

        async def found(case_id: str) -> CaseState:
            return case().model_copy(update={"query_code_digest": code_digest("BBBBB-BBBBB")})

        answers = []
        for fetch in (unknown, found):
            monkeypatch.setattr(public, "fetch_state", fetch)
            with pytest.raises(NotFound) as caught:
                await public.status("LAMZ-2026-000001", "AAAAA-AAAAA")
            answers.append((str(caught.value), caught.value.code, caught.value.status))
        assert answers[0] == answers[1]
