"""Documents from the case as the actions left it: every date from the case's clock, the law's words by version."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from domain.case import CasePolicy, CaseState
from domain.config import Agency, AgencyKind, RulesProfile
from domain.document_inputs import notice_input, reply_input, service_receipt_input
from domain.documents import DocumentInputError, DocumentKind, build_document
from domain.outcomes import Outcome, Reason
from tests.test_preview import acted, case, with_period_ends
from tests.workflow_support import application

APP = application(received="2026-11-20")
AGENCY = Agency(code="LAMZ", parent="六安市人民政府", contact="联系电话：0564-3371234")
ON = date(2026, 11, 25)


def text(kind: DocumentKind, state: CaseState, policy: CasePolicy | None = None, **extra: Any) -> str:
    inp = notice_input(kind, state, APP, policy or CasePolicy(), ON, agency=AGENCY, **extra)
    return build_document(inp.model_copy(update={"number": "六民依申请〔2026〕5号"})).text()


class TestNotices:
    def test_acknowledgement_names_the_due_date_of_the_clock(self) -> None:
        """20 working days after Friday 20 November 2026 end on Friday 18 December (hand-counted)."""
        out = text(DocumentKind.ACKNOWLEDGEMENT, case())
        assert "2026年12月18日前" in out and "20个工作日" in out and "2026年11月20日收到并登记" in out

    def test_correction_notice_lists_the_items_and_the_deadline(self) -> None:
        """The items asked for, the period and its end as the clock computed it."""
        state = with_period_ends(acted(case(), "request_correction", {"by": "li", "items": ["请写明文件名称"]}))
        assert state.correction is not None and state.correction.respond_by is not None
        out = text(DocumentKind.CORRECTION_NOTICE, state)
        assert "1. 请写明文件名称" in out and "第三十条" in out
        assert f"{state.correction.respond_by.due.month}月{state.correction.respond_by.due.day}日前" in out

    def test_extension_notice_gives_the_new_due_date(self) -> None:
        """The extension's reason and the due date after it."""
        state = acted(case(), "extend", {"by": "zhao", "reason": "材料较多"})
        out = text(DocumentKind.EXTENSION_NOTICE, state)
        assert "因材料较多" in out and "延长20个工作日" in out and "2027年1月18日前" in out

    def test_consultation_letter_for_the_named_consultation(self) -> None:
        """The letter goes to the consulted party, with the Art 34 silence rule for an agency."""
        state = with_period_ends(acted(case(), "consult", {"by": "li", "kind": "agency", "party": "六安市财政局"}))
        out = text(DocumentKind.CONSULTATION_LETTER, state, subject=state.consultations[0].id)
        assert out.splitlines()[6] == "六安市财政局：" and "视为同意公开" in out
        with pytest.raises(DocumentInputError, match="no consultation"):
            text(DocumentKind.CONSULTATION_LETTER, state, subject="nope")

    def test_fee_notice_from_the_cases_fee(self) -> None:
        """250 pages by volume: ¥4,700, and the pay-by date the clock set."""
        state = with_period_ends(acted(case(), "fee_notice", {"by": "li", "method": "volume", "pages": 250}))
        out = text(DocumentKind.FEE_NOTICE, state)
        assert "人民币4,700元" in out and "本申请共250页" in out

    def test_a_2008_case_cites_the_2008_articles(self) -> None:
        """A case under the 2008 profile: the 2008 reply period and article."""
        policy = CasePolicy(profile="2008", rules=RulesProfile(reply_days=15, extension_days=15))
        out = text(DocumentKind.ACKNOWLEDGEMENT, case(), policy)
        assert "第二十四条" in out and "15个工作日" in out and "国务院令第492号" in out

    def test_a_notice_before_its_facts_is_refused(self) -> None:
        """No extension yet: the extension notice names what it lacks instead of printing blanks."""
        with pytest.raises(DocumentInputError, match="extension_days"):
            text(DocumentKind.EXTENSION_NOTICE, case())


class TestReply:
    def test_reply_to_a_decision_with_the_agencys_reconsideration_body(self) -> None:
        """The reply to not_ours names the other agency and the reconsideration body of the agency's kind."""
        state = acted(case(), "decide", {"by": "li", "outcome": "cannot_provide", "reason": "not_held"})
        assert state.decision is not None
        decision = state.decision.model_copy(update={"reasons": [Reason.NOT_OURS], "refer_to": "六安市财政局"})
        gov = Agency(code="JAQ", kind=AgencyKind.PEOPLES_GOVERNMENT, parent="六安市人民政府")
        inp = reply_input(state, APP, decision, CasePolicy(), ON, agency=gov, refer_to_contact="0564-3370000")
        out = build_document(inp.model_copy(update={"number": "金政依申请〔2026〕1号"})).text()
        assert "负责公开该政府信息的行政机关为六安市财政局（联系方式：0564-3370000）" in out
        assert "向六安市人民政府申请行政复议" in out

    def test_repeated_request_reply_with_the_earlier_number(self) -> None:
        """The earlier reply found in the register is named in the reply."""
        state = acted(case(), "decide", {"by": "li", "outcome": "not_handled", "reason": "repeated_request"})
        assert state.decision is not None and state.decision.outcome is Outcome.NOT_HANDLED
        inp = reply_input(
            state,
            APP,
            state.decision,
            CasePolicy(),
            ON,
            earlier_reply_number="六民依申请〔2026〕3号",
            earlier_reply_date=date(2026, 3, 9),
        )
        out = build_document(inp.model_copy(update={"number": "六民依申请〔2026〕9号"})).text()
        assert "2026年3月9日作出答复（六民依申请〔2026〕3号）" in out


def test_service_receipt_names_the_served_document_and_address() -> None:
    """The 送达回证 names the document served, the applicant and where it went."""
    inp = service_receipt_input(
        case(), APP, CasePolicy(), ON, served_title="政府信息公开申请答复书", served_number="六民依申请〔2026〕5号"
    )
    content = build_document(inp)
    rows = {row.label: row.value for row in content.table}
    assert rows["送达文书"] == "《政府信息公开申请答复书》（六民依申请〔2026〕5号）"
    assert rows["受送达人"] == APP.applicant.name
